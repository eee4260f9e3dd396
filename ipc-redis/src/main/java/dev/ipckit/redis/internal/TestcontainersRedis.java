package dev.ipckit.redis.internal;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

/**
 * A Redis container started through Testcontainers, which is an optional dependency: it is
 * reached by reflection only, so ipc-redis compiles and runs without it (not API).
 *
 * <p>The container's port 6379 is bound to a fixed host port chosen up front, so a stop (which
 * removes the container) and a start give a new container on the same address.
 */
public final class TestcontainersRedis implements AutoCloseable {
  /** The image used: the Redis major version Debian 12 ships. */
  public static final String IMAGE = "redis:7.0";

  private final Object container;
  private final Class<?> type;
  private final int port;

  private TestcontainersRedis(Object container, Class<?> type, int port) {
    this.container = container;
    this.type = type;
    this.port = port;
  }

  /**
   * A container definition bound to {@code hostPort}, not started yet.
   *
   * @throws IOException naming why not: Testcontainers is not on the class path, or no Docker
   *     engine answers
   */
  public static TestcontainersRedis create(int hostPort) throws IOException {
    ClassLoader loader = TestcontainersRedis.class.getClassLoader();
    try {
      Class<?> factory = Class.forName("org.testcontainers.DockerClientFactory", true, loader);
      Object instance = factory.getMethod("instance").invoke(null);
      if (!(Boolean) factory.getMethod("isDockerAvailable").invoke(instance)) {
        throw new IOException("Testcontainers finds no Docker engine");
      }
      Class<?> type = Class.forName("org.testcontainers.containers.GenericContainer", true, loader);
      Object c = type.getConstructor(String.class).newInstance(IMAGE);
      type.getMethod("withExposedPorts", Integer[].class).invoke(c, (Object) new Integer[] {6379});
      type.getMethod("setPortBindings", List.class).invoke(c, List.of(hostPort + ":6379"));
      return new TestcontainersRedis(c, type, hostPort);
    } catch (ClassNotFoundException e) {
      throw new IOException("org.testcontainers:testcontainers is not on the class path");
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IOException("Testcontainers failed: " + Errors.describe(unwrap(e)), unwrap(e));
    }
  }

  public int port() {
    return port;
  }

  public void start() throws IOException {
    call("start");
  }

  /** Stops and removes the container. */
  public void stop() throws IOException {
    call("stop");
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  private void call(String name) throws IOException {
    try {
      Method m = type.getMethod(name);
      m.invoke(container);
    } catch (ReflectiveOperationException e) {
      throw new IOException("Testcontainers " + name + " of " + IMAGE + " failed: "
          + Errors.describe(unwrap(e)), unwrap(e));
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
  }
}
