#!/usr/bin/env bash
# Makes a single-file launcher: a short shell script followed by the shaded jar. The JVM reads a
# jar from its end (the zip directory), so `java -jar` on the launcher itself works and the file
# can be installed anywhere on its own.
# Usage: make-launcher.sh JAR OUT "JVM OPTIONS" ["COMMANDS" | --archive-beside]
# COMMANDS, optional: the first run of one of these records an AppCDS archive
# (JDK 17: -XX:ArchiveClassesAtExit) in the user's cache that later runs map, for a faster start.
# --archive-beside: the launcher runs on the newest JDK found (unless JAVA_HOME says otherwise) and
# maps OUT.aot (JDK 25+: an AOT cache) or OUT.jsa (older: AppCDS) when it exists, recorded by a
# training run where the launcher is installed (scripts/train-cds.sh): for a daemon, which has no
# per-user cache and is not started by hand.
set -euo pipefail
jar=$1 out=$2 jvm_options=$3 cds_commands=${4:-}
mkdir -p "$(dirname "$out")"
# The daemon's launcher names its main class (-cp FILE MAIN) instead of `-jar FILE`: with -jar the
# JVM opens the jar for its manifest, closes it, and its class loader opens it again, reading the
# zip directory (23,000 entries) twice, ≈ 15 ms each at start-up. The manifest says nothing else.
main_class=
if [ "$cds_commands" = --archive-beside ]; then
  manifest=$(mktemp -d) jar_path=$(realpath "$jar")
  (cd "$manifest" && jar xf "$jar_path" META-INF/MANIFEST.MF)
  main_class=$(sed -n 's/^Main-Class: *\([^[:space:]]*\).*/\1/p' "$manifest/META-INF/MANIFEST.MF")
  rm -rf "$manifest"
  [ -n "$main_class" ] || { echo "make-launcher: no Main-Class in $jar" >&2; exit 1; }
