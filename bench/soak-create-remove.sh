#!/usr/bin/env bash
# Soak: N create/remove cycles (default 1000) against a manager with the fake QEMU, measuring the
# manager before (after a warm-up of 50 cycles) and after: open fds, threads, heap after a full GC,
# files left in the state dir, QEMU processes left. Usage: bench/soak-create-remove.sh [cycles] [grace]
# Needs the shaded jar (mvn -pl manager-grpc -am package -DskipTests) and a JDK with jcmd.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cycles=${1:-1000} grace=${2:-100ms}
jar=${COCOS_MANAGER_JAR:-$repo/manager-grpc/target/cocos-manager.jar}
work=$(mktemp -d)
trap 'kill $manager 2>/dev/null || true; wait $manager 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$repo/manager-core/src/test/resources/fake-qemu" "$work/fake-qemu"; chmod +x "$work/fake-qemu"
for f in code vars kernel rootfs; do head -c 4096 /dev/zero > "$work/$f"; done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) http=$(free_port)
env MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=$port MANAGER_HTTP_HOST=127.0.0.1 MANAGER_HTTP_PORT=$http \
  MANAGER_STATE_DIR=$work/state MANAGER_LOG_LEVEL=warn COCOS_JAEGER_URL=http://127.0.0.1:$(free_port) \
  MANAGER_QEMU_BIN_PATH=$work/fake-qemu MANAGER_QEMU_ENABLE_KVM=false MANAGER_QEMU_ENABLE_VSOCK=false \
  MANAGER_QEMU_ENABLE_SEV_SNP=false MANAGER_QEMU_ENABLE_TDX=false MANAGER_QEMU_STARTUP_GRACE=$grace \
  MANAGER_QEMU_STOP_TIMEOUT=2s MANAGER_QEMU_KERNEL_CMDLINE=console=ttyS0 \
  MANAGER_QEMU_OVMF_CODE_FILE=$work/code MANAGER_QEMU_OVMF_VARS_FILE=$work/vars \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/kernel MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/rootfs \
  java -jar "$jar" > "$work/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 150); do grep -qs 'listening' "$work/manager.log" && break; sleep 0.2; done

measure() {
  jcmd $manager GC.run > /dev/null
  local heap fds threads files qemus
  heap=$(jcmd $manager GC.heap_info | awk '/garbage-first heap|def new generation|PSYoungGen|heap/ && /used/ {for (i=1;i<=NF;i++) if ($i=="used") {print $(i+1); exit}}')
  fds=$(ls /proc/$manager/fd | wc -l)
  threads=$(awk '/^Threads:/ {print $2}' /proc/$manager/status)
  files=$(find "$work/state/cvms" -mindepth 1 | wc -l)
  # QEMUs only: each one's wrapper shell (cocos-qemu-wrapper) names the same -pidfile
  qemus=$( (pgrep -f -- "-pidfile $work/state" || true) | while read -r p; do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q cocos-qemu-wrapper || echo "$p"
  done | wc -l)
  printf '%-7s fds %4s  threads %3s  heap after GC %8s  files left in cvms/ %3s  fake QEMUs left %s\n' \
    "$1" "$fds" "$threads" "$heap" "$files" "$qemus"
}

java -cp "$jar" "$repo/bench/SoakCycles.java" "$port" 50 > /dev/null
measure before
start=$(date +%s)
java -cp "$jar" "$repo/bench/SoakCycles.java" "$port" "$cycles"
echo "$cycles cycles in $(( $(date +%s) - start )) s"
measure after
