package dev.ipckit.cli;

import dev.ipckit.InvalidChannelUriException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * How a command that failed ends: one line on stderr naming the command and the reason, exit code
 * 2 for arguments it cannot use (bad URI, unknown scheme) and 1 for failures while it ran (peer
 * gone, Redis down). {@code --verbose} adds the stack trace.
 */
final class Failures implements IExecutionExceptionHandler {
  static final int RUNTIME = 1;
  static final int BAD_ARGUMENT = 2;

  private final IpcCommand top;

  Failures(IpcCommand top) {
    this.top = top;
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    err.println(command.getCommandSpec().qualifiedName() + ": " + oneLine(e));
    if (top.verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCode(e);
  }

  static int exitCode(Throwable e) {
    // a URI that only the transport finds wrong (tcp://host:notaport) is still a bad argument
    return e instanceof BadArgumentException || e instanceof InvalidChannelUriException ? BAD_ARGUMENT : RUNTIME;
  }

  /** The reason on one line: the message, or the exception's name when it has none. */
  static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
