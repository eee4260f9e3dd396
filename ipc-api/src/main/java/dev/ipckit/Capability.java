package dev.ipckit;

/** What a transport guarantees or can do; the conformance suite tests each one declared. */
public enum Capability {
  /** Messages from one sender arrive in the order sent. */
  ORDERED,
  /** Nothing is lost while the channel is open (otherwise gaps are detected and reported). */
  LOSSLESS,
  /** Messages survive a restart of either side and can be replayed. */
  DURABLE,
  /** One message can reach many receivers (broadcast, every reader, every subscriber). */
  ONE_TO_MANY,
  /** Open sockets can travel with a message. */
  PASSES_HANDLES,
  /** The peer's pid/uid/gid are known. */
  PEER_CREDENTIALS,
  /** The peer may be on another host. */
  CROSSES_HOSTS,
  /** The peer may be another OS process (false only for the in-memory reference). */
  CROSSES_PROCESSES,
  /** Runs over a byte stream with ipckit's framing, so garbage and truncated frames can occur. */
  BYTE_STREAM
}
