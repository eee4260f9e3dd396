package dev.ipckit.pipe;

/** What one of a child's standard streams is connected to. */
public enum Stdio {
  /** The parent's own stream (the default for stdin, stdout and stderr). */
  INHERIT,
  /**
   * A pipe to the parent, read or written through {@link ChildProcess#getInputStream()},
   * {@link ChildProcess#getErrorStream()} or {@link ChildProcess#getOutputStream()}. The parent
   * must drain an output pipe, or the child blocks once it is full.
   */
  PIPE,
  /** /dev/null. */
  IGNORE
}
