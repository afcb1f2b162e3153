package io.cocos.manager.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An asynchronous QMP event, e.g. {@code SHUTDOWN} with data {@code
 * {"guest":true,"reason":"guest-shutdown"}}.
 *
 * @param data the event's "data" member, an empty object when it has none
 * @param time when QEMU says it happened
 */
public record QmpEvent(String name, JsonNode data, Instant time) {}
