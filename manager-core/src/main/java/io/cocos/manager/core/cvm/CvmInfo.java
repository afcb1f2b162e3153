package io.cocos.manager.core.cvm;

/** What CVMInfo answers: how the CVM's guest is launched. */
public record CvmInfo(
    String id,
    String ovmfVersion,
    int cpuCount,
    String cpuType,
    String kernelCommandLine,
    String eosVersion) {}
