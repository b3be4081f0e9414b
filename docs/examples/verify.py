#!/usr/bin/env python3
"""Verifies a baas-server ID token with PyJWT (python3-jwt).

usage: verify.py BASE_URL ID_TOKEN

BASE_URL is where the game server reaches the BaaS server (the key set is
fetched from BASE_URL/1.0.0/certificates, never from the token's own `jku`).
BAAS_ISSUER and BAAS_CLIENT_ID override the expected issuer and audience.
Prints the token's claims as JSON and exits 0, or prints why not and exits 1.
"""
import json
import os
import sys

import jwt

ISSUER = os.environ.get(
    "BAAS_ISSUER", "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com")
AUDIENCE = os.environ.get("BAAS_CLIENT_ID", "ed9e2f05d286f7b8")


def verify(base_url, token):
    # PyJWKClient fetches the key set and keeps it (the server sends
    # Cache-Control: max-age=3600); one client per process is enough.
    jwks = jwt.PyJWKClient(base_url + "/1.0.0/certificates")
    key = jwks.get_signing_key_from_jwt(token)     # by the header's kid
    claims = jwt.decode(token, key.key, algorithms=["RS256"],
                        issuer=ISSUER, audience=AUDIENCE, leeway=60,
                        options={"require": ["iss", "aud", "sub", "exp",
                                             "iat"]})
    if claims.get("typ") != "id_token":
        raise jwt.InvalidTokenError("not an ID token")
    return claims


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    try:
        claims = verify(sys.argv[1].rstrip("/"), sys.argv[2])
    except jwt.PyJWTError as e:
        print("rejected: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(claims, sort_keys=True))   # sub: the user id
    return 0


if __name__ == "__main__":
    sys.exit(main())
