package dev.ipckit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ipc echo URI}: sends every message back to whoever sent it. */
@Command(name = "echo", mixinStandardHelpOptions = true,
    description = {"Send every message back to its sender.",
        "Serves the URI (clients connecting are reported on stderr), or opens it with --connect or when "
        + "its transport has no server side: under a Node parent, `ipc echo fd:env:NODE_CHANNEL_FD` answers "
        + "process.send (framing=ndjson is added) and exits when the parent disconnects."},
    footer = {"", "Examples:", "  ipc echo tcp://127.0.0.1:7000",
        "  child_process.spawn('./ipc', ['echo', 'fd:env:NODE_CHANNEL_FD'], {stdio: ['inherit', 'inherit', "
        + "'inherit', 'ipc']})"})
final class EchoCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "URI", description = "Where to serve, e.g. unix:///tmp/echo.sock.")
  String uri;

  @Option(names = "--connect", description = "Open the URI as a client instead of serving it.")
  boolean connect;

  @Override
  public Integer call() throws Exception {
    new MessagePump("ipc echo", (from, m) -> from.send(m), System.err).run(Endpoint.of(uri), connect);
    return 0;
  }
}
