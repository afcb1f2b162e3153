#!/usr/bin/env bash
# Installs the Debian packages the manager, its tests and its test guest need.
# Idempotent and silent when every package is already installed (make test and make demo run it
# each time).
set -euo pipefail
packages=(
  qemu-system-x86      # QEMU itself (qemu-system-x86_64)
  qemu-utils
  ovmf                 # /usr/share/OVMF/OVMF_CODE.fd, OVMF_VARS.fd
  linux-image-amd64    # the test guest's kernel and its virtio/9p modules
  busybox-static       # the test guest's user space
  cpio                 # packs the test guest's initramfs
  kmod                 # modinfo, to order the guest's modules
  systemd-boot-efi     # linuxx64.efi.stub: the test guest's disk boots it as a unified kernel image
  binutils             # objcopy joins the stub, kernel, initramfs and command line
  dosfstools mtools    # the test disk's EFI system partition, made without mounting
  gdisk                # sgdisk: the test disk's GPT
  openssl              # tests check generated keys with it
  procps               # ps/pgrep in the integration tests
  python3              # /usr/bin/python3 runs the stand-in QEMU (it speaks QMP) in the tests
  prometheus           # promtool: the tests check monitoring/'s rules and configuration with it
  maven openjdk-17-jdk-headless
)
# One dpkg-query for all: quick and silent when everything is there.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p install ok installed" <<< "$installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
