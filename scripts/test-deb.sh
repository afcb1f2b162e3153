#!/usr/bin/env bash
# Tests the Debian package on THIS machine, as root (it installs system-wide: not part of make
# test): builds it (and a second one with a higher version), lints it, installs it with apt (which
# pulls the dependencies), verifies the unit, runs the manager from the installed paths as the
# service would (the system user, the env file's variables), boots the test guest with the
# installed cocos-cli, upgrades with dpkg -i while the CVM runs, then removes and purges, checking
# what Debian policy says is kept and that nothing else is left. Cleans up after itself.
# Usage: test-deb.sh   (after make manager cli; the test guest in build/guest: make guest)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "test-deb: run as root (it installs the package)" >&2; exit 1; }
guest=${GUEST_DIR:-$repo/build/guest}
for f in "$guest/bzImage" "$guest/rootfs.cpio.gz"; do
  [ -s "$f" ] || { echo "test-deb: $f is missing: make guest" >&2; exit 1; }
done
if dpkg-query -W -f='${Status}' cocos-manager 2>/dev/null | grep -qv 'not-installed'; then
  echo "test-deb: cocos-manager is installed already; purge it first (apt-get purge cocos-manager)" >&2
  exit 1
fi
[ -e /var/lib/cocos ] && { echo "test-deb: /var/lib/cocos exists already; it would be purged" >&2; exit 1; }
scripts/install-deps.sh --deb
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=300 -y -q)

