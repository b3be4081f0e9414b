/* fuzz_query: the query strings of the list routes (friends_query_parse under
 * the friends, inbox, outbox and blocks routes) and of GET /1.0.0/users
 * (user_lookup_parse), read through form_parse as the server does.
 * Properties: accepted paging is within its bounds, a lookup holds 1 to 100
 * distinct well-formed ids or codes, and the array literal sent to Postgres
 * (db_text_id_array_new, db_text_array_new) holds exactly those, in order. */
#include "fuzz.h"

#include <inttypes.h>
#include <limits.h>

#include "db_text.h"
#include "form.h"
#include "friends.h"
#include "user.h"

static void
list_query(const struct form *q, int def, int max, unsigned flags)
{
	struct friends_query	 lq;
	struct problem		 p;

	if (friends_query_parse(q, def, max, flags, &lq, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		return;
	}
	FUZZ_CHECK(lq.offset >= 0 && lq.offset <= INT_MAX);
	FUZZ_CHECK(lq.count >= 1 && lq.count <= max);
	if (form_get(q, "count") == NULL)
		FUZZ_CHECK(lq.count == def);
	FUZZ_CHECK(lq.ascending == 0 || lq.ascending == 1);
	if (!(flags & FRIENDS_QUERY_SORT))
		FUZZ_CHECK(lq.ascending == 0);
	if (!(flags & FRIENDS_QUERY_FILTER))
		FUZZ_CHECK(!lq.has_state);
	if (lq.has_state)
		FUZZ_CHECK(friend_request_state_name(lq.state) != NULL);
}

static void
lookup(const struct form *q)
{
	struct user_lookup	 l;
	struct problem		 p;
	char			*arr, *s, *end;

	if (user_lookup_parse(q, &l, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS ||
		    p.code == PROBLEM_INVALID_FRIEND_CODE_FORMAT);
		FUZZ_CHECK(l.ids == NULL && l.codes == NULL && l.n == 0);
		return;
	}
	FUZZ_CHECK(l.n >= 1 && l.n <= USER_LOOKUP_MAX);
	FUZZ_CHECK(l.count >= 1 && l.count <= USER_LOOKUP_MAX);
	FUZZ_CHECK(l.offset >= 0 && l.offset <= INT32_MAX);
	for (size_t i = 0; i < l.n; i++) {
		if (l.by_code) {
			FUZZ_CHECK(strlen(l.codes[i]) == FRIEND_CODE_DIGITS);
			FUZZ_CHECK(strspn(l.codes[i], "0123456789") ==
			    FRIEND_CODE_DIGITS);
		}
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(l.by_code ?
			    strcmp(l.codes[i], l.codes[k]) != 0 :
			    l.ids[i] != l.ids[k]);
	}
	/* The array literal Postgres gets ("{1,2}" or "{\"1234...\"}"):
	 * each element back to what was parsed, in order. */
	if (l.by_code) {
		const char	*codes[USER_LOOKUP_MAX];

		for (size_t i = 0; i < l.n; i++)
			codes[i] = l.codes[i];
		arr = db_text_array_new(codes, l.n);
	} else
		arr = db_text_id_array_new(l.ids, l.n);
	FUZZ_CHECK(arr[0] == '{' && arr[strlen(arr) - 1] == '}');
	s = arr + 1;
	for (size_t i = 0; i < l.n; i++) {
		if (l.by_code) {
			FUZZ_CHECK(*s == '"' && strncmp(s + 1, l.codes[i],
			    FRIEND_CODE_DIGITS) == 0);
			end = s + 1 + FRIEND_CODE_DIGITS;
			FUZZ_CHECK(*end++ == '"');
		} else {
			long long v = strtoll(s, &end, 10);

			FUZZ_CHECK(end != s && (uint64_t)v == l.ids[i]);
		}
		FUZZ_CHECK(*end == (i + 1 < l.n ? ',' : '}'));
		s = end + 1;
	}
	FUZZ_CHECK(*s == '\0');
	free(arr);
	user_lookup_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 q;
	struct problem	 p;

	if (form_parse((const char *)data, size, &q, &p) != 0)
		return (0);
	list_query(&q, 100, 300, FRIENDS_QUERY_SORT | FRIENDS_QUERY_FILTER);
	list_query(&q, 300, 300, 0);
	list_query(&q, 1, 1, FRIENDS_QUERY_SORT);
	lookup(&q);
	form_free(&q);
	return (0);
}
