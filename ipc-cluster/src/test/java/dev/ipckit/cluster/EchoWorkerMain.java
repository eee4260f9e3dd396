package dev.ipckit.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/** A worker without a port for the supervisor's own tests; args[0] says how it behaves. */
public final class EchoWorkerMain {
  private EchoWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    if (mode.equals("crash")) {
      System.exit(3); // before it is ever ready
    }
    Worker worker = Worker.current();
    if (mode.equals("silent")) {
      Thread.sleep(Long.MAX_VALUE); // never ready
    }
    worker.onMessage(m -> {
      String text = StandardCharsets.UTF_8.decode(m).toString();
      if (text.equals("die")) {
        System.exit(7);
      }
      try {
        worker.send(ByteBuffer.wrap(("echo " + worker.slot() + " " + worker.generation() + " " + text)
            .getBytes(StandardCharsets.UTF_8)));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    worker.ready();
    new CountDownLatch(1).await(); // until the supervisor asks it to stop
  }
}
