#!/usr/bin/env bash
# Console streaming, one command: starts a manager (fake QEMU, heap capped at -Xmx64m) and runs
# bench/ConsoleStream.java (follow latency, the file-read floor, StreamLogs of a generated console
# to a Java client), then `cocos-cli logs > /dev/null` of the same console, sampling the manager's
# heap (jstat) and RSS all along, and prints a summary: medians of `runs` runs.
# Needs `make manager cli` first. Usage: bench/console-stream.sh [MiB] [runs] [per-line]
# MANAGER_JAVA_OPTS adds JVM options to the manager (e.g. a JFR recording to profile it);
# MANAGER_JAR and COCOS_CLI replace the manager jar and the CLI under test (e.g. an older build's,
# to compare; the Java client is always this tree's).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
mib=${1:-100} runs=${2:-5} mode=${3:-batched}
work=$(mktemp -d)
manager='' sampler=''
trap 'kill $sampler $manager 2>/dev/null || true; wait $manager 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$repo/manager-core/src/test/resources/fake-qemu" "$work/fake-qemu"; chmod +x "$work/fake-qemu"
for f in code vars kernel rootfs; do head -c 4096 /dev/zero > "$work/$f"; done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
env MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=$port MANAGER_HTTP_PORT=$hport MANAGER_STATE_DIR=$work/state \
  MANAGER_LOG_LEVEL=warn MANAGER_CONSOLE_LOG_MAX_SIZE=1G \
  MANAGER_QEMU_BIN_PATH=$work/fake-qemu MANAGER_QEMU_ENABLE_KVM=false MANAGER_QEMU_ENABLE_VSOCK=false \
  MANAGER_QEMU_ENABLE_SEV_SNP=false MANAGER_QEMU_ENABLE_TDX=false MANAGER_QEMU_STARTUP_GRACE=100ms \
  MANAGER_QEMU_OVMF_CODE_FILE=$work/code MANAGER_QEMU_OVMF_VARS_FILE=$work/vars \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/kernel MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/rootfs \
  java -Xmx64m -XX:+UseSerialGC ${MANAGER_JAVA_OPTS:-} -jar "${MANAGER_JAR:-$repo/manager-grpc/target/cocos-manager.jar}" \
  > "$work/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 100); do grep -q 'listening' "$work/manager.log" && break; sleep 0.2; done
# the manager's used heap (survivors + eden + old, KiB) every 100 ms while the bench runs
jstat -gc "$manager" 100 > "$work/jstat.out" 2>/dev/null &
sampler=$!
java -cp "$repo/manager-grpc/target/cocos-manager.jar" "$repo/bench/ConsoleStream.java" \
  "$port" "$work/state" "$mib" "$runs" "$mode" "$manager" | tee "$work/bench.out"
id=$(tail -n 1 "$work/bench.out")
size=$(stat -c %s "$work/state/cvms/$id/console.log")
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# the launcher's class-data archive, made by a first list-vms as after an install, for every run
MANAGER_GRPC_URL=127.0.0.1:$port "${COCOS_CLI:-$repo/build/cocos-cli}" list-vms > /dev/null
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N) mcpu=$(cpu $manager)
  # the CLI's own CPU (JVM start included): user + sys of the child, from bash's `times`
  ccpu=$( { MANAGER_GRPC_URL=127.0.0.1:$port "${COCOS_CLI:-$repo/build/cocos-cli}" logs --tail 4294967295 "$id" > /dev/null; times; } \
    | tail -n 1 | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  end=$(date +%s.%N)
  python3 -c "s=$end-$start; m=($(cpu $manager)-$mcpu)/100; print(f'  cocos-cli logs > /dev/null, run $run: {s:.2f} s, {$size/1048576/s:.1f} MiB/s; CPU: manager {m:.2f} s, cli {$ccpu:.2f} s')" \
    | tee -a "$work/cli.out"
done
hwm=$(awk '/VmHWM/ {print $2}' /proc/$manager/status)
kill $sampler
python3 - "$work/bench.out" "$work/cli.out" "$work/jstat.out" "$hwm" <<'PY'
import re, statistics, sys
bench, cli, jstat = (open(f).read() for f in sys.argv[1:4])
rate = lambda text: statistics.median(float(x) for x in re.findall(r'([\d.]+) MiB/s;', text))
heap = 0
rows = [l.split() for l in jstat.splitlines()]
if rows:
    col = {name: i for i, name in enumerate(rows[0])}
    for r in rows[1:]:
        try:
            heap = max(heap, sum(float(r[col[c]]) for c in ('S0U', 'S1U', 'EU', 'OU')))
        except (ValueError, IndexError, KeyError):
            pass
print('summary: Java client %.1f MiB/s, cocos-cli %.1f MiB/s, file read line by line %s MiB/s (medians); follow %s;'
      ' manager max heap used %.1f MiB (-Xmx64m), max RSS %.0f MiB' % (
    rate(bench), rate(cli), re.search(r'floor.*?([\d.]+) MiB/s', bench).group(1),
    re.search(r'follow: (.*)', bench).group(1), heap / 1024, int(sys.argv[4]) / 1024))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
