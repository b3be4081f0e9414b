/* check_apikeys: the internal API's key folder: what is read as a key, what
 * is left out (loose modes, short keys, hidden files), and matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apikeys.h"
#include "check_main.h"
#include "util.h"

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	free(path);
}

START_TEST(test_load_and_match)
{
	char		 dir[] = "/tmp/check_apikeys.XXXXXX", err[256];
	const char	*a = "0123456789abcdefA", *b = "another-key-of-16+";
	struct apikeys	 ks;
	const struct apikey *k;
	static const char *const names[] = { "game-a", "game-b", "loose",
	    "short", ".hidden" };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "game-a", "0123456789abcdefA \n\n", 0600);
	put(dir, "game-b", b, 0400);
	put(dir, "loose", "loose-key-0123456789", 0644);
	put(dir, "short", "short", 0600);
	put(dir, ".hidden", "hidden-key-0123456789", 0600);
	ck_assert_int_eq(apikeys_load(&ks, dir, err, sizeof err), 0);
	ck_assert_uint_eq(ks.n, 2);
	k = apikeys_match(&ks, a, strlen(a));
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "game-a");
	k = apikeys_match(&ks, b, strlen(b));
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "game-b");
	/* Trailing white space is the file's, not the key's. */
	ck_assert_ptr_null(apikeys_match(&ks, "0123456789abcdefA ", 18));
	ck_assert_ptr_null(apikeys_match(&ks, a, strlen(a) - 1));
	ck_assert_ptr_null(apikeys_match(&ks, "loose-key-0123456789", 20));
	ck_assert_ptr_null(apikeys_match(&ks, "hidden-key-0123456789", 21));
	ck_assert_ptr_null(apikeys_match(&ks, "", 0));
	apikeys_free(&ks);
	for (size_t i = 0; i < NELEM(names); i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);

		ck_assert_int_eq(unlink(path), 0);
		free(path);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_missing_folder_is_no_key)
{
	struct apikeys	ks;
	char		err[256];

	ck_assert_int_eq(apikeys_load(&ks, "/nonexistent/internal-api", err,
	    sizeof err), 0);
	ck_assert_uint_eq(ks.n, 0);
	ck_assert_ptr_null(apikeys_match(&ks, "0123456789abcdef", 16));
	apikeys_free(&ks);
}
END_TEST

static Suite *
apikeys_suite(void)
{
	Suite	*s = suite_create("apikeys");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_load_and_match);
	tcase_add_test(tc, test_missing_folder_is_no_key);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(apikeys_suite)
