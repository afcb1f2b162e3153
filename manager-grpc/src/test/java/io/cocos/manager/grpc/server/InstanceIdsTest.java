package io.cocos.manager.grpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InstanceIdsTest {
  @Test
  void aRandomIdIsAVersion4UuidAndEachIsNew() {
    UUID first = UUID.fromString(InstanceIds.random());
    UUID second = UUID.fromString(InstanceIds.random());
    assertEquals(4, first.version());
    assertEquals(2, first.variant());
    assertNotEquals(first, second);
  }

  @Test
  void onlyTheVersionAndVariantBitsAreSet() {
    byte[] ones = new byte[16];
    Arrays.fill(ones, (byte) 0xff);
    assertEquals("ffffffff-ffff-4fff-bfff-ffffffffffff", InstanceIds.version4(ones).toString());
    assertEquals(
        "00000000-0000-4000-8000-000000000000", InstanceIds.version4(new byte[16]).toString());
  }
}
