package dev.ipckit.tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class in a child JVM with this JVM's class path; its output goes to a log file. */
public final class ChildJvm {
  private ChildJvm() {}

  public static Process start(Class<?> main, String... args) throws IOException {
    return start(main, List.of(), args);
  }

  public static Process start(Class<?> main, List<String> jvmArgs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    // the build's own directory, never /tmp: a test leaves nothing behind outside target/
    File dir = new File("target", "child-logs");
    dir.mkdirs();
    File log = new File(dir, main.getSimpleName() + ".log");
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
  }
}
