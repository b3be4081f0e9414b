/* metrics: histogram buckets, status code slots, route labels and the
 * Prometheus text format 0.0.4 (the exposition format's "text-based
 * format": HELP and TYPE lines, then `name{labels} value`). */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t metrics_seconds_le[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000,
};
const struct metrics_buckets metrics_seconds = {
	metrics_seconds_le, NELEM(metrics_seconds_le), 6,
};

static const uint64_t metrics_sizes_le[] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024,
};
const struct metrics_buckets metrics_sizes = {
	metrics_sizes_le, NELEM(metrics_sizes_le), 0,
};

void
metrics_hist_observe(struct metrics_hist *h, const struct metrics_buckets *b,
    uint64_t v)
{
	size_t	i = 0;

	/* A dozen bounds: a linear walk, usually a few steps. */
	while (i < b->n && v > b->le[i])
		i++;
	metrics_add(&h->count[i], 1);
	metrics_add(&h->sum, v);
}

void
metrics_hist_merge(struct metrics_hist *dst, const struct metrics_hist *src)
{
	for (size_t i = 0; i < NELEM(dst->count); i++)
		dst->count[i] += metrics_read(&src->count[i]);
	dst->sum += metrics_read(&src->sum);
}

int
metrics_hist_empty(const struct metrics_hist *h)
{
	for (size_t i = 0; i < NELEM(h->count); i++)
		if (h->count[i] != 0)
			return (0);
	return (1);
}

/* The codes this server sends (API.md's table, libevent's own), sorted,
 * by slot; slot 0 stands for any other. */
#define C(n) { n, #n }
static const struct {
	short		 code;
	const char	*name;
} metrics_codes[METRICS_CODE_SLOTS] = {
	{ 0, "other" },
	C(200), C(201), C(202), C(204), C(206), C(301), C(302), C(304), C(400),
	C(401), C(403), C(404), C(405), C(406), C(408), C(409), C(410), C(411),
	C(412), C(413), C(414), C(415), C(416), C(422), C(429), C(431), C(500),
	C(501), C(502), C(503), C(504),
};
#undef C

int
metrics_code_slot(int status)
{
	int	lo = 1, hi = METRICS_CODE_SLOTS - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (metrics_codes[mid].code == status)
			return (mid);
		if (metrics_codes[mid].code < status)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return (0);
}

const char *
metrics_code_name(int slot)
{
	if (slot <= 0 || slot >= METRICS_CODE_SLOTS)
		slot = 0;
	return (metrics_codes[slot].name);
}

const char *
metrics_route_label(const char *pattern, char *buf, size_t n)
{
	size_t	o = 0;

	if (n == 0)
		return ("");
	for (; *pattern != '\0' && o + 1 < n; pattern++) {
		if (*pattern == '<')
			buf[o++] = '{';
		else if (*pattern == '>')
			buf[o++] = '}';
		else
			buf[o++] = *pattern;
	}
	buf[o] = '\0';
	return (buf);
}

static void
metrics_text_append(struct metrics_text *t, const char *fmt, ...)
    PRINTFLIKE(2, 3);

static void
metrics_text_append(struct metrics_text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL,
		    t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? t->cap * 2 : 4096;
		while (t->cap <= t->len + (size_t)n)
			t->cap *= 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
}

void
metrics_text_family(struct metrics_text *t, const char *name,
    const char *type, const char *help)
{
	/* Help texts are ours: no backslash or newline to escape. */
	metrics_text_append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

const char *
metrics_labels(char *buf, size_t n, ...)
{
	const char	*k, *v;
	size_t		 o = 0;
	va_list		 ap;

	if (n == 0)
		return ("");
	buf[0] = '\0';
	va_start(ap, n);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s=\"",
		    o ? "," : "", k);
		for (; v != NULL && *v != '\0' && o + 3 < n; v++) {
			if (*v == '\\' || *v == '"' || *v == '\n') {
				buf[o++] = '\\';
				buf[o++] = *v == '\n' ? 'n' : *v;
			} else
				buf[o++] = *v;
		}
		if (o + 2 >= n)
			break;
		buf[o++] = '"';
		buf[o] = '\0';
	}
	va_end(ap);
	if (o >= n)
		buf[n - 1] = '\0';
	return (buf);
}

static void
metrics_text_name(struct metrics_text *t, const char *name,
    const char *labels)
{
	if (labels != NULL && labels[0] != '\0')
		metrics_text_append(t, "%s{%s} ", name, labels);
	else
		metrics_text_append(t, "%s ", name);
}

void
metrics_text_u64(struct metrics_text *t, const char *name,
    const char *labels, uint64_t v)
{
	metrics_text_name(t, name, labels);
	metrics_text_append(t, "%" PRIu64 "\n", v);
}

void
metrics_text_by_label(struct metrics_text *t, const char *name,
    const char *label, const char *const *names, const uint64_t *values,
    size_t n)
{
	char	labels[256];

	for (size_t i = 0; i < n; i++)
		metrics_text_u64(t, name, metrics_labels(labels, sizeof labels,
		    label, names[i], NULL), values[i]);
}

void
metrics_text_double(struct metrics_text *t, const char *name,
    const char *labels, double v)
{
	metrics_text_name(t, name, labels);
	/* 15 significant digits: what a double holds of a decimal. */
	metrics_text_append(t, "%.15g\n", v);
}

/* v / 10^digits in decimal, exactly: "0.0005", "2.5", "5", "12.000345". */
static const char *
metrics_fixed(uint64_t v, int digits, char *buf, size_t n)
{
	uint64_t	div = 1, frac;
	int		len;

	for (int i = 0; i < digits; i++)
		div *= 10;
	len = snprintf(buf, n, "%" PRIu64, v / div);
	frac = v % div;
	if (frac == 0 || len < 0 || (size_t)len + 2 + (size_t)digits > n)
		return (buf);
	buf[len++] = '.';
	for (int i = digits - 1; i >= 0; i--) {
		buf[len + i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	len += digits;
	while (buf[len - 1] == '0')	/* no trailing zeros */
		len--;
	buf[len] = '\0';
	return (buf);
}

void
metrics_text_hist(struct metrics_text *t, const char *name,
    const char *labels, const struct metrics_buckets *b,
    const struct metrics_hist *h)
{
	const char	*sep = labels != NULL && labels[0] != '\0' ? "," : "";
	uint64_t	 cum = 0;
	char		 num[32];

	if (labels == NULL)
		labels = "";
	for (size_t i = 0; i <= b->n; i++) {
		cum += h->count[i];
		if (i < b->n)
			metrics_text_append(t, "%s_bucket{%s%sle=\"%s\"} %"
			    PRIu64 "\n", name, labels, sep, metrics_fixed(
			    b->le[i], b->digits, num, sizeof num), cum);
		else
			metrics_text_append(t, "%s_bucket{%s%sle=\"+Inf\"} %"
			    PRIu64 "\n", name, labels, sep, cum);
	}
	metrics_text_append(t, "%s_sum%s%s%s %s\n", name,
	    labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    metrics_fixed(h->sum, b->digits, num, sizeof num));
	metrics_text_append(t, "%s_count%s%s%s %" PRIu64 "\n", name,
	    labels[0] ? "{" : "", labels, labels[0] ? "}" : "", cum);
}

void
metrics_text_free(struct metrics_text *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
