/* golden: the golden token set (golden.h). Each case is one token built
 * from the claims the server really issues (tokens.h) with one thing
 * wrong, signed by the fixed key below, so a verifier that gets a case
 * wrong has exactly one check missing. */
#include "golden.h"

#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64.h"
#include "config.h"
#include "ids.h"
#include "jws.h"
#include "keys.h"
#include "ossl.h"
#include "tokens.h"

/* A PUBLIC TEST KEY, published with the source: it signs the golden set and
 * nothing else. No server loads it; a verifier that trusts it anywhere but
 * in a test accepts tokens anyone can mint. */
static const char golden_private_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCuUurASr/OaPas\n"
	"2e86Iv+2M5mVu6EbEj3b7SMAO23qwsb1clrNaWlm1ZHur9XzDhzygwLlSiJUFeVS\n"
	"RTLK9ue7q6dCceTjxiFe8c4JqQ8xPlPMrOnooJVQVwi4HBoV6UGxuCJt8hiUIMnn\n"
	"Szrq1IzJQ89/mwUZ6E9D988IpOOK8mSwnOZCN8ZoWY6co9MGg7Kg8pk25gIFaDUJ\n"
	"YmvgDzdylU+IzHEqGIrVC69YFvD83uP0/zvuYIO1SDsX9TZODR4NR5pKJX/OhGc/\n"
	"ljjh9mQBZHbVZ9TLl3mCRhtocPNxKDtMlIi0GtjSFmCHLjxFPuWj0zJzNwcymh6N\n"
	"su56c8exAgMBAAECggEAFw4RTQA10Nsx8JdcG8DAN/0oDVUE0BtAAiOhMukpNtiu\n"
	"zoxitPMBhR+uzrYDokMWEf7Atclxs9Q3gYN0XcJ80GW518BPaM5t4GwzdzScNUOM\n"
	"eq/Nub3vMXJpTUwuKQKx9QqoxwizNngFq+jXsHIO8plcyoAakxwVy6PtBjQkgd4o\n"
	"CEQvEJC0A8Uf06IlMurCNwcgQlGie0u/j4UNoncftBao/Utrj59oUrHdZFmjEn9v\n"
	"UG9UVKbChZXGXF1oli25WTbi9BsRi2V3BI357v/LWJVLnCk8YJQpeG6UKaY+wndo\n"
	"NERGA/O8wEjtI0+0+vgebjsFuOcx6dGNswuGyg+4PwKBgQDa0WUfzJPRGBl+XlSJ\n"
	"ynKljC9na1BOZwE9jtQKIWPdjkIqCuLQIsm+9sN81F/k3ZNB9KitGAE/fBtQMNai\n"
	"NwJyk+JgYzpNM6Z1AWgWYhWgdTC6F+pSjVW+VgMVjtxguEupAH2abcB0XDVe/2aw\n"
	"ipZtuHJ1E1gCgQsNaNcwPcfiPwKBgQDL8gaS6ZqqvKCJ6GQzxnE3FknLbSmbbl7Z\n"
	"QYE4GVnQJXCqPbRwi2gjuA6wXASvHE/oASz2xhhnye9/9wf8M1PfgMW6lsXvHfmu\n"
	"yG/HLRU5Q/fzkwmQx7qpzZ0LbOgh0OJIFXbPUJgwkNMvgqUVemK5GCAw58CSkUrL\n"
	"eza/TDT6DwKBgBQRA88Iub2BEkVubR49vInF80ruomyuMYTtpjBPo5LbyuGEIgyo\n"
	"RAwJISA/cZPRZgG0aAuHmgWyYebWs7goh0bunOHt95jA1dEBEgSLdiRC2vcV3l03\n"
	"rNdJl/rQIRGVlQqoitwwmGeTVSmjDk2+R9FECusFnRqNru/J34IDCGONAoGBAIDc\n"
	"drzi74AL2R/p/04bh7N32L65Rb3Y2gNJ+Vy53969mVdnz5gA7ZcMF/Pk4GzIZdDA\n"
	"1WlDN2500Gg5bQk0YT1qPwUrePsiJH4EVWQzHyLkyElV0YhyOoZJzX3HnVCojCFh\n"
	"toU9djvRdi6hzK8qejBbhxN/i1TQisLRIoFypFKPAoGAIYu7VNIM2fvuiN6JfgvC\n"
	"IFMiDkohZoSriIO4qXUeqq7Is/lrPVxnSbdQd6Df+kN03Hdv16SvPsZekhqtIFkX\n"
	"tbvZeuhZg4p216B4phf1JRz8UTteLpNrg4SYGggPOiHb0keIJ+HhFEcSr3NDEukY\n"
	"mzDXK9B5WJ4oohJgLvQ+xQQ=\n"
	"-----END PRIVATE KEY-----\n";

