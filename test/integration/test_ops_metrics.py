"""Operations: the Prometheus metrics listener (BAAS_METRICS_ADDR) and the
JSON log format (BAAS_LOG_FORMAT=json).

The page is checked by what it says after requests this test made (route
patterns as labels, never raw paths), by `promtool check metrics`, and by a
real Prometheus server on loopback that scrapes it and is asked through its
HTTP API (/api/v1/query) for `up` and for a request counter."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from account_helpers import raw_http
from baas_client import baas, baas_factory, form  # noqa: F401 (fixtures)
from conftest import http, needs_own_server, server_bin

PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian: prometheus)")
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="prometheus is not installed")

METRICS_RE = re.compile(r"listening http=\S+ https=\S+ threads=\d+ "
                        r"metrics=(\S+)")
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics_addr(server):
    needs_own_server()      # read from the listening line of its log
    m = METRICS_RE.search(server.log())
    assert m, "no metrics address in the listening line:\n" + server.log()
    return m.group(1)


def scrape_text(server):
    r = http("GET", "http://%s/metrics" % metrics_addr(server), api=False)
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == \
        "text/plain; version=0.0.4; charset=utf-8"
    return r.raw.decode()


def parse(text):
    """{(name, frozenset(labels.items())): value}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        labels = dict(LABEL_RE.findall(m.group(3) or ""))
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_on_own_port_only(start_server):
    srv = start_server()
    text = scrape_text(srv)
    assert "# TYPE baas_http_requests_total counter" in text
    # Not on the public listeners.
    r = http("GET", srv.url("/metrics"))
    assert r.status == 404, r
    assert "baas_" not in r.raw.decode("latin-1")
    # Only GET /metrics on its own port.
    base = "http://%s" % metrics_addr(srv)
    assert http("GET", base + "/", api=False).status == 404
    assert http("DELETE", base + "/metrics", api=False).status == 405


def test_metrics_off(start_server):
    srv = start_server(BAAS_METRICS_ADDR="off")
    assert metrics_addr(srv) == "off"


def test_counters_follow_requests(baas):
    srv = baas.server
    before = parse(scrape_text(srv))
    u = baas.user()
    for _ in range(3):
        baas.get_user(u)
    assert http("GET", srv.url("/no/such/path")).status == 404
    assert http("GET", srv.url("/1.0.0/users/%s/nothing" % u.id)).status \
        == 404
    baas.friends(u)
    baas.friends(u)
    host, port = srv.http.split("//")[1].rsplit(":", 1)
    idle = socket.create_connection((host, int(port)))
    try:
        deadline = time.monotonic() + 5
        while True:
            after = parse(scrape_text(srv))
            if value(after, "baas_http_connections") >= 1 or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        idle.close()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/1.0.0/users/{id}"
    assert moved("baas_http_requests_total", route=route, method="GET",
                 code="200") == 3
    assert moved("baas_http_request_duration_seconds_count", route=route,
                 method="GET") == 3
    assert moved("baas_http_request_duration_seconds_bucket", route=route,
                 method="GET", le="+Inf") == 3
    assert moved("baas_http_requests_total", route="unmatched",
                 method="GET", code="404") == 2
    assert moved("baas_http_requests_total", route="/1.0.0/users",
                 method="POST", code="201") == 1
    # No raw path ever becomes a label.
    for (name, labels) in after:
        for k, v in labels:
            assert u.id not in v and "/no/such" not in v, (name, labels)
    assert moved("baas_tokens_issued_total", kind="anonymous") == 1
    assert moved("baas_tokens_issued_total", kind="user") == 1
    assert moved("baas_tokens_issued_total", kind="id") == 1
    # Each bearer lookup: the anonymous token's second use hits.
    assert moved("baas_cache_lookups_total", cache="tokens",
                 result="hit") >= 4
    assert moved("baas_cache_lookups_total", cache="friends",
                 result="miss") >= 1
    assert moved("baas_cache_lookups_total", cache="friends",
                 result="hit") >= 1
    assert moved("baas_db_query_duration_seconds_count") >= 3
    # Two loops, four connections each, every one in some state.
    assert sum(value(after, "baas_db_connections", state=st) for st in
               ("down", "connecting", "preparing", "idle", "busy")) == 2 * 4
    assert value(after, "baas_db_connections", state="idle") >= 1
    assert value(after, "baas_http_connections") >= 1
    names = [dict(lb) for (n, lb) in after if n == "baas_build_info"]
    assert len(names) == 1 and names[0]["version"], names
    # The commit the binary was built from: the Makefile's newest stamp
    # beside it (HEAD may have moved on since the build).
    stamps = sorted(Path(server_bin()).parent.glob("commit-*"),
                    key=lambda p: p.stat().st_mtime)
    if stamps:
        assert names[0]["commit"] == stamps[-1].name[len("commit-"):]
    assert value(after, "process_resident_memory_bytes") > 1 << 20
    assert value(after, "process_open_fds") > 5
    assert abs(value(after, "process_start_time_seconds") - time.time()) \
        < 600
    assert value(after, "process_cpu_seconds_total") > 0


