package dev.ipckit.pipe;

import static org.junit.jupiter.api.Assertions.*;

import dev.ipckit.Channel;
import dev.ipckit.ChannelClosedException;
import dev.ipckit.ProtocolException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Node.js interop over framing=ndjson, against the real {@code node} (CI installs it): a Java
 * parent and a Node child talking through Node's own process.send / process.on('message'), and a
 * Node parent with a Java child that opens NODE_CHANNEL_FD.
 */
@Timeout(90)
class NodeInteropTest {
  /** JSON as Node's JSON.stringify writes it, so the echo can be compared byte for byte. */
  private static final List<String> MESSAGES = List.of(
      "\"a string\"",
      "42",
      "-1.5e-7",
      "{\"nested\":{\"list\":[1,\"two\",null,true,{\"deeper\":[]}]}}",
      "\"grüß dich, 世界, 🎉\"",
      "[\"mixed\",3.25,{\"ключ\":\"значение\"}]",
      // an escaped newline inside a message is not the end of its line
      "\"quote \\\" back\\\\slash\\nnew line\"");

  private static Path script(String name) throws URISyntaxException {
    return Path.of(NodeInteropTest.class.getResource("/node/" + name).toURI());
  }

  private static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  @Test
  void aJavaParentTalksWithANodeChildThroughProcessSend() throws Exception {
    try (ChildProcess node = Spawn.node(script("echo-child.js").toString()).start()) {
      Channel ch = node.channel();
      for (String m : MESSAGES) {
        ch.send(m.getBytes(StandardCharsets.UTF_8));
        ByteBuffer back = ch.receive(Duration.ofSeconds(20));
        assertNotNull(back, "node did not answer " + m);
        assertEquals("{\"echo\":" + m + "}", text(back));
      }
      ch.send("{\"cmd\":\"exit\",\"code\":3}".getBytes(StandardCharsets.UTF_8));
      assertEquals(ExitStatus.exited(3), node.exit().get(20, TimeUnit.SECONDS));
      assertThrows(ChannelClosedException.class, () -> ch.receive(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aNodeChildExitsWhenTheJavaParentCloses() throws Exception {
    try (ChildProcess node = Spawn.node(script("echo-child.js").toString()).start()) {
      node.channel().send("1".getBytes(StandardCharsets.UTF_8));
      assertEquals("{\"echo\":1}", text(node.channel().receive(Duration.ofSeconds(20))));
      node.channel().close();
      assertEquals(ExitStatus.exited(0), node.exit().get(20, TimeUnit.SECONDS), "node's 'disconnect' handler");
    }
  }

  @Test
  void aMalformedLineFromNodeIsAProtocolErrorThatNamesIt() throws Exception {
    try (ChildProcess node = Spawn.node(script("echo-child.js").toString()).start()) {
      Channel ch = node.channel();
      ch.send("{\"cmd\":\"garbage\"}".getBytes(StandardCharsets.UTF_8));
      ProtocolException e = assertThrows(ProtocolException.class, () -> ch.receive(Duration.ofSeconds(20)));
      assertTrue(e.getMessage().contains("malformed ndjson line from the peer: the line is not one JSON value: "
          + "expected 'true', found '}'"), e.getMessage());
      assertTrue(e.getMessage().contains("(child " + node.pid() + " (node "), e.getMessage());
      node.kill(Signal.KILL);
      node.waitFor();
    }
  }

  @Test
  void aNodeParentTalksWithAJavaChildThroughNodeChannelFd() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ChildProcess parent = Spawn.command("node", script("java-parent.js").toString(), java,
        System.getProperty("java.class.path"), NodeChildMain.class.getName()).stdout(Stdio.PIPE).start();
    String out = new String(parent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, parent.waitFor(), out);
    assertEquals("ok " + MESSAGES.size() + "\n", out);
    parent.close();
  }
}
