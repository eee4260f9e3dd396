package dev.ipckit;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ChannelUriTest {

  @Test
  void anEmptyAddressIsLegal() throws Exception {
    ChannelUri u = ChannelUri.parse("pipe:");
    assertEquals("pipe", u.scheme());
    assertEquals("", u.address());
    assertNull(u.base().getPath());
    assertNull(u.base().getRawAuthority());
    ChannelUri withOptions = ChannelUri.parse("pipe:?maxMessage=1MiB");
    assertEquals("", withOptions.address());
    assertEquals(1L << 20, withOptions.size("maxMessage", 0));
  }

  @Test
  void addressesKeepTheirShape() throws Exception {
    assertEquals("3", ChannelUri.parse("fd:3").address());
    assertEquals("env:NODE_CHANNEL_FD", ChannelUri.parse("fd:env:NODE_CHANNEL_FD?framing=ndjson").address());
    assertEquals("/run/app.sock", ChannelUri.parse("unix:///run/app.sock").base().getPath());
  }
}