#define GOLDEN_WRONG_AUD	"0123456789abcdef"
#define GOLDEN_WRONG_ISS	"https://baas.example.net"
#define GOLDEN_UNKNOWN_KID	"golden-unknown-kid"

enum golden_kind {
	G_VALID, G_EXPIRED, G_NOT_YET_VALID, G_WRONG_AUD, G_WRONG_ISS,
	G_UNKNOWN_KID, G_BAD_SIGNATURE, G_ALG_NONE, G_HS256, G_SUB_MISMATCH,
	G_OTHER_TITLE, G_ACCESS_TOKEN, G_NCASES
};

/* Indexed by enum golden_kind: the file, whether a correct verifier
 * accepts it, and why (README.md and cases.json). */
static const struct golden_case {
	const char	*file;
	int		 accept;
	const char	*why;
} golden_cases[G_NCASES] = {
	{ "valid.jwt", 1, "every check passes: RS256 by the key of jwks.json "
	  "its kid names, iss, aud, typ id_token, iat in the past, exp in "
	  "2100, sub the username, nintendo.ai the title" },
	{ "expired.jwt", 0, "exp is 2026-01-01T03:00:00Z, long past" },
	{ "not-yet-valid.jwt", 0, "iat is 2099-01-01T00:00:00Z, in the "
	  "future beyond any leeway (our tokens carry no nbf: check iat)" },
	{ "wrong-aud.jwt", 0, "aud is " GOLDEN_WRONG_AUD ", not the "
	  "expected audience" },
	{ "wrong-iss.jwt", 0, "iss is " GOLDEN_WRONG_ISS ", not the "
	  "expected issuer" },
	{ "unknown-kid.jwt", 0, "kid " GOLDEN_UNKNOWN_KID " names no key of "
	  "jwks.json; the signature is the golden key's, so a verifier that "
	  "tries every key instead of the one the kid names accepts it" },
	{ "bad-signature.jwt", 0, "valid.jwt with one bit of its signature "
	  "flipped" },
	{ "alg-none.jwt", 0, "alg none and an empty signature" },
	{ "hs256-public-key.jwt", 0, "alg HS256, an HMAC-SHA256 keyed with "
	  "the bytes of public-key.pem (algorithm confusion): accept RS256 "
	  "only, whatever the header says" },
	{ "sub-mismatch.jwt", 0, "a good token of another user: its sub read "
	  "as hex is not the username read as decimal" },
	{ "other-title.jwt", 0, "nintendo.ai is " GOLDEN_OTHER_TITLE ", "
	  "another title's" },
	{ "access-token.jwt", 0, "typ token: a user access token's claims "
	  "(bs:grt 2), not an ID token (real ones are signed by another key "
	  "set; this one by the golden key, so that only the typ check "
	  "catches it)" },
};

static void
set_add(struct golden_set *gs, const char *name, char *data, unsigned mode)
{
	gs->files = xrealloc(gs->files, (gs->n + 1) * sizeof *gs->files);
	gs->files[gs->n].name = xstrdup(name);
	gs->files[gs->n].data = data;
	gs->files[gs->n].mode = mode;
	gs->n++;
}

/* The claims of case k, as tokens_id_claims (or tokens_user_claims) gives
 * them, with fixed times and jti, and the one claim the case spoils. */
static json_t *
case_claims(enum golden_kind k)
{
	struct tokens_ctx	 c = { CONFIG_DEFAULT_ISSUER,
				    CONFIG_DEFAULT_CLIENT_ID, GOLDEN_IAT };
	uint64_t		 user = GOLDEN_USER_ID;
	json_t			*o, *app;
	char			 jti[37];

	if (k == G_SUB_MISMATCH)
		user = GOLDEN_OTHER_USER_ID;
	if (k == G_NOT_YET_VALID)
		c.now = GOLDEN_FUTURE_IAT;
	if (k == G_ACCESS_TOKEN)
		o = tokens_user_claims(&c, user, GOLDEN_DEVICE_ACCOUNT_ID);
	else {
		app = json_pack("{s:s, s:s, s:i, s:s}", "ai",
		    k == G_OTHER_TITLE ? GOLDEN_OTHER_TITLE : GOLDEN_TITLE,
		    "av", "0", "at", 1, "edi", "0123456789abcdef0123");
		o = tokens_id_claims(&c, user, GOLDEN_DEVICE_ACCOUNT_ID, app);
		json_decref(app);
	}
	snprintf(jti, sizeof jti, "00000000-0000-4000-8000-%012d",
	    (int)k + 1);
	json_object_set_new(o, "jti", json_string(jti));
	if (k != G_EXPIRED && k != G_NOT_YET_VALID)
		json_object_set_new(o, "exp", json_integer(GOLDEN_EXP));
	if (k == G_WRONG_AUD)
		json_object_set_new(o, "aud", json_string(GOLDEN_WRONG_AUD));
	if (k == G_WRONG_ISS)
		json_object_set_new(o, "iss", json_string(GOLDEN_WRONG_ISS));
	return (o);
}

