"""The container setup as docker-compose resolves it (`docker-compose
config`, no daemon needed): HTTPS only unless the HTTP override file is
added, and an image that runs as a non-root user. Skipped where
docker-compose is not installed."""

import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

yaml = pytest.importorskip("yaml")
COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(COMPOSE is None,
                                reason="docker-compose is not installed")


def resolved(*files, service="server", profile=None):
    args = [COMPOSE]
    for f in files:
        args += ["-f", str(ROOT / f)]
    if profile:
        args += ["--profile", profile]
    r = subprocess.run(args + ["config"], capture_output=True, text=True,
                       cwd=str(ROOT), timeout=60)
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)["services"][service]


def published(server):
    return {(int(p["published"]), int(p["target"]))
            for p in server.get("ports", [])}


def test_compose_publishes_https_only():
    s = resolved("docker-compose.yml")
    assert published(s) == {(443, 8443)}
    assert s["environment"]["BAAS_HTTP_ADDR"] == "off"
    assert s.get("read_only") is True
    assert s.get("cap_drop") == ["ALL"]


def test_compose_http_override_adds_port_80():
    s = resolved("docker-compose.yml", "docker-compose.http.yml")
    assert published(s) == {(443, 8443), (80, 8080)}
    assert s["environment"]["BAAS_HTTP_ADDR"] == "0.0.0.0:8080"


def test_image_runs_as_non_root_user():
    lines = [l.split() for l in (ROOT / "Dockerfile").read_text().splitlines()
             if l.strip() and not l.lstrip().startswith("#")]
    users = [l[1] for l in lines if l[0] == "USER"]
    assert users, "the Dockerfile never sets USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert lines[-1][0] == "CMD"


def test_compose_monitoring_profile_scrapes_the_server():
    s = resolved("docker-compose.yml")
    # The metrics listener reaches the compose network, never the host.
    assert s["environment"]["BAAS_METRICS_ADDR"] == "0.0.0.0:9464"
    assert all(target != 9464 for _, target in published(s))
    p = resolved("docker-compose.yml", service="prometheus",
                 profile="monitoring")
    assert p["profiles"] == ["monitoring"]    # not started without it
    assert p["image"].startswith("prom/prometheus:")
    # docker-compose 1.29 writes these in the short syntax.
    assert [q.split("/")[0] for q in p["ports"]] == ["127.0.0.1:9090:9090"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in p["volumes"]}
    cfg = mounts["/etc/prometheus/prometheus.yml"]
    assert cfg == str(ROOT / "deploy" / "prometheus.yml")
    targets = [t for job in yaml.safe_load(open(cfg))["scrape_configs"]
               for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == ["server:9464"]
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: prometheus)")
    r = subprocess.run([promtool, "check", "config", cfg],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compose_scale_profile_two_instances_behind_haproxy(tmp_path):
    """Profile `scale`: HAProxy (TLS ends there, on 443) in front of two
    instances sharing the keys volume and the database."""
    h = resolved("docker-compose.yml", service="haproxy", profile="scale")
    assert h["profiles"] == ["scale"]
    assert h["image"].startswith("haproxy:")
    assert published(h) == {(443, 8443)}
    mounts = {v.split(":")[1]: v.split(":")[0] for v in h["volumes"]}
    cfg = mounts["/usr/local/etc/haproxy/haproxy.cfg"]
    assert cfg == str(ROOT / "deploy" / "haproxy.cfg")
    assert mounts["/keys"] == "keys"
    # With no instance up, HAProxy's own 503 is the contract's problem
    # (test/fault/proxy_limit.sh asks a real HAProxy for it).
    err = mounts["/usr/local/etc/haproxy/errors/503.json"]
    assert err == str(ROOT / "deploy" / "haproxy-503.json")
    template = open(err).read()
    problem = json.loads(template.replace("%[path,json(utf8ps)]", "/x"))
    assert problem["errorCode"] == "under_maintenance"
    assert problem["type"].endswith("/503/under_maintenance")
    assert problem["status"] == 503
    assert problem["instance"] == "/x"
    single = resolved("docker-compose.yml")
    names = sorted(h["depends_on"])
    assert names == ["scale-a", "scale-b"]
    for n in names:
        s = resolved("docker-compose.yml", service=n, profile="scale")
        assert s["profiles"] == ["scale"]
        assert "keys:/app/keys:rw" in s["volumes"]
        env = s["environment"]
        assert env["BAAS_DATABASE_URL"] == \
            single["environment"]["BAAS_DATABASE_URL"]
        # HAProxy loads the key beside the certificate (<crt>.key).
        assert env["BAAS_TLS_KEY"] == "keys/tls/server.crt.key"
        assert env["BAAS_HTTP_ADDR"] == "0.0.0.0:8080"
        assert not s.get("ports"), "instances are reached through HAProxy"
        # The rate limit stays on, each console named by HAProxy.
        assert "BAAS_RATE_LIMITS" not in env
        assert "172.16.0.0/12" in env["BAAS_TRUSTED_PROXIES"]

    text = open(cfg).read()
    servers = [l.split()[1:3] for l in text.splitlines()
               if l.strip().startswith("server ")]
    assert servers == [[n, n + ":8080"] for n in names]
    assert "option httpchk GET /health" in text
    assert "option forwardfor" in text
    assert ("http-error status 503 content-type application/problem+json "
            "hdr Retry-After 1") in text
    assert "inter 200ms" in text
    assert "crt /keys/tls/server.crt alpn http/1.1" in text
    # The front keeps the instances' TLS 1.2 cipher list (server/tls.c).
    c = (ROOT / "server" / "tls.c").read_text()
    macro = c[c.index("#define TLS12_CIPHERS"):].split("\n\n")[0]
    ciphers = "".join(re.findall(r'"([^"]*)"', macro))
    assert "ssl-default-bind-ciphers %s\n" % ciphers in text
    assert "ssl-default-bind-options ssl-min-ver TLSv1.2" in text

    # Debian's haproxy accepts the file, given a certificate where the
    # volume would hold it.
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("haproxy is not installed (scripts/deps.sh)")
    from conftest import server_bin
    r = subprocess.run([server_bin(), "issue-tls-cert", str(tmp_path / "tls")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    (tmp_path / "tls" / "server.key").rename(
        tmp_path / "tls" / "server.crt.key")
    local = tmp_path / "haproxy.cfg"
    local.write_text(text.replace("/keys/", str(tmp_path) + "/").replace(
        "/usr/local/etc/haproxy/errors/503.json", err))
    r = subprocess.run([haproxy, "-c", "-f", str(local)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
