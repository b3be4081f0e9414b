// Verifies a baas-server ID token with jose (npm install jose).
//
// usage: node verify.mjs JWKS TOKEN [ISSUER AUDIENCE [TITLE [USERNAME]]]
//
// JWKS is the key set: a saved file (as golden-tokens writes jwks.json), or
// the URL a game server fetches it from (a bare BASE_URL gets
// /1.0.0/certificates added). Never take it from the token's own `jku`.
// ISSUER and AUDIENCE default to BAAS_ISSUER and BAAS_CLIENT_ID from the
// environment, then to the server's defaults. TITLE (nintendo.ai) and
// USERNAME (the NEX login name: the user id in decimal) are checked unless
// absent or "-". Prints the claims as JSON and exits 0, or prints
// "rejected: <why>" and exits 1 (docs/game-servers.md).
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';

const LEEWAY = 60; // seconds of clock skew allowed
const args = process.argv.slice(2);
if (![2, 4, 5, 6].includes(args.length)) {
  console.error('usage: node verify.mjs JWKS TOKEN ' +
    '[ISSUER AUDIENCE [TITLE [USERNAME]]]');
  process.exit(2);
}
const [jwksArg, token] = args;
const issuer = args[2] ?? process.env.BAAS_ISSUER ??
  'https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com';
const audience = args[3] ?? process.env.BAAS_CLIENT_ID ?? 'ed9e2f05d286f7b8';
const opt = (a) => (a === undefined || a === '' || a === '-' ? null : a);
const title = opt(args[4]);
const username = opt(args[5]);

function keySet(arg) {
  if (/^https?:\/\//.test(arg)) {
    const url = new URL(arg);
    if (url.pathname === '/') url.pathname = '/1.0.0/certificates';
    // One key set per process: jose fetches it once, caches it and fetches
    // again when a token names a kid it does not know (a rotated key).
    return createRemoteJWKSet(url);
  }
  return createLocalJWKSet(JSON.parse(readFileSync(arg, 'utf8')));
}

function reject(why) {
  throw new Error(why);
}

try {
  // algorithms: RS256 only, so "none" and HS256 keyed with the public key
  // are refused whatever the header says.
  const { payload } = await jwtVerify(token, keySet(jwksArg), {
    algorithms: ['RS256'],
    issuer,
    audience,
    requiredClaims: ['sub', 'exp', 'iat'],
    clockTolerance: LEEWAY,
  });
  // jose checks iat only against a maxTokenAge; our tokens carry no nbf,
  // so a token issued in the future is caught here.
  if (!Number.isInteger(payload.iat) ||
      payload.iat - LEEWAY > Date.now() / 1000) {
    reject('not yet valid: iat in the future');
  }
  if (payload.typ !== 'id_token') reject('not an ID token (typ)');
  if (typeof payload.sub !== 'string' || !/^[0-9a-fA-F]{16}$/.test(payload.sub)) {
    reject('sub is not a user id of 16 hex digits');
  }
  if (title !== null &&
      String(payload.nintendo?.ai ?? '').toLowerCase() !== title.toLowerCase()) {
    reject('token for another title (nintendo.ai)');
  }
  // The console logs in to a NEX server with the user id in decimal.
  if (username !== null &&
      !(/^[0-9]+$/.test(username) &&
        BigInt(username) === BigInt('0x' + payload.sub))) {
    reject('sub is not the user of this username');
  }
  console.log(JSON.stringify(payload)); // payload.sub: the user id
} catch (e) {
  console.error(`rejected: ${e.code ? e.code + ' ' : ''}${e.message}`);
  process.exit(1);
}
