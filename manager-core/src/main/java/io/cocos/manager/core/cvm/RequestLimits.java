package io.cocos.manager.core.cvm;

import io.cocos.manager.core.config.BoundedText;

/**
 * The largest value each request field may hold (docs/api.md, "Limits"). A field over its limit is
 * refused with INVALID_ARGUMENT before any other check reads it, so an over-long field costs a
 * length comparison, and the message says the field's length, never its content.
 *
 * <p>The limits are generous for honest clients (a PEM bundle of a dozen certificates, a URL with a
 * long path) and small enough that the costliest accepted request, every field at its limit, is
 * checked in about 3 ms of CPU (bench/hostile-input-cost.sh).
 */
public final class RequestLimits {
  /** A CVM id is a UUID as the manager makes them: 36 characters. */
  public static final int CVM_ID = 36;

  public static final int LOG_LEVEL = 32;
  public static final int URL = 2048;

  /** Go's longest meaningful duration ("2562047h47m16.854775807s") with room for zeros. */
  public static final int TTL = 64;

  /** Each PEM field: certificates (a bundle) or one private key. */
  public static final int PEM = 64 * 1024;

  public static final int TOKEN = 8192;

  /** Each of the object storage key id and secret. */
  public static final int CREDENTIAL = 1024;

  public static final int REGION = 64;

  /** The CMS link's request ids. */
  public static final int REQUEST_ID = 128;

  private RequestLimits() {}

  public static void check(String field, String value, int max) throws ManagerException {
    if (value.length() > max) {
      throw ManagerException.invalid(
          field + " is " + value.length() + " characters long; at most " + max + " are accepted");
    }
  }

  public static void check(String field, byte[] value, int max) throws ManagerException {
    if (value.length > max) {
      throw ManagerException.invalid(
          field + " is " + value.length + " bytes long; at most " + max + " are accepted");
    }
  }

  /**
   * A CVM id field. Longer than a UUID: INVALID_ARGUMENT (no CVM can have it). Any shorter value is
   * looked up as given, so a short id that is not a UUID is simply NOT_FOUND, as upstream answers.
   */
  public static void checkCvmId(String field, String value) throws ManagerException {
    if (value.length() > CVM_ID) {
      throw ManagerException.invalid(
          field
              + " "
              + BoundedText.quote(value)
              + " is not a CVM id (a UUID, "
              + CVM_ID
              + " characters)");
    }
  }
}
