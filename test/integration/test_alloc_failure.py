"""Allocation failure in one request costs that request only (issue 9,
item 1): a 503 with Retry-After, while the process and every other request
go on. The failure is real: a preloaded injector (test/support/alloc_fail.c)
makes every allocation over 2 MiB fail (start-up tables stay below), so
pulling an upload of exactly the 2 MiB limit into one piece (libevent rounds
that chunk up to 4 MiB) fails, as it would when memory runs out. Under
AddressSanitizer, whose runtime must come first, its own
max_allocation_size_mb does the same.
"""

import concurrent.futures
import os
import subprocess
from pathlib import Path

from conftest import assert_problem, http, needs_own_server, server_bin

LIMIT = 2 << 20            # the upload route's body limit


def is_asan(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    return "libasan" in out.stdout


def alloc_fail_env():
    b = server_bin()
    if is_asan(b):
        opts = os.environ.get("ASAN_OPTIONS", "")
        return {"ASAN_OPTIONS": (opts + ":" if opts else "") +
                "allocator_may_return_null=1:max_allocation_size_mb=2"}
    so = Path(b).parent / "test" / "alloc_fail.so"
    assert so.exists(), "build it: make %s" % so
    return {"LD_PRELOAD": str(so), "ALLOC_FAIL_MIN": str(LIMIT + 1)}


def test_allocation_failure_costs_one_request(start_server):
    needs_own_server()
    s = start_server(**alloc_fail_env())
    big = b'{"image":"' + b"A" * (LIMIT - 13) + b'"}'

    def upload(_):
        return http("POST", s.url("/1.0.0/image_upload"),
                    {"Content-Type": "application/json"}, big, timeout=30)

    def health(_):
        return http("GET", s.url("/health")).status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        uploads = ex.map(upload, range(4))
        healths = list(ex.map(health, range(200)))
        uploads = list(uploads)
    for r in uploads:
        assert r.status == 503, r
        assert r.headers.get("Retry-After") == "1", r.headers
    assert healths == [200] * 200
    # The same process serves on, a small upload included (refused for its
    # missing token, as any).
    r = http("POST", s.url("/1.0.0/image_upload"),
             {"Content-Type": "application/json"}, b'{"image":"AA"}')
    assert_problem(r, 400, "invalid_request")
    assert s.proc.poll() is None
    s.wait_log("out of memory: 503 for this request")
