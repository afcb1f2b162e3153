#!/bin/bash
# A stand-in for qemu-system-x86_64 in tests. Like QEMU it prints to stdout and stderr, then runs
# until SIGTERM and exits 0 on it. It never has a child process, so killing it leaves nothing behind.
#
# Words in its -append value (the "kernel command line") change what it does:
#   fake.fail=N          print an error on stderr and exit N at once
#   fake.ignore-term     ignore SIGTERM: only SIGKILL ends it
#   fake.exit-after=S:N  exit N by itself after S seconds (S may be fractional)
#   fake.pidfile=PATH    write the pid to PATH once the traps are set
kernel_cmdline=
previous=
for arg in "$@"; do
  if [ "$previous" = "-append" ]; then kernel_cmdline=$arg; fi
  previous=$arg
done

echo "fake-qemu pid=$$"
for arg in "$@"; do
  printf 'fake-qemu arg: %s\n' "$arg"
done
echo "fake-qemu: stderr is captured too" >&2

trap 'echo "fake-qemu: terminating on signal 15" >&2; exit 0' TERM
lifetime=
code=0
pidfile=
for word in $kernel_cmdline; do
  case $word in
    fake.fail=*)
      echo "fake-qemu: -device bogus: fatal test error" >&2
      exit "${word#fake.fail=}" ;;
    fake.ignore-term)
      trap '' TERM ;;
    fake.exit-after=*)
      value=${word#fake.exit-after=}
      lifetime=${value%%:*}
      code=${value#*:} ;;
    fake.pidfile=*)
      pidfile=${word#fake.pidfile=} ;;
  esac
done

# A FIFO nobody writes to: read on it sleeps without a child process, and a trapped signal
# interrupts it at once.
fifo=$(mktemp -u "${TMPDIR:-/tmp}/fake-qemu.XXXXXX")
mkfifo "$fifo"
exec 3<>"$fifo"
rm -f "$fifo"

if [ -n "$pidfile" ]; then echo $$ > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"; fi

if [ -n "$lifetime" ]; then
  read -r -t "$lifetime" -u 3
  exit "$code"
fi
while :; do read -r -t 600 -u 3; done
