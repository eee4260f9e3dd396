package dev.ipckit.stream;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Capabilities;
import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ChannelOptions;
import dev.ipckit.ChannelUri;
import dev.ipckit.InvalidChannelUriException;
import dev.ipckit.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** FramedChannel with framing=ndjson over a JDK Unix socket; the raw end plays Node. */
@Timeout(30)
class NdjsonFramingTest {
  @TempDir Path dir;
  private SocketChannel raw;
  private Channel ch;

  @BeforeEach
  void connect() throws IOException {
    Path sock = dir.resolve("s.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      raw = SocketChannel.open(UnixDomainSocketAddress.of(sock));
      SocketChannel mine = server.accept();
      ChannelOptions options = ChannelOptions.from(ChannelUri.parse("test:x?maxMessage=1MiB"));
      ch = new FramedChannel("test:ndjson", new SelectableLink(mine), options, Capabilities.of(),
          options.maxMessage(), Optional.empty(), Framing.NDJSON);
    }
    Files.deleteIfExists(sock);
  }

  @AfterEach
  void close() throws IOException {
    ch.close();
    raw.close();
  }

  private void rawWrite(String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      raw.write(b);
    }
  }

  private String rawRead(int lines) throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    int seen = 0;
    while (seen < lines) {
      b.clear();
      if (raw.read(b) < 0) {
        break;
      }
      String got = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
      seen += (int) got.chars().filter(c -> c == '\n').count();
      sb.append(got);
    }
    return sb.toString();
  }

  private String receive() throws IOException {
    ByteBuffer m = ch.receive(Duration.ofSeconds(5));
    assertNotNull(m, "no message");
    return StandardCharsets.UTF_8.decode(m).toString();
  }

  @Test
  void messagesAreLinesBothWays() throws IOException {
    String[] msgs = {"\"a string\"", "42", "-1.5e3", "{\"nested\":{\"list\":[1,\"two\",null,true]}}",
        "\"grüß dich, 世界, 🎉\"", "[]"};
    StringBuilder in = new StringBuilder();
    for (String m : msgs) {
      in.append(m).append('\n');
    }
    rawWrite(in.toString());
    for (String m : msgs) {
      assertEquals(m, receive());
    }
    for (String m : msgs) {
      ch.send(m.getBytes(StandardCharsets.UTF_8));
    }
    ch.flush();
    assertEquals(in.toString(), rawRead(msgs.length));
  }

  @Test
  void aLineLongerThanTheReceiveBufferArrivesWhole() throws IOException {
    String big = "\"" + "x".repeat(700_000) + "\"";
    CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
      try {
        rawWrite(big + "\n" + "1\n");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertEquals(big, receive());
    assertEquals("1", receive());
    w.join();
    String out = "\"" + "y".repeat(600_000) + "\"";
    CompletableFuture<String> r = CompletableFuture.supplyAsync(() -> {
      try {
        return rawRead(1);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    ch.send(out.getBytes(StandardCharsets.UTF_8));
    assertEquals(out + "\n", r.join());
  }

  @Test
  void nodesInternalMessagesAreDropped() throws IOException {
    rawWrite("{\"cmd\":\"NODE_HANDLE_ACK\"}\n\"after\"\n");
    assertEquals("\"after\"", receive());
  }

  @Test
  void aMalformedLineIsAProtocolErrorThatNamesIt() throws IOException {
    rawWrite("{\"ok\":1}\n{\"broken\": tru}\n");
    assertEquals("{\"ok\":1}", receive());
    ProtocolException e = assertThrows(ProtocolException.class, this::receive);
    assertTrue(e.getMessage().contains("malformed ndjson line from the peer: the line is not one JSON value: "
        + "expected 'true'"), e.getMessage());
    assertTrue(e.getMessage().contains("test:ndjson"), e.getMessage());
    assertFalse(ch.isOpen());
  }

  @Test
  void aLineAboveMaxMessageIsAProtocolError() throws IOException {
    CompletableFuture.runAsync(() -> {
      try {
        rawWrite("\"" + "z".repeat(1 << 20) + "\"\n");
      } catch (IOException ignored) {
        // the channel hung up on us
      }
    });
    ProtocolException e = assertThrows(ProtocolException.class, this::receive);
    assertTrue(e.getMessage().contains("1048576 bytes (maxMessage)"), e.getMessage());
  }

  @Test
  void endOfStreamIsTheCloseAndAHalfLineIsTruncation() throws IOException {
    rawWrite("1\n");
    raw.shutdownOutput();
    assertEquals("1", receive());
    ChannelClosedException e = assertThrows(ChannelClosedException.class, this::receive);
    assertTrue(e.getMessage().contains("peer closed channel test:ndjson (end of stream)"), e.getMessage());
  }

  @Test
  void aHalfLineAtTheEndIsTruncation() throws IOException {
    rawWrite("{\"half\":");
    raw.shutdownOutput();
    ProtocolException e = assertThrows(ProtocolException.class, this::receive);
    assertTrue(e.getMessage().contains("truncated line"), e.getMessage());
  }

  @Test
  void whatCannotBeALineIsRefusedBeforeSending() throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ch.send("[1,\n2]".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("contains a newline"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ch.send("not json".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("not one JSON value"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ch.send(new byte[0]));
    e = assertThrows(IllegalArgumentException.class,
        () -> ch.send("{\"cmd\":\"NODE_HANDLE\"}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("NODE_"), e.getMessage());
    ch.send("\"still usable\"".getBytes(StandardCharsets.UTF_8));
    ch.flush();
    assertEquals("\"still usable\"\n", rawRead(1));
  }

  @Test
  void closingEndsTheStreamWithoutAGoodbye() throws IOException {
    ch.send("7".getBytes(StandardCharsets.UTF_8));
    ch.close();
    assertEquals("7\n", rawRead(2));
  }

  @Test
  void theFramingOptionIsChecked() throws Exception {
    assertSame(Framing.NDJSON, Framing.of(ChannelUri.parse("fd:3?framing=ndjson")));
    assertSame(Framing.IPCKIT, Framing.of(ChannelUri.parse("fd:3")));
    assertThrows(InvalidChannelUriException.class, () -> Framing.of(ChannelUri.parse("fd:3?framing=xml")));
  }
}
