package io.cocos.manager.core.vm;

/** What CVMInfo reports about the guest a hypervisor boots. */
public record GuestDescription(
    String ovmfVersion, int cpuCount, String cpuType, String kernelCommandLine) {}
