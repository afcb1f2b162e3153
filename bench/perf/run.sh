#!/usr/bin/env bash
# The performance harness of issue 15: start-up, memory, threads and fds of the manager idle and at
# 100 and 500 CVMs (a small C stand-in QEMU speaking QMP), ListVms latency, restart with adoption,
# idle CPU, CreateVm throughput and GC pauses, then bench/createvm-vs-qmp.sh, bench/console-stream.sh
# and cocos-cli measure against sev-snp-measure. Runs the launchers build/cocos-manager and
# build/cocos-cli as an operator would; builds nothing (run `make manager cli` first, and `make
# guest` for the real-QEMU CreateVm row). Writes bench/perf/results.md and prints it.
#
# Usage: bench/perf/run.sh [--cvms 500] [--low 100] [--quick] [--idle-seconds 60] [--skip-real]
#                          [--skip-subbenches] [--out FILE]
#   --quick: 50 CVMs (10 low), 10 s idle CPU, 3 start-ups, short sub-benchmarks: a smoke run.
# sev-snp-measure: taken from $SEV_SNP_MEASURE (a command, e.g. "python3 /path/sev-snp-measure.py")
# or PATH; the row says so when it is missing (PyPI is not reachable on this machine).
# JAVA_OPTS in the environment reaches every manager start (the harness adds -Xlog:gc to the ones
# it measures GC on).
set -euo pipefail
exec python3 "$(cd "$(dirname "$0")" && pwd)/perf.py" "$@"
