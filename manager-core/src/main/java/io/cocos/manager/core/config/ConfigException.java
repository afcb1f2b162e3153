package io.cocos.manager.core.config;

/**
 * A configuration value that cannot be used. The message is one line meant for the operator: it
 * names the variable, the value and what was expected.
 */
public final class ConfigException extends RuntimeException {
  private final String variable;

  public ConfigException(String variable, String value, String expected) {
    super(variable + "=" + BoundedText.quote(value) + ": expected " + expected);
    this.variable = variable;
  }

  public String variable() {
    return variable;
  }
}
