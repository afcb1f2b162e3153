#!/usr/bin/env bash
# Records the manager's AppCDS archive (JDK 17 dynamic archive, -XX:ArchiveClassesAtExit) beside
# its launcher: LAUNCHER.jsa, which the launcher maps at every start (see make-launcher.sh). A
# training run: the launcher starts on a temporary state dir, ports 0, no KVM and no CMS, until it
# serves; SIGTERM, and the JVM writes the classes it loaded at exit. Run where the launcher will run
# from (`make manager` for build/, `make install` for the installed path): the archive records the
# launcher's path, size and time, and the JVM ignores an archive that does not match (another
# build, another JDK), silently and safely. COCOS_MANAGER_CDS=0 skips the training.
# Usage: train-cds.sh LAUNCHER
set -euo pipefail
launcher=$(realpath "$1")
jsa=$launcher.jsa
rm -f "$jsa"
[ "${COCOS_MANAGER_CDS:-1}" = 0 ] && exit 0
work=$(mktemp -d /tmp/cocos-cds.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
env -i PATH="$PATH" HOME="$work" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} MANAGER_STATE_DIR="$work/state" \
  MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT=0 MANAGER_HTTP_HOST=127.0.0.1 MANAGER_HTTP_PORT=0 \
  MANAGER_QEMU_ENABLE_KVM=false COCOS_JAEGER_URL=http://127.0.0.1:9 \
  JAVA_OPTS="-XX:ArchiveClassesAtExit=$work/archive.jsa" "$launcher" > "$work/log" 2>&1 &
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
kill -TERM "$pid"
wait "$pid" || true
pid=
if [ -s "$work/archive.jsa" ]; then
  install -m 644 "$work/archive.jsa" "$jsa"
  echo "train-cds: $jsa ($(du -k "$jsa" | cut -f1) KiB)"
else
  echo "train-cds: the JVM wrote no archive; the manager starts without one" >&2
fi
