package io.cocos.testcms;

import com.google.protobuf.ByteString;
import io.cocos.manager.api.AttestationPolicyReq;
import io.cocos.manager.api.CVMInfoReq;
import io.cocos.manager.api.CreateReq;
import io.cocos.manager.api.ListVmsReq;
import io.cocos.manager.api.RemoveReq;
import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The test CMS's command language: one command a line, read from stdin or given with --send. Words
 * are separated by blanks; quote a word that contains blanks ("..." or '...'). Blank lines and
 * lines starting with # are ignored.
 */
final class Commands {
  private Commands() {}

  /** A command's failure, shown to the operator as one line. */
  static final class CommandException extends Exception {
    CommandException(String message) {
      super(message);
    }
  }

  /** What commands act on. */
  interface Operator {
    /** The manager named by instance id, or the most recent one when {@code instanceId} is null. */
    ManagerSession target(String instanceId) throws CommandException;

    String nextRequestId();

    /** Sends a message to a manager and reports it. */
    void send(ManagerSession session, CmsMessage message) throws CommandException;

    /** Tells a manager to disconnect and ends its stream. */
    void terminate(ManagerSession session, String reason) throws CommandException;

    void listManagers();

    void help(String text);

    void quit();
  }

  /** One parsed command, ready to run. */
  interface Step {
    void run(Operator operator) throws CommandException;
  }

  @Command(
      name = "",
      subcommands = {
        Create.class,
        Remove.class,
        Info.class,
        Policy.class,
        ListCvms.class,
        TerminateLink.class,
        Managers.class,
        Help.class,
        Quit.class
      })
  static final class Root {}

  /** Parses one line; null for a blank line or a comment. */
  static Step parse(String line) throws CommandException {
    List<String> words = words(line);
    if (words.isEmpty() || words.get(0).startsWith("#")) {
      return null;
    }
    CommandLine root = new CommandLine(new Root());
    try {
      CommandLine.ParseResult parsed = root.parseArgs(words.toArray(String[]::new));
      if (!parsed.hasSubcommand()) {
        throw new CommandException("no command; try help");
      }
      return (Step) parsed.subcommand().commandSpec().userObject();
    } catch (CommandLine.ParameterException e) {
      throw new CommandException(e.getMessage() + "; try help");
    }
  }

  /** Every command's synopsis, then the options they take, for the help command. */
  static String usage() {
    StringBuilder text = new StringBuilder("Commands, one a line:\n");
    for (CommandLine sub : new CommandLine(new Root()).getSubcommands().values()) {
      CommandLine.Help help = sub.getHelp();
      text.append("  ")
          .append(help.synopsis(0).strip().replaceAll("\\s+", " "))
          .append('\n')
          .append("      ")
          .append(help.description().strip())
          .append('\n');
    }
    text.append("Options of create (--manager and --request-id go with every request):\n")
        .append(new CommandLine(new Create()).getHelp().optionList());
    return text.toString();
  }

