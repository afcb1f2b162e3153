package io.cocos.manager.core.vm;

import java.nio.file.Path;

/**
 * A running VM found by what it says about itself, not by a record.
 *
 * @param workDir the per-CVM work directory its command line names ({@link VmLaunchSpec#workDir()})
 * @param process a handle that can stop it
 */
public record FoundVm(Path workDir, VmProcess process) {}
