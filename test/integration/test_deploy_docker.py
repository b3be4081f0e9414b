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


def resolved(*files):
    args = [COMPOSE]
    for f in files:
        args += ["-f", str(ROOT / f)]
    r = subprocess.run(args + ["config"], capture_output=True, text=True,
                       cwd=str(ROOT), timeout=60)
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)["services"]["server"]


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