  /** Splits a line into words; quotes group blanks into one word. */
  static List<String> words(String line) throws CommandException {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(c);
      }
    }
    if (quote != 0) {
      throw new CommandException("unclosed quote " + quote);
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** Options every request has: whom to ask, and the request id. */
  static final class Addressing {
    @Option(
        names = "--manager",
        paramLabel = "INSTANCE_ID",
        description = "The manager to ask (default: the one that connected last).")
    String manager;

    @Option(
        names = "--request-id",
        paramLabel = "ID",
        description =
            "The request id (default: a new one). Send one again to see a request answered twice "
                + "but run once.")
    String requestId;
  }

  /** A request to the manager: what to ask and the addressing every request shares. */
  abstract static class RequestStep implements Step {
    @Mixin Addressing addressing;

    abstract Request.Builder operation() throws CommandException;

    @Override
    public void run(Operator operator) throws CommandException {
      ManagerSession session = operator.target(addressing.manager);
      String id = addressing.requestId != null ? addressing.requestId : operator.nextRequestId();
      operator.send(
          session, CmsMessage.newBuilder().setRequest(operation().setRequestId(id)).build());
    }
  }

  @Command(
      name = "create",
      description = "Asks the manager to create a CVM (the fields of CreateReq).")
  static final class Create extends RequestStep {
    @Option(
        names = "--server-url",
        paramLabel = "HOST:PORT",
        description = "The CVMS server the agent dials.")
    String serverUrl = "";

    @Option(
        names = "--ca-url",
        paramLabel = "URL",
        description = "The CA service the agent gets its certificate from.")
    String caUrl = "";

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "The agent's log level.")
    String logLevel = "";

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description = "Remove the CVM after this long (90s, 1h30m).")
    String ttl = "";

    @Option(
        names = "--server-ca-cert",
        paramLabel = "FILE",
        description = "PEM CA of the CVMS server.")
    Path serverCaCert;

    @Option(
        names = "--client-cert",
        paramLabel = "FILE",
        description = "PEM certificate of the agent.")
    Path clientCert;

    @Option(
        names = "--client-key",
        paramLabel = "FILE",
        description = "PEM private key of the agent.")
    Path clientKey;

    @Override
    Request.Builder operation() throws CommandException {
      return Request.newBuilder()
          .setCreate(
              CreateReq.newBuilder()
                  .setAgentCvmServerUrl(serverUrl)
                  .setAgentCvmCaUrl(caUrl)
                  .setAgentLogLevel(logLevel)
                  .setTtl(ttl)
                  .setAgentCvmServerCaCert(read(serverCaCert))
                  .setAgentCvmClientCert(read(clientCert))
                  .setAgentCvmClientKey(read(clientKey)));
    }

    private static ByteString read(Path file) throws CommandException {
      if (file == null) {
        return ByteString.EMPTY;
      }
      try {
        return ByteString.copyFrom(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new CommandException("cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(name = "remove", description = "Asks the manager to remove a CVM.")
  static final class Remove extends RequestStep {
    @Parameters(paramLabel = "CVM_ID")
    String cvmId;

    @Override
    Request.Builder operation() {
      return Request.newBuilder().setRemove(RemoveReq.newBuilder().setCvmId(cvmId));
    }
  }

  @Command(name = "info", description = "Asks for a CVM's CVMInfo.")
  static final class Info extends RequestStep {
    @Parameters(paramLabel = "CVM_ID")
    String cvmId;

    @Override
    Request.Builder operation() {
      return Request.newBuilder().setCvmInfo(CVMInfoReq.newBuilder().setId(cvmId));
    }
  }

  @Command(name = "policy", description = "Asks for a CVM's attestation policy.")
  static final class Policy extends RequestStep {
    @Parameters(paramLabel = "CVM_ID")
    String cvmId;

    @Override
    Request.Builder operation() {
      return Request.newBuilder()
          .setAttestationPolicy(AttestationPolicyReq.newBuilder().setId(cvmId));
    }
  }

  @Command(name = "list", description = "Asks for every CVM the manager knows.")
  static final class ListCvms extends RequestStep {
    @Override
    Request.Builder operation() {
      return Request.newBuilder().setList(ListVmsReq.getDefaultInstance());
    }
  }

  @Command(
      name = "terminate",
      description = "Tells the manager to disconnect (it reconnects later, with backoff).")
  static final class TerminateLink implements Step {
    @Option(
        names = "--manager",
        paramLabel = "INSTANCE_ID",
        description = "The manager to disconnect (default: the one that connected last).")
    String manager;

    @Parameters(paramLabel = "REASON", arity = "0..*", description = "Why; the manager logs it.")
    List<String> reason = new ArrayList<>();

    @Override
    public void run(Operator operator) throws CommandException {
      ManagerSession session = operator.target(manager);
      String text =
          reason.isEmpty() ? "terminated by the test CMS's operator" : String.join(" ", reason);
      operator.terminate(session, text);
    }
  }

  @Command(name = "managers", description = "Lists the connected managers.")
  static final class Managers implements Step {
    @Override
    public void run(Operator operator) {
      operator.listManagers();
    }
  }

  @Command(name = "help", description = "Shows the commands.")
  static final class Help implements Step {
    @Override
    public void run(Operator operator) {
      operator.help(usage());
    }
  }

  @Command(name = "quit", description = "Stops the test CMS.")
  static final class Quit implements Step {
    @Override
    public void run(Operator operator) {
      operator.quit();
    }
  }
}
