package io.cocos.manager.qemu;

import io.cocos.manager.core.vm.VmLaunchSpec;
import io.cocos.manager.core.vm.VmStartException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CVM's work directory, made ready before its QEMU starts: the directory itself (QEMU binds its
 * QMP socket and writes its pid file there), the CVM's copy of the OVMF vars template (pflash
 * modes) and its boot disk (disk boot). Both files live in the work directory, removed with it;
 * {@link #release} covers a start that failed halfway.
 */
final class QemuWorkDir {
  private static final Logger log = LoggerFactory.getLogger(QemuWorkDir.class);

  private final QemuConfig config;

  QemuWorkDir(QemuConfig config) {
    this.config = config;
  }

  /**
   * Makes the directory, the vars copy and the boot disk the command line names; on failure,
   * removes what it made of them.
   */
  void prepare(VmLaunchSpec spec, QemuCommandLine commandLine) throws VmStartException {
    boolean done = false;
    try {
      createWorkDir(spec);
      deleteQuietly(QemuWrapper.statusFileIn(spec.workDir())); // an earlier QEMU's, if any
      Optional<Path> varsCopy = commandLine.ovmfVarsCopy();
      if (varsCopy.isPresent()) {
        copyVarsTemplate(varsCopy.get());
      }
      Optional<Path> disk = commandLine.disk();
      if (disk.isPresent() && config.boot() instanceof QemuConfig.DiskImage image) {
        makeBootDisk(spec, image, disk.get());
      }
      done = true;
    } finally {
      if (!done) {
        discard(commandLine);
      }
    }
  }

  /** Removes the vars copy and the boot disk of a QEMU that did not start. */
  void discard(QemuCommandLine commandLine) {
    commandLine.ovmfVarsCopy().ifPresent(QemuWorkDir::deleteQuietly);
    commandLine.disk().ifPresent(QemuWorkDir::deleteQuietly);
  }

  /** Removes the vars copy and the boot disk, whatever became of the CVM. */
  void release(VmLaunchSpec spec) {
    deleteQuietly(QemuCommandLine.ovmfVarsCopy(spec));
    if (config.boot() instanceof QemuConfig.DiskImage image) {
      deleteQuietly(QemuCommandLine.cvmDisk(spec, image));
    }
  }

  private static void makeBootDisk(VmLaunchSpec spec, QemuConfig.DiskImage image, Path disk)
      throws VmStartException {
    long began = System.nanoTime();
    try {
      BootDisks.create(image, disk);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmStartException(
          "interrupted while making the boot disk of CVM " + spec.cvmId(), e);
    }
    log.info(
        "made the boot disk {} of CVM {} from {} ({}) in {} ms",
        disk,
        spec.cvmId(),
        image.sourceFile(),
        image.cloning().name().toLowerCase(),
        (System.nanoTime() - began) / 1_000_000);
  }

  /** QEMU binds its QMP socket (and writes its pid file) there. */
  private static void createWorkDir(VmLaunchSpec spec) throws VmStartException {
    try {
      Files.createDirectories(spec.workDir());
    } catch (IOException e) {
      throw new VmStartException(
          "cannot create the work directory "
              + spec.workDir()
              + " of CVM "
              + spec.cvmId()
              + ": "
              + e,
          e);
    }
  }

  private void copyVarsTemplate(Path copy) throws VmStartException {
    Path template = Path.of(config.firmware().varsTemplate().file());
    try {
      Files.createDirectories(copy.getParent());
      Files.copy(template, copy, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new VmStartException(
          "cannot copy the OVMF vars file " + template + " to " + copy + ": " + e, e);
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
