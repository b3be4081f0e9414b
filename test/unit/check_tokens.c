/* check_tokens: the claims of the three tokens the server issues (API.md
 * section 2) and the trust policies of the three it receives: what verify
 * and decode accept, and every token each must refuse (foreign key, alg
 * none, expired, wrong issuer or audience, missing claims). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "b64.h"
#include "check_main.h"
#include "jws.h"
#include "keys.h"
#include "tokens.h"

#define ISS	"https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
#define CLIENT	"ed9e2f05d286f7b8"
#define NA_AUD	"na-client"

static char		 tmp[64];
static struct keyset	 trusted;	/* the issuer's key (private, to sign) */
static struct keyset	 foreign;	/* a key nobody trusts */
static int64_t		 now;

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static void
setup(void)
{
	char	 err[256], *dir;

	strcpy(tmp, "/tmp/check_tokens.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	dir = xasprintf("%s/trusted", tmp);
	ck_assert(keyset_load_private(&trusted, dir, 1, err, sizeof err) == 0);
	free(dir);
	dir = xasprintf("%s/foreign", tmp);
	ck_assert(keyset_load_private(&foreign, dir, 1, err, sizeof err) == 0);
	free(dir);
	now = now_unix();
}

static void
teardown(void)
{
	keyset_free(&trusted);
	keyset_free(&foreign);
	nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
sign(const struct keyset *ks, json_t *claims)
{
	char	*t = jws_sign_new(ks->signer, NULL, claims);

	json_decref(claims);
	ck_assert_ptr_nonnull(t);
	return (t);
}

/* A token with {"alg":"none"} and no signature. */
static char *
unsigned_token(json_t *claims)
{
	char	*p = json_dumps(claims, JSON_COMPACT), *h, *b, *t;

	h = b64url_encode_new("{\"alg\":\"none\"}", 14);
	b = b64url_encode_new(p, strlen(p));
	t = xasprintf("%s.%s.", h, b);
	free(p);
	free(h);
	free(b);
	json_decref(claims);
	return (t);
}

static json_t *
device_claims(const char *iss, const char *aud, const char *sub,
    int64_t exp, int with_nintendo)
{
	json_t	*c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", iss,
		    "aud", aud, "sub", sub, "iat", (json_int_t)(now - 10),
		    "exp", (json_int_t)exp, "jti", "x");

	if (with_nintendo)
		json_object_set_new(c, "nintendo", json_pack(
		    "{s:s, s:s, s:s, s:b}", "sn", "XAW10012345678", "pc",
		    "HAC", "dt", "NX Prod 1", "ist", 0));
	return (c);
}

/* Good device claims with iat set (or removed, when iat < 0). */
static json_t *
device_iat(int64_t iat)
{
	json_t	*c = device_claims(DAUTH_ISSUER, DAUTH_BAAS_CLIENT_ID,
		    "68337aca28815cbb", now + 3600, 1);

	if (iat < 0)
		json_object_del(c, "iat");
	else
		json_object_set_new(c, "iat", json_integer(iat));
	return (c);
}

static struct tokens_trust
trust(enum trust_policy policy, const char *aud)
{
	struct tokens_trust t = { .policy = policy, .keys = &trusted,
	    .aud = aud, .now = now };

	return (t);
}

/* ------------------------------------------------------------ issued */

START_TEST(test_anonymous_claims)
{
	struct tokens_ctx	 c = { ISS, CLIENT, 1000 };
	json_t			*d = device_claims(DAUTH_ISSUER,
				    DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb",
				    2000, 1);
	json_t			*a = tokens_anonymous_claims(&c, d), *n;

	ck_assert_str_eq(json_string_value(json_object_get(a, "iss")), ISS);
	ck_assert_str_eq(json_string_value(json_object_get(a, "sub")), CLIENT);
	ck_assert_str_eq(json_string_value(json_object_get(a, "aud")), CLIENT);
	ck_assert_str_eq(json_string_value(json_object_get(a, "typ")), "token");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "bs:grt")), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(
	    json_object_get(a, "bs:sts"), 0)), 385);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "iat")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "exp")),
	    1000 + 10800);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(a,
	    "jti"))), 36);
	n = json_object_get(a, "nintendo");
	ck_assert_str_eq(json_string_value(json_object_get(n, "di")),
	    "68337aca28815cbb");
	ck_assert_str_eq(json_string_value(json_object_get(n, "sn")),
	    "XAW10012345678");
	ck_assert_str_eq(json_string_value(json_object_get(n, "pc")), "HAC");
	ck_assert_str_eq(json_string_value(json_object_get(n, "dt")),
	    "NX Prod 1");
	ck_assert(json_is_false(json_object_get(n, "ist")));
	ck_assert_ptr_null(json_object_get(a, "bs:did"));
	json_decref(a);
	json_decref(d);
}
END_TEST

