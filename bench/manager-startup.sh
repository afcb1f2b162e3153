#!/usr/bin/env bash
# The manager's start-up to SERVING and its idle RSS, per JVM option set, RUNS runs each (medians):
# the launcher (default build/cocos-manager, `make manager` first, which records its CDS archive)
# on an empty temporary state dir, ports 0, no KVM. Start-up: from the exec to the time stamp of
# the "gRPC server listening" line, logged right after the health status turns SERVING. Idle RSS:
# 3 s after that. Each set is "NAME|COCOS_MANAGER_CDS|JAVA_OPTS[|JAVA_HOME[|LAUNCHER]]" (no
# JAVA_HOME: the JDK the launcher picks, the newest under /usr/lib/jvm; a LAUNCHER of its own, e.g.
# an older build's with its archives, to compare builds). Sets are interleaved run by run, so that a
# change in the machine's load touches them alike.
# Usage: bench/manager-startup.sh [runs] [set ...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}; shift || true
launcher=${LAUNCHER:-$repo/build/cocos-manager}
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=("no CDS|0|" "CDS|1|")
work=$(mktemp -d /tmp/cms.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!sets[@]}"; do : > "$work/starts.$i"; : > "$work/rss.$i"; done
for _ in $(seq 1 "$runs"); do
  for i in "${!sets[@]}"; do
    IFS='|' read -r name cds opts home own_launcher <<< "${sets[$i]}"
    rm -rf "$work/state"
    began=$(date +%s.%N)
    env -i PATH="$PATH" HOME="$work" MANAGER_STATE_DIR="$work/state" MANAGER_GRPC_HOST=127.0.0.1 \
      MANAGER_GRPC_PORT=0 MANAGER_HTTP_HOST=127.0.0.1 MANAGER_HTTP_PORT=0 MANAGER_QEMU_ENABLE_KVM=false \
      COCOS_JAEGER_URL=http://127.0.0.1:9 COCOS_MANAGER_CDS="$cds" JAVA_OPTS="$opts" ${home:+JAVA_HOME="$home"} \
      "${own_launcher:-$launcher}" > "$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do grep -q 'gRPC server listening' "$work/log" && break; sleep 0.05; done
    serving=$(python3 -c 'import json,sys,datetime
for l in open(sys.argv[1]):
    if "gRPC server listening" in l:
        t = json.loads(l)["time"].rstrip("Z")
        whole, _, fraction = t.partition(".")
        d = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.timezone.utc)
        print(d.timestamp() + float("0." + (fraction or "0"))); break' "$work/log")
    awk -v a="$began" -v b="$serving" 'BEGIN {printf "%.3f\n", b - a}' >> "$work/starts.$i"
    sleep 3
    awk '/^VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$pid/status" >> "$work/rss.$i"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
for i in "${!sets[@]}"; do
  IFS='|' read -r name _ <<< "${sets[$i]}"
  printf '%-40s start-up to SERVING: median %s s (%s)   idle RSS: median %s MiB (%s)\n' "$name" \
    "$(median < "$work/starts.$i")" "$(tr '\n' ' ' < "$work/starts.$i" | sed 's/ $//')" \
    "$(median < "$work/rss.$i")" "$(tr '\n' ' ' < "$work/rss.$i" | sed 's/ $//')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
