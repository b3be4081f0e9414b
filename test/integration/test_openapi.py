"""docs/openapi.yaml against the server: the same routes as the route
tables (`baas-server routes`), every operation listing the errors every
route can give, and the reply checker of conftest.http() able to fail."""

import re
import subprocess

import pytest

import openapi_check
from conftest import ROOT, Resp, http, server_bin

METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}


def server_routes(internal=False):
    """{(METHOD, "/1.0.0/users/<id>")} from the hidden command (of the
    internal API's table with internal)."""
    out = subprocess.run([server_bin(), "routes"] +
                         (["--internal"] if internal else []),
                         capture_output=True,
                         text=True, timeout=10, check=True).stdout
    routes = set()
    for line in out.splitlines():
        method, pattern = line.split(" ")
        assert method in METHODS and pattern.startswith("/"), line
        routes.add((method, pattern))
    return routes


def document_routes(doc=openapi_check.DOC_PATH):
    """The same set from the document, "{name}" written "<id>"."""
    routes = set()
    for template, item in openapi_check.document(doc)["paths"].items():
        for method in item:
            if method.upper() in METHODS:
                routes.add((method.upper(),
                            re.sub(r"\{[^}/]+\}", "<id>", template)))
    return routes


def operations(doc=openapi_check.DOC_PATH):
    for template, item in openapi_check.document(doc)["paths"].items():
        for method, op in item.items():
            if method.upper() in METHODS:
                yield "%s %s" % (method.upper(), template), op


def test_routes_command_prints_the_tables():
    routes = server_routes()
    # A few rows of different tables, as the tables spell them.
    assert ("GET", "/1.0.0/certificates") in routes
    assert ("PATCH", "/1.0.0/users/<id>/device_accounts/<id>") in routes
    assert ("DELETE", "/1.0.0/users/<id>/blocks/<id>") in routes
    assert len(routes) >= 30


def test_document_has_every_route_and_no_other():
    server, doc = server_routes(), document_routes()
    assert not server - doc, "routes missing from docs/openapi.yaml: %s" % (
        sorted(server - doc))
    assert not doc - server, "docs/openapi.yaml routes the server lacks: %s" % (
        sorted(doc - server))


def test_internal_document_has_every_internal_route_and_no_other():
    server = server_routes(internal=True)
    doc = document_routes(openapi_check.INTERNAL_DOC_PATH)
    assert ("POST", "/internal/1.0.0/tokens/introspect") in server
    assert server == doc, "routes --internal %s, openapi-internal.yaml %s" % (
        sorted(server - doc), sorted(doc - server))
    # Neither table holds the other's routes.
    assert not server & server_routes()


def test_internal_operations_list_their_errors_as_problem_json():
    doc = openapi_check.INTERNAL_DOC_PATH
    for where, op in operations(doc):
        codes = set(op["responses"])
        assert {"400", "401", "413", "500", "503"} <= codes, where
        if op.get("requestBody"):
            assert "415" in codes, where
        assert op.get("operationId"), where
        for status, resp in op["responses"].items():
            resp = openapi_check._resolve(resp, doc)
            if int(status) >= 400:
                assert list(resp["content"]) == ["application/problem+json"], (
                    where, status)


def test_every_operation_lists_the_errors_any_route_can_give():
    for where, op in operations():
        codes = set(op["responses"])
        # Malformed HTTP or query, a body over the limit, the server's side.
        assert {"400", "413", "500", "503"} <= codes, where
        if op.get("requestBody"):
            assert "415" in codes, where
        if op.get("security", [{}]) != []:
            assert {"400", "401", "403"} <= codes, where
        assert op.get("operationId"), where


def test_every_error_reply_is_problem_json():
    for where, op in operations():
        for status, resp in op["responses"].items():
            resp = openapi_check._resolve(resp)
            if int(status) >= 400:
                assert list(resp["content"]) == ["application/problem+json"], (
                    where, status)


def test_checker_fails_on_a_reply_the_document_does_not_give(server):
    good = http("GET", server.url("/1.0.0/certificates"))
    assert good.status == 200
    bad = Resp(200, good.headers, b'{"keys":[{"kty":"EC"}]}', good.path)
    with pytest.raises(AssertionError, match="does not match"):
        openapi_check.check("GET", good.path, bad)
    # A status the operation does not list.
    teapot = Resp(418, good.headers, good.raw, good.path)
    with pytest.raises(AssertionError, match="no 418 reply"):
        openapi_check.check("GET", good.path, teapot)
    # An error code the route cannot give.
    problem = http("GET", server.url("/1.0.0/users"))
    assert problem.status == 400
    wrong = Resp(400, problem.headers, problem.raw.replace(
        b'"invalid_request"', b'"invalid_idp"'), problem.path)
    with pytest.raises(AssertionError, match="errorCode"):
        openapi_check.check("GET", problem.path, wrong)


def test_unknown_paths_and_methods_are_checked_too(server):
    r = http("GET", server.url("/1.0.0/no_such_route"))
    assert r.status == 404
    r = http("PUT", server.url("/1.0.0/certificates"))
    assert r.status == 405
    wrong = Resp(405, r.headers, r.raw.replace(b'"method_not_allowed"',
                                               b'"resource_is_not_found"'),
                 r.path)
    with pytest.raises(AssertionError):
        openapi_check.check("PUT", r.path, wrong)


def test_make_docs_renders_one_html_page():
    r = subprocess.run(["make", "--no-print-directory", "docs"],
                       cwd=str(ROOT), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    page = (ROOT / "build" / "docs" / "api.html").read_text()
    assert "<html" in page and "baas-server API" in page
    assert "/2.0.0/friend_requests" in page
    page = (ROOT / "build" / "docs" / "internal-api.html").read_text()
    assert "/internal/1.0.0/tokens/introspect" in page
