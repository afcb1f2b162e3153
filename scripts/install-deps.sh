#!/usr/bin/env bash
# Installs the Debian packages the manager and its test guest need (make deps, for make demo and
# make manager), with --test also what only the tests need (make test), with --deb what building
# and checking the Debian package needs (make deb, make deb-test). Idempotent and silent when
# everything is already there.
#
# Nothing installed here starts or enables a service: promtool, the one test tool that comes in a
# package with a server (Debian's prometheus, which enables and starts Prometheus on port 9090 and
# pulls in a dozen web libraries), is taken out of that package's .deb into build/tools/bin
# without installing the package.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
packages=(
  qemu-system-x86      # QEMU itself (qemu-system-x86_64)
  qemu-utils           # qemu-img: boot disks
  ovmf                 # /usr/share/OVMF/OVMF_CODE.fd, OVMF_VARS.fd
  linux-image-amd64    # the test guest's kernel and its virtio/9p modules
  busybox-static       # the test guest's user space
  cpio                 # packs the test guest's initramfs
  kmod                 # modinfo, to order the guest's modules
  systemd-boot-efi     # linuxx64.efi.stub: the test guest's disk boots it as a unified kernel image
  binutils             # objcopy joins the stub, kernel, initramfs and command line
  dosfstools mtools    # the test disk's EFI system partition, made without mounting
  gdisk                # sgdisk: the test disk's GPT
  maven openjdk-17-jdk-headless
)
test_only=false
[ "${1:-}" = --test ] && test_only=true
if [ "${1:-}" = --deb ]; then
  packages+=(
    debhelper          # dpkg-buildpackage and dh build the package (scripts/build-deb.sh)
    help2man           # cocos-cli's man page, from its --help
    lintian            # checks the package
  )
fi
if $test_only; then
  packages+=(
    openssl            # tests check generated keys with it
    procps             # ps/pgrep in the integration tests
    python3            # /usr/bin/python3 runs the stand-in QEMU (it speaks QMP) in the tests
    chromium chromium-driver  # headless Chromium and its chromedriver: the web console's browser tests
  )
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# One dpkg-query for all: quick and silent when everything is there.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p install ok installed" <<< "$installed" || missing+=("$p")
done
updated=false
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  updated=true
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# promtool checks monitoring/'s rules and scrape configuration in the tests.
promtool=$repo/build/tools/bin/promtool
if $test_only && ! [ -x "$promtool" ]; then
  echo "extracting promtool from Debian's prometheus package (the package is not installed)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  $updated || $SUDO apt-get update -q
  (cd "$work" && apt-get download -q -o APT::Sandbox::User=root prometheus)
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  mkdir -p "$(dirname "$promtool")"
  install -m 755 "$work/root/usr/bin/promtool" "$promtool"
fi
