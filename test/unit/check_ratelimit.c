/* check_ratelimit: the BAAS_RATE_LIMITS syntax, token buckets per address
 * (burst, refill, Retry-After), IPv6 counted by /64, fixed memory under
 * many addresses, and threads sharing one limiter. */
#include "check_main.h"
#include "ratelimit.h"

#include <pthread.h>
#include <string.h>

static const unsigned char v4a[4] = { 192, 0, 2, 1 };
static const unsigned char v4b[4] = { 192, 0, 2, 2 };

START_TEST(test_parse)
{
	struct ratelimit_conf	c;
	char			err[128];

	ck_assert_int_eq(ratelimit_parse(RATELIMIT_DEFAULT, &c, err,
	    sizeof err), 0);
	ck_assert(c.enabled && c.rate == 5 && c.burst == 40);
	ck_assert_int_eq(ratelimit_parse("off", &c, err, sizeof err), 0);
	ck_assert(!c.enabled);
	ck_assert_int_eq(ratelimit_parse("sign=120/m", &c, err, sizeof err),
	    0);
	ck_assert(c.enabled && c.rate == 2 && c.burst == 40);
	ck_assert_int_eq(ratelimit_parse("burst=3,sign=0.5/s", &c, err,
	    sizeof err), 0);
	ck_assert(c.rate == 0.5 && c.burst == 3);
}
END_TEST

static const char *const bad_specs[] = {
	"", "on", "OFF", "sign=5", "sign=5/h", "sign=/s", "sign=-1/s",
	"sign=0/s", "sign=1/h", "sign=0.5/m", "burst=0", "burst=1.5",
	"burst=x", "sign=5/s,", ",sign=5/s", "sign=5/s,,burst=2",
	"rate=5/s", "sign 5/s", "sign=nan/s", "sign=inf/s",
	"sign=99999999999/s",
};

START_TEST(test_parse_bad)
{
	struct ratelimit_conf	c;
	char			err[128] = "";

	ck_assert_msg(ratelimit_parse(bad_specs[_i], &c, err, sizeof err) ==
	    -1, "accepted \"%s\"", bad_specs[_i]);
	ck_assert_ptr_nonnull(strstr(err, "sign="));
}
END_TEST

static struct ratelimit *
limiter(double rate, double burst, size_t buckets)
{
	struct ratelimit_conf	c = { 1, rate, burst };

	return (ratelimit_new(&c, buckets));
}

/* burst requests at once, then one per 1/rate seconds; Retry-After says
 * how long until the next. */
START_TEST(test_bucket)
{
	struct ratelimit	*rl = limiter(2, 3, 100);
	int64_t			 t = 1000000;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t), 0);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t), 1);
	/* Another address has its own bucket. */
	ck_assert_int_eq(ratelimit_take(rl, v4b, 4, t), 0);
	/* Refused requests take nothing: half a second brings one back. */
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t + 499), 1);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t + 500), 0);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t + 500), 1);
	/* Never more than burst, however long the pause. */
	t += 3600 * 1000;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ratelimit_take(rl, v4a, 4, t), 0);
	ck_assert_int_ne(ratelimit_take(rl, v4a, 4, t), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_retry_after_rounds_up)
{
	struct ratelimit	*rl = limiter(1.0 / 60, 1, 100);	/* 1/m */

	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 0), 0);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 0), 60);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 59500), 1);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 60000), 0);
	ratelimit_free(rl);
}
END_TEST

/* A host's /64 is one client; IPv4-mapped IPv6 is the IPv4 address. */
START_TEST(test_ipv6_prefix)
{
	struct ratelimit	*rl = limiter(1, 1, 100);
	unsigned char		 a[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4,
				    0, 0, 0, 0, 0, 0, 0, 1 };
	unsigned char		 mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff, 192, 0, 2, 1 };

	ck_assert_int_eq(ratelimit_take(rl, a, 16, 0), 0);
	a[15] = 2;			/* same /64 */
	ck_assert_int_ne(ratelimit_take(rl, a, 16, 0), 0);
	a[7] = 5;			/* another /64 */
	ck_assert_int_eq(ratelimit_take(rl, a, 16, 0), 0);
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 0), 0);
	ck_assert_int_ne(ratelimit_take(rl, mapped, 16, 0), 0);
	/* Not an address: not limited (nothing to key it by). */
	ck_assert_int_eq(ratelimit_take(rl, a, 3, 0), 0);
	ratelimit_free(rl);
}
END_TEST

/* Many more addresses than buckets: memory stays what it was made with,
 * and addresses cycled through the table earn no fresh bursts. */
START_TEST(test_many_addresses)
{
	struct ratelimit	*rl = limiter(1, 2, 256);
	unsigned char		 a[4];
	int			 allowed = 0;

	for (uint32_t i = 0; i < 200000; i++) {
		a[0] = 10;
		a[1] = (unsigned char)(i >> 16);
		a[2] = (unsigned char)(i >> 8);
		a[3] = (unsigned char)i;
		if (ratelimit_take(rl, a, 4, 0) == 0)
			allowed++;
	}
	/* At one instant, at most burst per bucket of the table (256:
	 * 64 shards of one 4-way set), not burst per address. */
	ck_assert_int_gt(allowed, 0);
	ck_assert_int_le(allowed, 2 * 256);
	/* A known client still gets its burst back later. */
	ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 10000), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_disabled)
{
	struct ratelimit_conf	c = { 0, 1, 1 };
	struct ratelimit	*rl = ratelimit_new(&c, 100);

	ck_assert_ptr_null(rl);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(ratelimit_take(rl, v4a, 4, 0), 0);
	ratelimit_free(rl);
}
END_TEST

struct thread_arg {
	struct ratelimit	*rl;
	int			 allowed;
};

static void *
taker(void *p)
{
	struct thread_arg	*ta = p;

	for (int i = 0; i < 10000; i++)
		if (ratelimit_take(ta->rl, v4a, 4, 0) == 0)
			ta->allowed++;
	return (NULL);
}

/* Eight threads on one address at one instant: exactly burst pass. */
START_TEST(test_threads)
{
	struct ratelimit	*rl = limiter(1, 100, 1000);
	pthread_t		 th[8];
	struct thread_arg	 ta[8];
	int			 total = 0;

	for (int i = 0; i < 8; i++) {
		ta[i].rl = rl;
		ta[i].allowed = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, taker, &ta[i]),
		    0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += ta[i].allowed;
	}
	ck_assert_int_eq(total, 100);
	ratelimit_free(rl);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite	*s = suite_create("ratelimit");
	TCase	*tc = tcase_create("ratelimit");

	tcase_add_test(tc, test_parse);
	tcase_add_loop_test(tc, test_parse_bad, 0, NELEM(bad_specs));
	tcase_add_test(tc, test_bucket);
	tcase_add_test(tc, test_retry_after_rounds_up);
	tcase_add_test(tc, test_ipv6_prefix);
	tcase_add_test(tc, test_many_addresses);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(ratelimit_suite)
