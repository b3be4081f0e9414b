/* check_hosts: which Host headers are the connection test's, the addresses
 * hosts-file lines may point at, and the exact lines written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "hosts.h"

static const char *ctest_yes[] = {
	"ctest.cdn.nintendo.net", "CTEST.CDN.NINTENDO.NET",
	"ctest.cdn.nintendo.net:80", "ctest.cdn.nintendo.net.",
	"ctest.cdn.nintendo.net.:8080", "api.hac.lp1.ctest.srv.nintendo.net",
	"Api.Hac.Lp1.Ctest.Srv.Nintendo.Net:443",
	"api.hac.lp1.ctest.srv.nintendo.net:65535",
};

static const char *ctest_no[] = {
	"", "ctest", "ctest.cdn.nintendo.ne", "ctest.cdn.nintendo.netx",
	"xctest.cdn.nintendo.net", "ctest.cdn.nintendo.net.evil.example",
	"ctest.cdn.nintendo.net:", "ctest.cdn.nintendo.net:80x",
	"ctest.cdn.nintendo.net:123456", "ctest.cdn.nintendo.net..",
	"ctest.cdn.nintendo.net :80", "api.hac.dd1.ctest.srv.nintendo.net",
	"m-lp1.baas.nintendo.com", "127.0.0.1:8080",
};

START_TEST(test_is_ctest)
{
	ck_assert_int_eq(hosts_is_ctest(NULL), 0);
	for (size_t i = 0; i < NELEM(ctest_yes); i++)
		ck_assert_msg(hosts_is_ctest(ctest_yes[i]) == 1, "%s",
		    ctest_yes[i]);
	for (size_t i = 0; i < NELEM(ctest_no); i++)
		ck_assert_msg(hosts_is_ctest(ctest_no[i]) == 0, "%s",
		    ctest_no[i]);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;	/* NULL: refused */
	int		 v6;
} addrs[] = {
	{ "192.168.1.10", "192.168.1.10", 0 },
	{ "127.0.0.1", "127.0.0.1", 0 },
	{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1", 1 },
	{ "::1", "::1", 1 },
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.1", 1 },
	{ "0.0.0.0", NULL, 0 },
	{ "::", NULL, 0 },
	{ "", NULL, 0 },
	{ "10.0.0", NULL, 0 },
	{ "10.0.0.256", NULL, 0 },
	{ " 10.0.0.1", NULL, 0 },
	{ "10.0.0.1 ", NULL, 0 },
	{ "fe80::1%eth0", NULL, 0 },
	{ "[::1]", NULL, 0 },
	{ "localhost", NULL, 0 },
	{ "10.0.0.1/24", NULL, 0 },
};

START_TEST(test_addr_parse)
{
	char	out[HOSTS_ADDR_MAX];
	int	v6;

	ck_assert_int_eq(hosts_addr_parse(NULL, out, &v6), -1);
	for (size_t i = 0; i < NELEM(addrs); i++) {
		int rc = hosts_addr_parse(addrs[i].in, out, &v6);

		if (addrs[i].want == NULL) {
			ck_assert_msg(rc == -1, "%s", addrs[i].in);
			continue;
		}
		ck_assert_msg(rc == 0, "%s", addrs[i].in);
		ck_assert_str_eq(out, addrs[i].want);
		ck_assert_int_eq(v6, addrs[i].v6);
	}
}
END_TEST

START_TEST(test_format_parse)
{
	enum hosts_format	f = HOSTS_ETC;

	ck_assert_int_eq(hosts_format_parse("atmosphere", &f), 0);
	ck_assert_int_eq(f, HOSTS_ATMOSPHERE);
	ck_assert_int_eq(hosts_format_parse("hosts", &f), 0);
	ck_assert_int_eq(f, HOSTS_ETC);
	ck_assert_int_eq(hosts_format_parse("Hosts", &f), -1);
	ck_assert_int_eq(hosts_format_parse("", &f), -1);
	ck_assert_int_eq(hosts_format_parse("dnsmasq", &f), -1);
}
END_TEST

static char *
written(enum hosts_format fmt, const char *addr, int ctest)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	hosts_write(f, fmt, addr, ctest);
	fclose(f);
	return (buf);
}

START_TEST(test_write)
{
	char	*out;

	out = written(HOSTS_ATMOSPHERE, "192.0.2.1", 1);
	ck_assert_str_eq(out,
	    "# baas-server: append to atmosphere/hosts/emummc.txt or "
	    "sysmmc.txt (later lines win)\n"
	    "192.0.2.1 e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com\n"
	    "192.0.2.1 m-lp1.baas.nintendo.com\n"
	    "192.0.2.1 cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa"
	    ".baas.nintendo.com\n"
	    "192.0.2.1 ctest.cdn.nintendo.net\n"
	    "192.0.2.1 api.hac.lp1.ctest.srv.nintendo.net\n");
	free(out);
	out = written(HOSTS_ETC, "::1", 0);
	ck_assert_str_eq(out,
	    "# baas-server: add to /etc/hosts or the DNS server's hosts "
	    "file\n"
	    "::1 e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com\n"
	    "::1 m-lp1.baas.nintendo.com\n"
	    "::1 cdn-image-e0d67c509fb203858ebcb2fe3f88c2aa"
	    ".baas.nintendo.com\n");
	free(out);
}
END_TEST

static Suite *
hosts_suite(void)
{
	Suite	*s = suite_create("hosts");
	TCase	*tc;

	tc = tcase_create("hosts_is_ctest");
	tcase_add_test(tc, test_is_ctest);
	suite_add_tcase(s, tc);
	tc = tcase_create("hosts_addr_parse");
	tcase_add_test(tc, test_addr_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("hosts_format_parse");
	tcase_add_test(tc, test_format_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("hosts_write");
	tcase_add_test(tc, test_write);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(hosts_suite)
