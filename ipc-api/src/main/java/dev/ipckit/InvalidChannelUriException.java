package dev.ipckit;

/** A channel URI that cannot be parsed, or an option with a value it cannot take. */
public class InvalidChannelUriException extends IpcException {
  public InvalidChannelUriException(String uri, String problem) {
    super("invalid channel URI '" + uri + "': " + problem);
  }
}
