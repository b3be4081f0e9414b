"""Account module, profile images (API.md section 4): POST
/1.0.0/image_upload (JPEG checked by its markers, size from the frame
header, stored in Postgres) and the thumbnail routes /1/<id> and /2/<id>
with ETag, Last-Modified and 304s."""

import base64
import email.utils
import json
import time

import pytest

from account_helpers import account_server, acct, bearer
from conftest import assert_problem, http

_ = (account_server, acct)   # fixtures

IMAGE_BASE = "https://cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"

# A real 1x1 progressive JPEG (134 bytes).
TINY = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////"
    "////////////////////////////////////////////////////wgALCAABAAEBAREA"
    "/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
# The same with a baseline frame header of 256x128.
BASELINE = TINY.replace(b"\xff\xc2\x00\x0b\x08\x00\x01\x00\x01",
                        b"\xff\xc0\x00\x0b\x08\x00\x80\x01\x00")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00"
       b"\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")


def upload(acct, tok, owner, data=None, raw=None, ctype="application/json"):
    if raw is None:
        raw = base64.b64encode(data).decode()
    body = json.dumps({"rawContent": raw, "ownerId": owner,
                       "allowTransform": False})
    return http("POST", acct.url("/1.0.0/image_upload"),
                dict(bearer(tok), **{"Content-Type": ctype}), body)


def test_upload_and_serve(acct):
    uid, tok, _, _ = acct.new_user()
    r = upload(acct, tok, uid, BASELINE)
    assert r.status == 200, r
    b = r.body
    assert b["ownerId"] == uid and b["owner"] == {"id": uid}
    assert b["state"] == "STORED"
    c = b["content"]
    assert c["id"] == b["id"] and c["format"] == "jpg"
    assert (c["width"], c["height"]) == (256, 128)
    assert c["url"] == IMAGE_BASE + "/1/" + uid
    assert c["urlExpiresAt"] == 2147483647
    assert isinstance(b["createdAt"], int) and isinstance(b["updatedAt"],
                                                          int)
    u = http("GET", acct.url("/1.0.0/users/" + uid), bearer(tok)).body
    assert u["thumbnailUrl"] == IMAGE_BASE + "/1/" + uid
    assert u["thumbnail2Url"] == IMAGE_BASE + "/2/" + uid
    assert u["thumbnailUploadedAt"] == b["createdAt"]
    for n in ("1", "2"):
        r = http("GET", acct.url("/%s/%s" % (n, uid)))
        assert r.status == 200, r
        assert r.headers.get("Content-Type") == "image/jpeg"
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.raw == BASELINE
        assert r.headers.get("ETag") == '"%s"' % b["id"]
        lm = email.utils.parsedate_to_datetime(r.headers["Last-Modified"])
        assert int(lm.timestamp()) == b["createdAt"]


def test_conditional_gets(acct):
    uid, tok, _, _ = acct.new_user()
    assert upload(acct, tok, uid, TINY).status == 200
    r = http("GET", acct.url("/1/" + uid))
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    for h in ({"If-None-Match": etag}, {"If-None-Match": '"x", ' + etag},
              {"If-None-Match": "*"}, {"If-None-Match": "W/" + etag},
              {"If-Modified-Since": lm}):
        r = http("GET", acct.url("/1/" + uid), h)
        assert r.status == 304, (h, r)
        assert r.raw == b""
        assert r.headers.get("ETag") == etag
    old = email.utils.formatdate(0, usegmt=True)
    for h in ({"If-None-Match": '"other"'}, {"If-Modified-Since": old},
              {"If-Modified-Since": "yesterday"},
              # If-None-Match wins over If-Modified-Since.
              {"If-None-Match": '"other"', "If-Modified-Since": lm}):
        r = http("GET", acct.url("/2/" + uid), h)
        assert r.status == 200 and r.raw == TINY, (h, r)
    r = http("HEAD", acct.url("/1/" + uid))
    assert r.status == 200 and r.raw == b""
    assert r.headers.get("ETag") == etag
    # A new upload replaces the image and its ETag.
    time.sleep(1.1)
    assert upload(acct, tok, uid, BASELINE).status == 200
    r = http("GET", acct.url("/1/" + uid), {"If-None-Match": etag})
    assert r.status == 200 and r.raw == BASELINE
    assert r.headers["ETag"] != etag
    r = http("GET", acct.url("/1/" + uid), {"If-Modified-Since": lm})
    assert r.status == 200


