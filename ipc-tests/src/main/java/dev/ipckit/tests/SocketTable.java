package dev.ipckit.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel says about a socket descriptor of this process (Linux {@code /proc/net}), so a
 * leak report names the socket: a Unix socket's path, a TCP socket's ends and state. A leaked
 * connection to Redis reads differently from a leaked accepted client or a selector's wakeup pair.
 */
final class SocketTable {
  /** TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h), from 1. */
  private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
      "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

  /** ::ffff:a.b.c.d as /proc/net/tcp6 writes it, before the 8 hex digits of a.b.c.d. */
  private static final String IPV4_MAPPED = "0000000000000000FFFF0000";

  private SocketTable() {}

  /** " (unix /path)", " (tcp 127.0.0.1:6379 ESTABLISHED ...)" or "" for a /proc/self/fd link target. */
  static String describe(String target) {
    if (!target.startsWith("socket:[")) {
      return "";
    }
    String inode = target.substring("socket:[".length(), target.length() - 1);
    for (String table : new String[] {"unix", "tcp", "tcp6"}) {
      for (String line : lines(table)) {
        String[] f = line.trim().split("\\s+");
        if (table.equals("unix") && f.length >= 7 && f[6].equals(inode)) {
          return " (unix" + (f.length > 7 ? " " + f[7] : ", unnamed") + ")";
        }
        if (!table.equals("unix") && f.length >= 10 && f[9].equals(inode)) {
          int st = Integer.parseInt(f[3], 16);
          return " (" + table + " local " + address(f[1]) + " remote " + address(f[2]) + " "
              + (st < TCP_STATES.length ? TCP_STATES[st] : f[3]) + ")";
        }
      }
    }
    return "";
  }

  /**
   * "0100007F:18EB" (IPv4 in host byte order, port) as 127.0.0.1:6379, also when IPv4-mapped in
   * /proc/net/tcp6 (the JDK's sockets are dual-stack); other IPv6 addresses are left in hex.
   */
  private static String address(String hex) {
    String[] hostPort = hex.split(":");
    String port = String.valueOf(Integer.parseInt(hostPort[1], 16));
    String host = hostPort[0].startsWith(IPV4_MAPPED) ? hostPort[0].substring(IPV4_MAPPED.length()) : hostPort[0];
    if (host.length() != 8) {
      return host + ":" + port;
    }
    long ip = Long.parseLong(host, 16);
    return (ip & 0xff) + "." + (ip >> 8 & 0xff) + "." + (ip >> 16 & 0xff) + "." + (ip >> 24 & 0xff) + ":" + port;
  }

  private static List<String> lines(String table) {
    try {
      List<String> all = Files.readAllLines(Path.of("/proc/net", table));
      return all.isEmpty() ? all : all.subList(1, all.size());
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
