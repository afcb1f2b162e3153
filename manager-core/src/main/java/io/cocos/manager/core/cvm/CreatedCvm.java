package io.cocos.manager.core.cvm;

/** The answer to a successful CreateVm. */
public record CreatedCvm(String id, int forwardedPort) {}