def test_patch_thumbnail_url_after_upload(acct):
    uid, tok, _, _ = acct.new_user()
    url = upload(acct, tok, uid, TINY).body["content"]["url"]
    r = http("PATCH", acct.url("/1.0.0/users/" + uid),
             dict(bearer(tok), **{"Content-Type":
                                  "application/json-patch+json"}),
             json.dumps([{"op": "replace", "path": "/thumbnailUrl",
                          "value": url + "?v=2"}]))
    assert r.status == 200 and r.body["thumbnailUrl"] == url + "?v=2"


def test_thumbnails_not_found(acct):
    uid, tok, _, _ = acct.new_user()
    assert_problem(http("GET", acct.url("/1/" + uid)), 404,
                   "resource_is_not_found")
    assert_problem(http("GET", acct.url("/2/0000000000000001")), 404,
                   "resource_is_not_found")
    assert_problem(http("GET", acct.url("/1/not-hex")), 400,
                   "invalid_params")


@pytest.mark.parametrize("case", ["png", "text", "not base64", "empty",
                                  "number", "truncated jpeg",
                                  "lossless jpeg", "over 1 MiB"])
def test_upload_refused(acct, case):
    uid, tok, _, _ = acct.new_user()
    raw = None
    data = None
    if case == "png":
        data = PNG
    elif case == "text":
        data = b"hello, world"
    elif case == "not base64":
        raw = "this is *not* base64!"
    elif case == "empty":
        raw = ""
    elif case == "number":
        raw = 12
    elif case == "truncated jpeg":
        data = TINY[:30]
    elif case == "lossless jpeg":
        data = TINY.replace(b"\xff\xc2", b"\xff\xc3")
    else:
        data = TINY + b"\0" * (1024 * 1024)
    r = upload(acct, tok, uid, data, raw=raw)
    assert_problem(r, 400, "invalid_raw_content")
    u = http("GET", acct.url("/1.0.0/users/" + uid), bearer(tok)).body
    assert u["thumbnailUrl"] == ""


def test_upload_params(acct):
    uid, tok, _, _ = acct.new_user()
    other, _, _, _ = acct.new_user()
    assert_problem(upload(acct, tok, other, TINY), 403, "insufficient_scope")
    assert_problem(upload(acct, tok, "xyz", TINY), 400, "invalid_params")
    r = http("POST", acct.url("/1.0.0/image_upload"),
             dict(bearer(tok), **{"Content-Type": "application/json"}),
             json.dumps({"ownerId": uid}))
    assert_problem(r, 400, "invalid_params")
    r = http("POST", acct.url("/1.0.0/image_upload"),
             dict(bearer(tok), **{"Content-Type": "application/json"}),
             json.dumps({"rawContent": "", "ownerId": uid,
                         "allowTransform": "no"}))
    assert_problem(r, 400, "invalid_params")
    assert_problem(upload(acct, tok, uid, TINY, ctype="image/jpeg"), 415,
                   "unsupported_media_type")


def test_upload_body_over_limit(acct):
    uid, tok, _, _ = acct.new_user()
    # 1.6 MiB of JPEG is 2.1 MiB of base64: over the route's 2 MiB.
    r = upload(acct, tok, uid, TINY + b"\0" * (1600 * 1024))
    assert_problem(r, 413, "request_entity_too_large")
    assert http("GET", acct.url("/health")).status == 200
