"""TLS read-ahead (server/tls.c): the server takes what the socket holds in
one read, several TLS records at once, instead of each record's header and
then its body. Records read ahead are in OpenSSL's buffer, not in the
socket, so nothing wakes the server for them: these tests send several
records in one TCP segment and fail (the reply does not come within the
client's timeout) if any is left waiting. The cases: the request in the
segment that carries the client's Finished (TLS 1.2 resumed, TLS 1.3 full
and resumed), a request cut into several records, and pipelined requests,
each in its own record, which evhttp reads one after another's reply."""

import re
import socket
import ssl

import pytest

from conftest import needs_direct_connection

VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
# Far more than a reply takes; far less than the server's head timeout,
# after which a request left waiting would get no answer at all.
WAIT_S = 2


def request(close=True):
    return (b"GET /health HTTP/1.1\r\nHost: localhost\r\n" +
            (b"Connection: close\r\n" if close else b"") + b"\r\n")


_contexts = {}


def client_ctx(version):
    """One a version: a session resumes only with the context it came
    from."""
    if version not in _contexts:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version
        _contexts[version] = ctx
    return _contexts[version]


class Client:
    """TLS over memory BIOs: records queue in the outgoing BIO until
    flush() sends them all with one send(), one segment on loopback."""

    def __init__(self, port, version, session=None):
        ctx = client_ctx(version)
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=WAIT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, session=session)

    def close(self):
        self.sock.close()

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def fill(self):
        data = self.sock.recv(65536)	# socket.timeout: a record waits
        if data:
            self.inc.write(data)
        else:
            self.inc.write_eof()

    def handshake(self):
        """Leaves the client's last flight (its Finished) unsent when the
        handshake ends with it: TLS 1.2 resumed, TLS 1.3."""
        while True:
            try:
                self.tls.do_handshake()
                return
            except ssl.SSLWantReadError:
                self.flush()
                self.fill()

    def read_to_eof(self):
        data = b""
        while True:
            try:
                chunk = self.tls.read(65536)
            except ssl.SSLWantReadError:
                self.fill()
                continue
            except ssl.SSLZeroReturnError:
                return data
            if not chunk:
                return data
            data += chunk


def replies(data):
    return re.findall(rb"HTTP/1\.1 (\d{3})", data)


def session_of(port, version):
    c = Client(port, version)
    try:
        c.handshake()
        c.tls.write(request())
        c.flush()
        assert replies(c.read_to_eof()) == [b"200"]
        return c.tls.session
    finally:
        c.close()


@pytest.fixture
def https_port(server):
    if server.https_port is None:
        pytest.skip("HTTPS side of the server unknown")
    needs_direct_connection()	# HAProxy re-segments
    return server.https_port


def exchange(port, version, session, records):
    """Handshake, then the records with the client's last flight in one
    segment; returns (replies, reused)."""
    c = Client(port, version, session)
    try:
        c.handshake()
        for r in records:
            c.tls.write(r)
        c.flush()
        data = c.read_to_eof()
        return replies(data), c.tls.session_reused
    finally:
        c.close()


@pytest.mark.parametrize("resumed", [False, True], ids=["full", "resumed"])
@pytest.mark.parametrize("version", VERSIONS, ids=["1.2", "1.3"])
def test_request_with_the_clients_finished(https_port, version, resumed):
    sess = session_of(https_port, version) if resumed else None
    got, reused = exchange(https_port, version, sess, [request()])
    assert got == [b"200"] and reused == resumed


@pytest.mark.parametrize("version", VERSIONS, ids=["1.2", "1.3"])
def test_request_in_several_records_of_one_segment(https_port, version):
    sess = session_of(https_port, version)
    req = request()
    cuts = [req[i:i + 9] for i in range(0, len(req), 9)]
    assert len(cuts) >= 6
    got, reused = exchange(https_port, version, sess, cuts)
    assert got == [b"200"] and reused


@pytest.mark.parametrize("version", VERSIONS, ids=["1.2", "1.3"])
def test_pipelined_requests_each_in_a_record(https_port, version):
    sess = session_of(https_port, version)
    reqs = [request(close=False)] * 3 + [request()]
    got, reused = exchange(https_port, version, sess, reqs)
    assert got == [b"200"] * 4 and reused


@pytest.mark.parametrize("version", VERSIONS, ids=["1.2", "1.3"])
def test_failed_handshake_then_good_ones(https_port, version):
    """Garbage where a ClientHello belongs, and a ClientHello followed by
    garbage read ahead with it, end their connections; the next
    connections resume and are answered."""
    sess = session_of(https_port, version)
    with socket.create_connection(("127.0.0.1", https_port),
                                  timeout=WAIT_S) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello" + b"x" * 64)
        assert s.recv(4096)[:1] in (b"", b"\x15")	# alert or close
    c = Client(https_port, version, sess)
    try:
        try:
            c.tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        c.sock.sendall(c.out.read() + b"\x17\x03\x03\x00\x03abc")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            c.handshake()
            c.tls.write(request())
            c.flush()
            c.read_to_eof()
    finally:
        c.close()
    for _ in range(2):
        got, reused = exchange(https_port, version, sess, [request()])
        assert got == [b"200"] and reused
