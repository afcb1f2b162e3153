#!/usr/bin/env bash
# Per-console memory of the manager's console watcher (issue 15 part 6): heap retained per followed
# console and bytes allocated per idle console per poll, at N consoles. Usage:
# bench/console-memory.sh [N] [jar...]  (default: 500, the manager jar of this tree; give an older
# build's jar as well to compare).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-500}
shift || true
jars=("$@")
[ ${#jars[@]} -gt 0 ] || jars=("$repo/manager-grpc/target/cocos-manager.jar")
for jar in "${jars[@]}"; do
  echo "$jar:"
  java -Xmx256m -XX:+UseSerialGC -cp "$jar" "$repo/bench/ConsoleMemory.java" "$n" 2>&1 | grep -v '^[0-9:.]* WARN'
done
