package dev.ipckit.tests.mutants;

/** One deliberate bug of the mutant: transport; the conformance suite must catch each. */
public enum Mutation {
  /** No bug: the selected cases must pass. */
  NONE,
  /** Silently drops message 50,000 of every channel. */
  DROPS,
  /** Delivers messages 7,777 and 7,778 in swapped order. */
  SWAPS,
  /** Flips one byte of every message of 1 MiB or more. */
  CORRUPTS,
  /** On an oversize message, writes its first 100 bytes before throwing. */
  PARTIAL_OVERSIZE,
  /** receive returns every message in one buffer it reuses. */
  REUSES_RECEIVE_BUFFER,
  /** poll hands writable buffers. */
  WRITABLE_POLL,
  /** A close (either side) is reported 1.5 s late. */
  SLOW_CLOSE,
  /** receive(timeout) returns null at once instead of waiting. */
  IGNORES_TIMEOUT,
  /** When the peer does not read, keeps what cannot be sent in an unbounded list. */
  UNBOUNDED,
  /** Sends after a local close are silently dropped. */
  SEND_AFTER_CLOSE_IGNORED,
  /** isOpen() is always true. */
  ALWAYS_OPEN,
  /** Every channel starts a thread named ipckit-leak that outlives it. */
  LEAKS_THREAD
}
