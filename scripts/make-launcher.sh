#!/usr/bin/env bash
# Makes a single-file launcher: a short shell script followed by the shaded jar. The JVM reads a
# jar from its end (the zip directory), so `java -jar` on the launcher itself works and the file
# can be installed anywhere on its own.
# Usage: make-launcher.sh JAR OUT "JVM OPTIONS" ["COMMANDS" | --archive-beside]
# COMMANDS, optional: the first run of one of these records an AppCDS archive
# (JDK 17: -XX:ArchiveClassesAtExit) in the user's cache that later runs map, for a faster start.
# --archive-beside: the launcher maps OUT.jsa when it exists, an archive recorded by a training run
# where the launcher is installed (scripts/train-cds.sh): for a daemon, which has no per-user cache
# and is not started by hand.
set -euo pipefail
jar=$1 out=$2 jvm_options=$3 cds_commands=${4:-}
mkdir -p "$(dirname "$out")"
{
  printf '#!/bin/sh\n'
  printf '# %s: a shell script followed by its jar. JAVA_OPTS adds JVM options.\n' "$(basename "$out")"
  printf 'java=java; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"\n'
  if [ "$cds_commands" = --archive-beside ]; then
    cat <<STUB
# Class-data sharing: \$0.jsa, recorded by scripts/train-cds.sh for this very file, holds the classes
# a start loads, mapped instead of loaded (about half the start-up time). The JVM checks that the
# archive matches this file and the java binary and otherwise ignores it (-Xshare:auto, the
# default); -Xlog:cds...=off keeps its notice of that off stdout. COCOS_MANAGER_CDS=0 turns it off.
opts='$jvm_options -Xlog:cds=off,cds+dynamic=off'
if [ "\${COCOS_MANAGER_CDS:-1}" != 0 ] && [ -s "\$0.jsa" ]; then
  exec "\$java" \$opts -XX:SharedArchiveFile="\$0.jsa" \${JAVA_OPTS:-} -jar "\$0" "\$@"
fi
exec "\$java" \$opts \${JAVA_OPTS:-} -jar "\$0" "\$@"
STUB
  elif [ -n "$cds_commands" ]; then
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
    printf 'exec "$java" %s ${JAVA_OPTS:-} -jar "$0" "$@"\n' "$jvm_options"
  fi
  cat "$jar"
} > "$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
