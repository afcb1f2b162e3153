#!/usr/bin/env python3
"""The web console's figures (issue 22): page weight, time to first paint and to a filled table
against a manager holding 500 CVMs, and what a hundred open console streams cost the manager.

Reuses the performance harness (bench/perf/perf.py): the launcher build/cocos-manager with
MANAGER_HTTP_UI=true, CVMs created over gRPC, each a stand-in QEMU (bench/perf/standin-qemu.c,
which prints two console lines and then idles). The browser is Debian's headless Chromium driven
through chromedriver's W3C WebDriver HTTP API with urllib, so the bench needs no Python package.

Usage: bench/ui/ui-bench.py [--cvms 500] [--loads 7] [--consoles 100] [--out FILE]
Builds nothing: run `make manager` first."""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "perf"))
import perf  # noqa: E402  (the harness, next door)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGES = ("/ui/", "/ui/cvm.html", "/ui/host.html")


def http_get(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def page_weight(base, path):
    """Bytes of a page's HTML and of the scripts, modules and style sheets it loads (transitively
    for ES module imports), as served (the endpoint does not compress)."""
    import re
    seen, total, queue = set(), 0, [path]
    while queue:
        p = queue.pop()
        if p in seen:
            continue
        seen.add(p)
        body = http_get(base + p)
        total += len(body)
        text = body.decode("utf-8", "replace")
        directory = p.rsplit("/", 1)[0] + "/"
        refs = re.findall(r'(?:src|href)="([^"#?]+\.(?:js|css|svg|png|ico))"', text)
        refs += re.findall(r'(?:import|from)\s*[\'"](\.{1,2}/[^\'"]+\.js)[\'"]', text)
        for ref in refs:
            if ref.startswith("/"):
                queue.append(ref)
            else:
                queue.append(os.path.normpath(directory + ref))
    return total, sorted(seen)


class Browser:
    """One chromedriver and one headless Chromium session, spoken to over WebDriver's HTTP API."""

    def __init__(self, work):
        self.port = free_port()
        self.driver = subprocess.Popen([CHROMEDRIVER, "--port=%d" % self.port], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        self.base = "http://127.0.0.1:%d" % self.port
        deadline = time.monotonic() + 20
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        profile = tempfile.mkdtemp(prefix="ui-bench-profile.", dir=work)
        capabilities = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                     "--user-data-dir=" + profile]}}}}
        self.session = self.call("POST", "/session", capabilities)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def navigate(self, url):
        self.call("POST", "/session/%s/url" % self.session, {"url": url})

    def script(self, source, *args):
        return self.call("POST", "/session/%s/execute/sync" % self.session, {"script": source, "args": list(args)})

    def close(self):
        try:
            self.call("DELETE", "/session/%s" % self.session)
        finally:
            self.driver.kill()
            self.driver.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Polls in the page, from the navigation's start, until the table shows rows: the first paint, the
# first contentful paint, the load event and the moment rows were first seen (all ms since the
# navigation started; the poll runs every animation frame, so "rows" is late by at most a frame).
ROWS_SCRIPT = """
const deadline = performance.now() + 20000;
return new Promise(resolve => {
  function check() {
    const rows = document.querySelectorAll('tbody tr').length;
    if (rows > 0 || performance.now() > deadline) {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
      const nav = performance.getEntriesByType('navigation')[0];
      resolve({rows, rows_ms: performance.now(), first_paint_ms: paint['first-paint'] ?? null,
               fcp_ms: paint['first-contentful-paint'] ?? null, load_ms: nav ? nav.loadEventEnd : null,
               transferred: performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, nav ? nav.transferSize : 0)});
    } else {
      requestAnimationFrame(check);
    }
  }
  check();
});
"""


def time_to_table(browser, base, loads):
    runs = []
    for _ in range(loads):
        browser.navigate("about:blank")
        browser.navigate(base + "/ui/")
        runs.append(browser.script(ROWS_SCRIPT))
    return runs


