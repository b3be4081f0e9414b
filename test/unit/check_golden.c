/* check_golden: the golden token set is the same bytes on every build,
 * and our own verifier (lib/jws.c, the checks the server makes on the
 * tokens it receives) answers each case as the set's README says, for the
 * part that is its business: signature, algorithm, kid, times, iss, aud
 * and typ (the title and the username are the game server's). */
#include "golden.h"
#include "check_main.h"
#include "config.h"
#include "jws.h"
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
file_data(const struct golden_set *gs, const char *name)
{
	for (size_t i = 0; i < gs->n; i++)
		if (strcmp(gs->files[i].name, name) == 0)
			return (gs->files[i].data);
	ck_abort_msg("%s missing from the golden set", name);
	return (NULL);
}

START_TEST(test_golden_fixed)
{
	struct golden_set	a, b;
	char			err[256];

	ck_assert_int_eq(golden_build(&a, err, sizeof err), 0);
	ck_assert_int_eq(golden_build(&b, err, sizeof err), 0);
	ck_assert_uint_eq(a.n, b.n);
	ck_assert_uint_eq(a.n, 17);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_str_eq(a.files[i].name, b.files[i].name);
		ck_assert_str_eq(a.files[i].data, b.files[i].data);
	}
	golden_free(&a);
	golden_free(&b);
}
END_TEST

START_TEST(test_golden_against_jws_verify)
{
	static const struct {
		const char	*file;
		int		 ok;
	} cases[] = {
		{ "valid.jwt", 1 }, { "expired.jwt", 0 },
		{ "not-yet-valid.jwt", 0 }, { "wrong-aud.jwt", 0 },
		{ "wrong-iss.jwt", 0 }, { "unknown-kid.jwt", 0 },
		{ "bad-signature.jwt", 0 }, { "alg-none.jwt", 0 },
		{ "hs256-public-key.jwt", 0 }, { "access-token.jwt", 0 },
		/* Sound tokens: refused only for the user or the title. */
		{ "sub-mismatch.jwt", 1 }, { "other-title.jwt", 1 },
	};
	struct golden_set	 gs;
	struct keyset		 ks = { 0 };
	struct jws_expect	 x = { 0 };
	char			 dir[] = "/tmp/check_golden.XXXXXX", *path;
	char			 err[256], *tok;
	const char		*jwks;
	json_t			*claims;
	FILE			*f;

	ck_assert_int_eq(golden_build(&gs, err, sizeof err), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/golden.json", dir);
	jwks = file_data(&gs, "jwks.json");
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(jwks, 1, strlen(jwks), f), strlen(jwks));
	fclose(f);
	ck_assert_int_eq(keyset_add_public_dir(&ks, dir, err, sizeof err), 0);
	ck_assert_uint_eq(ks.n, 1);
	unlink(path);
	rmdir(dir);
	free(path);

	x.iss = CONFIG_DEFAULT_ISSUER;
	x.aud = CONFIG_DEFAULT_CLIENT_ID;
	x.typ = "id_token";
	x.now = now_unix();
	x.leeway = 60;
	for (size_t i = 0; i < NELEM(cases); i++) {
		tok = xstrdup(file_data(&gs, cases[i].file));
		tok[strcspn(tok, "\n")] = '\0';
		claims = NULL;
		ck_assert_msg((jws_verify(tok, &ks, &x, &claims, err,
		    sizeof err) == 0) == cases[i].ok, "%s: %s", cases[i].file,
		    cases[i].ok ? err : "accepted");
		json_decref(claims);
		free(tok);
	}
	keyset_free(&ks);
	golden_free(&gs);
}
END_TEST

static Suite *
golden_suite(void)
{
	Suite	*s = suite_create("golden");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_golden_fixed);
	tcase_add_test(tc, test_golden_against_jws_verify);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(golden_suite)
