/* check_forwarded: the BAAS_TRUSTED_PROXIES syntax, network matching
 * (IPv4, IPv6, IPv4-mapped), and which X-Forwarded-For entry names the
 * client: only trusted hops are believed, whatever a client writes. */
#include "check_main.h"
#include "forwarded.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* The text form of what forwarded_client chose. */
static const char *
client(const struct forwarded_trust *t, const char *peer,
    const char *const *values, size_t n)
{
	static char	 buf[INET6_ADDRSTRLEN];
	unsigned char	 p[16], out[16];
	size_t		 plen = 4, len;

	if (inet_pton(AF_INET, peer, p) != 1) {
		ck_assert_int_eq(inet_pton(AF_INET6, peer, p), 1);
		plen = 16;
	}
	len = forwarded_client(t, p, plen, values, n, out);
	ck_assert(len == 4 || len == 16);
	ck_assert_ptr_nonnull(inet_ntop(len == 4 ? AF_INET : AF_INET6, out,
	    buf, sizeof buf));
	return (buf);
}

static int
trusts(const struct forwarded_trust *t, const char *addr)
{
	unsigned char	a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return (forwarded_trusts(t, a, 4));
	ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
	return (forwarded_trusts(t, a, 16));
}

static void
parse_ok(const char *spec, struct forwarded_trust *t)
{
	char	err[160];

	ck_assert_msg(forwarded_parse(spec, t, err, sizeof err) == 0,
	    "%s: %s", spec, err);
}