fi
{
  printf '#!/bin/sh\n'
  printf '# %s: a shell script followed by its jar. JAVA_OPTS adds JVM options.\n' "$(basename "$out")"
  if [ "$cds_commands" = --archive-beside ]; then
    cat <<STUB
# The JDK: \$JAVA_HOME when set; otherwise the newest JDK of 17 or later under /usr/lib/jvm (its
# release file names its version), else java on PATH.
major_of() { # sets \$release_major to the feature version of the JDK in \$1, from its release file
  # (a function that sets a variable, not a \$(...) that prints it: each \$(...) forks the shell)
  [ -r "\$1/release" ] || return 1
  while IFS= read -r line; do
    case \$line in JAVA_VERSION=*) v=\${line#JAVA_VERSION=\"}; release_major=\${v%%[!0-9]*}; [ -n "\$release_major" ]; return;; esac
  done < "\$1/release"
  return 1
}
java=java major=0
if [ -n "\${JAVA_HOME:-}" ]; then
  java=\$JAVA_HOME/bin/java
  if major_of "\$JAVA_HOME"; then major=\$release_major; fi
else
  for home in /usr/lib/jvm/*/; do
    home=\${home%/}
    major_of "\$home" || continue
    if [ "\$release_major" -ge 17 ] && [ "\$release_major" -gt "\$major" ] && [ -x "\$home/bin/java" ]; then
      java=\$home/bin/java major=\$release_major
    fi
  done
fi
# Start-up archive, recorded by scripts/train-cds.sh for this very file and the JDK it runs on:
# on JDK 25 and later an ahead-of-time cache, \$0.aot (JEPs 483, 514, 515: classes loaded and
# linked, method profiles), on older ones an AppCDS archive, \$0.jsa (classes mapped instead of
# loaded, about half the start-up time). The JVM checks that it matches this file and the java
# binary and otherwise ignores it; -Xlog:...=off keeps its notice of that off stdout.
# COCOS_MANAGER_CDS=0 turns it off; COCOS_MANAGER_TRAIN=FILE (the training run) records one into
# FILE.aot or FILE.jsa, whichever this JDK makes, from a manager that stops once it serves.
# On 25 and later, two start-up costs that JDK 17 does not have, measured in docs/operations.md:
# - Netty keeps using sun.misc.Unsafe as on 17 (--sun-misc-unsafe-memory-access=allow: without it
#   Netty turns Unsafe off on 25 and sets up a cleaner through the FFM API instead, ≈ 20 ms);
# - the cache holds no method profiles (-AOTRecordTraining): with C1 alone nothing reads them,
#   and replaying them only queued compilations that competed with the start-up for the CPU; nor
#   does the JVM run its replay thread (-AOTReplayTraining), which otherwise took the compile
#   queue's lock for every compilation to look for profiles that are not there.
# The cache keeps being relocated to a random address (the default since JDK 20):
# ArchiveRelocationMode=0 would save ≈ 20 ms but give up that address randomisation.
opts='$jvm_options -Xlog:cds=off,cds+dynamic=off'
if [ "\$major" -ge 25 ]; then
  opts="\$opts -Xlog:aot=off --sun-misc-unsafe-memory-access=allow"
  archive=\$0.aot use="-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining -XX:AOTCache" record="-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:AOTCacheOutput" ext=aot
else
  archive=\$0.jsa use=-XX:SharedArchiveFile record=-XX:ArchiveClassesAtExit ext=jsa
fi
if [ -n "\${COCOS_MANAGER_TRAIN:-}" ]; then
  exec "\$java" \$opts \$record="\$COCOS_MANAGER_TRAIN.\$ext" -Dcocos.manager.trainingRun=true \${JAVA_OPTS:-} -cp "\$0" $main_class "\$@"
fi
if [ "\${COCOS_MANAGER_CDS:-1}" != 0 ] && [ -s "\$archive" ]; then
  exec "\$java" \$opts \$use="\$archive" \${JAVA_OPTS:-} -cp "\$0" $main_class "\$@"
fi
exec "\$java" \$opts \${JAVA_OPTS:-} -cp "\$0" $main_class "\$@"
STUB
  elif [ -n "$cds_commands" ]; then
    printf 'java=java; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"\n'
    cat <<STUB
# Class-data sharing: the first run of a command below records the classes it loaded in a per-user
# archive (keyed by this file and the java binary, so an upgrade makes a new one); later runs map
# it and start about twice as fast. COCOS_CLI_CDS=0 turns this off. -Xlog:cds...=off keeps the
# JVM's CDS warnings (printed on stdout) out of the output, e.g. for an archive of another build.
opts='$jvm_options -Xlog:cds=off,cds+dynamic=off'
if [ "\${COCOS_CLI_CDS:-1}" != 0 ] && [ -n "\${HOME:-}\${XDG_CACHE_HOME:-}" ] \\
    && key=\$( { stat -L -c '%s %Y %i' "\$0" && stat -L -c '%s %Y %i' "\$(command -v "\$java")"; } 2>/dev/null | cksum) ; then
  cache="\${XDG_CACHE_HOME:-\$HOME/.cache}/$(basename "$out")"
  jsa="\$cache/\${key%% *}.jsa"
  if [ -s "\$jsa" ]; then
    exec "\$java" \$opts -XX:SharedArchiveFile="\$jsa" \${JAVA_OPTS:-} -jar "\$0" "\$@"
  fi
  for arg in "\$@"; do
    case " $cds_commands " in *" \$arg "*)
      if mkdir -p "\$cache" 2>/dev/null && [ -w "\$cache" ]; then
        rm -f "\$cache"/*.jsa
        tmp="\$jsa.\$\$.tmp"
        trap 'rm -f "\$tmp"; exit 130' INT TERM
        "\$java" \$opts -XX:ArchiveClassesAtExit="\$tmp" \${JAVA_OPTS:-} -jar "\$0" "\$@"
        rc=\$?
        if [ -s "\$tmp" ]; then mv -f "\$tmp" "\$jsa"; else rm -f "\$tmp"; fi
        exit \$rc
      fi
      break;;
    esac
  done
fi
exec "\$java" \$opts \${JAVA_OPTS:-} -jar "\$0" "\$@"
STUB
  else
    printf 'java=java; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"\n'
    printf 'exec "$java" %s ${JAVA_OPTS:-} -jar "$0" "$@"\n' "$jvm_options"
  fi
  cat "$jar"
} > "$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