/* header.claims.signature, for the headers jws_sign_new never writes. */
static char *
compact_new(const char *alg, const char *kid, json_t *claims,
    const void *key, size_t keylen)
{
	json_t		*h = json_pack("{s:s, s:s, s:s}", "alg", alg, "kid",
			    kid, "jku", CONFIG_DEFAULT_ISSUER
			    "/1.0.0/certificates");
	char		*hs = json_dumps(h, JSON_COMPACT);
	char		*ps = json_dumps(claims, JSON_COMPACT);
	char		*h64, *p64, *input, *s64, *token;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;

	if (hs == NULL || ps == NULL)
		fatal("out of memory (json_dumps)");
	h64 = b64url_encode_new(hs, strlen(hs));
	p64 = b64url_encode_new(ps, strlen(ps));
	input = xasprintf("%s.%s", h64, p64);
	if (key != NULL && HMAC(EVP_sha256(), key, (int)keylen,
	    (unsigned char *)input, strlen(input), mac, &maclen) == NULL)
		fatal("HMAC-SHA256 failed");
	s64 = b64url_encode_new(mac, maclen);
	token = xasprintf("%s.%s", input, s64);
	json_decref(h);
	free(hs);
	free(ps);
	free(h64);
	free(p64);
	free(input);
	free(s64);
	return (token);
}

/* s and a newline, freeing s: every file ends its last line. */
static char *
with_newline(char *s)
{
	char	*out = xasprintf("%s\n", s);

	free(s);
	return (out);
}

/* token with one bit of its signature flipped. */
static char *
spoil_signature(char *token)
{
	char		*dot = strrchr(token, '.'), *s64, *out;
	size_t		 n;
	unsigned char	*sig = b64url_decode_new(dot + 1, strlen(dot + 1), &n);

	if (sig == NULL || n == 0)
		fatal("golden: cannot decode a signature");
	sig[n / 2] ^= 0x01;
	s64 = b64url_encode_new(sig, n);
	*dot = '\0';
	out = xasprintf("%s.%s\n", token, s64);
	free(sig);
	free(s64);
	free(token);
	return (out);
}

static char *
case_token(enum golden_kind k, const struct key *key, const char *pub_pem)
{
	struct key	 other = *key;
	const char	*jku = CONFIG_DEFAULT_ISSUER "/1.0.0/certificates";
	json_t		*claims = case_claims(k);
	char		*t;

	if (k == G_ALG_NONE)
		t = compact_new("none", key->kid, claims, NULL, 0);
	else if (k == G_HS256)
		t = compact_new("HS256", key->kid, claims, pub_pem,
		    strlen(pub_pem));
	else {
		if (k == G_UNKNOWN_KID)
			snprintf(other.kid, sizeof other.kid, "%s",
			    GOLDEN_UNKNOWN_KID);
		if ((t = jws_sign_new(&other, jku, claims)) == NULL)
			fatal("golden: cannot sign");
	}
	json_decref(claims);
	if (k == G_BAD_SIGNATURE)
		return (spoil_signature(t));
	return (with_newline(t));
}

static char *
cases_json_new(const char *username)
{
	json_t	*arr = json_array(), *o;
	char	*s;

	for (int k = 0; k < G_NCASES; k++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
		    "file", golden_cases[k].file, "expect",
		    golden_cases[k].accept ? "accept" : "reject", "why",
		    golden_cases[k].why));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o}",
	    "jwks", "jwks.json", "issuer", CONFIG_DEFAULT_ISSUER,
	    "audience", CONFIG_DEFAULT_CLIENT_ID, "title", GOLDEN_TITLE,
	    "username", username, "leeway", TOKENS_LEEWAY, "cases", arr);
	s = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (s == NULL)
		fatal("out of memory (json_dumps)");
	return (with_newline(s));
}

