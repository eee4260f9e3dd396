package dev.ipckit.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Prints messages to standard output, one line each, as they arrive: text or hex. UTF-8 whatever
 * the locale. Safe to call from the threads of many clients at once: lines never interleave.
 */
final class Printer {
  private final OutputStream out;
  private final boolean hex;

  Printer(boolean hex) {
    this(new FileOutputStream(FileDescriptor.out), hex);
  }

  Printer(OutputStream out, boolean hex) {
    this.out = out;
    this.hex = hex;
  }

  synchronized void print(ByteBuffer message) throws IOException {
    String line = hex ? MessageText.hex(message) : MessageText.text(message);
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