/* Device claims other than booleans, integers and short strings never
 * reach the anonymous token. */
START_TEST(test_anonymous_claims_bounded)
{
	struct tokens_ctx	 c = { ISS, CLIENT, 1000 };
	char			 big[TOKEN_COPIED_STR_MAX + 2];
	json_t			*d = device_claims(DAUTH_ISSUER,
				    DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb",
				    2000, 1), *a, *n, *dn;

	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	dn = json_object_get(d, "nintendo");
	json_object_set_new(dn, "sn", json_string(big));
	json_object_set_new(dn, "pc", json_pack("[s]", "HAC"));
	json_object_set_new(dn, "dt", json_pack("{s:s}", "a", "b"));
	a = tokens_anonymous_claims(&c, d);
	n = json_object_get(a, "nintendo");
	ck_assert_uint_eq(json_object_size(n), 2);	/* di and ist */
	ck_assert_ptr_nonnull(json_object_get(n, "di"));
	ck_assert(json_is_false(json_object_get(n, "ist")));
	big[TOKEN_COPIED_STR_MAX] = '\0';		/* at the bound: kept */
	json_object_set_new(dn, "sn", json_string(big));
	json_decref(a);
	a = tokens_anonymous_claims(&c, d);
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(a, "nintendo"), "sn")), big);
	json_decref(a);
	json_decref(d);
}
END_TEST

START_TEST(test_user_and_id_claims)
{
	struct tokens_ctx	 c = { ISS, CLIENT, 1000 };
	json_t			*app = json_pack("{s:s, s:s, s:i, s:s}", "ai",
				    "0100000000010000", "av", "0", "at", 1,
				    "edi", "e");
	json_t			*u = tokens_user_claims(&c, 0x1a, 0x2b);
	json_t			*i = tokens_id_claims(&c, 0x1a, 0x2b, app);
	json_t			*i2 = tokens_id_claims(&c, 0x1a, 0x2b, NULL);
	json_t			*a2 = tokens_user_claims(&c, 0x1a, 0x2b);

	ck_assert_str_eq(json_string_value(json_object_get(u, "sub")),
	    "000000000000001a");
	ck_assert_str_eq(json_string_value(json_object_get(u, "bs:did")),
	    "000000000000002b");
	ck_assert_int_eq(json_integer_value(json_object_get(u, "bs:grt")), 2);
	ck_assert(json_is_array(json_object_get(u, "bs:sts")));
	ck_assert_str_eq(json_string_value(json_object_get(u, "typ")), "token");
	ck_assert_ptr_null(json_object_get(u, "nintendo"));
	/* A fresh jti for every token. */
	ck_assert_str_ne(json_string_value(json_object_get(u, "jti")),
	    json_string_value(json_object_get(a2, "jti")));

	ck_assert_str_eq(json_string_value(json_object_get(i, "typ")),
	    "id_token");
	ck_assert_str_eq(json_string_value(json_object_get(i, "sub")),
	    "000000000000001a");
	ck_assert_str_eq(json_string_value(json_object_get(i, "aud")), CLIENT);
	ck_assert_str_eq(json_string_value(json_object_get(i, "bs:did")),
	    "000000000000002b");
	ck_assert_ptr_null(json_object_get(i, "bs:grt"));
	ck_assert_ptr_null(json_object_get(i, "bs:sts"));
	ck_assert(json_equal(json_object_get(i, "nintendo"), app));
	ck_assert_ptr_null(json_object_get(i2, "nintendo"));
	ck_assert_int_eq(json_integer_value(json_object_get(i, "exp")) -
	    json_integer_value(json_object_get(i, "iat")), TOKENS_LIFETIME);
	json_decref(u);
	json_decref(i);
	json_decref(i2);
	json_decref(a2);
	json_decref(app);
}
END_TEST

/* ------------------------------------------------------------ device */

