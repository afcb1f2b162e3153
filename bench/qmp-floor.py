#!/usr/bin/env python3
"""The floor under CreateVm: how long the very QEMU command line the manager ran takes, started by
hand, to answer QMP query-status. Usage: qmp-floor.py RUNS VARS_TEMPLATE CVM_DIR -- COMMAND...

COMMAND is the manager's logged command (without setsid). Every path under CVM_DIR (the CVM's
directory, gone after its removal) is moved to a scratch directory holding a fresh copy of the
OVMF vars template and empty shares; the forwarded host port is replaced by a free one. Prints
the median, p90, min and max in milliseconds."""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def one_run(command, vars_template, cvm_dir):
    scratch = tempfile.mkdtemp(prefix="qmp-floor-")
    try:
        cvm = os.path.join(scratch, "cvm")
        for d in ("vm", "certs", "env"):
            os.makedirs(os.path.join(cvm, d))
        args = [a.replace(cvm_dir, cvm) for a in command]
        args = [re.sub(r"hostfwd=tcp::\d+-", "hostfwd=tcp::%d-" % free_port(), a) for a in args]
        for a in args:
            m = re.search(r"file=(%s/vm/OVMF_VARS-[^,]*\.fd)" % re.escape(cvm), a)
            if m:
                shutil.copy(vars_template, m.group(1))
        qmp = os.path.join(cvm, "vm", "qmp.sock")
        start = time.monotonic()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit("QEMU exited with %d before it answered QMP" % proc.returncode)
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(qmp)
                    break
                except OSError:
                    s.close()
                    time.sleep(0.002)
            f = s.makefile("rw")
            f.readline()
            f.write('{"execute":"qmp_capabilities"}\n')
            f.flush()
            f.readline()
            f.write('{"execute":"query-status","id":1}\n')
            f.flush()
            while "return" not in json.loads(f.readline()):
                pass
            elapsed = time.monotonic() - start
            f.write('{"execute":"quit"}\n')
            f.flush()
            proc.wait(30)
            return elapsed * 1000
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    runs, vars_template, cvm_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    command = sys.argv[sys.argv.index("--") + 1:]
    millis = sorted(one_run(command, vars_template, cvm_dir) for _ in range(runs))
    print("QMP floor over %d runs: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms"
          % (runs, statistics.median(millis), millis[int(runs * 0.9)], millis[0], millis[-1]))


main()
