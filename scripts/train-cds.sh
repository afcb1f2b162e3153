#!/usr/bin/env bash
# Records the manager's start-up archive beside its launcher, for the JDK the launcher picks (see
# make-launcher.sh): LAUNCHER.aot on JDK 25 and later (an AOT cache, -XX:AOTCacheOutput), else
# LAUNCHER.jsa (a dynamic AppCDS archive, -XX:ArchiveClassesAtExit); the launcher maps it at every
# start. A training run: the launcher starts on a temporary state dir, ports 0, no KVM and no CMS, until it
# serves, then stops by itself, and the JVM writes the classes it loaded. Run where the launcher will run
# from (`make manager` for build/, `make install` for the installed path): the archive records the
# launcher's path, size and time, and the JVM ignores an archive that does not match (another
# build, another JDK), silently and safely. An archive of the other kind (the launcher run on the
# other JDK, with JAVA_HOME) is left in place: each JDK maps only its own. COCOS_MANAGER_CDS=0 skips
# the training.
# Usage: train-cds.sh LAUNCHER
set -euo pipefail
launcher=$(realpath "$1")
[ "${COCOS_MANAGER_CDS:-1}" = 0 ] && exit 0
work=$(mktemp -d /tmp/cocos-cds.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
env -i PATH="$PATH" HOME="$work" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} MANAGER_STATE_DIR="$work/state" \
  MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=0 MANAGER_HTTP_HOST=127.0.0.1 MANAGER_HTTP_PORT=0 \
  MANAGER_QEMU_ENABLE_KVM=false COCOS_JAEGER_URL=http://127.0.0.1:9 \
  COCOS_MANAGER_TRAIN="$work/archive" "$launcher" > "$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q 'gRPC server listening' "$work/log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q 'gRPC server listening' "$work/log"; then
  echo "train-cds: the manager did not start; no archive (it starts without one, only slower):" >&2
  tail -5 "$work/log" >&2
  exit 0
fi
# The manager ends a training run itself once it serves (Main, -Dcocos.manager.trainingRun), so that the
# archive holds the start-up's classes only; the JVM then writes it (JDK 25 assembles its cache in
# a child JVM, some seconds).
# The watchdog's sleep dies with it (no stray process), and it holds none of our output open.
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep 120 &
  nap=$!
  wait "$nap" && kill -TERM "$pid" 2>/dev/null
) < /dev/null > /dev/null 2>&1 &
watchdog=$!
wait "$pid" || true
pid=
kill "$watchdog" 2>/dev/null || true
made=
for ext in aot jsa; do
  if [ -s "$work/archive.$ext" ]; then
    install -m 644 "$work/archive.$ext" "$launcher.$ext"
    made=$launcher.$ext
    echo "train-cds: $made ($(du -k "$made" | cut -f1) KiB)"
  fi
done
if [ -z "$made" ]; then
  echo "train-cds: the JVM wrote no archive; the manager starts without one" >&2
fi
