package io.cocos.manager.grpc.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written (no client normalising {@code ..} or
 * percent escapes away), for the console's tests: one request per connection, as the endpoint
 * answers; and event streams read line by line.
 */
final class RawHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  private RawHttp() {}

  record Response(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  static Response get(int port, String path, String... headers) throws IOException {
    return request(port, "GET", path, headers);
  }

  static Response request(int port, String method, String path, String... headers)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      send(socket, method, path, headers);
      InputStream in = socket.getInputStream();
      Response head = readHead(in);
      byte[] body = in.readAllBytes(); // the server closes after its answer
      return new Response(head.status(), head.headers(), body);
    }
  }

  static void send(Socket socket, String method, String path, String... headers)
      throws IOException {
    StringBuilder request =
        new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : headers) {
      request.append(h).append("\r\n");
    }
    if (method.equals("POST")) {
      request.append("Content-Length: 0\r\n");
    }
    request.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  static Response readHead(InputStream in) throws IOException {
    String status = line(in);
    Map<String, String> headers = new LinkedHashMap<>();
    String line;
    while (!(line = line(in)).isEmpty()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, new byte[0]);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    if (c == -1 && b.length() == 0) {
      throw new IOException("connection closed before a line");
    }
    return b.toString();
  }

  /** One server-sent event. */
  record Event(String name, JsonNode data) {}

  /** An open event stream: its events collected by a reader thread. */
  static final class Stream implements AutoCloseable {
    final Socket socket;
    final Response head;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    volatile boolean ended;

    Stream(int port, String path) throws IOException {
      socket = new Socket("127.0.0.1", port);
      send(socket, "GET", path);
      InputStream in = socket.getInputStream();
      head = readHead(in);
      if (head.status() != 200) {
        socket.close();
        ended = true;
        return;
      }
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  String name = "message";
                  String l;
                  while ((l = r.readLine()) != null) {
                    if (l.startsWith("event: ")) {
                      name = l.substring(7);
                    } else if (l.startsWith("data: ")) {
                      events.add(new Event(name, JSON.readTree(l.substring(6))));
                      name = "message";
                    }
                  }
                } catch (IOException e) {
                  // closed
                } finally {
                  ended = true;
                }
              },
              "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
