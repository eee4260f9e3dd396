package dev.ipckit.redis;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, made with the
 * {@code openssl} command (.ci/run installs it) in a directory the test owns.
 */
record TestCertificates(Path ca, Path cert, Path key) {

  static TestCertificates generate(Path dir) throws Exception {
    String openssl = LocalRedis.onPath("openssl").map(Object::toString).orElseGet(() ->
        RedisForTests.unavailable("openssl is not on the PATH (Debian/Ubuntu: apt-get install -y openssl)"));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=ipckit test CA");
    run(dir, openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1");
    run(dir, openssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
    return new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"));
  }

  private static void run(Path dir, String... cmd) throws Exception {
    File log = dir.resolve("openssl.log").toFile();
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", List.of(cmd)) + " failed: " + Files.readString(log.toPath()));
    }
  }
}
