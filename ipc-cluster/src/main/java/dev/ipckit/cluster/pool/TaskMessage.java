package dev.ipckit.cluster.pool;

import dev.ipckit.codec.Codec;
import dev.ipckit.codec.CodecException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What the pool sends a worker: a task's name and its encoded input. The result comes back as
 * plain bytes. An empty name ({@link #READY}, which no {@link TaskType} can have) asks whether the
 * worker serves yet; it answers with an empty result.
 *
 * <pre>
 *  0        1                 1+n
 *  +--------+-----------------+--------------------------+
 *  | n (u8) | name, n B UTF-8 | payload (rest of message) |
 *  +--------+-----------------+--------------------------+
 * </pre>
 */
record TaskMessage(String name, byte[] payload) {
  static final TaskMessage READY = new TaskMessage("", new byte[0]);

  boolean isReadyProbe() {
    return name.isEmpty();
  }

  static final Codec<TaskMessage> CODEC = new Codec<>() {
    @Override
    public String name() {
      return "pool-task";
    }

    @Override
    public void encode(TaskMessage m, OutputStream out) throws IOException {
      byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
      if (name.length > TaskType.MAX_NAME_BYTES) {
        throw new CodecException(name(), "a task name takes at most " + TaskType.MAX_NAME_BYTES + " bytes");
      }
      out.write(name.length);
      out.write(name);
      out.write(m.payload());
    }

    @Override
    public TaskMessage decode(ByteBuffer message) throws CodecException {
      ByteBuffer b = message.duplicate();
      if (!b.hasRemaining()) {
        throw new CodecException(name(), "empty message: expected a task name's length");
      }
      int n = b.get() & 0xff;
      if (b.remaining() < n) {
        throw new CodecException(name(), "task name of " + n + " bytes, " + b.remaining() + " bytes left");
      }
      String name;
      try {
        name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .decode(b.slice(b.position(), n)).toString();
      } catch (CharacterCodingException e) {
        throw new CodecException(name(), "task name is not UTF-8", e);
      }
      b.position(b.position() + n);
      byte[] payload = new byte[b.remaining()];
      b.get(payload);
      return new TaskMessage(name, payload);
    }
  };
}
