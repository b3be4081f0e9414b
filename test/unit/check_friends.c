/* check_friends: the friends module's models: names, the visibility table
 * (permission x relationship x favourite), the presence lease, list paging
 * (the body parsers are check_friends_parse.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "friends.h"

/* ------------------------------------------------------------ names */

START_TEST(test_state_names)
{
	static const char *bad[] = { "", "pending", "Pending", "PENDING ",
	    "CANCELLED", "ACCEPTED", NULL };

	for (int s = 0; s < FRS__COUNT; s++) {
		enum friend_request_state back;

		ck_assert_int_eq(friend_request_state_parse(
		    friend_request_state_name(s), &back), 0);
		ck_assert_int_eq(back, s);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		enum friend_request_state back = FRS_REJECTED;

		ck_assert_int_eq(friend_request_state_parse(bad[i], &back), -1);
		ck_assert_int_eq(back, FRS_REJECTED);
	}
	ck_assert_ptr_null(friend_request_state_name(FRS__COUNT));
	ck_assert_str_eq(friend_request_state_name(FRS_CANCELED), "CANCELED");
}
END_TEST

START_TEST(test_presence_names)
{
	static const char *good[] = { "OFFLINE", "INACTIVE", "ONLINE",
	    "PLAYING" };
	static const char *perms[] = { "FRIENDS", "FAVORITE_FRIENDS", "SELF" };
	enum presence_state s;
	enum presence_permission pp;

	for (size_t i = 0; i < NELEM(good); i++) {
		ck_assert_int_eq(presence_state_parse(good[i], &s), 0);
		ck_assert_str_eq(presence_state_name(s), good[i]);
	}
	ck_assert_int_eq(presence_state_parse("online", &s), -1);
	ck_assert_int_eq(presence_state_parse("AWAY", &s), -1);
	for (size_t i = 0; i < NELEM(perms); i++) {
		ck_assert_int_eq(presence_permission_parse(perms[i], &pp), 0);
		ck_assert_str_eq(presence_permission_name(pp), perms[i]);
	}
	ck_assert_int_eq(presence_permission_parse("EVERYONE", &pp), -1);
}
END_TEST

