"""Consoles (docs/consoles-and-emulators.md): the connection test answered
to the console's exact request on plain HTTP and HTTPS, and only for its two
host names and while BAAS_CONNECTION_TEST is on; `baas-server hosts`, its
exact lines and its refusals."""

import http.client as httpclient
import socket
import ssl
import subprocess

import pytest

import openapi_check
from conftest import (Resp, assert_problem, http, needs_own_server,
                      server_bin, server_env)

CTEST = "ctest.cdn.nintendo.net"
CTEST_API = "api.hac.lp1.ctest.srv.nintendo.net"
BAAS_NAMES = ["e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com",
              "m-lp1.baas.nintendo.com",
              "cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"]

# What the console's nifm module sends (NintendoClients wiki, "Connection
# Test"), byte for byte.
CONSOLE_REQUEST = (b"GET / HTTP/1.1\r\n"
                   b"Host: ctest.cdn.nintendo.net\r\n"
                   b"User-Agent: NX NIFM/00\r\n"
                   b"Accept: */*\r\n"
                   b"Connection: keep-alive\r\n"
                   b"\r\n")


def exchange(sock, raw, method="GET"):
    """Sends raw on sock and reads one reply (the connection stays open)."""
    sock.sendall(raw)
    r = httpclient.HTTPResponse(sock, method=method)
    r.begin()
    body = r.read()
    resp = Resp(r.status, r.headers, body, "/")
    openapi_check.check(method, "/", resp)     # docs/openapi.yaml holds
    return resp


def host_port(server):
    h, p = server.http.split("//", 1)[1].rsplit(":", 1)
    return h, int(p)


def assert_connection_test_ok(r, head=False):
    assert r.status == 200, r
    assert r.headers["X-Organization"] == "Nintendo", r.headers
    assert r.headers["Content-Type"] == "text/plain", r.headers
    assert r.raw == (b"" if head else b"ok"), r


def test_console_exact_request_on_plain_http(server):
    with socket.create_connection(host_port(server), timeout=10) as s:
        r = exchange(s, CONSOLE_REQUEST)
        assert_connection_test_ok(r)
        assert r.headers["Content-Length"] == "2"
        # Kept alive, as the console asked: a second test on the same
        # connection, with the newer firmware's host name.
        r = exchange(s, CONSOLE_REQUEST.replace(CTEST.encode(),
                                                CTEST_API.encode()))
        assert_connection_test_ok(r)


def test_head_answers_without_a_body(server):
    with socket.create_connection(host_port(server), timeout=10) as s:
        r = exchange(s, CONSOLE_REQUEST.replace(b"GET", b"HEAD", 1), "HEAD")
    assert_connection_test_ok(r, head=True)


@pytest.mark.parametrize("host", [
    "CTEST.cdn.Nintendo.NET", CTEST + ":80", CTEST + ".", CTEST_API,
    CTEST_API.upper() + ":443"])
def test_host_names_any_case_with_port(server, host):
    assert_connection_test_ok(http("GET", server.url("/"),
                                   headers={"Host": host}))


@pytest.mark.parametrize("host", [
    None, "127.0.0.1", BAAS_NAMES[0], BAAS_NAMES[1], "nintendo.net",
    "xctest.cdn.nintendo.net", CTEST + ".evil.example", "evil." + CTEST,
    CTEST + ":", CTEST + ":80x", CTEST + ":123456", CTEST + "..",
    "api.hac.dd1.ctest.srv.nintendo.net"])
def test_other_hosts_keep_the_404(server, host):
    headers = {"Host": host} if host is not None else {}
    r = http("GET", server.url("/"), headers=headers)
    assert_problem(r, 404, "resource_is_not_found")
    assert "X-Organization" not in r.headers


def test_other_methods_on_root(server):
    r = http("POST", server.url("/"), headers={"Host": CTEST}, body=b"x")
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"


