"""Checks replies against docs/openapi.yaml, so the document cannot drift.

conftest.http() hands every reply to check(): the request's method and path
pick the document's operation (a path no route has must be the document's
NotFound reply, a path with other methods its MethodNotAllowed), the status
picks the response, and a JSON body is validated with jsonschema (draft
2020-12, the dialect of OpenAPI 3.1 schemas) against that response's schema
for the reply's media type. A status or media type the document does not
give for the operation fails too. The document is read and each validator
built once per session.

OPENAPI_COVERAGE=FILE writes, at exit, the operation/status pairs the
session's replies exercised, one a line.
"""

import atexit
import os
import re
from pathlib import Path

import jsonschema
import yaml

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
# The game servers' API on its own listener (BAAS_INTERNAL_ADDR).
INTERNAL_DOC_PATH = DOC_PATH.with_name("openapi-internal.yaml")
METHODS = ("get", "put", "post", "delete", "patch")
JSON_TYPES = ("application/json", "application/problem+json")

_docs = {}              # document path -> the document
_routes = {}            # document path -> [(regex, template, path item)]
_validators = {}        # (doc, template, method, status, media) -> validator
_seen = set()           # "METHOD /template status", for OPENAPI_COVERAGE


def _write_coverage():
    with open(os.environ["OPENAPI_COVERAGE"], "a") as f:
        f.writelines("%s\n" % k for k in sorted(_seen))


if os.environ.get("OPENAPI_COVERAGE"):
    atexit.register(_write_coverage)


def document(doc=DOC_PATH):
    if doc not in _docs:
        with open(doc) as f:
            _docs[doc] = yaml.safe_load(f)
    return _docs[doc]


def template_regex(template):
    """The regex of a path template: "{name}" is one non-empty segment."""
    parts = re.split(r"\{[^}/]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def routes(doc=DOC_PATH):
    if doc not in _routes:
        _routes[doc] = [(template_regex(t), t, item)
                        for t, item in document(doc)["paths"].items()]
    return _routes[doc]


def _resolve(obj, doc=DOC_PATH):
    """Follows a local $ref ("#/components/responses/X") to its object."""
    while isinstance(obj, dict) and "$ref" in obj and len(obj) == 1:
        node = document(doc)
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def _validator(key, schema, doc=DOC_PATH):
    v = _validators.get((doc,) + key)
    if v is None:
        resolver = jsonschema.RefResolver("", document(doc))
        v = jsonschema.Draft202012Validator(schema, resolver=resolver)
        _validators[(doc,) + key] = v
    return v


def find_response(method, path, status, doc=DOC_PATH):
    """(where, response object or None) for a reply to method path."""
    method = "get" if method.upper() == "HEAD" else method.lower()
    matched = [(t, item) for rx, t, item in routes(doc) if rx.match(path)]
    responses = document(doc)["components"]["responses"]
    if not matched:
        return ("no route: " + path, responses["NotFound"]
                if status == 404 else None)
    for t, item in matched:
        if method in item:
            where = "%s %s" % (method.upper(), t)
            resp = item[method]["responses"].get(str(status))
            return where, _resolve(resp, doc)
    where = "%s on %s (no such method)" % (method.upper(), matched[0][0])
    return where, responses["MethodNotAllowed"] if status == 405 else None


def check(method, path, resp, doc=DOC_PATH):
    """Fails (AssertionError) when resp is not what the document (doc, by
    default docs/openapi.yaml) gives."""
    ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip()
    if ctype == "text/html":
        return      # libevent's own pages (what it answers before us)
    where, doc_resp = find_response(method, path, resp.status, doc)
    assert doc_resp is not None, (
        "%s gives no %d reply for %s" % (doc.name, resp.status, where))
    _seen.add("%s %d" % (where, resp.status))
    content = doc_resp.get("content") or {}
    if not resp.raw or method.upper() == "HEAD":
        assert ctype in content or not content or not resp.raw, (
            "openapi.yaml: %s %d has no %s" % (where, resp.status, ctype))
        return
    assert ctype in content, (
        "openapi.yaml: %s %d is documented as %s, the reply is %s" % (
            where, resp.status, sorted(content), ctype))
    if ctype not in JSON_TYPES:
        return
    assert resp.json_error is None, "%s: reply is not JSON: %r" % (where, resp)
    schema = content[ctype]["schema"]
    v = _validator((where, resp.status, ctype), schema, doc)
    errors = sorted(v.iter_errors(resp.body), key=lambda e: list(e.path))
    if not errors and ctype == "application/problem+json":
        # What a schema cannot say: the members agree with the reply.
        b = resp.body
        assert b["status"] == resp.status and b["type"].endswith(
            "/%d/%s" % (resp.status, b["errorCode"])), (
            "%s: problem members disagree with the reply: %r" % (where, b))
    if errors:
        e = errors[0]
        raise AssertionError(
            "openapi.yaml: %s %d reply does not match the document at %s: "
            "%s\n  reply: %r" % (where, resp.status,
                                 "/".join(str(p) for p in e.absolute_path)
                                 or "(root)", e.message, resp.raw[:600]))