START_TEST(test_channels_and_reasons)
{
	static const struct {
		const char	*s;
		int		 channel, reason;
	} cases[] = {
		{ "NX_FACED", 1, 0 }, { "FRIEND_CODE", 1, 0 },
		{ "IN_APP", 1, 1 }, { "NINTENDO_ACCOUNT", 1, 0 },
		{ "3DS", 1, 0 }, { "NNID", 1, 0 }, { "FACEBOOK", 1, 0 },
		{ "TWITTER", 1, 0 }, { "WECHAT", 1, 0 }, { "CAMPUS", 1, 0 },
		{ "BAD_FRIEND_REQUEST", 0, 1 }, { "BAD_FRIEND", 0, 1 },
		{ "IN_CAMPUS", 0, 1 }, { "nx_faced", 0, 0 }, { "", 0, 0 },
		{ "EMAIL", 0, 0 }, { NULL, 0, 0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		ck_assert_msg(friend_channel_valid(cases[i].s) ==
		    cases[i].channel, "channel %s", cases[i].s);
		ck_assert_msg(block_reason_valid(cases[i].s) == cases[i].reason,
		    "reason %s", cases[i].s);
	}
}
END_TEST

START_TEST(test_group_names)
{
	static const char *want[] = { "self", "favoriteFriends", "friends",
	    "foaf", "everyone" };
	unsigned all = 0;

	for (int i = 0; i < EXTRAS_NGROUPS; i++) {
		ck_assert_str_eq(extras_group_name(extras_group_bit(i)),
		    want[i]);
		all |= extras_group_bit(i);
	}
	ck_assert_uint_eq(all, EXTRAS_ALL);
	ck_assert_uint_eq(extras_group_bit(EXTRAS_NGROUPS), 0);
	ck_assert_ptr_null(extras_group_name(EXTRAS_FRIENDS | EXTRAS_FOAF));
}
END_TEST

/* ------------------------------------------------------------ visibility */

#define FF EXTRAS_FAVORITE_FRIENDS
#define FR EXTRAS_FRIENDS

/* permission x relationship x favourite -> presence, its groups, play-log
 * groups: the rules of API.md section 5, row by row. */
static const struct {
	enum presence_permission	 perm;
	enum relationship		 rel;
	int				 favorite;
	int				 presence;
	unsigned			 presence_groups;
	unsigned			 extras_groups;
} vis[] = {
	/* The owner sees everything whatever the permission. */
	{ PRESENCE_PERM_FRIENDS, REL_SELF, 0, 1, EXTRAS_ALL, EXTRAS_ALL },
	{ PRESENCE_PERM_FRIENDS, REL_SELF, 1, 1, EXTRAS_ALL, EXTRAS_ALL },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_SELF, 0, 1, EXTRAS_ALL,
	  EXTRAS_ALL },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_SELF, 1, 1, EXTRAS_ALL,
	  EXTRAS_ALL },
	{ PRESENCE_PERM_SELF, REL_SELF, 0, 1, EXTRAS_ALL, EXTRAS_ALL },
	{ PRESENCE_PERM_SELF, REL_SELF, 1, 1, EXTRAS_ALL, EXTRAS_ALL },
	/* Friends. */
	{ PRESENCE_PERM_FRIENDS, REL_FRIEND, 0, 1, FR, FR },
	{ PRESENCE_PERM_FRIENDS, REL_FRIEND, 1, 1, FR | FF, FR | FF },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_FRIEND, 0, 0, 0, FR },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_FRIEND, 1, 1, FR | FF, FR | FF },
	{ PRESENCE_PERM_SELF, REL_FRIEND, 0, 0, 0, FR },
	{ PRESENCE_PERM_SELF, REL_FRIEND, 1, 0, 0, FR | FF },
	/* Friends of friends: never presence, the foaf group. */
	{ PRESENCE_PERM_FRIENDS, REL_FOAF, 0, 0, 0, EXTRAS_FOAF },
	{ PRESENCE_PERM_FRIENDS, REL_FOAF, 1, 0, 0, EXTRAS_FOAF },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_FOAF, 0, 0, 0, EXTRAS_FOAF },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_FOAF, 1, 0, 0, EXTRAS_FOAF },
	{ PRESENCE_PERM_SELF, REL_FOAF, 0, 0, 0, EXTRAS_FOAF },
	{ PRESENCE_PERM_SELF, REL_FOAF, 1, 0, 0, EXTRAS_FOAF },
	/* Anyone else: never presence, the everyone group. */
	{ PRESENCE_PERM_FRIENDS, REL_NONE, 0, 0, 0, EXTRAS_EVERYONE },
	{ PRESENCE_PERM_FRIENDS, REL_NONE, 1, 0, 0, EXTRAS_EVERYONE },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_NONE, 0, 0, 0, EXTRAS_EVERYONE },
	{ PRESENCE_PERM_FAVORITE_FRIENDS, REL_NONE, 1, 0, 0, EXTRAS_EVERYONE },
	{ PRESENCE_PERM_SELF, REL_NONE, 0, 0, 0, EXTRAS_EVERYONE },
	{ PRESENCE_PERM_SELF, REL_NONE, 1, 0, 0, EXTRAS_EVERYONE },
};

START_TEST(test_visibility_table)
{
	for (size_t i = 0; i < NELEM(vis); i++) {
		struct visibility v;

		friends_visibility(vis[i].perm, vis[i].rel, vis[i].favorite,
		    &v);
		ck_assert_msg(v.presence == vis[i].presence &&
		    v.presence_groups == vis[i].presence_groups &&
		    v.extras_groups == vis[i].extras_groups,
		    "row %zu: presence %d groups %#x extras %#x", i,
		    v.presence, v.presence_groups, v.extras_groups);
	}
}
END_TEST

