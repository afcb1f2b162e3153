package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.CvmSummary;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.cocos.manager.core.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, disk boot (MANAGER_QEMU_ENABLE_DISK): OVMF under QEMU/TCG boots the test guest from
 * its disk image (build/guest/disk.qcow2, a GPT disk whose EFI system partition holds the guest as
 * a unified kernel image, built by guest/build-test-disk.sh): no -kernel, no -initrd. The CVM boots
 * from its own overlay on that image, still gets its 9P shares and answers on its port, and its
 * disk goes with it.
 */
class DiskBootIT {
  /** OVMF's boot from disk and the EFI stub are slow under TCG on 2 shared cores. */
  static final Duration BOOT = Duration.ofSeconds(400);

  static final Path SOURCE =
      ManagerEnvironments.GUEST.resolve("disk.qcow2").toAbsolutePath().normalize();

  @TempDir Path tmp;
  ManagerProcess manager;

  @AfterEach
  void stopManager() throws Exception {
    if (manager != null) {
      for (CvmSummary c : manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList()) {
        manager.client().removeVm(RemoveReq.newBuilder().setCvmId(c.getId()).build());
      }
      manager.close();
    }
  }

  @Test
  void aCvmBootsFromItsOwnOverlayOfTheDiskImageGetsItsSharesAndAnswers() throws Exception {
    assertThat(SOURCE).as("the test guest's disk (make guest)").isRegularFile();
    FileTime sourceModified = Files.getLastModifiedTime(SOURCE);
    Map<String, String> env = ManagerEnvironments.realQemuEnv(tmp);
    env.put("MANAGER_QEMU_ENABLE_DISK", "true");
    env.put("MANAGER_QEMU_SRC_DISK_FILE", SOURCE.toString());
    env.remove("MANAGER_QEMU_DISK_IMG_KERNEL_FILE");
    env.remove("MANAGER_QEMU_DISK_IMG_ROOTFS_FILE");
    env.remove("MANAGER_QEMU_KERNEL_CMDLINE");
    manager = ManagerProcess.startServing(env);

    TestPki pki = new TestPki("cvms-ca");
    TestPki.Identity agent = pki.issue("agent");
    long start = System.nanoTime();
    CreateRes created =
        manager
            .client()
            .createVm(
                CreateReq.newBuilder()
                    .setAgentLogLevel("info")
                    .setAgentCvmServerCaCert(ByteString.copyFrom(pki.caBytes()))
                    .setAgentCvmClientCert(ByteString.copyFrom(agent.certBytes()))
                    .setAgentCvmClientKey(ByteString.copyFrom(agent.keyBytes()))
                    .build());
    long createdMillis = (System.nanoTime() - start) / 1_000_000;
    String id = created.getCvmId();
    int port = Integer.parseInt(created.getForwardedPort());
    Path cvmDir = tmp.resolve("state/cvms").resolve(id);
    Path disk = cvmDir.resolve("vm/disk-" + id + ".qcow2");
    assertThat(disk).isRegularFile();
    long pid =
        manager.client().listVms(ListVmsReq.getDefaultInstance()).getCvmsList().stream()
            .filter(c -> c.getId().equals(id))
            .findFirst()
            .orElseThrow()
            .getPid();
    assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0"))
        .contains(
            "file=" + disk + ",if=none,id=disk0,format=qcow2", "scsi-hd,drive=disk0,bus=scsi0.0")
        .doesNotContain("-kernel", "-initrd");

    String made =
        manager
            .awaitLog(
                j ->
                    j.path("msg").asText().startsWith("made the boot disk " + disk)
                        && j.path("cvm").asText().equals(id),
                Duration.ofSeconds(10))
            .path("msg")
            .asText();
    assertThat(made).contains("from " + SOURCE + " (overlay)");

    String report = GuestAgent.awaitReport(port, BOOT);
    System.out.printf(
        "disk boot: guest answered %.1f s after CreateVm (CreateVm took %d ms; %s)%n",
        (System.nanoTime() - start) / 1e9, createdMillis, made);

    assertThat(report.lines())
        .contains(
            "env AGENT_LOG_LEVEL=info",
            "env AGENT_CVM_ID=" + id,
            "file ca.pem sha256=" + GuestBootIT.sha256(pki.caBytes()),
            "file cert.pem sha256=" + GuestBootIT.sha256(agent.certBytes()),
            "file key.pem sha256=" + GuestBootIT.sha256(agent.keyBytes()));
    manager.awaitLog(
        j ->
            j.path("logger").asText().endsWith("console")
                && j.path("cvm").asText().equals(id)
                && j.path("msg").asText().contains("cocos-test-agent: listening on 7002"),
        Duration.ofSeconds(10));

    manager.client().removeVm(RemoveReq.newBuilder().setCvmId(id).build());

    assertThat(GuestBootIT.ended(pid))
        .as("QEMU ended (its parent, not the manager, reaps it)")
        .isTrue();
    assertThat(GuestBootIT.bindable(port)).isTrue();
    assertThat(disk).doesNotExist();
    assertThat(cvmDir).doesNotExist();
    // the overlay's writes never reached the shared source
    assertThat(Files.getLastModifiedTime(SOURCE)).isEqualTo(sourceModified);
  }
}