def test_presence_batches_and_refusals(baas):
    srv = baas.server
    u = baas.user()
    before = parse(scrape_text(srv))
    r = baas.presence(u, [{"op": "replace", "path": "/presence/state",
                           "value": "ONLINE"}])
    assert r.status in (200, 204), r
    bad = raw_http(srv.http, b"GET /x HTTP/1.1\r\nBad Header\r\n\r\n")
    assert bad.status == 400
    after = parse(scrape_text(srv))
    assert value(after, "baas_presence_batch_size_count") - \
        value(before, "baas_presence_batch_size_count") == 1
    assert value(after, "baas_presence_batch_size_bucket", le="1") - \
        value(before, "baas_presence_batch_size_bucket", le="1") == 1
    assert value(after, "baas_http_connections_refused_total",
                 reason="malformed") - \
        value(before, "baas_http_connections_refused_total",
              reason="malformed") == 1


def test_rate_limited_counted(start_server):
    srv = start_server(BAAS_RATE_LIMITS="sign=1/m,burst=1")
    path = "/1.0.0/application/token"
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    body = form(grantType="public_client", assertion="x")
    assert http("POST", srv.url(path), headers=h, body=body).status == 401
    assert http("POST", srv.url(path), headers=h, body=body).status == 429
    s = parse(scrape_text(srv))
    assert value(s, "baas_rate_limited_total", route=path) == 1
    assert value(s, "baas_http_requests_total", route=path, method="POST",
                 code="429") == 1


@needs_promtool
def test_promtool_accepts_the_page(baas):
    # Every family with samples: routes, histograms, errors.
    baas.friends(baas.user())
    http("GET", baas.server.url("/nope"))
    text = scrape_text(baas.server)
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "" and r.stderr.strip() == "", \
        r.stdout + r.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def prom_query(base, q):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as f:
        body = json.load(f)
    assert body["status"] == "success", body
    return body["data"]["result"]


@needs_prometheus
def test_prometheus_scrapes_the_server(baas):
    srv = baas.server
    u = baas.user()
    for _ in range(5):
        baas.get_user(u)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="baas-prom-") as tmp:
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: baas\n"
                    "    static_configs:\n"
                    "      - targets: ['%s']\n" % metrics_addr(srv))
        log = open(os.path.join(tmp, "prometheus.log"), "w+")
        proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + cfg,
             "--storage.tsdb.path=" + os.path.join(tmp, "data"),
             "--web.listen-address=127.0.0.1:%d" % port],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        base = "http://127.0.0.1:%d" % port
        try:
            deadline = time.monotonic() + 15
            up = counter = None
            while time.monotonic() < deadline:
                time.sleep(0.5)
                assert proc.poll() is None, "prometheus exited"
                try:
                    up = prom_query(base, 'up{job="baas"} == 1')
                    counter = prom_query(
                        base, 'baas_http_requests_total{job="baas",'
                        'route="/1.0.0/users/{id}",method="GET",'
                        'code="200"}')
                except OSError:
                    continue    # not listening yet
                if up and counter:
                    break
            log.seek(0)
            assert up, "no successful scrape:\n" + log.read()
            assert counter and float(counter[0]["value"][1]) == 5, counter
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def test_json_log_lines(start_server):
    srv = start_server(BAAS_LOG_FORMAT="json")
    r = http("GET", srv.url("/no/such/path"))
    assert r.status == 404
    deadline = time.monotonic() + 5
    while "/no/such/path" not in srv.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [l for l in srv.log().splitlines() if l.strip()]
    objs = [json.loads(l) for l in lines]
    for o in objs:
        assert set(o) == {"time", "level", "msg"}, o
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", o["time"])
        assert o["level"] in ("error", "warn", "info", "debug")
    assert any(o["msg"].startswith("listening http=") for o in objs)
    # The access line: the same text as the text format's.
    assert any(re.search(r" GET /no/such/path 404 \d+ [\d.]+ms$", o["msg"])
               for o in objs), lines
