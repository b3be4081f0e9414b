"""Instances started at the same moment on one EMPTY keys folder and one
database (issue 13: several instances behind a balancer) end with one set
of keys: one key file per signing set, one local CA and one TLS
certificate of each kind (RSA, ECDSA), the same JWKS and the same
certificates from every instance.
lib/file.c file_lock makes "create if missing" happen once."""

import ssl
import socket

from conftest import http, needs_own_server, new_keys_dir

INSTANCES = 4


def served_cert(port, rsa_only=False):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if rsa_only:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s) as t:
            return t.getpeercert(binary_form=True)


def test_instances_starting_together_make_one_key_set(start_server, pg,
                                                       workdir):
    needs_own_server()
    keys = new_keys_dir(workdir)
    db = pg.create_db()
    # Spawned back to back, then awaited: their start-ups overlap.
    srvs = [start_server(keys_dir=keys, db_url=db, wait=False)
            for _ in range(INSTANCES)]
    for s in srvs:
        s.wait_ready()

    for kset in ("id", "internal"):
        pems = sorted(p.name for p in (keys / kset).glob("*.pem"))
        assert len(pems) == 1, (kset, pems)
    for path in ("/1.0.0/certificates", "/1.0.0/internal_certificates"):
        bodies = [http("GET", s.http + path).body for s in srvs]
        assert all(b == bodies[0] for b in bodies), path
        assert len(bodies[0]["keys"]) == 1

    # One CA, one certificate of each kind, and every instance serves the
    # ones on disk (ECDSA to a client that offers it, RSA to one that
    # offers only RSA), signed by that CA.
    tls = keys / "tls"
    assert sorted(p.name for p in tls.iterdir() if p.name[0] != ".") == [
        "ca.crt", "ca.key", "server-ec.crt", "server-ec.key", "server.crt",
        "server.key"]
    rsa = ssl.PEM_cert_to_DER_cert((tls / "server.crt").read_text())
    ec = ssl.PEM_cert_to_DER_cert((tls / "server-ec.crt").read_text())
    for s in srvs:
        assert served_cert(s.https_port) == ec
        assert served_cert(s.https_port, rsa_only=True) == rsa
    ctx = ssl.create_default_context(cafile=str(tls / "ca.crt"))
    with socket.create_connection(("127.0.0.1", srvs[-1].https_port),
                                  timeout=5) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost"):
            pass
