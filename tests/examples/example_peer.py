# SPDX-License-Identifier: MIT
# What the example drivers (http_files_test.py, http_proxy_test.py) share: starting an example
# that prints its address on its first stdout line, running curl, and reading a process's
# peak memory.
import os
import re
import signal
import subprocess
import sys
import time

failures = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        failures.append(what)


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


class example:
    """A server example started with `args`; `addr` is the host:port from its first line."""

    def __init__(self, args):
        env = dict(os.environ)
        # Under AddressSanitizer, freed chunks wait in a quarantine (256 MiB by default) that a
        # memory check would count; keep it small. Ignored by other builds.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=env)
        line = self.p.stdout.readline()
        m = re.search(r"http://([0-9.]+:[0-9]+)", line)
        if not m:
            self.stop()
            raise SystemExit("%s did not print its address (got %r)" % (args[0], line))
        self.addr = m.group(1)

    def url(self, path):
        return "http://" + self.addr + path

    def peak_rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)  # graceful: what Ctrl-C does
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def curl(*args, data=None):
    """Runs curl; returns (status, headers dict with lower-case names, body bytes)."""
    # With -I curl writes the head to the output itself; otherwise -D - puts it before the body.
    dump = [] if "-I" in args else ["-D", "-"]
    cmd = ["curl", "-s", "-S", "--max-time", "20"] + dump + ["-o", "-"] + list(args)
    out = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    raw = out.stdout
    status, headers = 0, {}
    # Skip interim responses (100 Continue) and read the final head.
    while raw.startswith(b"HTTP/"):
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            break
        head, raw = raw[:end].decode("latin-1"), raw[end + 4:]
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for l in lines[1:]:
            n, _, v = l.partition(":")
            headers[n.strip().lower()] = v.strip()
        if status >= 200:
            break
    return status, headers, raw


def wait_listening(port, timeout=10.0):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kill(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGTERM)
        p.wait()
