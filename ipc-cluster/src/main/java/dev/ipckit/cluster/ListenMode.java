package dev.ipckit.cluster;

/** How the workers of a supervisor come to accept on one port. */
public enum ListenMode {
  /**
   * The supervisor binds the port once and passes the listening socket to every worker as a
   * handle; they all accept from its one queue. A retiring worker loses no connection: what it
   * did not accept, another does. The default.
   */
  SHARED,
  /**
   * Each worker binds the port itself with SO_REUSEPORT and the kernel spreads connections over
   * the sockets. Connections still queued on a worker's socket when it closes are reset, so a
   * reload can drop a few (Linux's {@code net.ipv4.tcp_migrate_req} moves them instead).
   */
  REUSE_PORT
}
