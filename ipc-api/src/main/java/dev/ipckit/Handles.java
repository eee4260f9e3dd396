package dev.ipckit;

import com.sun.jna.Memory;
import dev.ipckit.internal.SocketCalls;
import java.io.FileDescriptor;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.newsclub.net.unix.AFServerSocketChannel;
import org.newsclub.net.unix.AFSocketChannel;
import org.newsclub.net.unix.FileDescriptorAccess;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Sockets that can travel as {@link Handle handles} over the channels that pass them (fd:,
 * unix:; Node's "send the server handle to the workers"):
 *
 * <pre>{@code
 * Handle listener = Handles.bindTcp(new InetSocketAddress("127.0.0.1", 8080), 128);   // supervisor
 * worker.channel().send(ByteBuffer.wrap(hello), listener);
 *
 * Delivery d = parent.receiveWithHandles(Duration.ofSeconds(10));                     // worker
 * ServerSocketChannel server = Handles.serverSocketChannel(d.handles().get(0));
 * SocketChannel client = server.accept();
 * }</pre>
 *
 * The JDK's own channels do not expose their descriptors, so a socket to pass is made here
 * ({@link #bindTcp}) or comes from one made here ({@link #serverSocketChannel}'s accept), or
 * from junixsocket. Needs junixsocket and JNA on the class path (ipc-pipe and ipc-socket bring
 * junixsocket; ipc-pipe brings JNA) and Linux.
 */
public final class Handles {
  private Handles() {}

  /**
   * Binds a listening TCP socket at {@code address} (port 0: any free port) and returns it as a
   * handle; {@link #serverSocketChannel} turns it into a channel that accepts here too.
   */
  public static Handle bindTcp(InetSocketAddress address, int backlog) throws IOException {
    ensureNative();
    InetAddress ip = address.getAddress();
    if (ip == null) {
      throw new IpcException("cannot bind " + address + ": the host name did not resolve");
    }
    boolean v6 = ip instanceof Inet6Address;
    int fd = SocketCalls.socket(v6 ? SocketCalls.AF_INET6 : SocketCalls.AF_INET, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IpcException("cannot create a TCP socket: " + SocketCalls.lastError());
    }
    try (Memory sa = new Memory(28)) {
      sa.clear();
      int len;
      if (v6) {
        sa.setShort(0, (short) SocketCalls.AF_INET6);
        sa.setShort(2, Short.reverseBytes((short) address.getPort()));
        sa.write(8, ip.getAddress(), 0, 16);
        sa.setInt(24, ((Inet6Address) ip).getScopeId());
        len = 28;
      } else {
        sa.setShort(0, (short) SocketCalls.AF_INET);
        sa.setShort(2, Short.reverseBytes((short) address.getPort()));
        sa.write(4, ((Inet4Address) ip).getAddress(), 0, 4);
        len = 16;
      }
      SocketCalls.setsockopt(fd, SocketCalls.SOL_SOCKET, SocketCalls.SO_REUSEADDR, new int[] {1}, 4);
      if (SocketCalls.bind(fd, sa, len) != 0) {
        throw new IpcException("cannot bind " + address + ": " + SocketCalls.lastError());
      }
      if (SocketCalls.listen(fd, backlog) != 0) {
        throw new IpcException("cannot listen at " + address + ": " + SocketCalls.lastError());
      }
      int port = localPort(fd);
      FileDescriptor descriptor = FileDescriptorCast.unsafeUsing(fd).getFileDescriptor();
      return Handle.of(descriptor, "tcp listener " + ip.getHostAddress() + ":" + port);
    } catch (IOException | RuntimeException e) {
      SocketCalls.close(fd);
      throw e;
    }
  }

  /**
   * A channel that accepts on the listening socket {@code handle} (received, or made by
   * {@link #bindTcp}); it shares the handle's descriptor, so close one or the other.
   */
  public static ServerSocketChannel serverSocketChannel(Handle handle) throws IOException {
    int port = localPort(number(handle));
    return FileDescriptorCast.using(handle.descriptor()).withLocalPort(port).as(AFServerSocketChannel.class);
  }

  /** A channel over the connected socket {@code handle}; it shares the handle's descriptor. */
  public static SocketChannel socketChannel(Handle handle) throws IOException {
    int port = localPort(number(handle));
    return FileDescriptorCast.using(handle.descriptor()).withLocalPort(port).as(AFSocketChannel.class);
  }

  /**
   * A handle for a socket channel made here or by junixsocket (an accepted connection, to pass
   * it to a worker). The JDK's own channels hide their descriptor and are refused.
   */
  public static Handle of(NetworkChannel channel) throws IOException {
    if (!(channel instanceof FileDescriptorAccess access)) {
      throw new IpcException("cannot pass " + channel.getClass().getName() + " as a handle: the JDK's channels "
          + "do not expose their descriptor; pass sockets made by Handles.bindTcp (and what their channels accept)");
    }
    return Handle.of(access.getFileDescriptor(), String.valueOf(channel.getLocalAddress()));
  }

  private static int number(Handle handle) throws IOException {
    return FileDescriptorCast.using(handle.descriptor()).as(Integer.class);
  }

  /** Throws unless libc can be called through JNA here. */
  private static void ensureNative() throws TransportUnavailableException {
    try {
      SocketCalls.load();
    } catch (LinkageError | RuntimeException e) {
      throw new TransportUnavailableException("Handles cannot make or inspect sockets here: libc cannot be "
          + "reached through JNA (is net.java.dev.jna:jna on the class path?): " + e, e);
    }
  }

  private static int localPort(int fd) throws IOException {
    ensureNative();
    try (Memory sa = new Memory(128)) {
      int[] len = {128};
      if (SocketCalls.getsockname(fd, sa, len) != 0) {
        throw new IpcException("getsockname on fd " + fd + " failed: " + SocketCalls.lastError());
      }
      int family = sa.getShort(0);
      if (family != SocketCalls.AF_INET && family != SocketCalls.AF_INET6) {
        return 0;
      }
      return Short.reverseBytes(sa.getShort(2)) & 0xFFFF;
    }
  }
}
