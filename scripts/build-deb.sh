#!/usr/bin/env bash
# Builds build/cocos-manager_VERSION_amd64.deb from the launchers `make manager cli` made, with
# Debian's tools (dpkg-buildpackage, debhelper): packaging/debian/ is copied into a staging tree,
# build/deb/cocos-manager-VERSION/, whose root/ gets the files in their installed layout.
# VERSION: DEB_VERSION, else the root pom's version with -SNAPSHOT as ~snapshot (a pre-release sorts
# before its release). A VERSION other than packaging/debian/changelog's newest gets an entry of its
# own in the staged changelog (the test's upgrade builds one that way).
# Usage: build-deb.sh   (after make manager cli)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
pom_version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml)
version=${DEB_VERSION:-${pom_version/-SNAPSHOT/\~snapshot}}
for f in build/cocos-manager build/cocos-cli; do
  [ -x "$f" ] || { echo "build-deb: $f is missing: make manager cli first" >&2; exit 1; }
done

stage=build/deb/cocos-manager-$version
rm -rf build/deb
mkdir -p "$stage"
cp -r packaging/debian "$stage/debian"
root=$stage/root

# The manager's launcher lives in /usr/lib/cocos-manager, with the start-up archive the postinst
# records beside it (the launcher maps $0.aot or $0.jsa, and the archive matches only that path);
# /usr/bin/cocos-manager execs it, so that nothing generated lands in /usr/bin.
install -D -m 755 build/cocos-manager "$root/usr/lib/cocos-manager/cocos-manager"
install -D -m 755 scripts/train-cds.sh "$root/usr/lib/cocos-manager/train-cds"
install -d "$root/usr/bin"
cat > "$root/usr/bin/cocos-manager" <<'WRAPPER'
#!/bin/sh
# The Cocos manager (cocos-manager(8)). Its launcher is /usr/lib/cocos-manager/cocos-manager, beside
# the start-up archive the package records for it at install.
exec /usr/lib/cocos-manager/cocos-manager "$@"
WRAPPER
chmod 755 "$root/usr/bin/cocos-manager"
install -m 755 build/cocos-cli "$root/usr/bin/cocos-cli"

# The configuration template, as /etc/cocos/cocos-manager.env (a conffile: dpkg keeps an
# operator's edits across upgrades).
install -d "$root/etc/cocos"
sed 's|^# /etc/cocos/cocos-manager.env by `make install`)|# /etc/cocos/cocos-manager.env by `make install` or the Debian package)|' \
  cocos-manager.env > "$root/etc/cocos/cocos-manager.env"

# The unit, for the installed paths and the system user. StateDirectory= makes /var/lib/cocos (the
# default MANAGER_STATE_DIR) the user's, 0700, at each start, as the postinst does at install.
sed -e 's|^ExecStart=/usr/local/bin/cocos-manager$|ExecStart=/usr/bin/cocos-manager|' \
    -e 's|^After=network.target$|&\nDocumentation=man:cocos-manager(8) file:/usr/share/doc/cocos-manager/README.Debian|' \
    -e 's|^\[Service\]$|&\nUser=cocos-manager\nGroup=cocos-manager\nStateDirectory=cocos\nStateDirectoryMode=0700|' \
    systemd/cocos-manager.service > "$stage/debian/cocos-manager.service"
grep -q '^ExecStart=/usr/bin/cocos-manager$' "$stage/debian/cocos-manager.service" \
  || { echo "build-deb: systemd/cocos-manager.service's ExecStart changed: adapt build-deb.sh" >&2; exit 1; }

# Bash completion, from picocli's generator in cocos-cli itself (no #! line: it is sourced).
install -d "$root/usr/share/bash-completion/completions"
COCOS_CLI_CDS=0 build/cocos-cli completion bash | sed '1{/^#!/d}' \
  > "$root/usr/share/bash-completion/completions/cocos-cli"
grep -q 'complete -F' "$root/usr/share/bash-completion/completions/cocos-cli"

# cocos-cli(1) from its --help and --version; cocos-manager(8) is written by hand (the manager
# takes no arguments: packaging/debian/cocos-manager.8).
install -d "$root/usr/share/man/man1"
COCOS_CLI_CDS=0 help2man --no-info --section 1 --source "cocos-manager $version" \
  --name "command-line client of the Cocos manager" build/cocos-cli \
  > "$root/usr/share/man/man1/cocos-cli.1"

# Monitoring: the Grafana dashboard, the Prometheus alert rules and a scrape configuration.
install -d "$root/usr/share/cocos-manager/monitoring"
install -m 644 monitoring/grafana-dashboard.json monitoring/alert_rules.yml monitoring/prometheus.yml \
  "$root/usr/share/cocos-manager/monitoring/"

top=$(dpkg-parsechangelog -l "$stage/debian/changelog" -S Version)
if [ "$top" != "$version" ]; then
  maintainer=$(dpkg-parsechangelog -l packaging/debian/changelog -S Maintainer)
  { printf 'cocos-manager (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Built from commit %s.\n\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
    cat packaging/debian/changelog; } > "$stage/debian/changelog"
fi

(cd "$stage" && dpkg-buildpackage -b -us -uc >../build.log 2>&1) \
  || { tail -30 build/deb/build.log >&2; exit 1; }
mv "build/deb/cocos-manager_${version}_amd64.deb" build/
echo "build/cocos-manager_${version}_amd64.deb"
