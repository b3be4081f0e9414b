// Verifies a baas-server ID token with jose (npm install jose).
//
// usage: node verify.mjs BASE_URL ID_TOKEN
//
// BASE_URL is where the game server reaches the BaaS server (the key set is
// fetched from BASE_URL/1.0.0/certificates, never from the token's own
// `jku`). BAAS_ISSUER and BAAS_CLIENT_ID override the expected issuer and
// audience. Prints the token's claims as JSON and exits 0, or prints why not
// and exits 1.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const ISSUER = process.env.BAAS_ISSUER ??
  'https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com';
const AUDIENCE = process.env.BAAS_CLIENT_ID ?? 'ed9e2f05d286f7b8';

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error('usage: node verify.mjs BASE_URL ID_TOKEN');
  process.exit(2);
}

// One key set per process: jose fetches it once, caches it and fetches
// again when a token names a kid it does not know (a rotated key).
const jwks = createRemoteJWKSet(
  new URL('/1.0.0/certificates', baseUrl));

try {
  const { payload } = await jwtVerify(token, jwks, {
    algorithms: ['RS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    requiredClaims: ['sub', 'exp', 'iat'],
    clockTolerance: 60,
  });
  if (payload.typ !== 'id_token') throw new Error('not an ID token');
  console.log(JSON.stringify(payload)); // payload.sub: the user id
} catch (e) {
  console.error(`rejected: ${e.code ?? ''} ${e.message}`);
  process.exit(1);
}
