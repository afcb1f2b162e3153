import io.cocos.manager.api.CreateReq;
import io.cocos.manager.core.agent.AgentProvisioning;
import io.cocos.manager.core.config.GoDuration;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.RequestLimits;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * CPU cost of the costliest requests the manager accepts, and of refusing the largest it can be
 * sent: each case runs 200 times after a warm-up, and the median thread CPU time is printed.
 * Run by bench/hostile-input-cost.sh; the figures are in bench/README.md ("Results").
 */
public class HostileInputCost {
  static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(4096);
    KeyPair keys = rsa.generateKeyPair();
    var cert = new JcaX509v3CertificateBuilder(new X500Name("CN=bench"), BigInteger.ONE, new Date(),
        new Date(System.currentTimeMillis() + 86_400_000L), new X500Name("CN=bench"), keys.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
    String certPem = pem("CERTIFICATE", cert.getEncoded());
    String keyPem = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    // every PEM field at its limit: as many certificates as fit; the key after filler text PEM ignores
    byte[] bundle = fill(certPem, "", RequestLimits.PEM);
    byte[] key = fill("# filler outside any PEM block\n", keyPem, RequestLimits.PEM);
    String serverUrl = "h".repeat(RequestLimits.URL - 5) + ":7001";
    String caUrl = "https://" + "a".repeat(RequestLimits.URL - 20) + ".example/";
    String ttl = "0".repeat(RequestLimits.TTL - 3) + "90s";
    CreateRequest costliest = new CreateRequest("warning", bundle, key, bundle, serverUrl, caUrl, ttl);

    report("CreateVm validation, every field at its limit (3 x 64 KiB PEM, 2 x 2048-char URL, 64-char TTL)",
        () -> AgentProvisioning.validate(costliest));
    report("TTL of 64 characters (the longest accepted)", () -> GoDuration.parse(ttl));
    String millionDigits = "9".repeat(1_000_000) + "h";
    report("TTL of a million digits (refused by length)", () -> {
      try {
        return GoDuration.parse(millionDigits);
      } catch (IllegalArgumentException refused) {
        return refused;
      }
    });
    byte[] message = CreateReq.newBuilder().setAgentCvmServerCaCert(com.google.protobuf.ByteString.copyFrom(bundle))
        .setAgentCvmClientCert(com.google.protobuf.ByteString.copyFrom(bundle))
        .setAgentCvmClientKey(com.google.protobuf.ByteString.copyFrom(key))
        .setAgentCvmServerUrl(serverUrl).setAgentCvmCaUrl(caUrl).setTtl(ttl).setAgentLogLevel("warning")
        .build().toByteArray();
    report("parsing that CreateReq from its " + message.length + " bytes", () -> CreateReq.parseFrom(message));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** {@code unit} repeated, then {@code tail}, within {@code limit} bytes. */
  static byte[] fill(String unit, String tail, int limit) {
    StringBuilder b = new StringBuilder();
    while (b.length() + unit.length() + tail.length() <= limit) {
      b.append(unit);
    }
    return b.append(tail).toString().getBytes();
  }

  static void report(String what, Callable<?> task) throws Exception {
    for (int i = 0; i < 50; i++) {
      task.call();
    }
    long[] micros = new long[200];
    for (int i = 0; i < micros.length; i++) {
      long start = CPU.getCurrentThreadCpuTime();
      task.call();
      micros[i] = (CPU.getCurrentThreadCpuTime() - start) / 1000;
    }
    Arrays.sort(micros);
    System.out.printf("%-100s median %6d µs CPU, p90 %6d µs%n", what, micros[micros.length / 2],
        micros[micros.length * 9 / 10]);
  }
}
