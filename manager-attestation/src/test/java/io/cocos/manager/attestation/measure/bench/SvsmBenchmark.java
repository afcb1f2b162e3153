package io.cocos.manager.attestation.measure.bench;

import io.cocos.manager.attestation.measure.Fixtures;
import io.cocos.manager.attestation.measure.LaunchDigest;
import io.cocos.manager.attestation.measure.LaunchDigestCalculator;
import io.cocos.manager.attestation.measure.MeasurementException;
import io.cocos.manager.attestation.measure.SnpMeasurementRequest;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasureOptions;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasurement;
import io.cocos.manager.attestation.measure.igvm.IgvmMeasurer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.Main;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Launch-digest benchmarks on the test fixtures (file reading included).
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * cd manager-attestation
 * mvn -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
 * java -cp "target/test-classes:target/classes:$(cat target/bench.cp)" \
 *     io.cocos.manager.attestation.measure.bench.SvsmBenchmark
 * </pre>
 *
 * (any JMH command-line options can follow, e.g. {@code -f 1 -wi 3 -i 5}.) The single-shot
 * benchmark gives the cold figure: one measurement in a fresh JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SvsmBenchmark {
  private SnpMeasurementRequest svsm;
  private SnpMeasurementRequest snp;
  private Path igvm;

  @Setup
  public void setup() throws MeasurementException {
    svsm =
        SnpMeasurementRequest.builder()
            .mode("snp:svsm")
            .vcpus(2)
            .vcpuType("EPYC-v4")
            .ovmf(Fixtures.path("svsm_ovmf.fd"))
            .svsm(Fixtures.path("svsm.bin"))
            .varsSize(540672L)
            .build();
    snp =
        SnpMeasurementRequest.builder()
            .mode("snp")
            .vcpus(4)
            .vcpuType("EPYC-v4")
            .ovmf(Fixtures.path("svsm_ovmf.fd"))
            .build();
    igvm = Fixtures.path("igvm/test_bzImage_x64.igvm");
  }

  /** snp:svsm, svsm_ovmf.fd (3.5 MiB) + svsm.bin (1.1 MiB), 2 vCPUs. */
  @Benchmark
  public LaunchDigest snpSvsm() throws MeasurementException {
    return LaunchDigestCalculator.calculate(svsm);
  }

  /** snp, svsm_ovmf.fd as a plain OVMF, 4 vCPUs. */
  @Benchmark
  public LaunchDigest snpOvmf() throws MeasurementException {
    return LaunchDigestCalculator.calculate(snp);
  }

  /** igvmmeasure-equivalent on test_bzImage_x64.igvm (7000 pages, mostly zero). */
  @Benchmark
  public IgvmMeasurement igvm() throws MeasurementException {
    return IgvmMeasurer.measure(igvm, IgvmMeasureOptions.DEFAULT);
  }

  /** Cold: the first snp:svsm measurement in a fresh JVM (10 forks). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  @Fork(10)
  public LaunchDigest snpSvsmCold() throws MeasurementException {
    return LaunchDigestCalculator.calculate(svsm);
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      Main.main(args);
    } else {
      new Runner(new OptionsBuilder().include(SvsmBenchmark.class.getName()).build()).run();
    }
  }
}