def test_https_with_the_local_ca(server):
    """Firmware 18.0.0 and later use HTTPS for the second name: the
    generated certificate covers both names and the name-constrained CA
    lets them through."""
    if server.https_port is None or server.keys_dir is None:
        pytest.skip("HTTPS side of the server unknown")
    ctx = ssl.create_default_context(
        cafile=str(server.keys_dir / "tls" / "ca.crt"))
    for name in (CTEST_API, CTEST):
        with socket.create_connection(("127.0.0.1", server.https_port),
                                      timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as s:
                r = exchange(s, CONSOLE_REQUEST.replace(CTEST.encode(),
                                                        name.encode()))
        assert_connection_test_ok(r)


def test_setting_off_keeps_the_404(start_server):
    srv = start_server(BAAS_CONNECTION_TEST="off")
    with socket.create_connection(host_port(srv), timeout=10) as s:
        r = exchange(s, CONSOLE_REQUEST)
    assert_problem(r, 404, "resource_is_not_found")
    assert "X-Organization" not in r.headers


# ------------------------------------------------------------ hosts command

def hosts(*args, **env):
    """Runs `baas-server hosts ARGS` (no database needed)."""
    needs_own_server()
    settings = {"BAAS_HTTPS_ADDR": "192.0.2.10:443",
                "BAAS_HTTP_ADDR": "off"}
    settings.update(env)
    return subprocess.run([server_bin(), "hosts"] + list(args),
                          env=server_env(settings), capture_output=True,
                          text=True, timeout=10)


def lines(addr, ctest=True):
    names = BAAS_NAMES + ([CTEST, CTEST_API] if ctest else [])
    return ["%s %s" % (addr, n) for n in names]


ATMOSPHERE_HEAD = ("# baas-server: append to atmosphere/hosts/emummc.txt or "
                   "sysmmc.txt (later lines win)")
ETC_HEAD = "# baas-server: add to /etc/hosts or the DNS server's hosts file"


@pytest.mark.parametrize("args,env,want", [
    # ADDR from BAAS_HTTPS_ADDR; Atmosphere's format by default.
    ([], {}, [ATMOSPHERE_HEAD] + lines("192.0.2.10")),
    (["10.0.0.7"], {}, [ATMOSPHERE_HEAD] + lines("10.0.0.7")),
    (["--format", "atmosphere", "10.0.0.7"], {},
     [ATMOSPHERE_HEAD] + lines("10.0.0.7")),
    (["10.0.0.7", "--format", "hosts"], {}, [ETC_HEAD] + lines("10.0.0.7")),
    (["--format", "hosts", "2001:DB8:0:0::1"], {},
     [ETC_HEAD] + lines("2001:db8::1")),
    (["--format", "hosts"], {"BAAS_HTTPS_ADDR": "[fd00::5]:443"},
     [ETC_HEAD] + lines("fd00::5")),
    # An emulator on the server's machine: loopback in /etc/hosts.
    (["--format", "hosts", "127.0.0.1"], {}, [ETC_HEAD] + lines("127.0.0.1")),
    # HTTPS off: the plain HTTP listener's address.
    ([], {"BAAS_HTTPS_ADDR": "off", "BAAS_HTTP_ADDR": "192.0.2.11:80"},
     [ATMOSPHERE_HEAD] + lines("192.0.2.11")),
    # Connection test off: its names are not redirected.
    (["10.0.0.7"], {"BAAS_CONNECTION_TEST": "off"},
     [ATMOSPHERE_HEAD] + lines("10.0.0.7", ctest=False)),
])
def test_hosts_exact_output(args, env, want):
    r = hosts(*args, **env)
    assert r.returncode == 0 and r.stderr == "", r
    assert r.stdout == "\n".join(want) + "\n", r.stdout


@pytest.mark.parametrize("args,env,says", [
    (["nintendo.com"], {}, "ADDR must be"),
    (["192.168.1"], {}, "ADDR must be"),
    (["10.0.0.256"], {}, "ADDR must be"),
    (["0.0.0.0"], {}, "ADDR must be"),
    (["--format", "hosts", "::"], {}, "ADDR must be"),
    (["fe80::1%eth0"], {}, "ADDR must be"),
    (["1.2.3.4", "5.6.7.8"], {}, "unexpected argument 5.6.7.8"),
    (["-x"], {}, "unexpected argument -x"),
    (["--format"], {}, "--format takes"),
    (["--format", "dnsmasq", "1.2.3.4"], {}, "--format takes"),
    (["2001:db8::1"], {}, "IPv4 addresses only"),
    (["127.0.0.1"], {}, "the console itself"),
    ([], {"BAAS_HTTPS_ADDR": "0.0.0.0:443"}, "give ADDR"),
    ([], {"BAAS_HTTPS_ADDR": "[::]:443"}, "give ADDR"),
    ([], {"BAAS_HTTPS_ADDR": "localhost:443"}, "give ADDR"),
    ([], {"BAAS_HTTPS_ADDR": "off", "BAAS_HTTP_ADDR": "off"}, "give ADDR"),
    (["1.2.3.4"], {"BAAS_CONNECTION_TEST": "yes"}, "BAAS_CONNECTION_TEST"),
])
def test_hosts_refusals_one_line(args, env, says):
    r = hosts(*args, **env)
    assert r.returncode == 2, r
    assert r.stdout == "", r
    assert r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_hosts_help_and_listed():
    r = hosts("--help")
    assert r.returncode == 0
    assert r.stdout.startswith("usage: baas-server hosts [--format "
                               "atmosphere|hosts] [ADDR]"), r.stdout
    top = subprocess.run([server_bin(), "--help"], capture_output=True,
                         text=True, timeout=10)
    assert "\n  hosts " in top.stdout
    assert "BAAS_CONNECTION_TEST" in top.stdout


# ------------------------------------------------------------ certificate

def make_ca(dir_, names):
    """ca.crt/ca.key in dir_: a CA name-constrained to names and 127.0.0.1,
    as earlier versions of the server made them."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    permitted = [x509.DNSName(n) for n in names] + [
        x509.IPAddress(ipaddress.ip_network("127.0.0.1/32"))]
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key())
           .serial_number(x509.random_serial_number())
           .not_valid_before(now - datetime.timedelta(hours=1))
           .not_valid_after(now + datetime.timedelta(days=30))
           .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                          critical=True)
           .add_extension(x509.NameConstraints(permitted, None),
                          critical=False)
           .add_extension(x509.SubjectKeyIdentifier.from_public_key(
               key.public_key()), critical=False)
           .sign(key, hashes.SHA256()))
    dir_.mkdir(parents=True, exist_ok=True)
    (dir_ / "ca.crt").write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    (dir_ / "ca.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def issued_names(dir_):
    from cryptography import x509
    crt = x509.load_pem_x509_certificate((dir_ / "server.crt").read_bytes())
    san = crt.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName))


@pytest.mark.parametrize("ca_names,has_ctest", [
    (BAAS_NAMES + ["localhost"], False),                   # an older CA
    (BAAS_NAMES + ["localhost", CTEST, CTEST_API], True),
])
def test_issue_tls_cert_with_an_older_ca(tmp_path, ca_names, has_ctest):
    """A CA made before the connection-test names refuses them: the
    certificate it issues leaves them out and still verifies for the BaaS
    names (one refused name would fail them all)."""
    needs_own_server()
    make_ca(tmp_path, ca_names)
    r = subprocess.run([server_bin(), "issue-tls-cert", str(tmp_path)],
                       env=server_env({}), capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    want = set(BAAS_NAMES + ["localhost"])
    if has_ctest:
        want |= {CTEST, CTEST_API}
    assert issued_names(tmp_path) == want
    for name in BAAS_NAMES + ([CTEST_API] if has_ctest else []):
        v = subprocess.run(["openssl", "verify", "-CAfile",
                            str(tmp_path / "ca.crt"), "-verify_hostname",
                            name, str(tmp_path / "server.crt")],
                           capture_output=True, text=True)
        assert v.returncode == 0, v.stdout + v.stderr
