package io.cocos.testcms;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ManagerMessage;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The test CMS's output: one JSON object a line, each with "time" and "event" (listening,
 * connected, received, sent, disconnected, managers, error). Protobuf messages appear under
 * "message" in proto3's JSON mapping with the .proto field names; bytes are base64, except an
 * attestation policy, shown as the JSON it is, and a client key, never shown.
 */
final class JsonLines {
  private static final JsonFormat.Printer PROTO =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .omittingInsignificantWhitespace()
          .alwaysPrintFieldsWithNoPresence();

  private final PrintStream out;

  JsonLines(PrintStream out) {
    this.out = out;
  }

  void listening(int port, String security) {
    JsonObject line = line("listening");
    line.addProperty("port", port);
    line.addProperty("security", security);
    print(line);
  }

  void connected(ManagerSession session) {
    JsonObject line = line("connected");
    line.addProperty("peer", session.peer());
    if (!session.clientCertificate().isEmpty()) {
      line.addProperty("client_certificate", session.clientCertificate());
    }
    print(line);
  }

  void received(ManagerSession session, ManagerMessage message) {
    JsonObject line = line("received");
    line.addProperty("manager", session.name());
    JsonObject json = proto(message);
    showPolicyAsJson(json);
    line.add("message", json);
    print(line);
  }

  void sent(ManagerSession session, CmsMessage message) {
    JsonObject line = line("sent");
    line.addProperty("manager", session.name());
    JsonObject json = proto(message);
    hideClientKey(json);
    line.add("message", json);
    print(line);
  }

  void disconnected(ManagerSession session, String reason) {
    JsonObject line = line("disconnected");
    line.addProperty("manager", session.name());
    line.addProperty("reason", reason);
    print(line);
  }

  void managers(Iterable<ManagerSession> sessions) {
    JsonObject line = line("managers");
    JsonArray list = new JsonArray();
    for (ManagerSession s : sessions) {
      JsonObject m = new JsonObject();
      m.addProperty("manager", s.name());
      m.addProperty("peer", s.peer());
      m.addProperty("connected_at", s.connectedAt().toString());
      list.add(m);
    }
    line.add("managers", list);
    print(line);
  }

  void error(String message) {
    JsonObject line = line("error");
    line.addProperty("error", message);
    print(line);
  }

  /** Free text (the help), as it is: it is for a person, not a program. */
  void text(String text) {
    synchronized (out) {
      out.print(text);
      out.flush();
    }
  }

  private static JsonObject line(String event) {
    JsonObject line = new JsonObject();
    line.addProperty("time", Instant.now().toString());
    line.addProperty("event", event);
    return line;
  }

  private void print(JsonObject line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  private static JsonObject proto(MessageOrBuilder message) {
    try {
      return JsonParser.parseString(PROTO.print(message)).getAsJsonObject();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  private static void showPolicyAsJson(JsonObject message) {
    JsonObject policy = object(object(message, "response"), "attestation_policy");
    if (policy == null || !policy.has("info")) {
      return;
    }
    String base64 = policy.get("info").getAsString();
    try {
      JsonElement decoded =
          JsonParser.parseString(
              new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8));
      policy.add("info", decoded);
    } catch (IllegalArgumentException | JsonParseException e) {
      // not JSON: leave it base64
    }
  }

  private static void hideClientKey(JsonObject message) {
    JsonObject create = object(object(message, "request"), "create");
    if (create != null
        && create.has("agent_cvm_client_key")
        && !create.get("agent_cvm_client_key").getAsString().isEmpty()) {
      create.addProperty("agent_cvm_client_key", "(hidden)");
    }
  }

  private static JsonObject object(JsonObject parent, String name) {
    return parent != null && parent.has(name) && parent.get(name).isJsonObject()
        ? parent.getAsJsonObject(name)
        : null;
  }
}