static char *
readme_new(const char *username, const char *other_username,
    const char *kid)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	if (f == NULL)
		fatal("out of memory (open_memstream)");
	fprintf(f, "# Golden ID tokens\n\n"
	    "Written by `baas-server golden-tokens`, the same bytes on every "
	    "run. Each `*.jwt`\nfile is one ID token (one line). Test a token "
	    "verifier (see the server's\n`docs/game-servers.md`) with every "
	    "file and these expectations:\n\n"
	    "| Setting | Value |\n| --- | --- |\n"
	    "| key set | `jwks.json` (kid `%s`) |\n"
	    "| issuer (`iss`) | `%s` |\n| audience (`aud`) | `%s` |\n"
	    "| title (`nintendo.ai`) | `%s` |\n| NEX username | `%s` |\n"
	    "| clock leeway | %d s |\n\n",
	    kid, CONFIG_DEFAULT_ISSUER, CONFIG_DEFAULT_CLIENT_ID,
	    GOLDEN_TITLE, username, TOKENS_LEEWAY);
	fprintf(f, "Issuer and audience are the server's defaults "
	    "(`BAAS_ISSUER`, `BAAS_CLIENT_ID`).\nThe username is the decimal "
	    "form of the user id in `sub` (16 hex digits),\nwhich is what "
	    "the console sends a NEX server as its login name.\n\n"
	    "| File | A correct verifier | Why |\n| --- | --- | --- |\n");
	for (int k = 0; k < G_NCASES; k++)
		fprintf(f, "| `%s` | %s | %s |\n", golden_cases[k].file,
		    golden_cases[k].accept ? "**accepts**" : "rejects",
		    golden_cases[k].why);
	fprintf(f, "\n`sub-mismatch.jwt` verifies against username `%s` "
	    "(its own user's),\nand must be refused against `%s`. "
	    "`other-title.jwt` verifies when no title is\nchecked. "
	    "`cases.json` holds this table for test suites.\n\n"
	    "## Times\n\nEvery token has iat 2026-01-01T00:00:00Z. `valid.jwt` "
	    "and the other tokens meant to\nfail for one reason only expire "
	    "2100-01-01T00:00:00Z, so the set stays usable;\nreal tokens live "
	    "%d s (exp - iat), so do not check the lifetime in a\ngolden test. "
	    "`expired.jwt` lives %d s from iat; `not-yet-valid.jwt` is issued\n"
	    "2099-01-01T00:00:00Z.\n\n",
	    other_username, username, TOKENS_LIFETIME, TOKENS_LIFETIME);
	fprintf(f, "## The key\n\n`private-key.pem` is a PUBLIC TEST KEY: "
	    "it is published with the server's\nsource, so anyone can sign "
	    "with it. Use it to mint more test tokens; never\nlet a verifier "
	    "trust `jwks.json` outside a test. `public-key.pem` is its "
	    "public\nhalf, whose exact bytes key the HMAC of "
	    "`hs256-public-key.jwt`.\n");
	if (fclose(f) != 0)
		fatal("out of memory (open_memstream)");
	return (buf);
}

static EVP_PKEY *
golden_key(char *err, size_t errlen)
{
	BIO		*bio = BIO_new_mem_buf(golden_private_pem, -1);
	EVP_PKEY	*pkey = NULL;

	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		ossl_err(err, errlen, "cannot read the golden key");
	return (pkey);
}

static char *
public_pem_new(EVP_PKEY *pkey)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*p, *s = NULL;
	long	 n;

	if (bio != NULL && PEM_write_bio_PUBKEY(bio, pkey) == 1 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		s = xstrndup(p, (size_t)n);
	BIO_free(bio);
	return (s);
}

int
golden_build(struct golden_set *gs, char *err, size_t errlen)
{
	struct keyset	 ks = { 0 };
	struct key	*k;
	char		 uid[24], other[24], *pub;

	memset(gs, 0, sizeof *gs);
	ks.keys = k = xcalloc(1, sizeof *k);
	if ((k->pkey = golden_key(err, errlen)) == NULL) {
		keyset_free(&ks);
		return (-1);
	}
	ks.n = 1;
	k->has_private = 1;
	if (key_thumbprint(k->pkey, k->kid, sizeof k->kid) != 0 ||
	    (pub = public_pem_new(k->pkey)) == NULL) {
		ossl_err(err, errlen, "cannot render the golden key");
		keyset_free(&ks);
		return (-1);
	}
	keyset_render_jwks(&ks);
	snprintf(uid, sizeof uid, "%" PRIu64, GOLDEN_USER_ID);
	snprintf(other, sizeof other, "%" PRIu64, GOLDEN_OTHER_USER_ID);

	set_add(gs, "README.md", readme_new(uid, other, k->kid), 0644);
	set_add(gs, "cases.json", cases_json_new(uid), 0644);
	set_add(gs, "jwks.json", xasprintf("%s\n", ks.jwks), 0644);
	set_add(gs, "private-key.pem", xstrdup(golden_private_pem), 0600);
	set_add(gs, "public-key.pem", xstrdup(pub), 0644);
	for (int i = 0; i < G_NCASES; i++)
		set_add(gs, golden_cases[i].file, case_token(i, k, pub), 0644);
	free(pub);
	keyset_free(&ks);
	ERR_clear_error();
	return (0);
}

void
golden_free(struct golden_set *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->files[i].name);
		free(gs->files[i].data);
	}
	free(gs->files);
	memset(gs, 0, sizeof *gs);
}
