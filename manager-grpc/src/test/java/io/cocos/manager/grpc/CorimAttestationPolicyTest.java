package io.cocos.manager.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.AttestationPolicyRes;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.CreateRes;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.cocos.manager.attestation.corim.CorimDocument;
import io.cocos.manager.core.config.Env;
import io.cocos.manager.core.testing.ManagerEnvironments;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AttestationPolicy over real gRPC with MANAGER_ATTESTATION_POLICY_FORMAT=corim, for an SEV-SNP
 * CVM: the fake QEMU does not care about SEV-SNP, a stand-in attestation-policy tool gives the
 * launch TCB at CreateVm (the hardware part), and the launch digest is the native measurement of a
 * real IGVM file (igvmmeasure absent).
 */
class CorimAttestationPolicyTest {
  private static final String FIXTURE_DIGEST =
      "37424f4929b505a76ec5cd8b91355646d22290ecb5a1042df24d79b924a05ad0b880455524744feb8768ee81c88fc8d9";
  private static final String TCB = "15352208179752599555";

  @TempDir Path tmp;

  @Test
  void anSnpCvmsPolicyIsASignedCorimCarryingItsLaunchDigestHostDataAndLaunchTcb() throws Exception {
    Path igvm = tmp.resolve("coconut-qemu.igvm");
    try (InputStream in = getClass().getResourceAsStream("/snp/test_bzImage_x64.igvm")) {
      Files.copy(in, igvm);
    }
    Path tool = tmp.resolve("attestation_policy");
    Files.writeString(
        tool, "#!/bin/sh\necho '{\"policy\": {\"minimum_launch_tcb\": " + TCB + "}}'\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair signing = generator.generateKeyPair();
    Path key = tmp.resolve("corim-signing.pem");
    Files.writeString(
        key,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(signing.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    byte[] hostData = new byte[32];
    hostData[31] = 7;

    Map<String, String> env = ManagerEnvironments.fakeQemuEnv(tmp);
    env.put("MANAGER_QEMU_ENABLE_SEV_SNP", "true");
    env.put("MANAGER_QEMU_IGVM_FILE", igvm.toString());
    env.put("MANAGER_QEMU_ENABLE_HOST_DATA", "true");
    env.put("MANAGER_QEMU_HOST_DATA", Base64.getEncoder().encodeToString(hostData));
    env.put("MANAGER_ATTESTATION_POLICY_BINARY", tool.toString());
    env.put("MANAGER_IGVMMEASURE_BINARY", tmp.resolve("no-igvmmeasure").toString());
    env.put("MANAGER_ATTESTATION_POLICY_FORMAT", "corim");
    env.put("MANAGER_CORIM_SIGNING_KEY", key.toString());

    try (ManagerDaemon daemon = ManagerDaemon.start(new Env(env))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcPort()).usePlaintext().build();
      try {
        var stub =
            ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        CreateRes created = stub.createVm(CreateReq.getDefaultInstance());
        try {
          AttestationPolicyRes res =
              stub.attestationPolicy(
                  AttestationPolicyReq.newBuilder().setId(created.getCvmId()).build());
          byte[] policy = res.getInfo().toByteArray();

          CorimDocument doc = CorimDocument.parse(policy);
          assertThat(doc.signed()).isTrue();
          assertThat(doc.verify(signing.getPublic())).isTrue();
          CorimDocument.Measurement m =
              doc.comids().get(0).referenceValues().get(0).measurements().get(0);
          assertThat(HexFormat.of().formatHex(m.digests().get(0).value()))
              .isEqualTo(FIXTURE_DIGEST);
          assertThat(m.digests().get(0).algorithm()).isEqualTo(7);
          assertThat(m.svn()).contains(new CorimDocument.Svn(new BigInteger(TCB), true));
          assertThat(m.rawValue()).hasValueSatisfying(r -> assertThat(r).isEqualTo(hostData));

          // the same, read by an independent decoder
          CBORObject sign1 = CBORObject.DecodeFromBytes(policy);
          assertThat(sign1.getMostOuterTag().ToInt32Checked()).isEqualTo(18);
          CBORObject corim = CBORObject.DecodeFromBytes(sign1.UntagOne().get(2).GetByteString());
          CBORObject comid =
              CBORObject.DecodeFromBytes(corim.get(1).get(0).UntagOne().GetByteString());
          assertThat(
                  HexFormat.of()
                      .formatHex(
                          comid
                              .get(4)
                              .get(0)
                              .get(0)
                              .get(1)
                              .get(0)
                              .get(1)
                              .get(2)
                              .get(0)
                              .get(1)
                              .GetByteString()))
              .isEqualTo(FIXTURE_DIGEST);
        } finally {
          daemon.lifecycle().removeVm(created.getCvmId());
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
