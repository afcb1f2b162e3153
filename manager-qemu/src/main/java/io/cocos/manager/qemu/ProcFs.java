package io.cocos.manager.qemu;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/** Reads what Linux publishes about a process under /proc/&lt;pid&gt;. */
final class ProcFs {
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
