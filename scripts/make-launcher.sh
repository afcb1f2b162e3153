#!/usr/bin/env bash
# Makes a single-file launcher: a short shell script followed by the shaded jar. The JVM reads
# a jar from the end of the file (the zip directory), so `java -jar` on the launcher itself
# works, and the file can be installed anywhere on its own.
set -euo pipefail
jar=$1 out=$2 jvm_options=$3
mkdir -p "$(dirname "$out")"
{
  printf '#!/bin/sh\n'
  printf '# %s: a shell script followed by its jar. JAVA_OPTS adds JVM options.\n' "$(basename "$out")"
  printf 'java=java; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"\n'
  printf 'exec "$java" %s ${JAVA_OPTS:-} -jar "$0" "$@"\n' "$jvm_options"
  cat "$jar"
} > "$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
