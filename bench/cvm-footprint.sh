#!/usr/bin/env bash
# The manager's own cost per CVM, with manager-core's stand-in QEMU (python3, serves QMP): live heap
# after a full GC (jcmd GC.class_histogram), RSS, threads and fds of the manager at 0 CVMs and at N,
# and the difference per CVM; CreateVm throughput, threads and CPU after 65 s idle, the GC pauses. Starts the manager
# from LAUNCHER (default build/cocos-manager, `make manager` first) with its default JVM options,
# plus JAVA_OPTS if set; kills everything it started at the end.
# Usage: bench/cvm-footprint.sh [N] [parallel creates]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-100} parallel=${2:-4}
launcher=${LAUNCHER:-$repo/build/cocos-manager}
work=$(mktemp -d /tmp/cfp.XXXXXX)   # short: the QMP socket path must fit in 107 bytes
manager=
cleanup() {
  [ -n "$manager" ] && { kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; }
  # the stand-in QEMUs outlive the manager by design (and write no -pidfile): stop every process
  # whose command line names this run's directory
  for p in /proc/[0-9]*; do
    case "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" in *"$work/"*) kill -9 "${p#/proc/}" 2>/dev/null || true;; esac
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
first=$((20000 + RANDOM % 200 * 50))
cp "$repo/manager-core/src/test/resources/fake-qemu" "$work/fake-qemu"; chmod +x "$work/fake-qemu"
for f in code vars kernel rootfs; do head -c 4096 /dev/zero > "$work/$f"; done
env MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=$port MANAGER_HTTP_PORT=$(free_port) \
  MANAGER_STATE_DIR=$work/state MANAGER_LOG_LEVEL=warn MANAGER_QEMU_ENABLE_KVM=false \
  MANAGER_QEMU_ENABLE_VSOCK=false MANAGER_QEMU_ENABLE_SEV_SNP=false MANAGER_QEMU_ENABLE_TDX=false \
  MANAGER_MAX_VMS=$((count + 10)) MANAGER_HOST_MEMORY_OVERCOMMIT=100 MANAGER_QEMU_HOST_FWD_RANGE=$first-$((first + count + 40)) \
  MANAGER_QEMU_POWERDOWN_TIMEOUT=0s COCOS_JAEGER_URL=http://127.0.0.1:$(free_port) \
  MANAGER_QEMU_BIN_PATH=$work/fake-qemu MANAGER_QEMU_OVMF_CODE_FILE=$work/code MANAGER_QEMU_OVMF_VARS_FILE=$work/vars \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/kernel MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/rootfs \
  JAVA_OPTS="${JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log" "$launcher" > "$work/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 150); do grep -q 'listening' "$work/manager.log" && break; sleep 0.2; done
jvm=$(pgrep -P "$manager" java || echo "$manager")   # the launcher execs java: usually the same pid
measure() {
  local live rss threads fds
  live=$(jcmd "$jvm" GC.class_histogram | awk '$1 == "Total" {print $3}')
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$jvm/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$jvm/status")
  fds=$(ls "/proc/$jvm/fd" | wc -l)
  echo "$live $rss $threads $fds"
}
read -r live0 rss0 threads0 fds0 < <(measure)
echo "0 CVMs: live heap $((live0 / 1024)) KiB, RSS $((rss0 / 1024)) MiB, $threads0 threads, $fds0 fds"
java -cp "$repo/manager-grpc/target/cocos-manager.jar" "$repo/bench/CreateMany.java" "$port" "$count" "$parallel"
sleep 3   # let the agent probes and console followers settle into their idle state
read -r live1 rss1 threads1 fds1 < <(measure)
echo "$count CVMs: live heap $((live1 / 1024)) KiB, RSS $((rss1 / 1024)) MiB, $threads1 threads, $fds1 fds"
echo "per CVM: live heap $(( (live1 - live0) / count )) bytes, RSS $(( (rss1 - rss0) / count )) KiB," \
  "threads $(awk "BEGIN {printf \"%.2f\", ($threads1 - $threads0) / $count}")," \
  "fds $(awk "BEGIN {printf \"%.2f\", ($fds1 - $fds0) / $count}")"
echo "threads at $count CVMs, by name (digits dropped):"
jcmd "$jvm" Thread.print | sed -n 's/^"\([^"]*\)".*/\1/p' | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn | head -12
# Pooled threads idle for 60 s end: what remains is what 500 CVMs hold. The CPU meanwhile is the
# manager's idle cost at N CVMs (every agent probe of stand-ins that never answer included).
ticks() { awk '{print $14 + $15}' "/proc/$jvm/stat"; }
before=$(ticks); sleep 65; after=$(ticks)
echo "after 65 s idle at $count CVMs: $(awk '/^Threads/ {print $2}' "/proc/$jvm/status") threads," \
  "CPU $(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", 100 * t / hz / 65}') % of one core"
echo "heap flags: $(jcmd "$jvm" VM.flags | tr ' ' '\n' | grep -E 'MaxHeapSize|TieredStopAtLevel|Use.*GC' | tr '\n' ' ')"
awk '/Pause/ {gsub("ms","",$NF); n++; t+=$NF; if ($NF > m) m = $NF} END {printf "GC pauses: %d, total %.1f ms, longest %.1f ms\n", n, t, m}' "$work/gc.log"
grep -c '"level":"ERROR"' "$work/manager.log" | sed 's/^/manager ERROR lines: /'
