/* check_metrics: histogram buckets at their bounds, merging, status code
 * slots, route labels, label escaping and the text format's lines. */
#include "check_main.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

START_TEST(test_hist_bounds)
{
	struct metrics_hist	h = { 0 };

	/* A bucket holds values up to and including its bound. */
	metrics_hist_observe(&h, &metrics_seconds, 0);
	metrics_hist_observe(&h, &metrics_seconds, 500);
	metrics_hist_observe(&h, &metrics_seconds, 501);
	metrics_hist_observe(&h, &metrics_seconds, 5000000);
	metrics_hist_observe(&h, &metrics_seconds, 5000001);
	ck_assert_uint_eq(h.count[0], 2);
	ck_assert_uint_eq(h.count[1], 1);
	ck_assert_uint_eq(h.count[metrics_seconds.n - 1], 1);
	ck_assert_uint_eq(h.count[metrics_seconds.n], 1);
	ck_assert_uint_eq(h.sum, 500 + 501 + 5000000 + 5000001);
	ck_assert(!metrics_hist_empty(&h));
}
END_TEST

START_TEST(test_hist_merge)
{
	struct metrics_hist	a = { 0 }, b = { 0 }, sum = { 0 };

	ck_assert(metrics_hist_empty(&sum));
	metrics_hist_observe(&a, &metrics_sizes, 3);
	metrics_hist_observe(&b, &metrics_sizes, 3);
	metrics_hist_observe(&b, &metrics_sizes, 2000);
	metrics_hist_merge(&sum, &a);
	metrics_hist_merge(&sum, &b);
	ck_assert_uint_eq(sum.count[2], 2);		/* le 4 */
	ck_assert_uint_eq(sum.count[metrics_sizes.n], 1);	/* +Inf */
	ck_assert_uint_eq(sum.sum, 2006);
}
END_TEST

START_TEST(test_code_slots)
{
	static const int codes[] = { 200, 201, 204, 304, 400, 401, 403, 404,
	    405, 409, 412, 413, 415, 422, 429, 500, 503 };
	char	name[8];

	for (size_t i = 0; i < NELEM(codes); i++) {
		int slot = metrics_code_slot(codes[i]);

		ck_assert_int_gt(slot, 0);
		ck_assert_int_lt(slot, METRICS_CODE_SLOTS);
		snprintf(name, sizeof name, "%d", codes[i]);
		ck_assert_str_eq(metrics_code_name(slot), name);
	}
	ck_assert_int_eq(metrics_code_slot(299), 0);
	ck_assert_int_eq(metrics_code_slot(-1), 0);
	ck_assert_int_eq(metrics_code_slot(99999), 0);
	ck_assert_str_eq(metrics_code_name(0), "other");
	ck_assert_str_eq(metrics_code_name(METRICS_CODE_SLOTS), "other");
}
END_TEST

START_TEST(test_route_label)
{
	char	buf[64], small[8];

	ck_assert_str_eq(metrics_route_label("/1.0.0/users/<id>/friends/<id>",
	    buf, sizeof buf), "/1.0.0/users/{id}/friends/{id}");
	ck_assert_str_eq(metrics_route_label("/health", buf, sizeof buf),
	    "/health");
	ck_assert_str_eq(metrics_route_label("/1.0.0/users", small,
	    sizeof small), "/1.0.0/");
}
END_TEST

START_TEST(test_labels)
{
	char	buf[128], small[12];

	ck_assert_str_eq(metrics_labels(buf, sizeof buf, NULL), "");
	ck_assert_str_eq(metrics_labels(buf, sizeof buf, "route", "/a",
	    "code", "200", NULL), "route=\"/a\",code=\"200\"");
	ck_assert_str_eq(metrics_labels(buf, sizeof buf, "v", "a\"b\\c\nd",
	    NULL), "v=\"a\\\"b\\\\c\\nd\"");
	/* Cut short, still a C string within the buffer. */
	metrics_labels(small, sizeof small, "route", "/1.0.0/users", NULL);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

START_TEST(test_text)
{
	struct metrics_text	t = { 0 };
	struct metrics_hist	h = { 0 };
	char			labels[64];

	metrics_text_family(&t, "x_total", "counter", "Things.");
	metrics_text_u64(&t, "x_total", metrics_labels(labels, sizeof labels,
	    "kind", "a", NULL), 18446744073709551615ull);
	metrics_text_double(&t, "y", NULL, 0.25);
	metrics_text_double(&t, "z", NULL, 0.82352);
	ck_assert_str_eq(t.buf, "# HELP x_total Things.\n"
	    "# TYPE x_total counter\n"
	    "x_total{kind=\"a\"} 18446744073709551615\n"
	    "y 0.25\n"
	    "z 0.82352\n");
	metrics_text_free(&t);

	{
		static const char *const names[] = { "down", "idle" };
		const uint64_t		 values[] = { 0, 7 };

		metrics_text_by_label(&t, "c", "state", names, values, 2);
		ck_assert_str_eq(t.buf, "c{state=\"down\"} 0\n"
		    "c{state=\"idle\"} 7\n");
		metrics_text_free(&t);
	}

	metrics_hist_observe(&h, &metrics_seconds, 700);
	metrics_hist_observe(&h, &metrics_seconds, 9000000);
	metrics_text_hist(&t, "d_seconds", "r=\"/\"", &metrics_seconds, &h);
	ck_assert_ptr_nonnull(strstr(t.buf,
	    "d_seconds_bucket{r=\"/\",le=\"0.0005\"} 0\n"
	    "d_seconds_bucket{r=\"/\",le=\"0.001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t.buf,
	    "d_seconds_bucket{r=\"/\",le=\"5\"} 1\n"
	    "d_seconds_bucket{r=\"/\",le=\"+Inf\"} 2\n"
	    "d_seconds_sum{r=\"/\"} 9.0007\n"
	    "d_seconds_count{r=\"/\"} 2\n"));
	metrics_text_free(&t);

	/* Without labels; and a long output grows the buffer. */
	memset(&h, 0, sizeof h);
	metrics_hist_observe(&h, &metrics_sizes, 2);
	metrics_hist_observe(&h, &metrics_sizes, 5000);
	for (int i = 0; i < 1000; i++)
		metrics_text_hist(&t, "s", NULL, &metrics_sizes, &h);
	ck_assert_ptr_nonnull(strstr(t.buf, "s_bucket{le=\"1\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(t.buf, "s_count 2\n"));
	ck_assert_ptr_nonnull(strstr(t.buf, "s_sum 5002\n"));
	ck_assert_ptr_nonnull(strstr(t.buf, "s_bucket{le=\"1024\"} 1\n"));
	ck_assert_uint_eq(strlen(t.buf), t.len);
	metrics_text_free(&t);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc;

	tc = tcase_create("hist");
	tcase_add_test(tc, test_hist_bounds);
	tcase_add_test(tc, test_hist_merge);
	suite_add_tcase(s, tc);
	tc = tcase_create("labels");
	tcase_add_test(tc, test_code_slots);
	tcase_add_test(tc, test_route_label);
	tcase_add_test(tc, test_labels);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_text);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(metrics_suite)