work=$(mktemp -d /tmp/cocos-deb-test.XXXXXX)
chmod 755 "$work"
export XDG_CACHE_HOME=$work/cache     # cocos-cli's per-user class-data archive
manager_pid= cvm_id= qemu_pid= passed=0
log() { echo "test-deb: $*"; }
ok() { passed=$((passed + 1)); echo "  ok: $*"; }
fail() { echo "  FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

# The manager's ports and the CVMs' forwarded ports: away from the defaults (and from a test suite
# running beside this one).
grpc_port=17401 http_port=17403
export MANAGER_GRPC_URL=localhost:$grpc_port
cli=/usr/bin/cocos-cli

stop_manager() {
  if [ -n "$manager_pid" ]; then
    kill -TERM "$manager_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$manager_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$manager_pid" 2>/dev/null || true
    manager_pid=
  fi
}
cleanup() {
  rc=$?
  set +e
  if [ -n "$cvm_id" ] && [ -n "$manager_pid" ] && [ -x "$cli" ]; then "$cli" remove-vm "$cvm_id" >/dev/null 2>&1; fi
  stop_manager
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid"; fi
  if dpkg-query -W -f='${Status}' cocos-manager 2>/dev/null | grep -qv 'not-installed'; then
    dpkg --purge cocos-manager >/dev/null 2>&1
  fi
  if [ "$rc" != 0 ]; then
    mkdir -p build/deb-test && cp "$work"/*.log build/deb-test/ 2>/dev/null
    echo "test-deb: FAILED (logs in build/deb-test/)" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# The variables of an EnvironmentFile, read as systemd reads them: one KEY=VALUE a line, the whole
# rest of the line the value (sh's `.` would split `quiet console=null` into two assignments).
env_file_vars() {
  local line
  while IFS= read -r line; do
    case $line in ''|'#'*|';'*) continue;; esac
    printf '%s\n' "$line"
  done < /etc/cocos/cocos-manager.env
}
# The manager from the installed paths as the unit runs it: the system user with its groups, HOME
# from its passwd entry, a clean environment plus the env file's variables.
start_manager() {
  local logf=$1
  local -a vars
  mapfile -t vars < <(env_file_vars)
  setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/cocos \
    LANG=C.UTF-8 USER=cocos-manager LOGNAME=cocos-manager "${vars[@]}" \
    setpriv --reuid=cocos-manager --regid=cocos-manager --init-groups /usr/bin/cocos-manager \
    > "$logf" 2>&1 < /dev/null &
  manager_pid=$!
  for _ in $(seq 1 120); do
    grep -q 'gRPC server listening' "$logf" && return 0
    kill -0 "$manager_pid" 2>/dev/null || { cat "$logf" >&2; manager_pid=; return 1; }
    sleep 0.5
  done
  cat "$logf" >&2
  return 1
}
guest_answers() { # port
  local start=$SECONDS report
  while (( SECONDS - start < 180 )); do
    if report=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && timeout 5 cat <&3 2>/dev/null) \
        && [[ "$report" == "cocos-test-agent report"* ]]; then
      echo "  the guest answered on port $1 after $((SECONDS - start)) s"
      return 0
    fi
    sleep 1
  done
  return 1
}
# Every path dpkg -L lists is gone, except directories another package owns (/usr/bin, ...) and
# the paths named after the list.
gone_except() { # list-file keep...
  local list=$1 p left=0; shift
  while IFS= read -r p; do
    [ "$p" = /. ] && continue
    [ -e "$p" ] || [ -L "$p" ] || continue
    local keep=false k
    for k in "$@"; do [ "$p" = "$k" ] && keep=true; done
    $keep && continue
    if [ -d "$p" ] && [ ! -L "$p" ] && dpkg-query -S "$p" >/dev/null 2>&1; then continue; fi
    echo "    left: $p" >&2; left=1
  done < "$list"
  return $left
}
# What is on disk in the package's own directories is exactly what dpkg -L lists, plus the
# start-up archive the postinst records.
only_listed() {
  local extra
  extra=$(comm -13 <(dpkg -L cocos-manager | sort -u) \
    <(find /usr/lib/cocos-manager /usr/share/cocos-manager /etc/cocos /usr/share/doc/cocos-manager | sort -u) \
    | grep -vx '/usr/lib/cocos-manager/cocos-manager\.\(aot\|jsa\)' || true)
  [ -z "$extra" ] || { echo "    not in dpkg -L: $extra" >&2; return 1; }
}

log "building the package, and a second one with a higher version for the upgrade"
deb1=$(scripts/build-deb.sh | tail -1)
v1=$(dpkg-deb -f "$deb1" Version)
deb2=$(DEB_VERSION="$v1+debtest1" scripts/build-deb.sh | tail -1)
deb1=$work/$(basename "$deb1")
# Both in $work: the second build cleared build/deb, and apt wants the file where it can read it.
mv "build/$(basename "$deb1")" "$deb1"
mv "build/$(basename "$deb2")" "$work/" && deb2=$work/$(basename "$deb2")
cp "$deb1" build/     # the package of this tree stays in build/
ok "built $(basename "$deb1") and $(basename "$deb2")"
dpkg -c "$deb1" > "$work/contents.log"

log "lintian"
lintian --pedantic --info "$deb1" > "$work/lintian.log" 2>&1 || true
sed 's/^/    /' "$work/lintian.log"
check "lintian: no error (overrides: packaging/debian/cocos-manager.lintian-overrides)" \
  lintian --fail-on error "$deb1"

log "apt-get install $deb1"
apt-get "${apt_opts[@]}" install "$deb1" > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "apt-get install"; }
grep -E 'train-cds|cocos-manager:' "$work/install.log" | sed 's/^/    /' || true
check "installed: $v1" [ "$(dpkg-query -W -f='${Version} ${Status}' cocos-manager)" = "$v1 install ok installed" ]
check "/usr/bin/cocos-manager, /usr/bin/cocos-cli executable" [ -x /usr/bin/cocos-manager -a -x /usr/bin/cocos-cli ]
check "the env file is a conffile" grep -qx ' /etc/cocos/cocos-manager.env [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' cocos-manager)
check "the env file is 0600 root:root" [ "$(stat -c '%a %U:%G' /etc/cocos/cocos-manager.env)" = "600 root:root" ]
check "system user cocos-manager (system uid, no login shell)" \
  bash -c '[ "$(id -u cocos-manager)" -lt 1000 ] && getent passwd cocos-manager | grep -q ":/var/lib/cocos:/usr/sbin/nologin$"'
check "cocos-manager is in group kvm" bash -c 'id -nG cocos-manager | tr " " "\n" | grep -qx kvm'
check "/var/lib/cocos is 0700 cocos-manager:cocos-manager" \
  [ "$(stat -c '%a %U:%G' /var/lib/cocos)" = "700 cocos-manager:cocos-manager" ]
check "start-up archive recorded: $(ls /usr/lib/cocos-manager/cocos-manager.{aot,jsa} 2>/dev/null | tr '\n' ' ')" \
  bash -c 'ls /usr/lib/cocos-manager/cocos-manager.aot /usr/lib/cocos-manager/cocos-manager.jsa 2>/dev/null | grep -q .'
check "unit enabled (multi-user.target.wants), not started" \
  [ -L /etc/systemd/system/multi-user.target.wants/cocos-manager.service ]
check "systemd-analyze verify /usr/lib/systemd/system/cocos-manager.service" \
  bash -c 'systemd-analyze verify /usr/lib/systemd/system/cocos-manager.service > '"$work"'/verify.log 2>&1 && ! [ -s '"$work"'/verify.log ] || { cat '"$work"'/verify.log >&2; false; }'
check "unit: User=cocos-manager, ExecStart=/usr/bin/cocos-manager, KillMode=process" \
  bash -c 'f=/usr/lib/systemd/system/cocos-manager.service; grep -qx User=cocos-manager $f && grep -qx ExecStart=/usr/bin/cocos-manager $f && grep -qx KillMode=process $f'
check "bash completion of cocos-cli loads" \
  bash -c '. /usr/share/bash-completion/completions/cocos-cli && complete -p cocos-cli >/dev/null'
check "man pages cocos-cli(1), cocos-manager(8)" \
  bash -c 'zcat /usr/share/man/man1/cocos-cli.1.gz | grep -q "^\.TH" && zcat /usr/share/man/man8/cocos-manager.8.gz | grep -q "^\.TH"'
check "monitoring files in /usr/share/cocos-manager/monitoring" \
  [ -s /usr/share/cocos-manager/monitoring/grafana-dashboard.json -a -s /usr/share/cocos-manager/monitoring/alert_rules.yml ]
check "nothing but dpkg -L's files (and the archive) in the package's directories" only_listed

log "the operator edits the env file: the test guest, plain QEMU, the test's ports"
install -d -m 755 "$work/guest"
install -m 644 "$guest/bzImage" "$guest/rootfs.cpio.gz" "$work/guest/"
cat >> /etc/cocos/cocos-manager.env <<ENV

# test-deb: edited by the operator
MANAGER_GRPC_PORT=$grpc_port
MANAGER_HTTP_PORT=$http_port
MANAGER_QEMU_HOST_FWD_RANGE=17410-17420
MANAGER_QEMU_HOST_FWD_AGENT=17409
MANAGER_QEMU_ENABLE_KVM=false
MANAGER_QEMU_ENABLE_VSOCK=false
MANAGER_QEMU_ENABLE_SEV_SNP=false
MANAGER_QEMU_ENABLE_TDX=false
MANAGER_QEMU_DISK_IMG_KERNEL_FILE=$work/guest/bzImage
MANAGER_QEMU_DISK_IMG_ROOTFS_FILE=$work/guest/rootfs.cpio.gz
MANAGER_QEMU_KERNEL_CMDLINE=console=ttyS0
MANAGER_QEMU_MEMORY_SIZE=512M
MANAGER_QEMU_SMP_COUNT=2
COCOS_JAEGER_URL=http://127.0.0.1:9
ENV
md5sum /etc/cocos/cocos-manager.env > "$work/env.md5"

log "the manager from the installed paths, as the service runs it"
check "the manager serves (as cocos-manager)" start_manager "$work/manager1.log"
check "its process runs as cocos-manager" [ "$(ps -o user= -p "$manager_pid")" = cocos-manager ]
out=$("$cli" create-vm --server-url 10.0.2.2:7001)
echo "$out" | sed 's/^/    /'
cvm_id=$(sed -n 's/.*created successfully with id \([^ ]*\) and port.*/\1/p' <<< "$out")
port=$(sed -n 's/.*and port \([0-9]*\).*/\1/p' <<< "$out")
check "cocos-cli create-vm: CVM $cvm_id on port $port" [ -n "$cvm_id" -a -n "$port" ]
# The test has one CVM: the one pid in ListVms is its QEMU.
qemu_pid=$("$cli" list-vms --json | sed -n 's/.*"pid": *"\([0-9]*\)".*/\1/p')
check "its QEMU (pid $qemu_pid) runs as cocos-manager" [ "$(ps -o user= -p "$qemu_pid")" = cocos-manager ]
check "the guest's agent answers on the forwarded port" guest_answers "$port"

log "upgrade to $(basename "$deb2") with dpkg -i while the CVM runs"
dpkg -i "$deb2" > "$work/upgrade.log" 2>&1 < /dev/null || { cat "$work/upgrade.log" >&2; fail "dpkg -i"; }
check "installed: $v1+debtest1" [ "$(dpkg-query -W -f='${Version}' cocos-manager)" = "$v1+debtest1" ]
check "the edited env file is kept (no .dpkg-new, .dpkg-dist)" \
  bash -c 'md5sum -c --quiet '"$work"'/env.md5 && ! ls /etc/cocos/*.dpkg-* 2>/dev/null | grep -q .'
check "the start-up archive is recorded again" \
  bash -c 'ls /usr/lib/cocos-manager/cocos-manager.aot /usr/lib/cocos-manager/cocos-manager.jsa 2>/dev/null | grep -q .'
check "the QEMU of the CVM still runs (pid $qemu_pid)" kill -0 "$qemu_pid"
# No systemd here: the postinst's try-restart is a no-op. Restart the manager as systemd would.
stop_manager
check "the CVM outlives the old manager" kill -0 "$qemu_pid"
check "the new manager serves" start_manager "$work/manager2.log"
check "the new manager adopted the CVM" grep -q 'restore finished: 1 CVM(s) adopted' "$work/manager2.log"
check "cocos-cli list-vms: $cvm_id running" bash -c '"$0" list-vms | grep "$1" | grep -qi running' "$cli" "$cvm_id"
check "the guest still answers on port $port" guest_answers "$port"

log "remove"
check "cocos-cli remove-vm $cvm_id" "$cli" remove-vm "$cvm_id"
for _ in $(seq 1 60); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.5; done
check "its QEMU is gone" bash -c '! kill -0 '"$qemu_pid"' 2>/dev/null'
cvm_id=
stop_manager
dpkg -L cocos-manager > "$work/files.list"
apt-get "${apt_opts[@]}" remove cocos-manager > "$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "apt-get remove"; }
check "removed, config-files left" [ "$(dpkg-query -W -f='${Status}' cocos-manager)" = "deinstall ok config-files" ]
check "the edited env file is kept" md5sum -c --quiet "$work/env.md5"
check "the state directory is kept" [ -d /var/lib/cocos ]
check "every other file of dpkg -L is gone, the archive too" \
  gone_except "$work/files.list" /etc/cocos /etc/cocos/cocos-manager.env
check "no start-up archive left" bash -c '! ls /usr/lib/cocos-manager 2>/dev/null | grep -q .'

log "purge"
apt-get "${apt_opts[@]}" purge cocos-manager > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "apt-get purge"; }
check "purged" bash -c '! dpkg-query -W -f="\${Status}" cocos-manager 2>/dev/null | grep -q installed'
check "env file and /etc/cocos gone" [ ! -e /etc/cocos ]
check "state directory /var/lib/cocos gone" [ ! -e /var/lib/cocos ]
check "enable symlink and deb-systemd-helper state gone" \
  bash -c '! ls /etc/systemd/system/multi-user.target.wants/cocos-manager.service /var/lib/systemd/deb-systemd-helper-enabled/cocos-manager.service.dsh-also /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/cocos-manager.service 2>/dev/null | grep -q .'
check "nothing of dpkg -L left" gone_except "$work/files.list"
check "the system user stays (Debian practice: its uid may still own files or processes)" \
  getent passwd cocos-manager
log "passed: $passed checks"
