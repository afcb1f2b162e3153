#!/usr/bin/env bash
# Builds the test guest (a stand-in Cocos agent, see guest/README.md) from installed Debian
# packages: linux-image-amd64 (kernel + modules), busybox-static, cpio.
#
#   guest/build-test-guest.sh [OUTPUT_DIR]      (default: <repo>/build/guest)
#
# Writes OUTPUT_DIR/bzImage (a copy of /boot/vmlinuz-<version>) and OUTPUT_DIR/rootfs.cpio.gz
# (busybox initramfs with guest/init as /init and only the virtio/9P modules it needs).
# Does nothing when both outputs are newer than every input (this script, guest/init, the kernel,
# busybox, the modules). KERNEL_VERSION=<version> picks a kernel when several are installed.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
GUEST_SRC=$(dirname "$SELF")
REPO_ROOT=$(dirname "$GUEST_SRC")
OUT=${1:-$REPO_ROOT/build/guest}
INIT_SRC=$GUEST_SRC/init
BUSYBOX=/bin/busybox
# Modules the guest needs; their dependencies are added from modules.dep.
WANTED_MODULES=(virtio_pci virtio_net 9pnet_virtio 9p)

die() { echo "build-test-guest: $*" >&2; exit 1; }

# --- inputs and package checks --------------------------------------------------------------

[ -f "$INIT_SRC" ] || die "missing $INIT_SRC"

if [ -z "${KERNEL_VERSION:-}" ]; then
    # Newest /boot/vmlinuz-* that has its modules installed (not the running kernel: in a
    # container that is the host's).
    KERNEL_VERSION=
    for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V -r); do
        if [ -f "/lib/modules/$k/modules.dep" ]; then KERNEL_VERSION=$k; break; fi
    done
    [ -n "$KERNEL_VERSION" ] ||
        die "no kernel in /boot/vmlinuz-* with /lib/modules/<version>: install the Debian package linux-image-amd64"
