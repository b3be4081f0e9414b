/* fuzz_user_patch: user_patch_parse, the PATCH /1.0.0/users/<id> body folded
 * into the change object the database applies. Properties: the change is a
 * JSON object of known members only, and every value in it passes the
 * validator of its field, so nothing unchecked reaches the database; a
 * refused patch is 400 invalid_params. */
#include "fuzz.h"

#include <jansson.h>

#include "user.h"

static const char *const bools[] = {
	"personalAnalytics", "personalNotification", "friendRequestReception",
};

static int
member_is(const char *key, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, names[i]) == 0)
			return (1);
	return (0);
}

static void
check_extras(json_t *extras)
{
	static const char *const groups[] = {
		"self", "favoriteFriends", "friends", "foaf", "everyone",
	};
	const char	*group, *member;
	json_t		*g, *v;

	FUZZ_CHECK(json_is_object(extras));
	json_object_foreach(extras, group, g) {
		FUZZ_CHECK(member_is(group, groups, NELEM(groups)));
		FUZZ_CHECK(json_is_object(g) && json_object_size(g) > 0);
		json_object_foreach(g, member, v) {
			const char *s = json_string_value(v);

			if (strcmp(member, "playLog") == 0)
				FUZZ_CHECK(json_is_null(v) ||
				    user_play_log_valid(s));
			else {
				FUZZ_CHECK(strcmp(member, "nxAccount") == 0 &&
				    strcmp(group, "self") == 0);
				FUZZ_CHECK(json_is_null(v) ||
				    user_nx_account_valid(s));
			}
		}
	}
}

static void
check_change(const char *text)
{
	json_t		*ch, *v;
	const char	*key, *s;

	ch = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(json_is_object(ch));
	json_object_foreach(ch, key, v) {
		s = json_string_value(v);
		if (strcmp(key, "nickname") == 0)
			FUZZ_CHECK(user_nickname_valid(s));
		else if (strcmp(key, "country") == 0)
			FUZZ_CHECK(user_country_valid(s));
		else if (strcmp(key, "birthday") == 0)
			FUZZ_CHECK(user_birthday_valid(s));
		else if (strcmp(key, "thumbnailUrl") == 0)
			FUZZ_CHECK(user_thumbnail_url_valid(s));
		else if (member_is(key, bools, NELEM(bools)))
			FUZZ_CHECK(json_is_boolean(v));
		else if (strcmp(key, "friends") == 0)
			FUZZ_CHECK(s != NULL && (strcmp(s, "EVERYONE") == 0 ||
			    strcmp(s, "FRIENDS") == 0 ||
			    strcmp(s, "SELF") == 0));
		else if (strcmp(key, "presence") == 0)
			FUZZ_CHECK(s != NULL && (strcmp(s, "FRIENDS") == 0 ||
			    strcmp(s, "FAVORITE_FRIENDS") == 0 ||
			    strcmp(s, "SELF") == 0));
		else {
			FUZZ_CHECK(strcmp(key, "extras") == 0);
			check_extras(v);
		}
	}
	json_decref(ch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problem	 p;
	char		*out;

	if (user_patch_parse((const char *)data, size, &out, &p) != 0) {
		FUZZ_CHECK(out == NULL);
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		return (0);
	}
	FUZZ_CHECK(out != NULL);
	check_change(out);
	free(out);
	return (0);
}
