#!/usr/bin/env bash
# The manager in the foreground on the development defaults (scripts/dev-env.sh).
set -euo pipefail
. "$(dirname "$0")/dev-env.sh"
exec "$repo/build/cocos-manager"
