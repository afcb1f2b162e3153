package io.cocos.manager.attestation.policy;

import io.cocos.manager.core.cvm.ManagerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a helper program to completion with a time limit, collecting its output. Every failure
 * names the tool, its exit code and what it wrote to stderr.
 */
final class ExternalTool {
  /** Output beyond this is read and dropped, so a runaway tool cannot exhaust the heap. */
  private static final int MAX_OUTPUT = 4 << 20;

  record Result(byte[] stdout, String stderr) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private ExternalTool() {}

  /** Prefixes sudo when the manager is not root, since the tools need /dev/sev (upstream always does). */
  static List<String> privileged(List<String> command) {
    if ("root".equals(System.getProperty("user.name"))) {
      return command;
    }
    List<String> withSudo = new ArrayList<>(command.size() + 2);
    withSudo.add("sudo");
    withSudo.add("-n");
    withSudo.addAll(command);
    return withSudo;
  }

  static Result run(String toolName, List<String> command, Duration timeout)
      throws ManagerException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw failed(toolName + " (" + command.get(0) + ") cannot be run: " + e.getMessage());
    }
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw failed(toolName + " did not finish within " + timeout.toSeconds() + "s and was killed");
      }
      String stderr = new String(err.get(), StandardCharsets.UTF_8).strip();
      if (process.exitValue() != 0) {
        throw failed(toolName + " exited with code " + process.exitValue()
            + (stderr.isEmpty() ? "" : ": " + oneLine(stderr)));
      }
      return new Result(out.get(), stderr);
    } catch (ExecutionException e) {
      throw failed(toolName + " output could not be read: " + e.getCause());
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  private static byte[] drain(InputStream in) {
    try (in) {
      byte[] kept = in.readNBytes(MAX_OUTPUT);
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return kept;
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static String oneLine(String text) {
    String flat = text.replaceAll("\\s*\\R\\s*", " | ");
    return flat.length() > 2000 ? flat.substring(0, 2000) + "…" : flat;
  }

  static ManagerException failed(String message) {
    return new ManagerException(ManagerException.Reason.FAILED_PRECONDITION, message);
  }
}
