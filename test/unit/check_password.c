/* check_password: generation, hashing and constant-time verification. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "password.h"

START_TEST(test_generate)
{
	char	a[PASSWORD_LEN + 1], b[PASSWORD_LEN + 1];
	int	seen[256] = { 0 };

	password_generate(a);
	password_generate(b);
	ck_assert_uint_eq(strlen(a), PASSWORD_LEN);
	ck_assert_uint_eq(strlen(b), PASSWORD_LEN);
	ck_assert_str_ne(a, b);
	/* Over many passwords, only alphanumerics and all 62 of them. */
	for (int n = 0; n < 200; n++) {
		password_generate(a);
		for (int i = 0; i < PASSWORD_LEN; i++) {
			ck_assert_msg(isalnum((unsigned char)a[i]), "%s", a);
			seen[(unsigned char)a[i]] = 1;
		}
	}
	for (int c = 0; c < 256; c++)
		ck_assert_int_eq(seen[c], isalnum(c) ? 1 : 0);
}
END_TEST

START_TEST(test_hash_verify)
{
	char	 pw[PASSWORD_LEN + 1];
	char	*h1, *h2;

	password_generate(pw);
	h1 = password_hash_new(pw);
	h2 = password_hash_new(pw);
	ck_assert_uint_eq(strlen(h1), 7 + 32 + 1 + 64);
	ck_assert_int_eq(strncmp(h1, "sha256$", 7), 0);
	ck_assert_int_eq(h1[7 + 32], '$');
	ck_assert_uint_eq(strspn(h1 + 7, "0123456789abcdef"), 32);
	ck_assert_uint_eq(strspn(h1 + 40, "0123456789abcdef"), 64);
	ck_assert_str_ne(h1, h2);	/* fresh salt each time */
	ck_assert_int_ne(strncmp(h1, h2, 39), 0);
	ck_assert_int_eq(password_verify(pw, h1), 1);
	ck_assert_int_eq(password_verify(pw, h2), 1);
	pw[0] = pw[0] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(password_verify(pw, h1), 0);
	ck_assert_int_eq(password_verify("", h1), 0);
	free(h1);
	free(h2);
}
END_TEST

/* SHA-256(salt || password) with salt 00 01 .. 0f, from Python's hashlib:
 * the stored format is an interface (the database keeps it). */
START_TEST(test_known_vector)
{
	const char *stored = "sha256$000102030405060708090a0b0c0d0e0f$"
	    "04a89147600cc2b5eb582ea76c73c85443f77b9fd178e69e3e4f15f6b9759682";

	ck_assert_int_eq(password_verify("password", stored), 1);
	ck_assert_int_eq(password_verify("Password", stored), 0);
	ck_assert_int_eq(password_verify("password ", stored), 0);
}
END_TEST

START_TEST(test_malformed)
{
	char		*good = password_hash_new("secret");
	char		*m;
	const char	*fixed[] = {
		"", "sha256$", "sha256$$", "plain-text-password", "secret",
		"md5$00000000000000000000000000000000$"
		"00000000000000000000000000000000"
		"00000000000000000000000000000000",
	};

	ck_assert_int_eq(password_verify("secret", good), 1);
	for (size_t i = 0; i < NELEM(fixed); i++)
		ck_assert_int_eq(password_verify("secret", fixed[i]), 0);
	ck_assert_int_eq(password_verify("secret", NULL), 0);
	ck_assert_int_eq(password_verify(NULL, good), 0);
	/* Truncated, extended, uppercase hex, a moved separator. */
	m = xstrndup(good, strlen(good) - 1);
	ck_assert_int_eq(password_verify("secret", m), 0);
	free(m);
	m = xasprintf("%s0", good);
	ck_assert_int_eq(password_verify("secret", m), 0);
	free(m);
	m = xstrdup(good);
	for (char *c = m + 7; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	if (strcmp(m, good) != 0)
		ck_assert_int_eq(password_verify("secret", m), 0);
	free(m);
	m = xstrdup(good);
	m[39] = m[40];
	m[40] = '$';
	ck_assert_int_eq(password_verify("secret", m), 0);
	free(m);
	m = xstrdup(good);
	m[10] = 'g';
	ck_assert_int_eq(password_verify("secret", m), 0);
	free(m);
	free(good);
}
END_TEST

static Suite *
password_suite(void)
{
	Suite	*s = suite_create("password");
	TCase	*tc;

	tc = tcase_create("password_generate");
	tcase_add_test(tc, test_generate);
	suite_add_tcase(s, tc);
	tc = tcase_create("password_hash_new");
	tcase_add_test(tc, test_hash_verify);
	suite_add_tcase(s, tc);
	tc = tcase_create("password_verify");
	tcase_add_test(tc, test_known_vector);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(password_suite)
