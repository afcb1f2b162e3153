#!/usr/bin/env bash
# Does KVM really work for the test guest on this host?
#
#   scripts/kvm-probe.sh [GUEST_DIR]     (default: <repo>/build/guest, see guest/build-test-guest.sh)
#
# Exit 0 iff a short probe boot of the test guest under `-enable-kvm -machine q35 -cpu EPYC` with
# the OVMF pflash drives reaches user space ("cocos-test-agent: started" on the console) within
# PROBE_TIMEOUT seconds (default 20). Exit 1 otherwise, at once when /dev/kvm is missing or not
# usable, early when QEMU reports "KVM internal error" or "failed to set MSR" or exits.
# Prints exactly one line on stdout: "kvm-probe: KVM usable" or "kvm-probe: KVM not usable: <why>".
# Everything it starts (QEMU, temp dir with the OVMF vars copy and console log) is removed on any
# exit, including Ctrl-C / SIGTERM.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO_ROOT=$(dirname "$(dirname "$SELF")")
GUEST_DIR=${1:-$REPO_ROOT/build/guest}
TIMEOUT=${PROBE_TIMEOUT:-20}
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}

fail() { echo "kvm-probe: KVM not usable: $*"; exit 1; }

# /dev/kvm must exist and be openable read-write by us (this is what QEMU does).
[ -c /dev/kvm ] || fail "/dev/kvm is absent"
{ exec 3<>/dev/kvm; } 2>/dev/null || fail "/dev/kvm cannot be opened read-write by $(id -un)"
exec 3>&-

command -v "$QEMU" >/dev/null || fail "$QEMU not found (Debian package qemu-system-x86)"
[ -r "$OVMF_CODE" ] && [ -r "$OVMF_VARS" ] || fail "OVMF firmware missing (Debian package ovmf)"
[ -r "$GUEST_DIR/bzImage" ] && [ -r "$GUEST_DIR/rootfs.cpio.gz" ] ||
    fail "no test guest in $GUEST_DIR (run guest/build-test-guest.sh)"

TMP=
QPID=
cleanup() {
    if [ -n "$QPID" ]; then
        kill -TERM "$QPID" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$QPID" 2>/dev/null || true
        wait "$QPID" 2>/dev/null || true   # reap: no <defunct> QEMU left behind
        QPID=
    fi
    [ -n "$TMP" ] && rm -rf "$TMP"
    TMP=
}
trap cleanup EXIT
trap 'cleanup; trap - INT; kill -INT $$' INT
trap 'cleanup; exit 143' TERM HUP

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvm-probe.XXXXXX")
cp "$OVMF_VARS" "$TMP/OVMF_VARS.fd"
CONSOLE=$TMP/console.log
: > "$CONSOLE"

"$QEMU" -enable-kvm -machine q35 -cpu EPYC -smp 1 -m 512M \
    -drive "if=pflash,format=raw,unit=0,file=$OVMF_CODE,readonly=on" \
    -drive "if=pflash,format=raw,unit=1,file=$TMP/OVMF_VARS.fd" \
    -kernel "$GUEST_DIR/bzImage" -initrd "$GUEST_DIR/rootfs.cpio.gz" -append "console=ttyS0" \
    -nic none -nographic -monitor none -no-reboot \
    </dev/null >"$CONSOLE" 2>&1 &
QPID=$!

deadline=$((SECONDS + TIMEOUT))
while :; do
    if grep -q 'cocos-test-agent: started' "$CONSOLE"; then
        echo "kvm-probe: KVM usable"
        exit 0
    fi
    if line=$(grep -m1 -E 'KVM internal error|failed to set MSR' "$CONSOLE"); then
        fail "$(printf '%s' "$line" | tr -d '\r' | cut -c1-200)"
    fi
    if ! kill -0 "$QPID" 2>/dev/null; then
        wait "$QPID" && rc=0 || rc=$?
        QPID=
        last=$(tr -d '\r' < "$CONSOLE" | grep -v '^[[:space:]]*$' | tail -n1 | cut -c1-200)
        fail "QEMU exited (status $rc) before the guest started${last:+: $last}"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "guest did not start within ${TIMEOUT}s"
    sleep 0.2
done
