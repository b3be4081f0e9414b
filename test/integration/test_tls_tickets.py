"""Session resumption across instances (issue 13 part 1, TLS passed through
to the instances): with BAAS_TLS_TICKET_KEYS naming one 80-byte file, a
session ticket issued by one instance is accepted by another, for TLS 1.2
tickets and TLS 1.3 resumption alike; an instance without the setting has
its own random ticket keys and makes a full handshake. A file of the wrong
size or readable by others refuses the start with one line."""

import os
import re
import socket
import ssl
import subprocess

import pytest

from conftest import needs_direct_connection, needs_own_server, new_keys_dir

VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]


def ticket_file(parent, name="ticket.key", size=80, mode=0o600):
    path = parent / name
    path.write_bytes(os.urandom(size))
    os.chmod(path, mode)
    return path


def client_ctx(version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    return ctx


def health(ctx, port, session=None):
    """GET /health over TLS, read to the end (so TLS 1.3 tickets have
    arrived); returns (session, session_reused)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, session=session) as t:
            t.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = t.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"HTTP/1.1 200"), data[:100]
            return t.session, t.session_reused


def test_ticket_resumes_on_another_instance(start_server, pg, workdir):
    needs_own_server()
    keys = new_keys_dir(workdir)
    db = pg.create_db()
    tickets = ticket_file(keys)
    a = start_server(keys_dir=keys, db_url=db,
                     BAAS_TLS_TICKET_KEYS=str(tickets))
    b = start_server(keys_dir=keys, db_url=db,
                     BAAS_TLS_TICKET_KEYS=str(tickets))
    # Same keys folder and certificate, but its own ticket keys.
    c = start_server(keys_dir=keys, db_url=db)

    for version in VERSIONS:
        ctx = client_ctx(version)
        sess, reused = health(ctx, a.https_port)
        assert not reused and sess is not None
        assert sess.has_ticket, version
        assert health(ctx, a.https_port, sess)[1], (version, "same instance")
        assert health(ctx, b.https_port, sess)[1], (version, "A to B")
        assert not health(ctx, c.https_port, sess)[1], (version, "A to C")
        sess_c, _ = health(ctx, c.https_port)
        assert not health(ctx, a.https_port, sess_c)[1], (version, "C to A")
    for s in (a, b, c):
        assert tickets.read_bytes().hex() not in s.log()


@pytest.mark.parametrize("size,mode,want", [
    (79, 0o600, "exactly 80 bytes"),
    (81, 0o600, "exactly 80 bytes"),
    (80, 0o644, "mode 644"),
])
def test_bad_ticket_file_refuses_start(run_bin, workdir, size, mode, want):
    keys = new_keys_dir(workdir)
    tickets = ticket_file(keys, size=size, mode=mode)
    r = run_bin([], keys_dir=keys, BAAS_TLS_TICKET_KEYS=str(tickets),
                timeout=20)
    assert r.returncode != 0, r.stderr
    lines = [ln for ln in (r.stdout + r.stderr).splitlines()
             if "BAAS_TLS_TICKET_KEYS" in ln]
    assert len(lines) == 1 and want in lines[0], r.stderr
    assert "listening" not in r.stdout + r.stderr
    assert tickets.read_bytes().hex() not in r.stdout + r.stderr


def test_missing_ticket_file_refuses_start(run_bin, workdir):
    keys = new_keys_dir(workdir)
    r = run_bin([], keys_dir=keys,
                BAAS_TLS_TICKET_KEYS=str(keys / "absent.key"), timeout=20)
    assert r.returncode != 0
    assert "BAAS_TLS_TICKET_KEYS: cannot open" in r.stderr, r.stderr


def s_client(port, *args):
    r = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
         "-servername", "m-lp1.baas.nintendo.com", "-ign_eof"] + list(args),
        input="GET /health HTTP/1.1\r\nHost: localhost\r\n"
              "Connection: close\r\n\r\n",
        capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr


# A console that reconnects resumes (no certificate signature): with a
# ticket, and with the session-id cache when it sends none (-no_ticket),
# on the RSA and on the ECDSA certificate alike. s_client -sess_out saves
# the session, -sess_in offers it on a new connection.
@pytest.mark.parametrize("ticket", [True, False], ids=["ticket", "cache"])
@pytest.mark.parametrize("sigalgs", ["RSA+SHA256", "ECDSA+SHA256"])
def test_reconnect_resumes(server, tmp_path, ticket, sigalgs):
    if server.https_port is None:
        pytest.skip("HTTPS side of the server unknown")
    if sigalgs.startswith("ECDSA"):
        needs_direct_connection()	# HAProxy serves RSA only
    sess = str(tmp_path / "session.pem")
    args = ["-tls1_2", "-sigalgs", sigalgs] + ([] if ticket else
                                               ["-no_ticket"])
    rc, out = s_client(server.https_port, "-sess_out", sess, *args)
    assert rc == 0 and "\nNew, TLSv1.2" in out, out
    assert ("TLS session ticket:" in out) == ticket, out
    for _ in range(2):
        rc, out = s_client(server.https_port, "-sess_in", sess, *args)
        assert rc == 0 and "\nReused, TLSv1.2" in out, out
        assert "HTTP/1.1 200" in out, out
    # Without the saved session: a full handshake again.
    rc, out = s_client(server.https_port, *args)
    assert rc == 0 and "\nNew, TLSv1.2" in out, out


def data_segments_in(sock):
    """Segments with data this socket received (Linux struct tcp_info's
    tcpi_data_segs_in, at byte 152)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return int.from_bytes(info[152:156], "little")


def get_to_close(ctx, port, session=None, keep_alive=0):
    """keep_alive GETs on one TLS connection, then one with Connection:
    close, each answered in time; the last read to the server's
    close_notify. Returns (session, reused, data segments received)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, session=session,
                             suppress_ragged_eofs=False) as t:
            for i in range(keep_alive + 1):
                last = i == keep_alive
                t.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n" +
                          (b"Connection: close\r\n" if last else b"") +
                          b"\r\n")
                # A keep-alive reply held back (corked) would take the
                # kernel's 200 ms: each must come at once.
                t.settimeout(0.15 if not last else 5)
                data, need = b"", None
                while need is None or len(data) < need:
                    chunk = t.recv(4096)
                    assert chunk, data
                    data += chunk
                    head, sep, _ = data.partition(b"\r\n\r\n")
                    if sep:
                        need = len(head) + 4 + int(re.search(
                            rb"(?i)\ncontent-length: *(\d+)", head).group(1))
                assert data.startswith(b"HTTP/1.1 200"), data[:100]
            # The server's close_notify, then its FIN (an EOF without
            # close_notify raises SSLEOFError here).
            while t.recv(4096):
                pass
            return t.session, t.session_reused, data_segments_in(t)


# A console that reconnects for each request: the resumed handshake is one
# flight from the server, and the reply, close_notify and FIN leave
# together (with TLS 1.3, the new ticket too), so the client's kernel and
# the client wake once for them, not two to four times. Keep-alive replies
# before it are not held back.
@pytest.mark.parametrize("keep_alive", [0, 2])
@pytest.mark.parametrize("version", VERSIONS, ids=["1.2", "1.3"])
def test_resumed_reply_and_close_notify_in_one_segment(server, version,
                                                       keep_alive):
    if server.https_port is None:
        pytest.skip("HTTPS side of the server unknown")
    needs_direct_connection()	# HAProxy re-segments
    ctx = client_ctx(version)
    sess, reused, _ = get_to_close(ctx, server.https_port)
    assert not reused
    for _ in range(2):
        sess, reused, segs = get_to_close(ctx, server.https_port, sess,
                                          keep_alive)
        assert reused
        # A TLS 1.3 ticket goes just before the first reply: in its own
        # segment when that reply keeps the connection.
        ticket_alone = version == ssl.TLSVersion.TLSv1_3 and keep_alive
        assert segs == 2 + keep_alive + bool(ticket_alone), segs
