"""The container setup as docker-compose resolves it (`docker-compose
config`, no daemon needed): HTTPS only unless the HTTP override file is
added, and an image that runs as a non-root user. Skipped where
docker-compose is not installed."""

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
