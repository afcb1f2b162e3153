package io.cocos.testcvms;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintStream;
import java.time.Instant;

/**
 * The server's output: one JSON object a line with "time", "level" and "msg" (as upstream's slog
 * JSON logger), plus attributes; what an agent sends appears under "message" in proto3's JSON
 * mapping with the .proto field names.
 */
public final class JsonLog {
  private static final JsonFormat.Printer PROTO =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private final PrintStream out;

  public JsonLog(PrintStream out) {
    this.out = out;
  }

  public void info(String msg, String... attributes) {
    print("INFO", msg, attributes, null);
  }

  public void error(String msg, String... attributes) {
    print("ERROR", msg, attributes, null);
  }

  public void message(String msg, String peer, MessageOrBuilder message) {
    JsonObject json;
    try {
      json = JsonParser.parseString(PROTO.print(message)).getAsJsonObject();
    } catch (InvalidProtocolBufferException e) {
      json = new JsonObject();
      json.addProperty("unprintable", message.getClass().getSimpleName());
    }
    print("INFO", msg, new String[] {"peer", peer}, json);
  }

  private void print(String level, String msg, String[] attributes, JsonObject message) {
    JsonObject line = new JsonObject();
    line.addProperty("time", Instant.now().toString());
    line.addProperty("level", level);
    line.addProperty("msg", msg);
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      line.addProperty(attributes[i], attributes[i + 1]);
    }
    if (message != null) {
      line.add("message", message);
    }
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
