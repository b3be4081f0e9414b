#!/usr/bin/env python3
"""Verifies a baas-server ID token with PyJWT (python3-jwt).

usage: verify.py JWKS TOKEN [ISSUER AUDIENCE [TITLE [USERNAME]]]

JWKS is the key set: a saved file (as golden-tokens writes jwks.json), or
the URL a game server fetches it from (a bare BASE_URL gets
/1.0.0/certificates added). Never take it from the token's own `jku`.
ISSUER and AUDIENCE default to BAAS_ISSUER and BAAS_CLIENT_ID from the
environment, then to the server's defaults. TITLE (nintendo.ai) and
USERNAME (the NEX login name: the user id in decimal) are checked unless
absent or "-". Prints the claims as JSON and exits 0, or prints
"rejected: <why>" and exits 1 (docs/game-servers.md).
"""
import json
import os
import sys
from urllib.parse import urlsplit

import jwt

ISSUER = os.environ.get(
    "BAAS_ISSUER", "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com")
AUDIENCE = os.environ.get("BAAS_CLIENT_ID", "ed9e2f05d286f7b8")
LEEWAY = 60     # seconds of clock skew allowed


def signing_key(jwks, token):
    """The key of the set that the token's header names by kid."""
    if jwks.startswith(("http://", "https://")):
        if urlsplit(jwks).path in ("", "/"):
            jwks = jwks.rstrip("/") + "/1.0.0/certificates"
        # PyJWKClient fetches the set, keeps it, and fetches it again once
        # when a token names a kid it lacks (a rotated key). One client
        # per process is enough.
        return jwt.PyJWKClient(jwks).get_signing_key_from_jwt(token).key
    kid = jwt.get_unverified_header(token).get("kid")
    with open(jwks) as f:
        for key in jwt.PyJWKSet.from_json(f.read()).keys:
            if key.key_id == kid:
                return key.key
    raise jwt.InvalidTokenError("no key of the set has this kid")


def verify(jwks, token, issuer=ISSUER, audience=AUDIENCE, title=None,
           username=None):
    # algorithms=["RS256"]: "none" and HS256 (keyed with the public key)
    # are refused whatever the header says. PyJWT refuses an iat in the
    # future too.
    claims = jwt.decode(token, signing_key(jwks, token), algorithms=["RS256"],
                        issuer=issuer, audience=audience, leeway=LEEWAY,
                        options={"require": ["iss", "aud", "sub", "exp",
                                             "iat"]})
    if claims.get("typ") != "id_token":
        raise jwt.InvalidTokenError("not an ID token (typ)")
    sub = claims["sub"]
    if not (isinstance(sub, str) and len(sub) == 16 and
            all(c in "0123456789abcdefABCDEF" for c in sub)):
        raise jwt.InvalidTokenError("sub is not a user id of 16 hex digits")
    nintendo = claims.get("nintendo")
    if title is not None and not (
            isinstance(nintendo, dict) and
            str(nintendo.get("ai", "")).lower() == title.lower()):
        raise jwt.InvalidTokenError("token for another title (nintendo.ai)")
    # The console logs in to a NEX server with the user id in decimal.
    if username is not None and not (
            username.isdigit() and int(username) == int(sub, 16)):
        raise jwt.InvalidTokenError("sub is not the user of this username")
    return claims


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 4, 5, 6):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    opt = [a if a not in ("", "-") else None for a in args[4:]]
    try:
        claims = verify(args[0], args[1], *(args[2:4] or (ISSUER, AUDIENCE)),
                        *opt)
    except (jwt.PyJWTError, ValueError, OSError) as e:
        print("rejected: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(claims, sort_keys=True))   # sub: the user id
    return 0


if __name__ == "__main__":
    sys.exit(main())
