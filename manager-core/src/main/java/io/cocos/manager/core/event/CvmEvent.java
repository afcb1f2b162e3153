package io.cocos.manager.core.event;

import io.cocos.manager.core.cvm.CvmState;
import java.time.Instant;

/**
 * Something that happened to a CVM.
 *
 * @param state the CVM's state after the event
 * @param detail free text: the pid, the failure, the TTL deadline
 * @param exitCode set for {@link CvmEventType#EXITED}, null otherwise
 */
public record CvmEvent(
    Instant time,
    String cvmId,
    CvmEventType type,
    CvmState state,
    String detail,
    Integer exitCode) {}