START_TEST(test_device)
{
	struct {
		const char	*what;
		char		*token;
		int		 verify_ok;
		int		 decode_ok;
	} cases[] = {
		{ "good", sign(&trusted, device_claims(DAUTH_ISSUER,
		  DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb", now + 3600, 1)),
		  1, 1 },
		{ "foreign key", sign(&foreign, device_claims(DAUTH_ISSUER,
		  DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb", now + 3600, 1)),
		  0, 1 },
		/* decode checks no signature, so none is as good as any. */
		{ "alg none", unsigned_token(device_claims(DAUTH_ISSUER,
		  DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb", now + 3600, 1)),
		  0, 1 },
		{ "expired", sign(&trusted, device_claims(DAUTH_ISSUER,
		  DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb", now - 3600, 1)),
		  0, 0 },
		{ "wrong issuer", sign(&trusted, device_claims("dauth-evil",
		  DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb", now + 3600, 1)),
		  0, 1 },
		{ "wrong audience", sign(&trusted, device_claims(DAUTH_ISSUER,
		  "0000000000000000", "68337aca28815cbb", now + 3600, 1)),
		  0, 1 },
		{ "sub not a device id", sign(&trusted, device_claims(
		  DAUTH_ISSUER, DAUTH_BAAS_CLIENT_ID, "68337aca", now + 3600,
		  1)), 0, 0 },
		{ "no nintendo claim", sign(&trusted, device_claims(
		  DAUTH_ISSUER, DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb",
		  now + 3600, 0)), 0, 0 },
		{ "not a JWT", xstrdup("device.token"), 0, 0 },
		{ "empty", xstrdup(""), 0, 0 },
		{ "iat in the future", sign(&trusted, device_iat(now + 3600)),
		  0, 0 },
		{ "no iat", sign(&trusted, device_iat(-1)), 0, 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		for (int decode = 0; decode < 2; decode++) {
			struct tokens_trust	 t = trust(decode ? TRUST_DECODE :
						    TRUST_VERIFY, NULL);
			struct problem		 p = { PROBLEM_NONE, "" };
			json_t			*c = NULL;
			int			 want = decode ?
						    cases[i].decode_ok :
						    cases[i].verify_ok;
			int			 rc = tokens_check_device(
						    cases[i].token, &t, &c, &p);

			ck_assert_msg((rc == 0) == want, "%s (%s): %d",
			    cases[i].what, decode ? "decode" : "verify", rc);
			if (rc == 0) {
				ck_assert_str_eq(json_string_value(
				    json_object_get(c, "sub")),
				    "68337aca28815cbb");
				json_decref(c);
			} else {
				ck_assert_int_eq(p.code, PROBLEM_INVALID_TOKEN);
				ck_assert_ptr_null(c);
			}
		}
		free(cases[i].token);
	}
}
END_TEST

START_TEST(test_device_no_keys)
{
	struct keyset		 empty = { 0 };
	struct tokens_trust	 t = { .policy = TRUST_VERIFY, .keys = &empty,
	    .now = now };
	struct problem		 p;
	json_t			*c;
	char			*tok = sign(&trusted, device_claims(DAUTH_ISSUER,
				    DAUTH_BAAS_CLIENT_ID, "68337aca28815cbb",
				    now + 3600, 1));

	ck_assert_int_eq(tokens_check_device(tok, &t, &c, &p), -1);
	ck_assert_int_eq(p.code, PROBLEM_INVALID_TOKEN);
	free(tok);
}
END_TEST

/* ------------------------------------------------------------ Nintendo Account */

static json_t *
na_claims(const char *iss, const char *aud, const char *sub, int64_t exp)
{
	json_t	*c = json_pack("{s:s, s:s, s:I, s:I}", "iss", iss, "aud", aud,
		    "iat", (json_int_t)now, "exp", (json_int_t)exp);

	if (sub != NULL)
		json_object_set_new(c, "sub", json_string(sub));
	return (c);
}

/* na_claims with iat moved by offset, or removed (del). */
static json_t *
na_claims_iat(int64_t offset, int del)
{
	json_t	*c = na_claims(NA_ISSUER, NA_AUD, "fedcba9876543210",
		    now + 900);

	if (del)
		json_object_del(c, "iat");
	else
		json_object_set_new(c, "iat", json_integer(now + offset));
	return (c);
}

START_TEST(test_na)
{
	struct {
		const char	*what;
		char		*token;
		const char	*aud;		/* BAAS_NA_CLIENT_ID */
		int		 verify_ok;
		int		 decode_ok;
	} cases[] = {
		{ "good", sign(&trusted, na_claims(NA_ISSUER, NA_AUD,
		  "fedcba9876543210", now + 900)), NA_AUD, 1, 1 },
		{ "aud not checked (any)", sign(&trusted, na_claims(NA_ISSUER,
		  "x", "fedcba9876543210", now + 900)), NA_CLIENT_ID_ANY, 1,
		  1 },
		/* No audience to check is no reason to skip the check. */
		{ "no aud setting", sign(&trusted, na_claims(NA_ISSUER, "x",
		  "fedcba9876543210", now + 900)), NULL, 0, 0 },
		{ "empty aud setting", sign(&trusted, na_claims(NA_ISSUER, "x",
		  "fedcba9876543210", now + 900)), "", 0, 0 },
		{ "wrong aud", sign(&trusted, na_claims(NA_ISSUER, "x",
		  "fedcba9876543210", now + 900)), NA_AUD, 0, 0 },
		{ "foreign key", sign(&foreign, na_claims(NA_ISSUER, NA_AUD,
		  "fedcba9876543210", now + 900)), NA_AUD, 0, 1 },
		{ "wrong issuer", sign(&trusted, na_claims("https://evil",
		  NA_AUD, "fedcba9876543210", now + 900)), NA_AUD, 0, 1 },
		{ "expired", sign(&trusted, na_claims(NA_ISSUER, NA_AUD,
		  "fedcba9876543210", now - 900)), NA_AUD, 0, 0 },
		{ "no sub", sign(&trusted, na_claims(NA_ISSUER, NA_AUD, NULL,
		  now + 900)), NA_AUD, 0, 0 },
		{ "empty sub", sign(&trusted, na_claims(NA_ISSUER, NA_AUD, "",
		  now + 900)), NA_AUD, 0, 0 },
		{ "alg none", unsigned_token(na_claims(NA_ISSUER, NA_AUD,
		  "fedcba9876543210", now + 900)), NA_AUD, 0, 1 },
		{ "iat in the future", sign(&trusted, na_claims_iat(3600, 0)),
		  NA_AUD, 0, 0 },
		{ "iat long ago", sign(&trusted, na_claims_iat(
		  -TOKEN_RECEIVED_MAX_AGE - 3600, 0)), NA_AUD, 0, 0 },
		{ "no iat", sign(&trusted, na_claims_iat(0, 1)), NA_AUD, 0,
		  0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		for (int decode = 0; decode < 2; decode++) {
			struct tokens_trust	 t = trust(decode ? TRUST_DECODE :
						    TRUST_VERIFY, cases[i].aud);
			struct problem		 p = { PROBLEM_NONE, "" };
			char			 id[NA_ID_MAX + 1];
			int			 want = decode ?
						    cases[i].decode_ok :
						    cases[i].verify_ok;
			int			 rc = tokens_check_na(
						    cases[i].token, &t, id, &p);

			ck_assert_msg((rc == 0) == want, "%s (%s)",
			    cases[i].what, decode ? "decode" : "verify");
			if (rc == 0)
				ck_assert_str_eq(id, "fedcba9876543210");
			else
				ck_assert_int_eq(p.code,
				    PROBLEM_INVALID_IDP_ACCOUNT);
		}
		free(cases[i].token);
	}
}
END_TEST

/* Only a signature, or the setting that says so, lets a token federate
 * into another user. */
START_TEST(test_na_takeover)
{
	ck_assert(tokens_na_may_take_over(TRUST_VERIFY));
	ck_assert(!tokens_na_may_take_over(TRUST_DECODE));
	ck_assert(tokens_na_may_take_over(TRUST_DECODE_ALLOW_TAKEOVER));
}
END_TEST

/* ------------------------------------------------------------ application */

static json_t *
app_claims(int64_t exp, int with_title)
{
	json_t	*c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", AAUTH_ISSUER,
		    "aud", AAUTH_BAAS_CLIENT_ID, "typ", AAUTH_TOKEN_TYP,
		    "iat", (json_int_t)now, "exp", (json_int_t)exp);

	if (with_title)
		json_object_set_new(c, "nintendo", json_pack(
		    "{s:s, s:s, s:i, s:s, s:s}", "ai", "0100000000010000",
		    "av", "0", "at", 1, "edi", "e", "other", "dropped"));
	return (c);
}

/* app_claims with one claim replaced (json text) or removed (NULL). */
static json_t *
app_claims_with(const char *name, const char *json)
{
	json_t		*c = app_claims(now + 900, 1);
	json_error_t	 jerr;

	if (json == NULL)
		json_object_del(c, name);
	else
		json_object_set_new(c, name, json_loads(json,
		    JSON_DECODE_ANY, &jerr));
	return (c);
}

/* app_claims with one member of nintendo replaced. */
static json_t *
app_title_with(const char *name, json_t *v)
{
	json_t	*c = app_claims(now + 900, 1);

	json_object_set_new(json_object_get(c, "nintendo"), name, v);
	return (c);
}

START_TEST(test_app)
{
	struct {
		const char	*what;
		char		*token;
		int		 verify_ok;
		int		 decode_ok;
	} cases[] = {
		{ "good", sign(&trusted, app_claims(now + 900, 1)), 1, 1 },
		{ "foreign key", sign(&foreign, app_claims(now + 900, 1)), 0,
		  1 },
		{ "expired", sign(&trusted, app_claims(now - 900, 1)), 0, 0 },
		{ "no title", sign(&trusted, app_claims(now + 900, 0)), 0, 0 },
		{ "alg none", unsigned_token(app_claims(now + 900, 1)), 0, 1 },
		{ "not a JWT", xstrdup("app.token"), 0, 0 },
		{ "wrong issuer", sign(&trusted, app_claims_with("iss",
		  "\"dauth-lp1.ndas.srv.nintendo.net\"")), 0, 1 },
		{ "no issuer", sign(&trusted, app_claims_with("iss", NULL)), 0,
		  1 },
		{ "wrong audience", sign(&trusted, app_claims_with("aud",
		  "\"ed9e2f05d286f7b8\"")), 0, 1 },
		{ "no audience", sign(&trusted, app_claims_with("aud", NULL)),
		  0, 1 },
		{ "wrong type", sign(&trusted, app_claims_with("typ",
		  "\"id_token\"")), 0, 1 },
		{ "no type", sign(&trusted, app_claims_with("typ", NULL)), 0,
		  1 },
		{ "iat in the future", sign(&trusted, app_claims_with("iat",
		  "99999999999")), 0, 0 },
		{ "ai not a title id", sign(&trusted, app_title_with("ai",
		  json_string("../../etc"))), 0, 0 },
		{ "ai a number", sign(&trusted, app_title_with("ai",
		  json_integer(1))), 0, 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		for (int decode = 0; decode < 2; decode++) {
			struct tokens_trust	 t = trust(decode ? TRUST_DECODE :
						    TRUST_VERIFY, NULL);
			struct problem		 p = { PROBLEM_NONE, "" };
			json_t			*n = NULL;
			int			 want = decode ?
						    cases[i].decode_ok :
						    cases[i].verify_ok;
			int			 rc = tokens_check_app(
						    cases[i].token, &t, &n, &p);

			ck_assert_msg((rc == 0) == want, "%s (%s)",
			    cases[i].what, decode ? "decode" : "verify");
			if (rc == 0) {
				/* Under decode, marked as not verified. */
				ck_assert_uint_eq(json_object_size(n),
				    decode ? 5 : 4);
				ck_assert(decode == json_is_true(
				    json_object_get(n, "unverified")));
				ck_assert_str_eq(json_string_value(
				    json_object_get(n, "ai")),
				    "0100000000010000");
				ck_assert_ptr_null(json_object_get(n, "other"));
				json_decref(n);
			} else
				ck_assert_int_eq(p.code,
				    PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN);
		}
		free(cases[i].token);
	}
}
END_TEST

/* Members of any other type, or strings too long, are left out of what
 * goes into the ID token. */
START_TEST(test_app_claims_bounded)
{
	char			 long_str[TOKEN_COPIED_STR_MAX + 2];
	struct tokens_trust	 t = trust(TRUST_VERIFY, NULL);
	struct problem		 p;
	json_t			*c = app_claims(now + 900, 1), *n = NULL, *nt;
	char			*tok;

	memset(long_str, 'x', sizeof long_str - 1);
	long_str[sizeof long_str - 1] = '\0';
	nt = json_object_get(c, "nintendo");
	json_object_set_new(nt, "av", json_pack("{s:[i,i,i]}", "x", 1, 2, 3));
	json_object_set_new(nt, "at", json_real(1.5));
	json_object_set_new(nt, "edi", json_string(long_str));
	tok = sign(&trusted, c);
	ck_assert_int_eq(tokens_check_app(tok, &t, &n, &p), 0);
	ck_assert_uint_eq(json_object_size(n), 1);
	ck_assert_ptr_nonnull(json_object_get(n, "ai"));
	json_decref(n);
	free(tok);
}
END_TEST

static Suite *
tokens_suite(void)
{
	Suite	*s = suite_create("tokens");
	TCase	*tc;

	tc = tcase_create("issued");
	tcase_add_test(tc, test_anonymous_claims);
	tcase_add_test(tc, test_anonymous_claims_bounded);
	tcase_add_test(tc, test_user_and_id_claims);
	suite_add_tcase(s, tc);
	tc = tcase_create("received");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_device_no_keys);
	tcase_add_test(tc, test_na);
	tcase_add_test(tc, test_na_takeover);
	tcase_add_test(tc, test_app);
	tcase_add_test(tc, test_app_claims_bounded);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(tokens_suite)