/* Invariants over every combination, so a new row cannot break them. */
START_TEST(test_visibility_invariants)
{
	ck_assert_uint_eq(NELEM(vis), PRESENCE_PERM__COUNT * REL__COUNT * 2);
	for (int perm = 0; perm < PRESENCE_PERM__COUNT; perm++)
		for (int rel = 0; rel < REL__COUNT; rel++)
			for (int fav = 0; fav < 2; fav++) {
				struct visibility v;

				friends_visibility(perm, rel, fav, &v);
				if (rel != REL_SELF) {
					ck_assert(!(v.extras_groups &
					    EXTRAS_SELF));
					ck_assert(!(v.presence_groups &
					    EXTRAS_SELF));
				}
				if (!v.presence)
					ck_assert_uint_eq(v.presence_groups, 0);
				if (perm == PRESENCE_PERM_SELF)
					ck_assert_int_eq(v.presence,
					    rel == REL_SELF);
				/* Exactly one play-log group for
				 * non-friends. */
				if (rel == REL_FOAF || rel == REL_NONE)
					ck_assert_uint_eq(__builtin_popcount(
					    v.extras_groups), 1);
			}
}
END_TEST

START_TEST(test_presence_lease)
{
	static const struct {
		enum presence_state	 stored;
		int64_t			 updated, logout, expires, now;
		enum presence_state	 want;
		int64_t			 want_updated, want_logout;
		int			 lapsed;
	} cases[] = {
		/* Renewed in time: as stored. */
		{ PRESENCE_ONLINE, 100, 0, 190, 150, PRESENCE_ONLINE, 100, 0,
		  0 },
		{ PRESENCE_PLAYING, 100, 50, 190, 189, PRESENCE_PLAYING, 100,
		  50, 0 },
		/* The lease ended: OFFLINE since it ended. */
		{ PRESENCE_ONLINE, 100, 0, 190, 190, PRESENCE_OFFLINE, 190, 190,
		  1 },
		{ PRESENCE_INACTIVE, 100, 0, 190, 5000, PRESENCE_OFFLINE, 190,
		  190, 1 },
		{ PRESENCE_PLAYING, 100, 20, 190, 191, PRESENCE_OFFLINE, 190,
		  190, 1 },
		/* OFFLINE never lapses. */
		{ PRESENCE_OFFLINE, 100, 100, 0, 5000, PRESENCE_OFFLINE, 100,
		  100, 0 },
		{ PRESENCE_OFFLINE, 100, 0, 190, 5000, PRESENCE_OFFLINE, 100, 0,
		  0 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct presence_view v;

		presence_effective(cases[i].stored, cases[i].updated,
		    cases[i].logout, cases[i].expires, cases[i].now, &v);
		ck_assert_msg(v.state == cases[i].want &&
		    v.updated_at == cases[i].want_updated &&
		    v.logout_at == cases[i].want_logout &&
		    v.lapsed == cases[i].lapsed, "case %zu", i);
	}
}
END_TEST

/* ------------------------------------------------------------ paging */

static const struct {
	const char	*query;
	unsigned	 flags;
	int		 ok;
	int64_t		 offset;
	int		 count, ascending, has_state;
	enum friend_request_state state;
} lq[] = {
	{ "", FRIENDS_QUERY_SORT | FRIENDS_QUERY_FILTER, 1, 0, 100, 0, 0, 0 },
	/* The exact query the emulator sends for the inbox. */
	{ "offset=0&count=100&sort=createdAt:desc&filter.state.$eq=PENDING",
	  FRIENDS_QUERY_SORT | FRIENDS_QUERY_FILTER, 1, 0, 100, 0, 1, FRS_PENDING },
	{ "offset=0&count=100&sort=createdAt%3Adesc&filter.state.%24eq=PENDING",
	  FRIENDS_QUERY_SORT | FRIENDS_QUERY_FILTER, 1, 0, 100, 0, 1, FRS_PENDING },
	{ "offset=5&count=300&sort=createdAt:asc", FRIENDS_QUERY_SORT, 1, 5, 300, 1,
	  0, 0 },
	{ "count=1", 0, 1, 0, 1, 0, 0, 0 },
	{ "filter.state.$eq=EXPIRED", FRIENDS_QUERY_FILTER, 1, 0, 100, 0, 1,
	  FRS_EXPIRED },
	{ "offset=2147483647", 0, 1, 2147483647, 100, 0, 0, 0 },
	/* Parameters a route does not take are ignored. */
	{ "sort=bogus&filter.state.$eq=nope", 0, 1, 0, 100, 0, 0, 0 },
	{ "unknown=1", FRIENDS_QUERY_SORT, 1, 0, 100, 0, 0, 0 },
	/* Errors: never clamped. */
	{ "count=301", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=0", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=-1", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=ten", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=1e2", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=+5", 0, 0, 0, 0, 0, 0, 0 },
	{ "count=99999999999", 0, 0, 0, 0, 0, 0, 0 },
	{ "offset=-1", 0, 0, 0, 0, 0, 0, 0 },
	{ "offset=", 0, 0, 0, 0, 0, 0, 0 },
	{ "offset=1.5", 0, 0, 0, 0, 0, 0, 0 },
	{ "offset=2147483648", 0, 0, 0, 0, 0, 0, 0 },
	{ "offset= 1", 0, 0, 0, 0, 0, 0, 0 },
	{ "sort=createdAt", FRIENDS_QUERY_SORT, 0, 0, 0, 0, 0, 0 },
	{ "sort=updatedAt:desc", FRIENDS_QUERY_SORT, 0, 0, 0, 0, 0, 0 },
	{ "sort=createdAt:DESC", FRIENDS_QUERY_SORT, 0, 0, 0, 0, 0, 0 },
	{ "filter.state.$eq=pending", FRIENDS_QUERY_FILTER, 0, 0, 0, 0, 0, 0 },
	{ "filter.state.$eq=", FRIENDS_QUERY_FILTER, 0, 0, 0, 0, 0, 0 },
};

START_TEST(test_friends_query)
{
	for (size_t i = 0; i < NELEM(lq); i++) {
		struct form		f;
		struct problem		p = { 0 };
		struct friends_query	q;
		int			rc;

		ck_assert_int_eq(form_parse(lq[i].query, strlen(lq[i].query),
		    &f, &p), 0);
		rc = friends_query_parse(&f, 100, 300, lq[i].flags, &q, &p);
		form_free(&f);
		if (!lq[i].ok) {
			ck_assert_msg(rc == -1, "accepted %s", lq[i].query);
			ck_assert_int_eq(p.code, PROBLEM_INVALID_PARAMS);
			continue;
		}
		ck_assert_msg(rc == 0, "refused %s: %s", lq[i].query,
		    p.detail);
		ck_assert_msg(q.offset == lq[i].offset &&
		    q.count == lq[i].count && q.ascending == lq[i].ascending &&
		    q.has_state == lq[i].has_state &&
		    (!q.has_state || q.state == lq[i].state), "%s",
		    lq[i].query);
	}
}
END_TEST

static Suite *
friends_suite(void)
{
	Suite	*s = suite_create("friends");
	TCase	*tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_presence_names);
	tcase_add_test(tc, test_channels_and_reasons);
	tcase_add_test(tc, test_group_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("friends_visibility");
	tcase_add_test(tc, test_visibility_table);
	tcase_add_test(tc, test_visibility_invariants);
	suite_add_tcase(s, tc);

	tc = tcase_create("presence_effective");
	tcase_add_test(tc, test_presence_lease);
	suite_add_tcase(s, tc);

	tc = tcase_create("friends_query_parse");
	tcase_add_test(tc, test_friends_query);
	suite_add_tcase(s, tc);
	return (s);
}

CHECK_MAIN(friends_suite)
