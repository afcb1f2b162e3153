#!/usr/bin/env bash
# Brings up the manager in the background on the development defaults, creates one CVM from the
# test guest with cocos-cli, and waits until the guest answers on its forwarded port.
# `scripts/demo.sh stop` removes the CVM and stops the manager.
set -euo pipefail
# Stopping needs no KVM probe.
[ "${1:-}" = stop ] && export MANAGER_QEMU_ENABLE_KVM=${MANAGER_QEMU_ENABLE_KVM:-false}
. "$(dirname "$0")/dev-env.sh"
demo=$repo/build/demo
cli=$repo/build/cocos-cli
mkdir -p "$demo"
export MANAGER_GRPC_URL=${MANAGER_GRPC_HOST:-localhost}:${MANAGER_GRPC_PORT:-7001}

if [ "${1:-}" = stop ]; then
  if [ -s "$demo/cvm-id" ]; then "$cli" remove-vm "$(cat "$demo/cvm-id")" || true; fi
  if [ -s "$demo/manager.pid" ]; then kill "$(cat "$demo/manager.pid")" 2>/dev/null || true; fi
  rm -f "$demo/cvm-id" "$demo/manager.pid"
  exit 0
fi

if [ -s "$demo/manager.pid" ] && kill -0 "$(cat "$demo/manager.pid")" 2>/dev/null; then
  echo "demo: a demo manager is already running (pid $(cat "$demo/manager.pid")); 'make demo-stop' first" >&2
  exit 1
fi
# The read-only web console, on loopback only (docs/ui.md), so the demo's CVM can be watched.
export MANAGER_HTTP_UI=${MANAGER_HTTP_UI:-true}
setsid "$repo/build/cocos-manager" > "$demo/manager.log" 2>&1 < /dev/null &
echo $! > "$demo/manager.pid"
for _ in $(seq 1 60); do
  grep -q 'gRPC server listening' "$demo/manager.log" && break
  kill -0 "$(cat "$demo/manager.pid")" 2>/dev/null || { cat "$demo/manager.log" >&2; exit 1; }
  sleep 0.5
done
echo "demo: manager running (pid $(cat "$demo/manager.pid")), log in $demo/manager.log"

out=$("$cli" create-vm --server-url 10.0.2.2:7001 --log-level debug)
echo "$out"
id=$(sed -n 's/.*created successfully with id \([^ ]*\) and port.*/\1/p' <<< "$out")
port=$(sed -n 's/.*and port \([0-9]*\).*/\1/p' <<< "$out")
echo "$id" > "$demo/cvm-id"

echo "demo: waiting for the guest to answer on port $port ..."
start=$SECONDS
while (( SECONDS - start < 180 )); do
  if report=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && timeout 5 cat <&3) && [[ "$report" == "cocos-test-agent report"* ]]; then
    echo "$report"
    echo "demo: CVM $id answered on port $port after $((SECONDS - start)) s"
    echo "demo: its console:  grep $id $demo/manager.log"
    if [ "$MANAGER_HTTP_UI" = true ]; then
      echo "demo: web console:  http://localhost:${MANAGER_HTTP_PORT:-7003}/ui/ (on this machine)"
    fi
    echo "demo: stop it all:  make demo-stop"
    exit 0
  fi
  sleep 1
done
echo "demo: the guest did not answer within 180 s; see $demo/manager.log" >&2
exit 1
