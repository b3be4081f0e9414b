"""Bounds on connections and requests (issue 9, items 1 and 3): malformed
HTTP answered with problem JSON, bodies refused from their Content-Length
before they are sent, head and body deadlines that cut a slow sender
whatever its byte rate, and a cap on connections that closes the ones idle
the longest so that a normal client is still served."""

import http.client as httpclient
import socket
import ssl
import time

import pytest

from conftest import (Resp, assert_problem, http, needs_direct_connection,
                      needs_own_server)


def addr(srv):
    host, port = srv.http.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def connect(srv, timeout=10):
    return socket.create_connection(addr(srv), timeout=timeout)


def read_reply(s, path, timeout=10):
    """Parses one reply from socket s (the request was sent already)."""
    s.settimeout(timeout)
    r = httpclient.HTTPResponse(s, method="GET")
    r.begin()
    raw = r.read()
    return Resp(r.status, r.headers, raw, path)


def raw_request(srv, data, path="/", timeout=10):
    s = connect(srv, timeout)
    try:
        s.sendall(data)
        return read_reply(s, path, timeout)
    finally:
        s.close()


def closed_within(s, seconds):
    """Seconds until the server closes s (reading and dropping what comes),
    or None when it stays open that long."""
    start = time.monotonic()
    s.settimeout(0.1)
    while time.monotonic() - start < seconds:
        try:
            if s.recv(65536) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def assert_malformed(resp, path="/"):
    p = assert_problem(resp, 400, "invalid_params")
    assert resp.headers.get("Connection") == "close", resp.headers
    assert p["instance"] == path
    return p


# ---------------------------------------------------------------- item 3

def test_garbage_request_line_is_problem_json(server):
    needs_direct_connection()
    r = raw_request(server, b"GARBAGE\r\n\r\n")
    p = assert_malformed(r)
    assert "request line" in p["detail"]