def open_console_streams(http_port, ids, count):
    """count console streams held open like a browser's EventSource, each from its own loopback
    source address in groups of 8 (the per-address cap). Returns the sockets after each got its
    response headers."""
    sockets = []
    for i in range(count):
        s = socket.socket()
        s.bind(("127.0.0.%d" % (2 + i // 8), 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", http_port))
        cvm = ids[i % len(ids)]
        s.sendall(("GET /ui/api/cvms/%s/console/stream?from=0 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                   "Accept: text/event-stream\r\n\r\n" % (cvm, http_port)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("console stream %d closed before its headers" % i)
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status:
            raise SystemExit("console stream %d: %s" % (i, status.decode(errors="replace")))
        sockets.append(s)
    return sockets


def live_heap(harness, pid):
    """MiB of live objects: GC.class_histogram forces a full collection, then counts."""
    return round(harness.live_heap(pid)[0], 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cvms", type=int, default=500)
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--consoles", type=int, default=100)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    for tool in (perf.MANAGER, CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(tool):
            sys.exit("missing %s (make manager; scripts/install-deps.sh --test)" % tool)

    harness_args = argparse.Namespace(cvms=args.cvms, quick=False)
    harness = perf.Harness(harness_args)
    browser = None
    results = {"machine": harness.machine(), "load_before": harness.load(), "cvms": args.cvms}
    try:
        harness.prepare()
        harness.config.update({"MANAGER_HTTP_UI": "true",
                               "MANAGER_HTTP_UI_MAX_STREAMS": str(min(100, max(64, args.consoles)))})
        process, _, _ = harness.start_manager()
        http_port = int(harness.config["MANAGER_HTTP_PORT"])
        base = "http://127.0.0.1:%d" % http_port
        created = harness.client("create", harness.port, args.cvms, 4)
        results["create"] = created
        ids = [row["id"] for row in json.loads(http_get(base + "/ui/api/cvms"))["cvms"]]
        results["listed"] = len(ids)
        results["api_cvms_bytes"] = len(http_get(base + "/ui/api/cvms"))

        weights = {}
        for page in PAGES:
            total, files = page_weight(base, page)
            weights[page] = {"bytes": total, "files": files}
        results["page_weight"] = weights
        print("page weight: %s" % json.dumps({p: w["bytes"] for p, w in weights.items()}), flush=True)

        browser = Browser(harness.work)
        runs = time_to_table(browser, base, args.loads)
        results["loads"] = runs
        for key in ("first_paint_ms", "fcp_ms", "load_ms", "rows_ms"):
            values = [r[key] for r in runs[1:] if r[key] is not None]  # the first load warms the cache
            results[key + "_median"] = round(statistics.median(values), 1) if values else None
        print("index with %d CVMs (medians of %d warm loads): %s" % (
            args.cvms, len(runs) - 1,
            json.dumps({k: results[k + "_median"] for k in ("first_paint_ms", "fcp_ms", "load_ms", "rows_ms")})),
            flush=True)
        browser.close()
        browser = None

        jvm = process.jvm
        before = harness.status(jvm)
        before["live_heap_mib"] = live_heap(harness, jvm)
        streams = open_console_streams(http_port, ids, args.consoles)
        time.sleep(2)
        during = harness.status(jvm)
        during["live_heap_mib"] = live_heap(harness, jvm)
        for s in streams:
            s.close()
        # Opened and closed again twice more: what stays after a close must not grow with cycles.
        after_cycles = []
        for _ in range(3):
            time.sleep(2)
            after_cycles.append(live_heap(harness, jvm))
            for s in open_console_streams(http_port, ids, args.consoles):
                s.close()
        time.sleep(2)
        after = harness.status(jvm)
        after["live_heap_mib"] = live_heap(harness, jvm)
        after["live_heap_mib_after_each_cycle"] = after_cycles
        results["consoles"] = {"count": args.consoles, "before": before, "open": during, "closed": after,
                               "heap_per_console_kib": round((during["live_heap_mib"] - before["live_heap_mib"])
                                                             * 1024 / args.consoles, 1),
                               "rss_delta_mib": round(during["rss_mib"] - before["rss_mib"], 1)}
        print("%d open console streams: %s" % (args.consoles, json.dumps(results["consoles"])), flush=True)
        results["load_after"] = harness.load()
    finally:
        if browser is not None:
            browser.close()
        harness.cleanup()
    text = json.dumps(results, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
