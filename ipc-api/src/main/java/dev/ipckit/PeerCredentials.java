package dev.ipckit;

/** Who is on the other end of a local channel, as the kernel reports it (not as the peer says). */
public record PeerCredentials(long pid, long uid, long gid) {}