START_TEST(test_parse_and_match)
{
	struct forwarded_trust	t;

	parse_ok("", &t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert(!trusts(&t, "127.0.0.1"));

	parse_ok("127.0.0.1, 10.1.2.3/8 ,fd00::/8,::1,192.0.2.128/25", &t);
	ck_assert_uint_eq(t.n, 5);
	ck_assert(trusts(&t, "127.0.0.1"));
	ck_assert(!trusts(&t, "127.0.0.2"));
	ck_assert(trusts(&t, "10.255.0.1"));	/* host bits ignored */
	ck_assert(!trusts(&t, "11.0.0.1"));
	ck_assert(trusts(&t, "fd12:3456::1"));
	ck_assert(!trusts(&t, "fe80::1"));
	ck_assert(trusts(&t, "::1"));
	ck_assert(!trusts(&t, "::2"));
	ck_assert(trusts(&t, "192.0.2.200"));
	ck_assert(!trusts(&t, "192.0.2.127"));
	/* A dual-stack listener sees IPv4 clients as IPv4-mapped. */
	ck_assert(trusts(&t, "::ffff:10.9.9.9"));
	ck_assert(!trusts(&t, "::ffff:11.9.9.9"));

	parse_ok("::ffff:10.0.0.0/104", &t);
	ck_assert(trusts(&t, "10.3.3.3"));
	ck_assert(!trusts(&t, "11.3.3.3"));
	parse_ok("0.0.0.0/0", &t);
	ck_assert(trusts(&t, "203.0.113.9"));
	ck_assert(!trusts(&t, "2001:db8::1"));
}
END_TEST

static const char *const bad_specs[] = {
	"off", ",", "127.0.0.1,", ",127.0.0.1", "127.0.0.1,,::1",
	"localhost", "127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
	"10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/1234", "::ffff:10.0.0.0/64",
	"1.2.3", "1.2.3.4.5", "[::1]", "127.0.0.1:80", "10.0.0.0/-8",
};

START_TEST(test_parse_bad)
{
	struct forwarded_trust	t;
	char			err[160] = "";

	ck_assert_msg(forwarded_parse(bad_specs[_i], &t, err, sizeof err) ==
	    -1, "%s accepted", bad_specs[_i]);
	ck_assert(strstr(err, "IP addresses") != NULL);
}
END_TEST

/* A bad member is named, but never with its control bytes (the message
 * reaches the log). */
START_TEST(test_parse_bad_escaped)
{
	struct forwarded_trust	t;
	char			err[160] = "";

	ck_assert_int_eq(forwarded_parse("127.0.0.1,10.0.\x1b[31m\t",
	    &t, err, sizeof err), -1);
	for (const char *e = err; *e != '\0'; e++)
		ck_assert_msg((unsigned char)*e >= 0x20 && *e != 0x7f,
		    "control byte in: %s", err);
	ck_assert(strstr(err, "10.0.") != NULL);
}
END_TEST

START_TEST(test_too_many)
{
	struct forwarded_trust	t;
	char			spec[2048] = "", err[160];

	for (int i = 0; i <= FORWARDED_MAX_NETS; i++)
		snprintf(spec + strlen(spec), sizeof spec - strlen(spec),
		    "%s10.0.%d.0/24", i ? "," : "", i);
	ck_assert_int_eq(forwarded_parse(spec, &t, err, sizeof err), -1);
	ck_assert(strstr(err, "at most") != NULL);
}
END_TEST

START_TEST(test_client)
{
	struct forwarded_trust	 none, t;
	const char		*one[] = { "198.51.100.7" };
	const char		*spoofed[] = { "1.1.1.1, 198.51.100.7" };
	const char		*chain[] = { "203.0.113.5, 10.0.0.9" };
	const char		*lines[] = { "203.0.113.5", "10.0.0.9",
	    "10.0.0.8" };
	const char		*junk[] = { "unknown" };
	const char		*junk_left[] = { "garbage, 198.51.100.7" };
	const char		*v6[] = { " 2001:db8::7 " };
	const char		*mapped[] = { "::ffff:198.51.100.9" };
	const char		*empty[] = { "" };

	parse_ok("", &none);
	parse_ok("127.0.0.1,10.0.0.0/8", &t);
	/* Nobody trusted: the peer, whatever the header says. */
	ck_assert_str_eq(client(&none, "127.0.0.1", one, 1), "127.0.0.1");
	/* An untrusted peer writing the header is still itself. */
	ck_assert_str_eq(client(&t, "192.0.2.1", one, 1), "192.0.2.1");
	/* Through the proxy: the entry it added. */
	ck_assert_str_eq(client(&t, "127.0.0.1", one, 1), "198.51.100.7");
	ck_assert_str_eq(client(&t, "127.0.0.1", NULL, 0), "127.0.0.1");
	/* What the client wrote to the left is never believed. */
	ck_assert_str_eq(client(&t, "127.0.0.1", spoofed, 1),
	    "198.51.100.7");
	/* Two trusted hops: past both. */
	ck_assert_str_eq(client(&t, "127.0.0.1", chain, 1), "203.0.113.5");
	/* Several header lines count as one list, in order. */
	ck_assert_str_eq(client(&t, "127.0.0.1", lines, 3), "203.0.113.5");
	/* Not an address: the hop that wrote it. */
	ck_assert_str_eq(client(&t, "127.0.0.1", junk, 1), "127.0.0.1");
	ck_assert_str_eq(client(&t, "127.0.0.1", empty, 1), "127.0.0.1");
	ck_assert_str_eq(client(&t, "127.0.0.1", junk_left, 1),
	    "198.51.100.7");
	ck_assert_str_eq(client(&t, "127.0.0.1", v6, 1), "2001:db8::7");
	ck_assert_str_eq(client(&t, "127.0.0.1", mapped, 1),
	    "198.51.100.9");
	ck_assert_str_eq(client(&t, "::ffff:127.0.0.1", one, 1),
	    "198.51.100.7");
	/* Everything trusted: the leftmost entry. */
	ck_assert_str_eq(client(&t, "10.0.0.1", (const char *[]){
	    "10.0.0.3, 10.0.0.2" }, 1), "10.0.0.3");
}
END_TEST

static Suite *
forwarded_suite(void)
{
	Suite	*s = suite_create("forwarded");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_parse_and_match);
	tcase_add_loop_test(tc, test_parse_bad, 0, NELEM(bad_specs));
	tcase_add_test(tc, test_parse_bad_escaped);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_client);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(forwarded_suite)