@pytest.mark.parametrize("data,word", [
    (b"GET / HTTP/3.0\r\n\r\n", "version"),
    (b"GET /health HTTP/1.1\r\nNoColon\r\n\r\n", "colon"),
    (b"GET /health HTTP/1.1\r\nContent-Length : 5\r\n\r\n", "name"),
    (b"POST /health HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6"
     b"\r\n\r\n", "differ"),
    (b"POST /health HTTP/1.1\r\nContent-Length: x\r\n\r\n", "number"),
    (b"POST /health HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
     "Transfer-Encoding"),
    (b"POST /health HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "Folded"),
])
def test_malformed_heads_are_problem_json(server, data, word):
    needs_direct_connection()
    path = data.split(b" ")[1].decode()
    if not path.startswith("/"):
        path = "/"
    p = assert_malformed(raw_request(server, data, path), path)
    assert word in p["detail"], p


def test_200kb_header_is_problem_json(server):
    """libevent's own limit would answer with an HTML page; the scanner
    answers first, at 16 KiB."""
    needs_direct_connection()
    data = (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 +
            b"\r\n\r\n")
    s = connect(server)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass        # the server answered and closed while we sent
        p = assert_malformed(read_reply(s, "/health"), "/health")
    finally:
        s.close()
    assert "too large" in p["detail"]
    assert http("GET", server.url("/health")).status == 200


def test_unknown_method_is_405_problem_with_allow(server):
    r = raw_request(server, b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n",
                    "/health")
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET"
    r = raw_request(server, b"BREW /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
                    "/nowhere")
    assert_problem(r, 404, "resource_is_not_found")


def test_malformed_over_https_is_problem_json(server):
    needs_direct_connection()
    if server.https_port is None:
        pytest.skip("HTTPS side of the server unknown")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    host = addr(server)[0]
    raw = socket.create_connection((host, server.https_port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    try:
        s.sendall(b"GARBAGE\r\n\r\n")
        assert_malformed(read_reply(s, "/"))
    finally:
        s.close()


# ---------------------------------------------------------------- bodies

def send_head(srv, path, length, ctype="application/json", extra=b""):
    s = connect(srv)
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
               "Content-Length: %d\r\n" % (path, ctype, length)).encode() +
              extra + b"\r\n")
    return s


def test_body_over_small_limit_refused_before_it_is_sent(server):
    """Every route but the image upload takes 16 KiB: a larger
    Content-Length is answered at once, the body never sent."""
    needs_direct_connection()
    path = "/1.0.0/application/token"
    s = send_head(server, path, 16 * 1024 + 1,
                  "application/x-www-form-urlencoded")
    try:
        start = time.monotonic()
        r = read_reply(s, path, timeout=5)
        assert time.monotonic() - start < 2
    finally:
        s.close()
    p = assert_problem(r, 413, "request_entity_too_large")
    assert "16384" in p["detail"]
    assert r.headers.get("Connection") == "close"


def test_body_limit_applies_to_unknown_and_bodiless_routes(server):
    for path in ("/nowhere", "/health"):
        s = send_head(server, path, 100000)
        try:
            assert_problem(read_reply(s, path, timeout=5), 413,
                           "request_entity_too_large")
        finally:
            s.close()


def test_body_at_small_limit_is_read(server):
    path = "/1.0.0/application/token"
    body = b"a=" + b"b" * (16 * 1024 - 2)
    r = http("POST", server.url(path),
             {"Content-Type": "application/x-www-form-urlencoded"}, body)
    assert r.status != 413, r


def test_upload_route_takes_more_than_the_small_limit(server):
    """The image upload may send up to 2 MiB: 100 KB gets past the body
    check to authentication (400 without a bearer)."""
    path = "/1.0.0/image_upload"
    s = send_head(server, path, 100000, extra=b"Expect: 100-continue\r\n")
    try:
        s.settimeout(5)
        first = s.recv(100)
        # Without a bearer the route answers before the body; either way
        # it is not a 413.
        assert not first.startswith(b"HTTP/1.1 413"), first
    finally:
        s.close()
    s = send_head(server, path, 2 * 1024 * 1024 + 1)
    try:
        assert_problem(read_reply(s, path, timeout=5), 413,
                       "request_entity_too_large")
    finally:
        s.close()


def test_pipelined_requests_are_answered(server):
    """Two requests in one packet: the scanner takes the first, evhttp the
    one behind it; both are answered."""
    s = connect(server)
    data = b""
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        deadline = time.monotonic() + 10
        while data.count(b'{"status":"ok"}') < 2 and \
                time.monotonic() < deadline:
            data += s.recv(65536)
    finally:
        s.close()
    assert data.count(b"HTTP/1.1 200 OK") == 2, data


# ---------------------------------------------------------------- deadlines

def trickle(s, data, every, until):
    """Sends data a byte at a time every `every` seconds; returns the
    seconds until the server closed, or None."""
    start = time.monotonic()
    for b in data:
        try:
            s.send(bytes([b]))
        except OSError:
            return time.monotonic() - start
        t = closed_within(s, every)
        if t is not None:
            return time.monotonic() - start
        if time.monotonic() - start > until:
            return None
    return None


def test_trickled_head_is_cut_at_the_head_deadline(start_server):
    """One byte every 0.5 s never trips an inactivity timer; the head
    deadline (2 s from its first byte) closes the connection."""
    needs_own_server()
    srv = start_server(BAAS_HEAD_TIMEOUT="2")
    s = connect(srv)
    try:
        t = trickle(s, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: "
                    b"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 0.5, 8)
    finally:
        s.close()
    assert t is not None, "a trickled head was never cut"
    assert 1.5 <= t <= 4, t
    assert http("GET", srv.url("/health")).status == 200


def test_trickled_body_is_cut_at_the_body_deadline(start_server):
    needs_own_server()
    srv = start_server(BAAS_BODY_TIMEOUT="2", BAAS_HEAD_TIMEOUT="30")
    s = send_head(srv, "/1.0.0/application/token", 100,
                  "application/x-www-form-urlencoded")
    try:
        t = trickle(s, b"a" * 100, 0.4, 8)
    finally:
        s.close()
    assert t is not None, "a trickled body was never cut"
    assert 1.5 <= t <= 4, t


def test_idle_connection_closed_after_idle_timeout(start_server):
    needs_own_server()
    srv = start_server(BAAS_IDLE_TIMEOUT="1")
    s = connect(srv)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_reply(s, "/health").status == 200
        t = closed_within(s, 5)
    finally:
        s.close()
    assert t is not None and 0.5 <= t <= 3, t


# ---------------------------------------------------------------- the cap

def test_cap_closes_the_idle_longest_and_serves_a_normal_client(
        start_server):
    needs_own_server()
    cap = 16
    srv = start_server(BAAS_MAX_CONNECTIONS=str(cap), BAAS_THREADS="2")
    idle = [connect(srv) for _ in range(3 * cap)]
    try:
        time.sleep(0.3)
        for _ in range(5):
            r = http("GET", srv.url("/health"))
            assert r.status == 200, r
        open_ = sum(1 for s in idle if closed_within(s, 0.05) is None)
        # Each loop keeps its share of the cap; the oldest were closed.
        assert open_ <= cap, open_
        assert closed_within(idle[0], 0.05) is not None
    finally:
        for s in idle:
            s.close()
    srv.wait_log("idle the longest")


def test_cap_setting_is_validated(run_bin):
    r = run_bin([], timeout=15, BAAS_MAX_CONNECTIONS="0")
    assert r.returncode != 0
    assert "BAAS_MAX_CONNECTIONS" in r.stdout + r.stderr
