package dev.ipckit;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ChannelOptionsTest {

  @Test
  void aTransportsOwnDefaultsApplyWhereTheUriSaysNothing() throws Exception {
    ChannelOptions shmLike = ChannelOptions.defaults().withSendBuffer(8 << 20);
    ChannelOptions plain = ChannelOptions.from(ChannelUri.parse("shm:/dev/shm/x"), shmLike);
    assertEquals(8 << 20, plain.sendBuffer());
    assertEquals(ChannelOptions.defaults().receiveBuffer(), plain.receiveBuffer());
    ChannelOptions set = ChannelOptions.from(ChannelUri.parse("shm:/dev/shm/x?sendBuffer=64KiB"), shmLike);
    assertEquals(64 << 10, set.sendBuffer());
    assertEquals(128 << 10, ChannelOptions.from(ChannelUri.parse("unix:///tmp/a.sock")).sendBuffer());
  }

  @Test
  void aBufferOutsideItsRangeIsRefusedByName() throws Exception {
    var e = assertThrows(InvalidChannelUriException.class,
        () -> ChannelOptions.from(ChannelUri.parse("tcp://127.0.0.1:1?sendBuffer=1KiB")));
    assertTrue(e.getMessage().contains("sendBuffer"), e.getMessage());
  }
}
