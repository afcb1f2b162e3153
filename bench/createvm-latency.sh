#!/usr/bin/env bash
# CreateVm latency with the fake QEMU (no guest boots): starts a manager on the development
# settings with QEMU replaced by manager-grpc's test fake, runs bench/CreateVmLatency.java,
# stops everything. Usage: bench/createvm-latency.sh [runs] [startup grace]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-30} grace=${2:-1s}
work=$(mktemp -d)
trap 'kill $manager 2>/dev/null || true; wait $manager 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$repo/manager-grpc/src/test/resources/fake-qemu" "$work/fake-qemu"; chmod +x "$work/fake-qemu"
for f in code vars kernel rootfs; do head -c 4096 /dev/zero > "$work/$f"; done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=$port MANAGER_STATE_DIR=$work/state MANAGER_LOG_LEVEL=warn \
  MANAGER_QEMU_BIN_PATH=$work/fake-qemu MANAGER_QEMU_ENABLE_KVM=false MANAGER_QEMU_ENABLE_VSOCK=false \
  MANAGER_QEMU_ENABLE_SEV_SNP=false MANAGER_QEMU_ENABLE_TDX=false MANAGER_QEMU_STARTUP_GRACE=$grace \
  MANAGER_QEMU_OVMF_CODE_FILE=$work/code MANAGER_QEMU_OVMF_VARS_FILE=$work/vars \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/kernel MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/rootfs \
  java -jar "$repo/manager-grpc/target/cocos-manager.jar" > "$work/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 100); do grep -q 'listening' "$work/manager.log" && break; sleep 0.2; done
java -cp "$repo/manager-grpc/target/cocos-manager.jar" "$repo/bench/CreateVmLatency.java" "$port" "$runs"
