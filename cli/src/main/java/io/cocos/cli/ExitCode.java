package io.cocos.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exit codes. Upstream's cocos-cli exits 0 even when a call fails; scripts need to know, so we
 * don't. 2 is picocli's usage-error code; the rest say where the failure happened.
 */
public final class ExitCode {
  public static final int OK = 0;

  /** Anything not covered below (a bug, or an answer the CLI cannot make sense of). */
  public static final int FAILURE = 1;

  /** Bad command line: unknown command or option, missing --server-url, invalid --ttl. */
  public static final int USAGE = 2;

  /** The manager could not be reached: connection refused, unknown host, TLS handshake failed. */
  public static final int UNREACHABLE = 3;

  /** The manager did not answer within MANAGER_GRPC_TIMEOUT. */
  public static final int TIMEOUT = 4;

  /** No CVM with that id (NOT_FOUND). */
  public static final int NOT_FOUND = 5;

  /**
   * The manager refused the request (INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED,
   * ...).
   */
  public static final int REJECTED = 6;

  /** The manager is out of ports, CIDs, CVM slots or memory (RESOURCE_EXHAUSTED). */
  public static final int EXHAUSTED = 7;

  /** The manager failed (INTERNAL, UNKNOWN, UNIMPLEMENTED, ...). */
  public static final int MANAGER_ERROR = 8;

  /**
   * A local file or setting is wrong: a PEM file that cannot be read, a bad MANAGER_GRPC_* value.
   */
  public static final int LOCAL = 9;

  /** Interrupted (Ctrl-C): 128 + SIGINT, as the JVM reports it. */
  public static final int INTERRUPTED = 130;

  private ExitCode() {}

  /** The table shown under "Exit codes:" in every command's --help. */
  public static Map<String, String> helpList() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(" 0", "success");
    m.put(" 1", "unexpected failure");
    m.put(" 2", "usage error (unknown option, missing --server-url, invalid --ttl, ...)");
    m.put(" 3", "manager unreachable (connection refused, unknown host, TLS failure)");
    m.put(" 4", "manager did not answer within MANAGER_GRPC_TIMEOUT");
    m.put(" 5", "no CVM with that id");
    m.put(" 6", "request refused by the manager (invalid argument, failed precondition)");
    m.put(" 7", "manager out of resources (ports, CIDs, MANAGER_MAX_VMS, memory)");
    m.put(" 8", "manager internal error");
    m.put(" 9", "local file or setting unusable (PEM file, MANAGER_GRPC_* value, output file)");
    m.put("130", "interrupted (Ctrl-C)");
    return m;
  }
}