fi
KERNEL=/boot/vmlinuz-$KERNEL_VERSION
MODDIR=/lib/modules/$KERNEL_VERSION
[ -r "$KERNEL" ] || die "$KERNEL missing or unreadable: install the Debian package linux-image-amd64 (and run as root)"
[ -f "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep missing: install the Debian package linux-image-amd64"

[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: install the Debian package busybox-static"
# The guest has no libc: busybox must be static, i.e. have no PT_INTERP program header.
elf_is_dynamic() {
    local f=$1 phoff phentsize phnum i type
    [ "$(od -An -c -N4 "$f" | tr -d ' ')" = '177ELF' ] || return 0
    phoff=$(od -An -t u8 -j 32 -N 8 "$f" | tr -d ' ')
    phentsize=$(od -An -t u2 -j 54 -N 2 "$f" | tr -d ' ')
    phnum=$(od -An -t u2 -j 56 -N 2 "$f" | tr -d ' ')
    for ((i = 0; i < phnum; i++)); do
        type=$(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 "$f" | tr -d ' ')
        [ "$type" = 3 ] && return 0
    done
    return 1
}
if elf_is_dynamic "$BUSYBOX"; then
    die "$BUSYBOX is dynamically linked: install the Debian package busybox-static"
fi
command -v cpio >/dev/null || die "cpio not found: install the Debian package cpio"
command -v gzip >/dev/null || die "gzip not found: install the Debian package gzip"

# --- module closure in load order (from modules.dep) ----------------------------------------

# awk prints "path name" for the wanted modules and their dependencies, dependencies first
# (depth-first over modules.dep); a wanted module that is not in modules.dep prints "- name".
modules_in_order() {
    awk -v wanted="${WANTED_MODULES[*]}" '
        function name(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); gsub(/-/, "_", p); return p }
        function visit(m,   n, i, d) {
            if (m in seen) return
            seen[m] = 1
            n = split(deps[m], d, " ")
            for (i = 1; i <= n; i++) visit(d[i])
            print path[m], m
        }
        {
            p = $1; sub(/:$/, "", p); m = name(p); path[m] = p; deps[m] = ""
            for (i = 2; i <= NF; i++) deps[m] = deps[m] " " name($i)
        }
        END {
            n = split(wanted, w, " ")
            for (i = 1; i <= n; i++) if (w[i] in path) visit(w[i]); else print "-", w[i]
        }' "$MODDIR/modules.dep"
}
modname() { local b=${1##*/}; b=${b%%.ko*}; echo "${b//-/_}"; }

MOD_FILES=()
while read -r path m; do
    if [ "$path" = - ]; then
        grep -Eq "/${m//_/[-_]}\.ko" "$MODDIR/modules.builtin" 2>/dev/null ||
            die "kernel module $m not found in $MODDIR: install the Debian package linux-image-amd64"
        continue # built into this kernel
    fi
    f=$MODDIR/$path
    [ -f "$f" ] || die "$f missing: reinstall the Debian package linux-image-amd64"
    MOD_FILES+=("$f")
done < <(modules_in_order)

# --- up to date? ----------------------------------------------------------------------------

BZIMAGE=$OUT/bzImage
ROOTFS=$OUT/rootfs.cpio.gz
STAMP=$OUT/.inputs
INPUTS=("$SELF" "$INIT_SRC" "$KERNEL" "$BUSYBOX" "$MODDIR/modules.dep" "${MOD_FILES[@]}")
inputs_desc=$(printf '%s\n' "$KERNEL_VERSION" "${INPUTS[@]}")

up_to_date() {
    local out in
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$inputs_desc" ] || return 1
    for out in "$BZIMAGE" "$ROOTFS"; do
        [ -s "$out" ] || return 1
        for in in "${INPUTS[@]}"; do
            [ "$in" -nt "$out" ] && return 1
        done
    done
    return 0
}
if up_to_date; then
    echo "build-test-guest: $OUT is up to date (kernel $KERNEL_VERSION)"
    exit 0
fi

# --- build ----------------------------------------------------------------------------------

mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,root,etc/certs,etc/cocos,lib/modules}

cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$ROOT/bin/$applet"
done
cp "$INIT_SRC" "$ROOT/init"
chmod 0755 "$ROOT/init"
# The kernel opens /dev/console for /init before it runs; /init also reopens it after devtmpfs.
mknod -m 600 "$ROOT/dev/console" c 5 1 2>/dev/null || true

: > "$ROOT/lib/modules/load-order"
for f in "${MOD_FILES[@]}"; do
    ko=$(modname "$f").ko
    case "$f" in
        *.ko) cp "$f" "$ROOT/lib/modules/$ko" ;;
        *.ko.xz)
            command -v xz >/dev/null || die "$f is xz-compressed: install the Debian package xz-utils"
            xz -dc "$f" > "$ROOT/lib/modules/$ko" ;;
        *.ko.zst)
            command -v zstd >/dev/null || die "$f is zstd-compressed: install the Debian package zstd"
            zstd -qdc "$f" > "$ROOT/lib/modules/$ko" ;;
        *.ko.gz) gzip -dc "$f" > "$ROOT/lib/modules/$ko" ;;
        *) die "unsupported module file $f" ;;
    esac
    echo "$ko" >> "$ROOT/lib/modules/load-order"
done

(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$WORK/rootfs.cpio.gz"
cp "$KERNEL" "$WORK/bzImage"

mv -f "$WORK/bzImage" "$BZIMAGE"
mv -f "$WORK/rootfs.cpio.gz" "$ROOTFS"
printf '%s\n' "$inputs_desc" > "$STAMP"
echo "build-test-guest: built $OUT (kernel $KERNEL_VERSION, modules: $(tr '\n' ' ' < "$ROOT/lib/modules/load-order")rootfs $(stat -c %s "$ROOTFS") bytes)"
