#!/usr/bin/env bash
# Builds the test guest's boot disk for disk boot (MANAGER_QEMU_ENABLE_DISK): the test guest of
# guest/build-test-guest.sh as a unified kernel image on a GPT disk's EFI system partition, so
# OVMF boots it with no -kernel/-initrd, as upstream's encrypted-OS images boot.
#
#   guest/build-test-disk.sh [GUEST_DIR]      (default: <repo>/build/guest)
#
# Reads GUEST_DIR/bzImage and GUEST_DIR/rootfs.cpio.gz (build them first: make guest) and writes
# GUEST_DIR/disk.qcow2:
#   - EFI/BOOT/BOOTX64.EFI, the removable-media path OVMF boots without any boot entry: systemd's
#     EFI stub (systemd-boot-efi) with the kernel, the initramfs and the command line
#     "console=ttyS0" as PE sections (.linux, .initrd, .cmdline), joined by objcopy (binutils);
#   - a FAT ESP (dosfstools, mtools: no mount, no root) in partition 1 of a GPT (gdisk's sgdisk);
#   - converted to qcow2 (qemu-utils).
# Does nothing when disk.qcow2 is newer than its inputs.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO_ROOT=$(dirname "$(dirname "$SELF")")
GUEST=${1:-$REPO_ROOT/build/guest}
KERNEL=$GUEST/bzImage
INITRD=$GUEST/rootfs.cpio.gz
DISK=$GUEST/disk.qcow2
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
CMDLINE="console=ttyS0"
ESP_MIB=64

die() { echo "build-test-disk: $*" >&2; exit 1; }

[ -s "$KERNEL" ] && [ -s "$INITRD" ] || die "$KERNEL or $INITRD missing: run make guest first"
[ -f "$STUB" ] || die "$STUB missing: install the Debian package systemd-boot-efi"
for tool in objcopy:binutils mkfs.fat:dosfstools mcopy:mtools mmd:mtools sgdisk:gdisk qemu-img:qemu-utils; do
    command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} not found: install the Debian package ${tool##*:}"
done

if [ -s "$DISK" ] && [ "$DISK" -nt "$SELF" ] && [ "$DISK" -nt "$KERNEL" ] && [ "$DISK" -nt "$INITRD" ] &&
    [ "$DISK" -nt "$STUB" ]; then
    echo "build-test-disk: $DISK is up to date"
    exit 0
fi

WORK=$(mktemp -d "$GUEST/.disk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- the unified kernel image ---------------------------------------------------------------
# Sections go above the stub's own image, each at an address past the one before (systemd 252's
# documented objcopy recipe); the kernel is placed 16 MiB below the initrd, which it must fit.
[ "$(stat -c %s "$KERNEL")" -lt $((16 << 20)) ] || die "$KERNEL is larger than 16 MiB"
printf '%s' "$CMDLINE" > "$WORK/cmdline"
printf 'ID=cocos-test-guest\nNAME="Cocos test guest"\n' > "$WORK/os-release"
objcopy \
    --add-section .osrel="$WORK/os-release" --change-section-vma .osrel=0x20000 \
    --add-section .cmdline="$WORK/cmdline" --change-section-vma .cmdline=0x30000 \
    --add-section .linux="$KERNEL" --change-section-vma .linux=0x2000000 \
    --add-section .initrd="$INITRD" --change-section-vma .initrd=0x3000000 \
    "$STUB" "$WORK/BOOTX64.EFI"

# --- the ESP and the disk -------------------------------------------------------------------
# Partition 1 starts at 1 MiB; the disk has 1 MiB more at the end for the backup GPT.
ESP=$WORK/esp.img
truncate -s "${ESP_MIB}M" "$ESP"
mkfs.fat -F 32 -n COCOS-ESP "$ESP" >/dev/null
mmd -i "$ESP" ::/EFI ::/EFI/BOOT
mcopy -i "$ESP" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

RAW=$WORK/disk.raw
truncate -s $((ESP_MIB + 2))M "$RAW"
sgdisk --clear --new=1:1M:+"${ESP_MIB}M" --typecode=1:ef00 --change-name=1:"EFI system partition" "$RAW" >/dev/null
dd if="$ESP" of="$RAW" bs=1M seek=1 conv=notrunc status=none
qemu-img convert -f raw -O qcow2 "$RAW" "$WORK/disk.qcow2"
mv -f "$WORK/disk.qcow2" "$DISK"
echo "build-test-disk: built $DISK (UKI $(stat -c %s "$WORK/BOOTX64.EFI") bytes, cmdline \"$CMDLINE\")"
