#!/usr/bin/env python3
"""bench/newconn_ab.py: the server CPU a new connection costs, for two (or
more) builds side by side, on a machine other jobs share.

  bench/newconn_ab.py [-r ROUNDS] [-d SECS] [-c THREADS] [-m MODES] BIN...

Starts every BIN (plain HTTP and HTTPS on free loopback ports, a temporary
keys folder, the private cluster under var/pg), then, round after round,
runs build/bench/tlsload against each in turn (the order rotates) for each
mode: plain (HTTP), t12 (TLS 1.2 resumed by ticket), c12 (TLS 1.2 resumed
from the session-id cache), t13 (TLS 1.3 resumed by ticket), full (TLS 1.3
full handshake). A server's CPU is the sum of its threads' run time
(/proc/PID/task/*/schedstat, nanoseconds, not clock ticks). Prints, per
mode and binary, CPU microseconds a connection (all rounds together and the
median round), tlsload's own, connections a second; then each binary's
difference from the first, paired round by round, which cancels the load
that comes and goes between rounds. Give the first binary twice to see
the noise (an A/A difference)."""

import argparse
import glob
import os
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JWKS = "/1.0.0/certificates"
MODES = {
    "plain": lambda h, s: ["http://127.0.0.1:%d%s" % (h, JWKS)],
    "t12": lambda h, s: ["-r", "-v", "1.2", "https://127.0.0.1:%d%s" % (s, JWKS)],
    "c12": lambda h, s: ["-r", "-n", "-v", "1.2",
                         "https://127.0.0.1:%d%s" % (s, JWKS)],
    "t13": lambda h, s: ["-r", "https://127.0.0.1:%d%s" % (s, JWKS)],
    "full": lambda h, s: ["-s", "ECDSA+SHA256",
                          "https://127.0.0.1:%d%s" % (s, JWKS)],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_us(pid):
    t = 0
    for f in glob.glob("/proc/%d/task/*/schedstat" % pid):
        with open(f) as fh:
            t += int(fh.read().split()[0])
    return t / 1000


def start(binary, db_url):
    tmp = tempfile.mkdtemp()
    keys = tmp + "/keys"
    hport, sport = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAAS_")}
    env.update(
        BAAS_DATABASE_URL=db_url, BAAS_HTTP_ADDR="127.0.0.1:%d" % hport,
        BAAS_HTTPS_ADDR="127.0.0.1:%d" % sport,
        BAAS_METRICS_ADDR="127.0.0.1:0", BAAS_KEYS_DIR=keys,
        BAAS_TRUSTED_ID_KEYS=keys + "/trusted-id",
        BAAS_TLS_CERT=keys + "/tls/server.crt",
        BAAS_TLS_KEY=keys + "/tls/server.key",
        BAAS_DEVICE_TOKEN_KEYS=keys + "/dauth",
        BAAS_NA_TOKEN_KEYS=keys + "/nintendo-account",
        BAAS_APP_TOKEN_KEYS=keys + "/aauth", BAAS_RATE_LIMITS="off",
        BAAS_MAX_CONNECTIONS="4096",
        BAAS_THREADS=os.environ.get("BAAS_THREADS", str(os.cpu_count())),
        BAAS_LOG_LEVEL="warn")
    log = open(tmp + "/baas.log", "w")
    proc = subprocess.Popen([os.path.abspath(binary)], env=env, cwd=ROOT,
                            stderr=log)
    for _ in range(80):
        try:
            socket.create_connection(("127.0.0.1", hport), timeout=1).close()
            return proc, hport, sport
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    raise SystemExit("%s did not start (%s)" % (binary, tmp + "/baas.log"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--rounds", type=int, default=8)
    ap.add_argument("-d", "--secs", default="3")
    ap.add_argument("-c", "--threads", default="16")
    ap.add_argument("-m", "--modes", default="plain t12 c12 t13")
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    modes = a.modes.split()
    tlsload = os.path.join(ROOT, "build/bench/tlsload")
    if not os.access(tlsload, os.X_OK):
        subprocess.run(["make", "-s", "-C", ROOT, "build/bench/tlsload"],
                       check=True)
    subprocess.run([ROOT + "/scripts/pg.sh", "start", ROOT + "/var/pg"],
                   check=True, stdout=subprocess.DEVNULL)
    db_url = subprocess.check_output(
        [ROOT + "/scripts/pg.sh", "url", ROOT + "/var/pg"], text=True).strip()
    names = ["%d:%s" % (i, os.path.basename(b)) for i, b in enumerate(a.bins)]
    servers = []
    res = {}
    try:
        for b in a.bins:
            servers.append(start(b, db_url))
        time.sleep(1)
        for r in range(a.rounds):
            for m in modes:
                k = r % len(servers)
                for i in list(range(k, len(servers))) + list(range(k)):
                    proc, hport, sport = servers[i]
                    c0 = cpu_us(proc.pid)
                    out = subprocess.run(
                        [tlsload, "-c", a.threads, "-d", a.secs] +
                        MODES[m](hport, sport), capture_output=True,
                        text=True).stdout
                    c1 = cpu_us(proc.pid)
                    n = int(re.search(r"(\d+) requests in", out).group(1))
                    bad = "NOT ALL" in out or "Non-2xx" in out
                    res.setdefault((i, m), []).append((
                        (c1 - c0) / max(n, 1), n, c1 - c0,
                        float(re.search(r"Client CPU: ([\d.]+)",
                                        out).group(1)) if n else 0,
                        float(re.search(r"Requests/sec: ([\d.]+)",
                                        out).group(1)), bad))
            print("round %d, load %.2f" % (r + 1, os.getloadavg()[0]),
                  flush=True)
    finally:
        for proc, _, _ in servers:
            proc.send_signal(signal.SIGTERM)
        for proc, _, _ in servers:
            proc.wait()
    print("%-6s %-24s %9s %9s %9s %9s" % ("mode", "binary", "us/conn",
                                          "median", "client", "conn/s"))
    for m in modes:
        for i, name in enumerate(names):
            v = res[(i, m)]
            print("%-6s %-24s %9.1f %9.1f %9.1f %9.0f%s" % (
                m, name, sum(x[2] for x in v) / max(sum(x[1] for x in v), 1),
                statistics.median(x[0] for x in v),
                statistics.median(x[3] for x in v),
                statistics.median(x[4] for x in v),
                "  ERRORS OR UNRESUMED" if any(x[5] for x in v) else ""))
    for m in modes:
        for i in range(1, len(names)):
            d = [y[0] - x[0] for x, y in zip(res[(0, m)], res[(i, m)])]
            print("%-6s %s - %s: paired median %+.1f us, mean %+.1f "
                  "(%d of %d rounds lower)" % (
                      m, names[i], names[0], statistics.median(d),
                      statistics.mean(d), sum(1 for x in d if x < 0),
                      len(d)))


if __name__ == "__main__":
    main()
