"""slowclients: hostile slow clients for trickle.sh and flood.sh.

    slowclients.py trickle BASE_URL EVERY LIMIT
        sends a request head one byte every EVERY seconds (then a body the
        same way) and prints when the server cut each; fails when one was
        not cut within LIMIT seconds.

    slowclients.py flood BASE_URL PID N HEAD_BYTES CAP_BOUND_KB
        opens N connections, each sending HEAD_BYTES of an unfinished head
        and then a byte every few seconds; meanwhile a normal client must be
        served (its latency is printed); PID's RSS must stay below
        CAP_BOUND_KB more than before, and come back down after the
        connections close. Prints connections held and RSS figures.
"""

import http.client
import socket
import sys
import time
import urllib.parse


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def closed(s):
    s.setblocking(False)
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def trickle_one(host, port, data, every, limit):
    s = socket.create_connection((host, port), timeout=10)
    start = time.monotonic()
    sent = 0
    try:
        for b in data:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            sent += 1
            deadline = time.monotonic() + every
            while time.monotonic() < deadline:
                if closed(s):
                    return time.monotonic() - start, sent
                time.sleep(0.05)
            if time.monotonic() - start > limit:
                return None, sent
        return None, sent
    finally:
        s.close()


def normal_request(host, port):
    start = time.monotonic()
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request("GET", "/1.0.0/certificates")
        r = c.getresponse()
        r.read()
        return r.status, time.monotonic() - start
    except OSError as e:
        return repr(e), time.monotonic() - start
    finally:
        c.close()


def trickle(base, every, limit):
    u = urllib.parse.urlsplit(base)
    host, port = u.hostname, u.port
    every, limit = float(every), float(limit)
    head = (b"GET /1.0.0/certificates HTTP/1.1\r\nHost: x\r\n"
            b"X-Slow: " + b"a" * 200 + b"\r\n\r\n")
    body_head = (b"POST /1.0.0/application/token HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 500\r\n\r\n")
    ok = True
    t, sent = trickle_one(host, port, head, every, limit)
    status, lat = normal_request(host, port)
    print("trickle: head at 1 byte / %.1f s: %s after %d bytes; then a "
          "normal client: %s in %.0f ms" % (
              every, "cut at %.1f s" % t if t else "NOT cut", sent, status,
              lat * 1000))
    ok &= t is not None and status == 200
    # The body: the head at once, then the body a byte at a time.
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(body_head)
    start = time.monotonic()
    cut = None
    while time.monotonic() - start < limit:
        try:
            s.send(b"a")
        except OSError:
            cut = time.monotonic() - start
            break
        deadline = time.monotonic() + every
        while time.monotonic() < deadline and cut is None:
            if closed(s):
                cut = time.monotonic() - start
            time.sleep(0.05)
        if cut is not None:
            break
    s.close()
    print("trickle: body at 1 byte / %.1f s: %s" % (
        every, "cut at %.1f s" % cut if cut else "NOT cut"))
    ok &= cut is not None
    return 0 if ok else 1


def flood(base, pid, n, head_bytes, bound_kb):
    u = urllib.parse.urlsplit(base)
    host, port = u.hostname, u.port
    pid, n = int(pid), int(n)
    head_bytes, bound_kb = int(head_bytes), int(bound_kb)
    before = rss_kb(pid)
    part = (b"GET /1.0.0/certificates HTTP/1.1\r\nHost: x\r\nX-Pad: " +
            b"a" * max(0, head_bytes - 48))
    socks = []
    refused = 0
    start = time.monotonic()
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(part)
            socks.append(s)
        except OSError:
            refused += 1
    opened = time.monotonic() - start
    time.sleep(1.0)
    peak = rss_kb(pid)
    # Trickle a byte on every connection, twice, with normal clients.
    lat = []
    for _ in range(2):
        for s in socks:
            try:
                s.send(b"a")
            except OSError:
                pass
        status, t = normal_request(host, port)
        lat.append((status, t))
        peak = max(peak, rss_kb(pid))
        time.sleep(1.0)
    alive = sum(1 for s in socks if not closed(s))
    peak = max(peak, rss_kb(pid))
    for s in socks:
        s.close()
    time.sleep(3.0)     # the server's trim runs once a second
    after = rss_kb(pid)
    status, t = normal_request(host, port)
    lat.append((status, t))
    print("flood: %d connections opened in %.1f s (%d refused), %d of bytes "
          "of head each; %d still open after 2 s of trickling" % (
              len(socks), opened, refused, head_bytes, alive))
    print("flood: RSS %d KB before, %d KB at the peak (bound %d KB more), "
          "%d KB 3 s after they closed" % (before, peak, bound_kb, after))
    print("flood: a normal client: %s" % ", ".join(
        "%s in %.0f ms" % (st, t * 1000) for st, t in lat))
    ok = all(st == 200 and t < 2.0 for st, t in lat)
    if not ok:
        print("flood: FAILED: a normal client was not served in time")
    if peak - before > bound_kb:
        print("flood: FAILED: RSS grew past the bound")
        ok = False
    if after - before > max(16 * 1024, (peak - before) // 3):
        print("flood: FAILED: RSS did not come back down")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "trickle":
        sys.exit(trickle(*args))
    if cmd == "flood":
        sys.exit(flood(*args))
    sys.exit(__doc__)
