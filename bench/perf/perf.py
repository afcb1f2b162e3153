#!/usr/bin/env python3
"""The performance harness of issue 15 (started by bench/perf/run.sh, which documents the options).

Every manager is build/cocos-manager, the launcher an operator runs, configured by environment
variables alone; every CVM is created through the real gRPC API (bench/perf/PerfClient.java) and
runs a stand-in QEMU compiled from bench/perf/standin-qemu.c into the harness's temp directory.
The manager's figures are its own process's (/proc/<pid>): the stand-ins are separate processes.
Whatever happens (an error, Ctrl-C, SIGTERM), the finally block kills every manager, stand-in and
sub-benchmark this run started and deletes its temp directory."""
import argparse
import datetime
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANAGER = os.path.join(REPO, "build", "cocos-manager")
CLI = os.path.join(REPO, "build", "cocos-cli")
JAR = os.path.join(REPO, "manager-grpc", "target", "cocos-manager.jar")
CLIENT = os.path.join(REPO, "bench", "perf", "PerfClient.java")
STANDIN_SOURCE = os.path.join(REPO, "bench", "perf", "standin-qemu.c")
SERVING_LINE = "gRPC server listening at"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


class Harness:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="cp.", dir="/tmp")  # short: QMP socket paths <= 107 bytes
        self.standin = os.path.join(self.work, "standin-qemu")
        self.managers = []  # Popen of every manager started
        self.children = []  # Popen of sub-benchmarks
        self.results = {}  # name -> value, for the raw section
        self.notes = []
        self.starts = 0

    # ---------- processes ----------

    def sh(self, command, **kwargs):
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout

    def client(self, *args, timeout=900):
        out = self.sh(["java", "-cp", JAR, CLIENT] + [str(a) for a in args], timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def manager_env(self, extra_java_opts=""):
        env = dict(os.environ)
        env.update(self.config)
        opts = " ".join(o for o in (os.environ.get("JAVA_OPTS", ""), extra_java_opts) if o)
        if opts:
            env["JAVA_OPTS"] = opts
        else:
            env.pop("JAVA_OPTS", None)
        return env

    def start_manager(self, extra_java_opts=""):
        """Starts the launcher; returns (process, log path, seconds until the SERVING log line)."""
        self.starts += 1
        log = os.path.join(self.work, "manager-%d.log" % self.starts)
        with open(log, "w") as out:
            start, self.spawned_at = time.monotonic(), time.time()
            process = subprocess.Popen([MANAGER], env=self.manager_env(extra_java_opts), stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.managers.append(process)
        deadline = start + 120
        while time.monotonic() < deadline:
            with open(log) as f:
                if SERVING_LINE in f.read():
                    elapsed = time.monotonic() - start
                    process.jvm = self.jvm_of(process.pid)
                    self.serving_cpu = self.cpu_seconds(process.jvm)
                    return process, log, elapsed
            if process.poll() is not None:
                break
            time.sleep(0.003)
        with open(log) as f:
            tail = f.read()[-2000:]
        raise SystemExit("the manager did not reach SERVING (exit %s); its log ends:\n%s" % (process.poll(), tail))

    @staticmethod
    def jvm_of(pid):
        """The launcher execs java, except on a run that records a CDS archive, where java is its
        child: the JVM's pid either way."""
        if os.path.basename(os.readlink("/proc/%d/exe" % pid)).startswith("java"):
            return pid
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.path.basename(os.readlink("/proc/%s/exe" % entry)).startswith("java"):
                    with open("/proc/%s/stat" % entry) as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                            return int(entry)
            except OSError:
                pass
        return pid

    def stop_manager(self, process, sig=signal.SIGTERM):
        """Signals the launcher's process group (its own session: the JVM, and a launcher shell
        if there is one; the stand-ins run in sessions of their own and stay)."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.forget_jvm_files(getattr(process, "jvm", process.pid))

    def log_marks(self, log):
        """Seconds from the launcher's start to its first log line, its first adoption, the end of restore, SERVING."""
        marks = {}
        with open(log) as f:
            for line in f:
                try:
                    entry = json.loads(line)
                    at = datetime.datetime.fromisoformat(entry["time"]).timestamp() - self.spawned_at
                except (ValueError, KeyError):
                    continue
                marks.setdefault("first_log_line_s", round(at, 3))
                if entry.get("msg", "").startswith("re-attached to QEMU"):
                    marks.setdefault("first_reattached_s", round(at, 3))
                if entry.get("msg", "").startswith("restore finished"):
                    marks["restore_finished_s"] = round(at, 3)
                if SERVING_LINE in entry.get("msg", ""):
                    marks["serving_logged_s"] = round(at, 3)
        return marks

    @staticmethod
    def forget_jvm_files(pid):
        """A killed JVM leaves its perf-data file and, once jcmd attached, its attach socket."""
        for path in ("/tmp/.java_pid%d" % pid, "/tmp/hsperfdata_%s/%d" % (os.environ.get("USER", "root"), pid)):
            try:
                os.unlink(path)
            except OSError:
                pass

    def standin_pids(self):
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink("/proc/%s/exe" % entry) == self.standin:
                        pids.append(int(entry))
                except OSError:
                    pass
        return pids

    def cleanup(self):
        for child in self.children:
            if child.poll() is None:
                child.terminate()  # their own EXIT traps stop their managers
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
        for process in self.managers:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            self.forget_jvm_files(getattr(process, "jvm", process.pid))
        for _ in range(3):
            pids = self.standin_pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        subprocess.run(["rm", "-rf", self.work])

    # ---------- measurements ----------

    @staticmethod
    def status(pid):
        fields = {}
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return {"rss_mib": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"]),
                "fds": len(os.listdir("/proc/%d/fd" % pid))}

    @staticmethod
    def cpu_seconds(pid):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def heap_after_gc(self, pid):
        self.sh(["jcmd", str(pid), "GC.run"])
        info = self.sh(["jcmd", str(pid), "GC.heap_info"])
        used = 0
        for match in re.finditer(r"(?:generation|space|heap)\s+total\s+\d+K, used (\d+)K", info):
            used += int(match.group(1))
        if "garbage-first heap" in info:  # G1 prints the heap's total first; the regions follow
            used = int(re.search(r"garbage-first heap\s+total \d+K, used (\d+)K", info).group(1))
        return used / 1024

    def standins_rss_mib(self):
        total = 0
        for pid in self.standin_pids():
            try:
                total += self.status(pid)["rss_mib"]
            except OSError:
                pass
        return total

    def live_heap(self, pid, count=8):
        """MiB of live objects and the largest classes (jcmd GC.class_histogram, after a full GC)."""
        rows = self.sh(["jcmd", str(pid), "GC.class_histogram"]).splitlines()
        total = next(int(row.split()[2]) for row in rows if row.strip().startswith("Total"))
        top = [" ".join(row.split()[1:]) for row in rows if re.match(r"\s*\d+:\s+\d+", row)][:count]
        return total / MIB, top

    def snapshot(self, pid, label, histogram=False):
        settle_until = time.monotonic() + 3
        time.sleep(max(0.0, settle_until - time.monotonic()))
        figures = self.status(pid)
        try:
            figures["heap_used_after_gc_run_mib"] = self.heap_after_gc(pid)
            figures["heap_after_gc_mib"], top = self.live_heap(pid)
        except (subprocess.CalledProcessError, StopIteration) as e:  # e.g. -XX:+DisableAttachMechanism
            self.notes.append("jcmd failed on the manager (%s): no heap figures" % e)
            figures["heap_used_after_gc_run_mib"] = figures["heap_after_gc_mib"] = float("nan")
            top = []
        figures["standins"] = len(self.standin_pids())
        figures["standins_rss_mib"] = self.standins_rss_mib()
        if histogram:
            figures["top_classes_instances_bytes_name"] = top
        self.results[label] = figures
        print("  %s: %s" % (label, json.dumps(figures)), flush=True)
        return figures

    @staticmethod
    def thread_cpu(pid):
        """CPU seconds by thread name (/proc/<pid>/task/*/comm: the JVM's names, cut at 15 characters;
        numbered names such as pool-1-thread-3 are summed under their prefix)."""
        by_name = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                    name = re.sub(r"[-#]?\d+$", "", f.read().strip()) or "?"
                with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            by_name[name] = by_name.get(name, 0) + (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return by_name

    def idle_cpu(self, pid, label):
        threads_before = self.thread_cpu(pid)
        before, start = self.cpu_seconds(pid), time.monotonic()
        time.sleep(self.args.idle_seconds)
        elapsed = time.monotonic() - start
        percent = (self.cpu_seconds(pid) - before) / elapsed * 100
        threads = {name: (cpu - threads_before.get(name, 0)) / elapsed * 100
                   for name, cpu in self.thread_cpu(pid).items()}
        busiest = sorted(((round(p, 2), name) for name, p in threads.items() if p > 0), reverse=True)[:6]
        self.results[label] = {"percent_of_one_core": round(percent, 2), "seconds": self.args.idle_seconds,
                               "busiest_threads_percent": [[name, p] for p, name in busiest]}
        print("  %s: %.2f %% of one core over %d s" % (label, percent, self.args.idle_seconds), flush=True)
        return percent

    @staticmethod
    def gc_pauses(path):
        """Pauses from -Xlog:gc, without the ones the harness's jcmd GC.run and GC.class_histogram caused."""
        pauses, forced = [], 0
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    match = re.search(r"Pause [^(]*\(([^)]*)\).* ([\d.]+)ms$", line.strip())
                    if not match:
                        continue
                    if match.group(1) in ("Diagnostic Command", "System.gc()", "Heap Inspection Initiated GC"):
                        forced += 1
                    else:
                        pauses.append(float(match.group(2)))
        return {"count": len(pauses), "max_ms": max(pauses, default=0.0), "total_ms": round(sum(pauses), 1),
                "forced_by_harness": forced}

    # ---------- the run ----------

    def machine(self):
        def first(path, key):
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
            return "?"
        # The launcher itself says which JDK it runs (it picks one: JAVA_HOME, else the newest).
        java = subprocess.run([MANAGER], env=dict(os.environ, JAVA_OPTS="-version"),
                              capture_output=True, text=True).stderr.splitlines()
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()
        return {
            "cpu": first("/proc/cpuinfo", "model name"), "cores": os.cpu_count(),
            "ram": "%.1f GiB" % (int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024),
            "kernel": os.uname().release, "jdk": java[0] if java else "?",
            "qemu": qemu[0] if qemu else "not installed",
            "commit": subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip(),
        }

    @staticmethod
    def load():
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])

    def free_port(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def host_port_range(self, count):
        """count consecutive free ports below the ephemeral range, checked by binding each."""
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
        for first in range(20000 + (os.getpid() % 20) * 100, low - count, 700):
            ok = True
            for port in range(first, first + count):
                s = socket.socket()
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
                finally:
                    s.close()
            if ok:
                return first, first + count - 1
        raise SystemExit("no %d consecutive free ports below %d for MANAGER_QEMU_HOST_FWD_RANGE" % (count, low))

    def prepare(self):
        self.sh(["gcc", "-O2", "-o", self.standin, STANDIN_SOURCE])
        firmware = {}
        for name in ("code", "vars", "kernel", "rootfs"):
            firmware[name] = os.path.join(self.work, name)
            with open(firmware[name], "wb") as f:
                f.write(b"\0" * 4096)
        first, last = self.host_port_range(self.args.cvms + 10)
        self.results["host_fwd_range"] = "%d-%d" % (first, last)
        self.config = {
            "MANAGER_GRPC_HOST": "127.0.0.1", "MANAGER_GRPC_PORT": str(self.free_port()),
            "MANAGER_HTTP_HOST": "127.0.0.1", "MANAGER_HTTP_PORT": str(self.free_port()),
            "COCOS_JAEGER_URL": "http://127.0.0.1:%d" % self.free_port(),
            "MANAGER_STATE_DIR": os.path.join(self.work, "s"), "MANAGER_LOG_LEVEL": "info",
            "MANAGER_MAX_VMS": str(self.args.cvms + 10),
            # the stand-ins take no guest memory: admission would stop 2 GiB guests at MemTotal
            "MANAGER_HOST_MEMORY_OVERCOMMIT": "100",
            "MANAGER_QEMU_BIN_PATH": self.standin, "MANAGER_QEMU_ENABLE_KVM": "false",
            "MANAGER_QEMU_ENABLE_VSOCK": "false", "MANAGER_QEMU_ENABLE_SEV_SNP": "false",
            "MANAGER_QEMU_ENABLE_TDX": "false",
            "MANAGER_QEMU_OVMF_CODE_FILE": firmware["code"], "MANAGER_QEMU_OVMF_VARS_FILE": firmware["vars"],
            "MANAGER_QEMU_DISK_IMG_KERNEL_FILE": firmware["kernel"],
            "MANAGER_QEMU_DISK_IMG_ROOTFS_FILE": firmware["rootfs"],
            "MANAGER_QEMU_HOST_FWD_RANGE": "%d-%d" % (first, last), "MANAGER_QEMU_KERNEL_CMDLINE": "console=ttyS0",
        }
        self.port = int(self.config["MANAGER_GRPC_PORT"])

    def startup(self):
        print("start-up to SERVING, %d runs (empty state dir)" % self.args.startups, flush=True)
        seconds, process = [], None
        for run in range(self.args.startups):
            process, log, elapsed = self.start_manager()
            seconds.append(elapsed)
            self.results.setdefault("startup_log_marks", []).append(self.log_marks(log))
            self.results.setdefault("startup_cpu_seconds", []).append(round(self.serving_cpu, 2))
            print("  run %d: %.3f s" % (run + 1, elapsed), flush=True)
            if run < self.args.startups - 1:
                self.stop_manager(process)
        self.results["startup_seconds"] = [round(s, 3) for s in seconds]
        self.results["startup_median_s"] = round(statistics.median(seconds), 3)
        self.snapshot(process.jvm, "idle")
        self.stop_manager(process)

    def scale(self):
        n, low = self.args.cvms, self.args.low
        gc_log = os.path.join(self.work, "gc-first.log")
        process, _, _ = self.start_manager("-Xlog:gc:file=%s" % gc_log)
        print("creating %d CVMs, then %d more (%d concurrent callers)" % (low, n - low, self.args.clients), flush=True)
        first = self.client("create", self.port, low, self.args.clients)
        self.snapshot(process.jvm, "at_%d" % low)
        rest = self.client("create", self.port, n - low, self.args.clients)
        seconds = first["seconds"] + rest["seconds"]
        self.results["create"] = {"first": first, "rest": rest, "total_seconds": round(seconds, 2),
                                  "cvms_per_second": round(n / seconds, 1)}
        print("  CreateVm: %s / %s" % (json.dumps(first), json.dumps(rest)), flush=True)
        self.snapshot(process.jvm, "at_%d" % n, histogram=True)
        listed = self.client("list", self.port, 200)
        self.results["list_vms"] = listed
        print("  ListVms at %d: %s" % (n, json.dumps(listed)), flush=True)
        self.idle_cpu(process.jvm, "idle_cpu_children")
        self.results["gc_first_manager"] = self.gc_pauses(gc_log)

        print("restart with %d CVMs to adopt (SIGTERM, then the launcher again)" % n, flush=True)
        self.stop_manager(process)
        standins = len(self.standin_pids())
        gc_log = os.path.join(self.work, "gc-restarted.log")
        restart_at = time.time()
        waiter = subprocess.Popen(["java", "-cp", JAR, CLIENT, "wait-running", str(self.port), str(n)],
                                  stdout=subprocess.PIPE, text=True)
        self.children.append(waiter)
        process, log, serving = self.start_manager("-Xlog:gc:file=%s" % gc_log)
        out, _ = waiter.communicate(timeout=300)
        seen = json.loads(out.strip().splitlines()[-1])
        all_running = (seen["at_epoch_ms"] / 1000 - restart_at) if seen["at_epoch_ms"] else None
        self.results["restart"] = {"standins_alive_across_restart": standins, "to_serving_s": round(serving, 3),
                                   "to_all_running_s": round(all_running, 3) if all_running else None,
                                   "running_seen": seen["running"], "log_marks": self.log_marks(log)}
        print("  %s" % json.dumps(self.results["restart"]), flush=True)
        self.snapshot(process.jvm, "adopted_%d" % n, histogram=True)
        self.idle_cpu(process.jvm, "idle_cpu_adopted")
        self.results["gc_restarted_manager"] = self.gc_pauses(gc_log)
        self.stop_manager(process, signal.SIGKILL)
        for pid in self.standin_pids():
            os.kill(pid, signal.SIGKILL)

    def sub_bench(self, label, command):
        print("%s: %s" % (label, " ".join(command)), flush=True)
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True, env=dict(os.environ, MAVEN_OPTS=os.environ.get("MAVEN_OPTS", "")))
        self.children.append(child)
        out, _ = child.communicate(timeout=1800)
        for line in out.splitlines():
            print("  " + line, flush=True)
        self.results[label] = {"exit": child.returncode, "output": out.strip().splitlines()[-30:]}
        return out if child.returncode == 0 else None

    def sub_benches(self):
        quick = self.args.quick
        self.sub_bench("createvm_fake", ["bash", os.path.join(REPO, "bench", "createvm-vs-qmp.sh"),
                                         "5" if quick else "20", "fake"])
        if self.args.skip_real:
            self.results["createvm_real"] = {"exit": None, "output": ["skipped (--skip-real)"]}
        elif not os.path.exists(os.path.join(REPO, "build", "guest", "bzImage")):
            self.results["createvm_real"] = {"exit": None, "output": ["skipped: no build/guest (make guest)"]}
        else:
            self.sub_bench("createvm_real", ["bash", os.path.join(REPO, "bench", "createvm-vs-qmp.sh"),
                                             "3" if quick else "10", "real"])
        self.sub_bench("console_stream", ["bash", os.path.join(REPO, "bench", "console-stream.sh"),
                                          "20" if quick else "100", "2" if quick else "5"])

    def file_read(self):
        """StreamLogs' baseline: cat of a console-like file of the same size, warm page cache."""
        mib = 20 if self.args.quick else 100
        path = os.path.join(self.work, "console-like.log")
        line = "fake-qemu: flood %08d " + "x" * 100 + "\n"
        with open(path, "w") as f:
            for i in range(mib * MIB // len(line % 0)):
                f.write(line % i)
        seconds = []
        for _ in range(4):
            start = time.monotonic()
            subprocess.run(["sh", "-c", 'cat "$0" > /dev/null', path], check=True)
            seconds.append(time.monotonic() - start)
        os.unlink(path)
        speed = mib / statistics.median(seconds[1:])
        self.results["file_read"] = {"mib": mib, "mib_per_s": round(speed, 1)}
        print("cat of a %d MiB console-like file: %.0f MiB/s" % (mib, speed), flush=True)

    def measure(self):
        fixtures = os.path.join(REPO, "manager-attestation", "src", "test", "resources", "snp")
        inputs = ["--mode", "snp:svsm", "--vcpus", "2", "--vcpu-type", "EPYC-v4",
                  "--ovmf", os.path.join(fixtures, "svsm_ovmf.fd"), "--svsm", os.path.join(fixtures, "svsm.bin"),
                  "--vars-size", "540672"]
        runs = 3 if self.args.quick else 10
        reference = os.environ.get("SEV_SNP_MEASURE") or ("sev-snp-measure" if shutil_which("sev-snp-measure") else "")

        def timed(command):
            seconds, digest = [], None
            for _ in range(runs):
                start = time.monotonic()
                digest = self.sh(command).strip()
                seconds.append(time.monotonic() - start)
            return statistics.median(seconds), digest

        print("SNP launch digest (snp:svsm fixtures), median of %d whole-process runs" % runs, flush=True)
        cli_s, cli_digest = timed([CLI, "measure"] + inputs)
        result = {"inputs": "--mode snp:svsm --vcpus 2 --vcpu-type EPYC-v4 svsm_ovmf.fd svsm.bin",
                  "cocos_cli_s": round(cli_s, 3), "cocos_cli_digest": cli_digest}
        if reference:
            ref_s, ref_digest = timed(shlex.split(reference) + inputs)
            result.update({"reference": reference, "reference_s": round(ref_s, 3), "reference_digest": ref_digest,
                           "same_digest": ref_digest == cli_digest})
        else:
            result["reference"] = None
        self.results["measure"] = result
        print("  %s" % json.dumps(result), flush=True)

    # ---------- the report ----------

    def report(self, machine, load_before, load_after, wall):
        r, n, low = self.results, self.args.cvms, self.args.low

        def f(value, fmt="%.1f"):
            return "n/a" if value is None else fmt % value

        def grab(label, pattern):
            out = "\n".join(r.get(label, {}).get("output", []))
            match = re.search(pattern, out)
            return match.group(1) if match else None

        idle, at_low, at_n, adopted = r["idle"], r["at_%d" % low], r["at_%d" % n], r["adopted_%d" % n]
        span = n - low
        per_cvm = {key: (at_n[key] - at_low[key]) / span for key in ("rss_mib", "heap_after_gc_mib", "threads", "fds")}
        restart, create, listed = r["restart"], r["create"], r["list_vms"]
        gc1, gc2 = r["gc_first_manager"], r["gc_restarted_manager"]
        measure = r["measure"]
        rows = [
            ("start-up to SERVING (launcher, empty state; median of %d)" % len(r["startup_seconds"]),
             "%.3f s (runs: %s; CPU to SERVING, median: %.2f s)" % (
                 r["startup_median_s"], ", ".join("%.3f" % s for s in r["startup_seconds"]),
                 statistics.median(r["startup_cpu_seconds"])),
             "<= 0.35 s"),
            ("idle: RSS / live heap / threads / fds", "%.1f MiB / %.1f MiB / %d / %d" % (
                idle["rss_mib"], idle["heap_after_gc_mib"], idle["threads"], idle["fds"]), "RSS <= 90 MiB"),
            ("at %d CVMs: RSS / live heap / threads / fds" % low, "%.1f MiB / %.1f MiB / %d / %d" % (
                at_low["rss_mib"], at_low["heap_after_gc_mib"], at_low["threads"], at_low["fds"]), ""),
            ("at %d CVMs: RSS / live heap / threads / fds" % n, "%.1f MiB / %.1f MiB / %d / %d" % (
                at_n["rss_mib"], at_n["heap_after_gc_mib"], at_n["threads"], at_n["fds"]), ""),
            ("per CVM, (at %d - at %d) / %d: RSS / live heap / threads / fds" % (n, low, span),
             "%.0f KiB / %.0f KiB / %.2f / %.2f" % (per_cvm["rss_mib"] * 1024, per_cvm["heap_after_gc_mib"] * 1024,
                                                     per_cvm["threads"], per_cvm["fds"]),
             "<= 200 KiB, no thread per CVM"),
            ("CreateVm throughput to %d CVMs (%d concurrent callers)" % (n, self.args.clients),
             "%.1f CVMs/s (%.1f s in all; latency p50 %.0f ms, p99 %.0f ms over the last %d)" % (
                 create["cvms_per_second"], create["total_seconds"], create["rest"]["p50_ms"],
                 create["rest"]["p99_ms"], span), ""),
            ("GC pauses while creating %d CVMs and serving (-Xlog:gc)" % n,
             "%d pauses, max %.1f ms, total %.1f ms" % (gc1["count"], gc1["max_ms"], gc1["total_ms"]), ""),
            ("ListVms at %d CVMs (%d calls after 20 warm-up; %d bytes a reply)" % (n, listed["calls"], listed["bytes"]),
             "p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (listed["p50_ms"], listed["p99_ms"], listed["max_ms"]),
             "p99 <= 20 ms"),
            ("idle CPU at %d CVMs (manager's utime+stime over %d s; busiest threads)" % (n, self.args.idle_seconds),
             "%.2f %% of one core (%s)" % (r["idle_cpu_children"]["percent_of_one_core"],
                                          busiest(r["idle_cpu_children"])), "<= 1 %"),
            ("restart (SIGTERM, launcher again) with %d CVMs to adopt: to SERVING / to all %d listed running "
             "with guest status running" % (n, n),
             "%s s / %s s (first log line at %s s, first CVM re-attached at %s s, restore finished at %s s)" % (
                 f(restart["to_serving_s"], "%.3f"), f(restart["to_all_running_s"], "%.3f"),
                 f(restart["log_marks"].get("first_log_line_s"), "%.2f"),
                 f(restart["log_marks"].get("first_reattached_s"), "%.2f"),
                 f(restart["log_marks"].get("restore_finished_s"), "%.2f")),
             "<= 3 s"),
            ("after the restart, %d adopted: RSS / live heap / threads / fds" % n, "%.1f MiB / %.1f MiB / %d / %d" % (
                adopted["rss_mib"], adopted["heap_after_gc_mib"], adopted["threads"], adopted["fds"]), ""),
            ("idle CPU at %d adopted CVMs" % n, "%.2f %% of one core (%s)" % (
                r["idle_cpu_adopted"]["percent_of_one_core"], busiest(r["idle_cpu_adopted"])), "<= 1 %"),
            ("GC pauses of the restarted manager (adoption, ListVms polling, idle)",
             "%d pauses, max %.1f ms, total %.1f ms" % (gc2["count"], gc2["max_ms"], gc2["total_ms"]), ""),
            ("CreateVm vs its floor, stand-in QEMU (bench/createvm-vs-qmp.sh fake), medians",
             "%s ms vs %s ms" % (grab("createvm_fake", r"CreateVm over \d+ runs: median ([\d.]+)"),
                                 grab("createvm_fake", r"QMP floor over \d+ runs: median ([\d.]+)")),
             "<= 1.5x the floor"),
            ("CreateVm vs its floor, real QEMU under TCG (… real), medians",
             "%s ms vs %s ms" % (grab("createvm_real", r"CreateVm over \d+ runs: median ([\d.]+)"),
                                 grab("createvm_real", r"QMP floor over \d+ runs: median ([\d.]+)"))
             if r.get("createvm_real", {}).get("exit") == 0 else " ".join(r.get("createvm_real", {}).get("output", ["n/a"])),
             "<= 1.5x the floor"),
            ("StreamLogs of a whole console (bench/console-stream.sh; its follow latency and CPU under Raw) vs "
             "reading the file (cat, warm cache)",
             "Java client %s MiB/s (median), cocos-cli logs %s MiB/s (median) vs cat %s MiB/s" % (
                 grab("console_stream", r"Java client \(batched\): median of \d+: [\d.]+ s, ([\d.]+) MiB/s"),
                 median_of(r.get("console_stream", {}).get("output", []),
                           r"cocos-cli logs > /dev/null, run \d+: [\d.]+ s, ([\d.]+) MiB/s"),
                 f(r.get("file_read", {}).get("mib_per_s"), "%.0f")), ""),
            ("SNP launch digest, whole process (%s), median of %d" % (measure["inputs"], 3 if self.args.quick else 10),
             "cocos-cli measure %.3f s vs sev-snp-measure %s; %s" % (
                 measure["cocos_cli_s"], f(measure.get("reference_s"), "%.3f s"),
                 ("same digest" if measure.get("same_digest") else "DIFFERENT digests")
                 if measure.get("reference") else "sev-snp-measure not found (set SEV_SNP_MEASURE)"), ""),
        ]
        lines = [
            "# Performance harness results",
            "",
            "`bench/perf/run.sh %s` on commit %s, %s UTC, %.0f s in all." % (
                " ".join(sys.argv[1:]), machine["commit"], time.strftime("%Y-%m-%d %H:%M", time.gmtime()), wall),
            "",
            "Machine: %s, %d cores, %s RAM, kernel %s, %s, %s. Load average (1/5/15 min) before: %s; after: %s." % (
                machine["cpu"], machine["cores"], machine["ram"], machine["kernel"], machine["jdk"], machine["qemu"],
                load_before, load_after),
            "",
            "Stand-in QEMU: bench/perf/standin-qemu.c (QMP, pid file, the agent's HTTP/2 answer on the forwarded "
            "port); %d of them used %.0f MiB RSS in all, not counted in the manager's figures." % (
                at_n["standins"], at_n["standins_rss_mib"]),
            "",
            "| what | measured | goal (issue 15) |",
            "|---|---|---|",
        ]
        lines += ["| %s | %s | %s |" % (what, value.replace("|", "/"), goal) for what, value, goal in rows]
        lines += [""] + ["Note: " + note for note in dict.fromkeys(self.notes)]
        lines += ["", "## Raw", "", "```json", json.dumps(r, indent=1, default=str), "```", ""]
        return "\n".join(lines)


def busiest(idle):
    return ", ".join("%s %.2f" % (name, p) for name, p in idle["busiest_threads_percent"][:4])


def median_of(lines, pattern):
    values = [float(m.group(1)) for m in (re.search(pattern, l) for l in lines) if m]
    return "%.1f" % statistics.median(values) if values else None


def shutil_which(name):
    import shutil
    return shutil.which(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cvms", type=int, default=None)
    parser.add_argument("--low", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--idle-seconds", type=int, default=None)
    parser.add_argument("--startups", type=int, default=None)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-subbenches", action="store_true")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "perf", "results.md"))
    args = parser.parse_args()
    args.cvms = args.cvms or (50 if args.quick else 500)
    args.low = args.low or min(100, args.cvms // 5)
    args.idle_seconds = args.idle_seconds or (10 if args.quick else 60)
    args.startups = args.startups or (3 if args.quick else 5)
    if not 0 < args.low < args.cvms:
        parser.error("--low must be between 0 and --cvms")

    missing = [p for p in (MANAGER, CLI, JAR) if not os.path.exists(p)]
    if missing:
        print("missing %s: run `make manager cli` first (the harness builds nothing)" % ", ".join(missing),
              file=sys.stderr)
        sys.exit(2)
    for tool in ("gcc", "jcmd", "java"):
        if not shutil_which(tool):
            print("%s is needed and not on PATH" % tool, file=sys.stderr)
            sys.exit(2)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    harness = Harness(args)
    started = time.monotonic()
    try:
        machine, load_before = harness.machine(), harness.load()
        print("machine: %s; load before: %s" % (json.dumps(machine), load_before), flush=True)
        harness.prepare()
        harness.startup()
        harness.scale()
        if not args.skip_subbenches:
            harness.sub_benches()
            harness.file_read()
        harness.measure()
        text = harness.report(machine, load_before, harness.load(), time.monotonic() - started)
        with open(args.out, "w") as f:
            f.write(text)
        print()
        print(text)
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        harness.cleanup()


if __name__ == "__main__":
    main()
