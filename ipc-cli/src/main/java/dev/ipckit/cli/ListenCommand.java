package dev.ipckit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ipc listen URI}: prints every message as it arrives, one line each. */
@Command(name = "listen", mixinStandardHelpOptions = true,
    description = {"Print every message as it arrives, one line each: UTF-8 text with what would not print "
        + "escaped (\\n, \\xHH, \\u{HHHH}), or hex.",
        "Serves the URI (clients connecting are reported on stderr), or opens it with --connect or when "
        + "its transport has no server side (fd:, pipe:)."},
    footer = {"", "Examples:", "  ipc listen unix:///tmp/demo.sock",
        "  ipc listen 'redis://127.0.0.1:6379/0?channel=jobs' --connect   (subscribe to a Redis channel)"})
final class ListenCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "URI", description = "Where to listen, e.g. tcp://127.0.0.1:7000.")
  String uri;

  @Option(names = "--connect", description = "Open the URI as a client instead of serving it.")
  boolean connect;

  @Option(names = "--hex", description = "Print each message as hex digits.")
  boolean hex;

  @Option(names = "--count", paramLabel = "N", description = "Exit after N messages (default: run until stopped).")
  long count;

  @Override
  public Integer call() throws Exception {
    Endpoint endpoint = Endpoint.of(uri);
    Printer out = new Printer(hex);
    long[] printed = {0};
    MessagePump[] pump = new MessagePump[1];
    pump[0] = new MessagePump("ipc listen", (from, m) -> {
      synchronized (printed) {
        if (count > 0 && printed[0] >= count) {
          return; // another client's message, after the last one asked for
        }
        out.print(m);
        if (++printed[0] == count) {
          pump[0].stop();
        }
      }
    }, System.err);
    pump[0].run(endpoint, connect);
    return 0;
  }
}
