#!/usr/bin/env bash
# CPU cost of the costliest accepted requests and of refusing the largest (bench/HostileInputCost.java),
# with the manager's jar on the class path. Build it first: mvn -q -DskipTests package -pl manager-grpc -am
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
java -cp "$repo/manager-grpc/target/cocos-manager.jar" "$repo/bench/HostileInputCost.java"
