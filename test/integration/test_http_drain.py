"""The drain after SIGTERM (issue 9, item 2): /health answers 503 at once,
everything else is served (new connections too, every reply with
Connection: close) for BAAS_DRAIN_DELAY seconds; then accepting stops, the
connections the kernel had queued are still served, requests being read are
answered, idle connections close, and the process exits when nothing is
left or BAAS_DRAIN_TIMEOUT later."""

import os
import signal
import socket
import threading
import time

from conftest import assert_problem, http, needs_own_server
from test_http_limits import (closed_within, connect, read_reply,
                              send_head)


def alive(srv):
    return srv.proc.poll() is None


def wait_exit(srv, timeout):
    start = time.monotonic()
    while alive(srv) and time.monotonic() - start < timeout:
        time.sleep(0.02)
    return None if alive(srv) else time.monotonic() - start


def test_drain_sequence(start_server):
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="2", BAAS_DRAIN_TIMEOUT="5")
    keep = connect(srv)
    keep.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    r = read_reply(keep, "/health")
    assert r.status == 200 and r.headers.get("Connection") is None
    os.kill(srv.pid, signal.SIGTERM)
    t0 = time.monotonic()
    time.sleep(0.1)
    # /health at once, on an existing keep-alive connection.
    keep.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    r = read_reply(keep, "/health")
    keep.close()
    assert_problem(r, 503, "under_maintenance")
    assert r.headers.get("Connection") == "close"
    # Serving, on new connections, with Connection: close, during the delay.
    served = 0
    while time.monotonic() - t0 < 1.7:
        r = http("GET", srv.url("/1.0.0/certificates"))
        assert r.status == 200, r
        assert r.headers.get("Connection") == "close", r.headers
        served += 1
        time.sleep(0.1)
    assert served >= 10
    assert alive(srv)
    # Then no longer accepting, and gone soon after.
    t = wait_exit(srv, 5)
    assert t is not None, "still running 5 s after the delay"
    assert time.monotonic() - t0 >= 2
    assert srv.stop() == 0
    try:
        http("GET", srv.url("/health"), timeout=2)
        raise AssertionError("still accepting after the drain")
    except ConnectionRefusedError:
        pass
    log = srv.log()
    assert "draining" in log and "no longer accepting" in log, log[-2000:]


def test_request_being_read_is_answered(start_server):
    """A body still arriving when accepting stops is read and answered."""
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="0")
    path = "/1.0.0/application/token"
    s = send_head(srv, path, 20, "application/x-www-form-urlencoded")
    s.sendall(b"grant_type=x")
    time.sleep(0.2)
    os.kill(srv.pid, signal.SIGTERM)
    time.sleep(0.5)
    assert alive(srv), "exited with a request half read"
    s.sendall(b"&a=bbbbb")
    r = read_reply(s, path)
    s.close()
    assert r.status == 400, r           # an answer, from the route
    assert r.headers.get("Connection") == "close"
    assert wait_exit(srv, 5) is not None
    assert srv.stop() == 0


def test_listen_queue_is_served(start_server):
    """Connections the kernel accepted while the process could not (it is
    stopped here) are accepted and answered before the sockets close."""
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="0")
    os.kill(srv.pid, signal.SIGSTOP)
    socks = []
    try:
        for _ in range(40):
            s = connect(srv)
            s.sendall(b"GET /1.0.0/certificates HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        os.kill(srv.pid, signal.SIGTERM)
    finally:
        os.kill(srv.pid, signal.SIGCONT)
    answered = 0
    for s in socks:
        r = read_reply(s, "/1.0.0/certificates")
        assert r.status == 200, r
        answered += 1
        s.close()
    assert answered == 40
    assert wait_exit(srv, 5) is not None
    assert srv.stop() == 0


def test_idle_connections_close_and_process_exits(start_server):
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="0")
    idle = []
    for _ in range(5):
        s = connect(srv)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_reply(s, "/health").status == 200
        idle.append(s)
    time.sleep(1.2)         # idle longer than the drain's grace
    os.kill(srv.pid, signal.SIGTERM)
    for s in idle:
        assert closed_within(s, 3) is not None
        s.close()
    assert wait_exit(srv, 3) is not None
    assert srv.stop() == 0


def test_drain_timeout_bounds_the_wait(start_server):
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="0", BAAS_DRAIN_TIMEOUT="1",
                       BAAS_BODY_TIMEOUT="60")
    s = send_head(srv, "/1.0.0/application/token", 1000,
                  "application/x-www-form-urlencoded")
    s.sendall(b"a=b")
    time.sleep(0.2)
    os.kill(srv.pid, signal.SIGTERM)
    t = wait_exit(srv, 6)
    s.close()
    assert t is not None and t < 4, t
    assert srv.stop() == 0
    assert "drain timeout" in srv.log()


def test_second_signal_cuts_the_delay(start_server):
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="30")
    os.kill(srv.pid, signal.SIGTERM)
    time.sleep(0.3)
    assert alive(srv)
    assert http("GET", srv.url("/health")).status == 503
    os.kill(srv.pid, signal.SIGTERM)
    assert wait_exit(srv, 5) is not None
    assert srv.stop() == 0


class Writer(threading.Thread):
    """A client posting on keep-alive connections until told to stop;
    counts replies and requests that got none."""

    def __init__(self, srv, stop):
        super().__init__(daemon=True)
        self.host, self.port = srv.http.split("//", 1)[1].rsplit(":", 1)
        self.stop = stop
        self.ok = 0
        self.unanswered = 0
        self.refused = 0

    def run(self):
        body = b"grant_type=public_client&assertion=x"
        while not self.stop.is_set():
            try:
                s = socket.create_connection((self.host, int(self.port)),
                                             timeout=5)
            except OSError:
                self.refused += 1
                time.sleep(0.01)
                continue
            try:
                while not self.stop.is_set():
                    s.sendall(b"POST /1.0.0/application/token HTTP/1.1\r\n"
                              b"Host: x\r\nContent-Type: application/"
                              b"x-www-form-urlencoded\r\nContent-Length: "
                              b"%d\r\n\r\n%s" % (len(body), body))
                    try:
                        r = read_reply(s, "/", timeout=5)
                    except (OSError, ValueError, Exception):
                        self.unanswered += 1
                        break
                    self.ok += 1
                    if r.headers.get("Connection") == "close":
                        break
            except OSError:
                self.unanswered += 1
            finally:
                s.close()


def test_sigterm_under_write_load_leaves_nothing_unanswered(start_server):
    needs_own_server()
    srv = start_server(BAAS_DRAIN_DELAY="0")
    stop = threading.Event()
    writers = [Writer(srv, stop) for _ in range(32)]
    for w in writers:
        w.start()
    time.sleep(1.5)
    os.kill(srv.pid, signal.SIGTERM)
    assert wait_exit(srv, 10) is not None
    stop.set()
    for w in writers:
        w.join(10)
    ok = sum(w.ok for w in writers)
    unanswered = sum(w.unanswered for w in writers)
    assert ok > 100, ok
    assert unanswered == 0, "%d requests unanswered of %d" % (
        unanswered, ok + unanswered)
    assert srv.stop() == 0
