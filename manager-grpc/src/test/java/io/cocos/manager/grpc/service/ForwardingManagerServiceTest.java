package io.cocos.manager.grpc.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.cocos.manager.core.console.ConsoleSource;
import io.cocos.manager.core.cvm.CreateRequest;
import io.cocos.manager.core.cvm.CreatedCvm;
import io.cocos.manager.core.cvm.CvmInfo;
import io.cocos.manager.core.cvm.HostInfo;
import io.cocos.manager.core.cvm.ManagerService;
import io.cocos.manager.core.vm.TeeKind;
import io.cocos.manager.grpc.observability.UpstreamApiMetrics;
import io.opentelemetry.api.OpenTelemetry;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forwarding base, and every decorator built on it, hands each of ManagerService's calls to the
 * next service with the same arguments and returns what it returned: checked over all the
 * interface's methods, so a method added to ManagerService is covered without a new test.
 */
class ForwardingManagerServiceTest {
  /** What the recording service returns, by return type. */
  private static final Map<Class<?>, Object> RESULTS =
      Map.of(
          CreatedCvm.class,
          new CreatedCvm("cvm-1", 6100),
          CvmInfo.class,
          new CvmInfo("cvm-1", "edk2", 2, "EPYC", "console=ttyS0", "v1"),
          byte[].class,
          new byte[] {1, 2, 3},
          List.class,
          List.of(),
          String.class,
          "running",
          Optional.class,
          Optional.of(Duration.ofSeconds(3)),
          ConsoleSource.class,
          new ConsoleSource("cvm-1", null, () -> true),
          HostInfo.class,
          new HostInfo(
              1L << 34,
              1L << 33,
              1L << 30,
              1.0,
              15L << 30,
              2L << 30,
              2L << 30,
              8,
              4,
              4,
              10,
              1,
              101,
              100,
              1000,
              List.of(),
              TeeKind.NONE,
              7,
              "QEMU 8",
              "17",
              List.of("tee:none")));

  /** Arguments to call with, by parameter type. */
  private static final Map<Class<?>, Object> ARGUMENTS =
      Map.of(
          String.class,
          "cvm-1",
          CreateRequest.class,
          new CreateRequest("info", null, null, null, "", "", ""));

  record Call(Method method, List<Object> arguments) {}

  static Stream<Arguments> decorators() {
    UnaryOperator<ManagerService> forwarding = next -> new ForwardingManagerService(next) {};
    UnaryOperator<ManagerService> logging = LoggingManagerService::new;
    UnaryOperator<ManagerService> metrics =
        next -> new MetricsManagerService(next, OpenTelemetry.noop().getMeter("test"));
    UnaryOperator<ManagerService> upstream =
        next -> new UpstreamApiMetricsService(next, new UpstreamApiMetrics());
    return Stream.of(
        Arguments.of("ForwardingManagerService", forwarding),
        Arguments.of("LoggingManagerService", logging),
        Arguments.of("MetricsManagerService", metrics),
        Arguments.of("UpstreamApiMetricsService", upstream));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decorators")
  void forwardsEveryCallWithItsArgumentsAndResult(String name, UnaryOperator<ManagerService> wrap)
      throws Exception {
    List<Call> calls = new ArrayList<>();
    ManagerService recording =
        (ManagerService)
            Proxy.newProxyInstance(
                ManagerService.class.getClassLoader(),
                new Class<?>[] {ManagerService.class},
                (proxy, method, args) -> {
                  calls.add(new Call(method, args == null ? List.of() : Arrays.asList(args)));
                  return RESULTS.get(method.getReturnType());
                });
    ManagerService decorated = wrap.apply(recording);
    Method[] methods = ManagerService.class.getMethods();
    assertThat(methods).hasSizeGreaterThanOrEqualTo(8);
    for (Method method : methods) {
      Object[] args =
          Arrays.stream(method.getParameterTypes()).map(type -> argumentOf(type, method)).toArray();
      calls.clear();
      Object returned = method.invoke(decorated, args);
      assertThat(calls)
          .as("%s.%s", name, method.getName())
          .containsExactly(new Call(method, Arrays.asList(args)));
      assertThat(returned)
          .as("%s.%s's result", name, method.getName())
          .isSameAs(RESULTS.get(method.getReturnType()));
    }
  }

  private static Object argumentOf(Class<?> type, Method method) {
    assertThat(ARGUMENTS)
        .as("an argument for %s's %s", method.getName(), type.getSimpleName())
        .containsKey(type);
    return ARGUMENTS.get(type);
  }
}
