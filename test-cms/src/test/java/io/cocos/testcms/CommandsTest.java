package io.cocos.testcms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.AttestationPolicyRes;
import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
  @TempDir Path tmp;
  final List<CmsMessage> sent = new ArrayList<>();
  final List<String> terminated = new ArrayList<>();
  String asked;

  final Commands.Operator operator =
      new Commands.Operator() {
        @Override
        public ManagerSession target(String instanceId) {
          asked = instanceId;
          return null;
        }

        @Override
        public String nextRequestId() {
          return "generated";
        }

        @Override
        public void send(ManagerSession session, CmsMessage message) {
          sent.add(message);
        }

        @Override
        public void terminate(ManagerSession session, String reason) {
          terminated.add(reason);
        }

        @Override
        public void listManagers() {}

        @Override
        public void help(String text) {}

        @Override
        public void quit() {}
      };

  Request run(String line) throws Exception {
    Commands.parse(line).run(operator);
    return sent.get(sent.size() - 1).getRequest();
  }

  @Test
  void createCarriesItsOptionsAndTheFilesContents() throws Exception {
    Path ca = Files.writeString(tmp.resolve("ca.pem"), "CA PEM");
    Request r =
        run("create --server-url 10.0.2.2:7001 --ttl 5m --log-level debug --server-ca-cert " + ca);
    assertThat(r.getRequestId()).isEqualTo("generated");
    assertThat(r.getCreate().getAgentCvmServerUrl()).isEqualTo("10.0.2.2:7001");
    assertThat(r.getCreate().getTtl()).isEqualTo("5m");
    assertThat(r.getCreate().getAgentLogLevel()).isEqualTo("debug");
    assertThat(r.getCreate().getAgentCvmServerCaCert().toStringUtf8()).isEqualTo("CA PEM");
  }

  @Test
  void everyRequestTakesAnIdAndAManager() throws Exception {
    assertThat(run("remove cvm-1 --request-id r-7 --manager host-a").getRemove().getCvmId())
        .isEqualTo("cvm-1");
    assertThat(sent.get(0).getRequest().getRequestId()).isEqualTo("r-7");
    assertThat(asked).isEqualTo("host-a");
    assertThat(run("info cvm-2").getCvmInfo().getId()).isEqualTo("cvm-2");
    assertThat(run("policy cvm-3").getAttestationPolicy().getId()).isEqualTo("cvm-3");
    assertThat(run("list").hasList()).isTrue();
  }

  @Test
  void terminateJoinsItsWordsAndQuotesGroupThem() throws Exception {
    Commands.parse("terminate maintenance   window").run(operator);
    Commands.parse("terminate 'moving  to rack 4'").run(operator);
    assertThat(terminated).containsExactly("maintenance window", "moving  to rack 4");
  }

  @Test
  void mistakesAreOneLineAndBlankOrCommentLinesAreNothing() throws Exception {
    assertThat(Commands.parse("   ")).isNull();
    assertThat(Commands.parse("# a comment")).isNull();
    assertThatThrownBy(() -> Commands.parse("creat")).hasMessageEndingWith("; try help");
    assertThatThrownBy(() -> Commands.parse("remove")).hasMessageContaining("CVM_ID");
    assertThatThrownBy(() -> Commands.parse("terminate \"unclosed"))
        .hasMessage("unclosed quote \"");
    assertThatThrownBy(
            () -> Commands.parse("create --client-key " + tmp.resolve("missing")).run(operator))
        .hasMessageStartingWith("cannot read ");
  }

  @Test
  void printedLinesShowPoliciesAsJsonAndNeverAClientKey() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonLines out = new JsonLines(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    Path key = Files.writeString(tmp.resolve("key.pem"), "SECRET KEY");
    out.sent(
        new ManagerSession(null, "peer", "", (s, r) -> {}),
        CmsMessage.newBuilder().setRequest(run("create --client-key " + key)).build());
    out.received(
        new ManagerSession(null, "peer", "", (s, r) -> {}),
        ManagerMessage.newBuilder()
            .setResponse(
                Response.newBuilder()
                    .setRequestId("p")
                    .setAttestationPolicy(
                        AttestationPolicyRes.newBuilder()
                            .setId("cvm")
                            .setInfo(
                                ByteString.copyFromUtf8("{\"policy\":{\"measurement\":\"ab\"}}"))))
            .build());
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .doesNotContain("SECRET")
        .doesNotContain(
            Base64.getEncoder().encodeToString("SECRET KEY".getBytes(StandardCharsets.UTF_8)));
    assertThat(printed)
        .contains("\"agent_cvm_client_key\":\"(hidden)\"")
        .contains("\"info\":{\"policy\":{\"measurement\":\"ab\"}}");
  }
}
