package io.cocos.manager.qemu;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/** Reads what Linux publishes about a process under /proc/&lt;pid&gt;. */
final class ProcFs {
  /** The argv bytes {@link #pidsWithArgument} reads at once; a longer argv is read to its end. */
  private static final int ARGV_CHUNK = 64 * 1024;

  private ProcFs() {}

  /**
   * The fields of /proc/&lt;pid&gt;/stat (proc(5)) this module needs.
   *
   * @param startTicks field 22, the start time in clock ticks since boot: exact, unlike an Instant
   *     derived from it, so it tells a reused pid from the original process
   */
  record Stat(
      long pid, char state, long parentPid, long processGroup, long session, long startTicks) {
    /** Dead but not yet reaped by its parent: for every purpose but the pid table, gone. */
    boolean isZombie() {
      return state == 'Z' || state == 'X';
    }
  }

  static Optional<Stat> stat(long pid) {
    String text;
    try {
      // Latin-1 decodes any bytes: the command name in there is whatever the process chose.
      text =
          new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")),
              StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return Optional.empty();
    }
    // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
    String[] rest = text.substring(text.lastIndexOf(')') + 2).split(" ");
    IntFunction<String> field = number -> rest[number - 3]; // numbered as in proc(5)
    return Optional.of(
        new Stat(
            pid,
            field.apply(3).charAt(0),
            Long.parseLong(field.apply(4)),
            Long.parseLong(field.apply(5)),
            Long.parseLong(field.apply(6)),
            Long.parseLong(field.apply(22))));
  }

  /**
   * The pids of the processes that have {@code argument} as one of their arguments after the first.
   * A pass over every process of the host, made at each start-up: it looks for the bytes in one
   * reused buffer through java.io, about a third of the cost of reading each argv into a list of
   * strings through NIO, so that only the few processes that match are parsed.
   *
   * @throws IOException when /proc cannot be listed
   */
  static List<Long> pidsWithArgument(String argument) throws IOException {
    String[] names = new File("/proc").list();
    if (names == null) {
      throw new IOException("cannot list /proc");
    }
    byte[] needle = ("\0" + argument + "\0").getBytes(Charset.defaultCharset());
    byte[] buffer = new byte[ARGV_CHUNK];
    List<Long> pids = new ArrayList<>();
    for (String name : names) {
      if (isPid(name) && argvContains(name, buffer, needle)) {
        pids.add(Long.parseLong(name));
      }
    }
    return pids;
  }

  private static boolean isPid(String name) {
    if (name.isEmpty() || name.length() > 10) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < '0' || name.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean argvContains(String pid, byte[] buffer, byte[] needle) {
    byte[] argv = buffer;
    int length;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/cmdline")) {
      length = in.readNBytes(buffer, 0, buffer.length);
      if (length == buffer.length) {
        byte[] rest = in.readAllBytes();
        argv = Arrays.copyOf(buffer, length + rest.length);
        System.arraycopy(rest, 0, argv, length, rest.length);
        length = argv.length;
      }
    } catch (IOException e) {
      return false; // ended since /proc was listed
    }
    return indexOf(argv, length, needle) >= 0;
  }

  private static int indexOf(byte[] bytes, int length, byte[] needle) {
    search:
    for (int start = 0; start + needle.length <= length; start++) {
      for (int i = 0; i < needle.length; i++) {
        if (bytes[start + i] != needle[i]) {
          continue search;
        }
      }
      return start;
    }
    return -1;
  }

  /** The process's argv; empty when it is gone or (a zombie, a kernel thread) has none. */
  static List<String> cmdline(long pid) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
    } catch (IOException e) {
      return List.of();
    }
    if (bytes.length == 0) {
      return List.of();
    }
    String text = new String(bytes, Charset.defaultCharset());
    return Arrays.asList(text.split("\0"));
  }
}
