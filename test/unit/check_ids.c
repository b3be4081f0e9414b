/* check_ids: id parsing and formatting, random ids, UUIDs. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "ids.h"

static const struct {
	const char	*in;
	uint64_t	 want;
} good[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "f", 15 },
	{ "F", 15 },
	{ "10", 16 },
	{ "0123456789abcdef", 0x0123456789abcdefULL },
	{ "0123456789ABCDEF", 0x0123456789abcdefULL },
	{ "ffffffffffffffff", UINT64_MAX },
	{ "0000000000000001", 1 },
	{ "dEaDbEeF", 0xdeadbeefULL },
};

static const char *bad[] = {
	"", "00000000000000001", "0x1", " 1", "1 ", "-1", "+1", "g", "1g",
	"0123456789abcdef0", "1.0", "１",
};

START_TEST(test_parse_good)
{
	for (size_t i = 0; i < NELEM(good); i++) {
		uint64_t v = 42;

		ck_assert_msg(id_parse(good[i].in, &v) == 0, "%s", good[i].in);
		ck_assert_uint_eq(v, good[i].want);
	}
}
END_TEST

START_TEST(test_parse_bad)
{
	for (size_t i = 0; i < NELEM(bad); i++) {
		uint64_t v = 42;

		ck_assert_msg(id_parse(bad[i], &v) == -1, "accepted \"%s\"",
		    bad[i]);
		ck_assert_uint_eq(v, 42);
	}
	ck_assert_int_eq(id_parse(NULL, &(uint64_t){ 0 }), -1);
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		uint64_t	 id;
		const char	*want;
	} cases[] = {
		{ 0, "0000000000000000" },
		{ 1, "0000000000000001" },
		{ 0xdeadbeefULL, "00000000deadbeef" },
		{ UINT64_MAX, "ffffffffffffffff" },
		{ 0x7fffffffffffffffULL, "7fffffffffffffff" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		char		out[ID_HEX_LEN + 1];
		uint64_t	back;

		id_format(cases[i].id, out);
		ck_assert_str_eq(out, cases[i].want);
		ck_assert_int_eq(id_parse(out, &back), 0);
		ck_assert_uint_eq(back, cases[i].id);
	}
}
END_TEST

START_TEST(test_random)
{
	uint64_t	prev = 0;

	for (int i = 0; i < 1000; i++) {
		uint64_t	v = id_random(), back;
		char		out[ID_HEX_LEN + 1];

		ck_assert_uint_ne(v, 0);
		ck_assert_uint_lt(v, (uint64_t)1 << 63);
		ck_assert_uint_ne(v, prev);
		id_format(v, out);
		ck_assert_uint_eq(strlen(out), ID_HEX_LEN);
		ck_assert_int_eq(id_parse(out, &back), 0);
		ck_assert_uint_eq(back, v);
		prev = v;
	}
}
END_TEST

START_TEST(test_uuid)
{
	char	a[37], b[37];

	uuid_v4(a);
	uuid_v4(b);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(a[i], '-');
		else
			ck_assert_msg(strchr("0123456789abcdef", a[i]) != NULL
			    && a[i] != '\0', "%s", a);
	}
	ck_assert_int_eq(a[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", a[19]));
}
END_TEST

/* UUIDs come from a pool per thread: many in a row are all distinct (the
 * pool refilled on the way), and a forked child does not repeat the
 * parent's next one. */
START_TEST(test_uuid_pool)
{
	char	u[100][37], mine[37], child[37];
	int	fds[2], status;
	pid_t	pid;

	for (int i = 0; i < 100; i++) {
		uuid_v4(u[i]);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(u[i], u[j]);
	}
	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		uuid_v4(child);
		_exit(write(fds[1], child, sizeof child) == sizeof child ? 0 :
		    1);
	}
	ck_assert_int_gt(pid, 0);
	uuid_v4(mine);
	ck_assert_int_eq(read(fds[0], child, sizeof child), sizeof child);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_str_ne(mine, child);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_random_bytes)
{
	unsigned char	buf[64], zero[64] = { 0 };

	memset(buf, 0, sizeof buf);
	random_bytes(buf, sizeof buf);
	ck_assert(memcmp(buf, zero, sizeof buf) != 0);
	random_bytes(buf, 0);
}
END_TEST

static Suite *
ids_suite(void)
{
	Suite	*s = suite_create("ids");
	TCase	*tc;

	tc = tcase_create("id_parse");
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("id_format");
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("id_random");
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	tc = tcase_create("uuid_v4");
	tcase_add_test(tc, test_uuid);
	tcase_add_test(tc, test_uuid_pool);
	suite_add_tcase(s, tc);
	tc = tcase_create("random_bytes");
	tcase_add_test(tc, test_random_bytes);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(ids_suite)
