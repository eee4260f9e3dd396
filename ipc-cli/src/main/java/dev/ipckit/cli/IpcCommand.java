package dev.ipckit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code ipc}: the top command, which only lists its subcommands. */
@Command(name = "ipc", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "ipckit from the shell: talk to any transport by its URI (like socat), or compare them.",
    subcommands = {BenchDelegate.class, SendCommand.class, ListenCommand.class, EchoCommand.class},
    footer = {"", "Exit codes: 0 done, 1 failed while running (peer gone, server down), "
        + "2 bad usage, bad URI or unknown scheme.",
        "URIs and their options: README.md and docs/OPTIONS.md."})
final class IpcCommand implements Runnable {
  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "On failure, print the stack trace, not only the one-line reason.")
  boolean verbose;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // `ipc` alone: what there is to run
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed");
  }
}
