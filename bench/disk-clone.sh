#!/usr/bin/env bash
# Disk preparation at CreateVm with disk boot (MANAGER_QEMU_ENABLE_DISK): the qemu-img steps the
# manager runs before QEMU starts (manager-qemu's BootDisks), timed for both
# MANAGER_QEMU_DISK_CLONE modes on source images of the given sizes:
#   overlay: qemu-img info + qemu-img create -f qcow2 -b <source> -F qcow2 <disk> <size+1G>
#   copy:    qemu-img info + qemu-img convert -f qcow2 -O qcow2 <source> <disk> + qemu-img resize
# The sources are qcow2 images filled with random data (incompressible, fully allocated), as a
# real OS image is. Each measurement is the median of RUNS runs; the page cache is warm (the
# source was just written), which favours the copy: on a cold cache it is slower still.
#
#   bench/disk-clone.sh [SIZES_GIB...]      (default: 1 4; RUNS=3; WORK=<tmp dir on the same disk>)
set -euo pipefail
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1 4)
runs=${RUNS:-3}
work=$(mktemp -d "${WORK:-${TMPDIR:-/var/tmp}}/disk-clone.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
# "median (min-max)" of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {printf "%d (%d-%d)\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
virtual_gib() { qemu-img info --output=json -f qcow2 "$1" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p' |
    awk '{print int(($1 + 2^30 - 1) / 2^30)}'; }

printf '%-8s %-8s %s\n' "source" "mode" "median (min-max) ms"
for gib in "${sizes[@]}"; do
    src=$work/source-${gib}G.qcow2
    head -c $((gib << 30)) /dev/urandom > "$work/raw"
    qemu-img convert -f raw -O qcow2 "$work/raw" "$src"
    rm -f "$work/raw"
    sync  # the source's writeback must not run during the measurements
    for mode in overlay copy; do
        for ((i = 0; i < runs; i++)); do
            dst=$work/disk-$mode-$i.qcow2
            t0=$(now)
            size=$(( $(virtual_gib "$src") + 1 ))G
            if [ "$mode" = overlay ]; then
                qemu-img create -q -f qcow2 -b "$src" -F qcow2 "$dst" "$size"
            else
                qemu-img convert -f qcow2 -O qcow2 "$src" "$dst"
                qemu-img resize -q -f qcow2 "$dst" "$size"
            fi
            t1=$(now)
            echo $(( (t1 - t0) / 1000000 ))
            rm -f "$dst"
        done | median | xargs -0 printf '%-8s %-8s %s' "${gib}GiB" "$mode"
    done
    rm -f "$src"
done
