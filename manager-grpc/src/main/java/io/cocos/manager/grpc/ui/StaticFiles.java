package io.cocos.manager.grpc.ui;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The console's pages, scripts and images: files inside the jar under {@link #ROOT}, by name only.
 * A name is one to three path segments of letters, digits, '.', '_' and '-', none starting with a
 * dot, with one of the known extensions: nothing encoded ({@code %2e}), no {@code ..}, no
 * directories, no file outside the root can be named. Read once and kept (the set is fixed in the
 * jar and small; names not found are not remembered).
 *
 * <p>Thread-safe: the cache is a concurrent map of immutable entries.
 */
final class StaticFiles {
  static final String ROOT = "io/cocos/manager/grpc/ui/";

  /** Larger files are not served (nothing the console ships comes near). */
  private static final int MAX_FILE = 4 << 20;

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,2}");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon");

  /** A file's bytes and media type. */
  record File(byte[] bytes, String type) {}

  private final ClassLoader loader;
  private final Map<String, File> cache = new ConcurrentHashMap<>();

  StaticFiles(ClassLoader loader) {
    this.loader = loader;
  }

  /** The file of that name (the part of the path after /ui/), or empty. */
  Optional<File> find(String name) {
    if (!NAME.matcher(name).matches() || name.contains("..")) {
      return Optional.empty();
    }
    String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
    if (type == null) {
      return Optional.empty();
    }
    File cached = cache.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    // only files found are kept, so the cache holds at most the jar's files, whatever is asked
    Optional<File> file = load(name, type);
    file.ifPresent(f -> cache.put(name, f));
    return file;
  }

  private Optional<File> load(String name, String type) {
    try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readNBytes(MAX_FILE + 1);
      return bytes.length > MAX_FILE ? Optional.empty() : Optional.of(new File(bytes, type));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
