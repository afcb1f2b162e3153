#!/usr/bin/env bash
# CreateVm against its floor: the time the same QEMU command line, run by hand, takes to answer
# QMP query-status (issue 15's target: CreateVm <= 1.5x that floor). Starts a manager from
# manager-grpc/target/cocos-manager.jar (mvn package first), runs bench/CreateVmLatency.java, then
# bench/qmp-floor.py on the command line the manager logged; stops everything.
# Usage: bench/createvm-vs-qmp.sh [runs] [fake|real]
#   fake: manager-core's stand-in QEMU (a python3 script serving QMP); real: qemu-system-x86_64
#   under TCG with the test guest (make guest) and Debian's OVMF.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20} kind=${2:-fake}
work=$(mktemp -d /tmp/cvq.XXXXXX)   # short: the QMP socket path must fit in 107 bytes
manager=
trap '[ -n "$manager" ] && { kill $manager 2>/dev/null || true; wait $manager 2>/dev/null || true; }; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
first=$((30000 + RANDOM % 2000 * 10))
common=(MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=$port MANAGER_HTTP_PORT=$(free_port)
  MANAGER_STATE_DIR=$work/state MANAGER_LOG_LEVEL=info MANAGER_QEMU_ENABLE_KVM=false
  MANAGER_QEMU_ENABLE_VSOCK=false MANAGER_QEMU_ENABLE_SEV_SNP=false MANAGER_QEMU_ENABLE_TDX=false
  MANAGER_QEMU_HOST_FWD_RANGE=$first-$((first + 9)) MANAGER_QEMU_POWERDOWN_TIMEOUT=0s
  MANAGER_QEMU_KERNEL_CMDLINE=console=ttyS0   # one word: the logged command line is split on spaces
  COCOS_JAEGER_URL=http://127.0.0.1:$(free_port))
if [ "$kind" = real ]; then
  [ -f "$repo/build/guest/bzImage" ] || { echo "run make guest first" >&2; exit 2; }
  vars=/usr/share/OVMF/OVMF_VARS.fd
  qemu=(MANAGER_QEMU_BIN_PATH=qemu-system-x86_64 MANAGER_QEMU_OVMF_CODE_FILE=/usr/share/OVMF/OVMF_CODE.fd
    MANAGER_QEMU_OVMF_VARS_FILE=$vars MANAGER_QEMU_MEMORY_SIZE=512M MANAGER_QEMU_SMP_COUNT=2
    MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$repo/build/guest/bzImage
    MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$repo/build/guest/rootfs.cpio.gz)
else
  cp "$repo/manager-core/src/test/resources/fake-qemu" "$work/fake-qemu"; chmod +x "$work/fake-qemu"
  for f in code vars kernel rootfs; do head -c 4096 /dev/zero > "$work/$f"; done
  vars=$work/vars
  qemu=(MANAGER_QEMU_BIN_PATH=$work/fake-qemu MANAGER_QEMU_OVMF_CODE_FILE=$work/code MANAGER_QEMU_OVMF_VARS_FILE=$vars
    MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/kernel MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/rootfs)
fi
env "${common[@]}" "${qemu[@]}" java -jar "$repo/manager-grpc/target/cocos-manager.jar" > "$work/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 150); do grep -q 'listening' "$work/manager.log" && break; sleep 0.2; done
java -cp "$repo/manager-grpc/target/cocos-manager.jar" "$repo/bench/CreateVmLatency.java" "$port" "$runs"
# The command line of the last CVM, as the manager logged it, and that CVM's directory.
read -r cvm_dir command < <(python3 - "$work/manager.log" "$work/state/cvms" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1]):
    try:
        msg = json.loads(line).get("msg", "")
    except ValueError:
        continue
    if msg.startswith("starting QEMU for CVM "):
        last = msg
cvm_id = last[len("starting QEMU for CVM "):].split(":", 1)[0]
command = last.split(": ", 1)[1].split(" ")
print(sys.argv[2] + "/" + cvm_id, json.dumps(command[1:] if command[0] == "setsid" else command))
PY
)
mapfile -t args < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$command")
python3 "$repo/bench/qmp-floor.py" "$runs" "$vars" "$cvm_dir" -- "${args[@]}"
