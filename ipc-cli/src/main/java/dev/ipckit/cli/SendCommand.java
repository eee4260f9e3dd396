package dev.ipckit.cli;

import dev.ipckit.Channel;
import dev.ipckit.IpcException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ipc send URI [MESSAGE...]}: sends messages and exits once they are all on their way. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Send each MESSAGE, or without any, each line of stdin (UTF-8, without its line end) "
        + "as one message; exit 0 once all are sent and flushed."},
    footer = {"", "Examples:", "  ipc send unix:///tmp/demo.sock hello world        (two messages)",
        "  printf '%s\\n' a b c | ipc send tcp://127.0.0.1:7000",
        "  ipc send --hex --reply tcp://127.0.0.1:7000 00ff10   (prints the answer)"})
final class SendCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "URI", description = "Where to send, e.g. tcp://127.0.0.1:7000.")
  String uri;

  @Parameters(index = "1..*", paramLabel = "MESSAGE", description = "The messages; none: read stdin.")
  List<String> messages = new ArrayList<>();

  @Option(names = "--hex", description = "Messages (and replies) are hex digits: 68690a is \"hi\\n\".")
  boolean hex;

  @Option(names = "--reply", description = "After each message, wait for one message back and print it "
      + "as `ipc listen` does.")
  boolean reply;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "How long --reply waits for each answer (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  private long sent;

  @Override
  public Integer call() throws Exception {
    Endpoint endpoint = Endpoint.of(uri);
    // every argument is checked before anything is sent
    List<byte[]> given = new ArrayList<>();
    for (String m : messages) {
      given.add(bytes(m));
    }
    Printer out = new Printer(hex);
    try (Channel ch = endpoint.open()) {
      if (!messages.isEmpty()) {
        for (byte[] m : given) {
          send(ch, m, out);
        }
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          send(ch, bytes(line), out);
        }
      }
      ch.flush();
    }
    return 0;
  }

  private void send(Channel ch, byte[] message, Printer out) throws IOException {
    ch.send(message);
    sent++;
    if (!reply) {
      return;
    }
    ch.flush();
    Duration timeout = Duration.ofMillis(Math.round(timeoutSeconds * 1000));
    ByteBuffer answer = ch.receive(timeout);
    if (answer == null) {
      throw new IpcException("no reply to message " + sent + " from " + ch.uri() + " within " + timeoutSeconds + " s");
    }
    out.print(answer);
  }

  private byte[] bytes(String message) throws BadArgumentException {
    return hex ? MessageText.parseHex(message) : message.getBytes(StandardCharsets.UTF_8);
  }
}
