# Sourced by dev.sh and demo.sh: the development defaults. Plain QEMU (no TEE), the test guest,
# KVM only if it really works here, vsock only if the host has it. Anything already set in the
# environment wins.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
guest=${GUEST_DIR:-$repo/build/guest}
if [ -z "${MANAGER_QEMU_ENABLE_KVM:-}" ]; then
  if "$repo/scripts/kvm-probe.sh" "$guest" >&2; then
    export MANAGER_QEMU_ENABLE_KVM=true
  else
    export MANAGER_QEMU_ENABLE_KVM=false
    echo "dev: booting under TCG (software emulation): expect 15-30 s to the guest's first answer" >&2
  fi
fi
[ -e /dev/vhost-vsock ] && vsock=true || vsock=false
export MANAGER_QEMU_ENABLE_VSOCK=${MANAGER_QEMU_ENABLE_VSOCK:-$vsock}
export MANAGER_QEMU_ENABLE_SEV_SNP=${MANAGER_QEMU_ENABLE_SEV_SNP:-false}
export MANAGER_QEMU_ENABLE_TDX=${MANAGER_QEMU_ENABLE_TDX:-false}
export MANAGER_QEMU_DISK_IMG_KERNEL_FILE=${MANAGER_QEMU_DISK_IMG_KERNEL_FILE:-$guest/bzImage}
export MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=${MANAGER_QEMU_DISK_IMG_ROOTFS_FILE:-$guest/rootfs.cpio.gz}
export MANAGER_QEMU_KERNEL_CMDLINE=${MANAGER_QEMU_KERNEL_CMDLINE:-console=ttyS0}
export MANAGER_QEMU_MEMORY_SIZE=${MANAGER_QEMU_MEMORY_SIZE:-512M}
export MANAGER_QEMU_SMP_COUNT=${MANAGER_QEMU_SMP_COUNT:-2}
export MANAGER_STATE_DIR=${MANAGER_STATE_DIR:-$repo/build/dev/state}
export MANAGER_LOG_LEVEL=${MANAGER_LOG_LEVEL:-info}
