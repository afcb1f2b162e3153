package io.cocos.manager.core.console;

import java.util.function.BooleanSupplier;

/**
 * A CVM's console as a reader sees it: the log QEMU appends to (and the manager rotates), and
 * whether the CVM has ended (then nothing more will be written and a follower can stop once it has
 * read to the end).
 */
public record ConsoleSource(String cvmId, ConsoleLog log, BooleanSupplier ended) {}
