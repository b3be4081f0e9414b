/* fuzz_friends_body: the bodies of the friends module's routes, each input
 * given to all five parsers (friend request, friend request patch, friend
 * patch, presence patch, block). Properties: what a parser accepts holds
 * only the names, types and sizes the contract allows, as canonical JSON
 * texts the database can store as they are; what it refuses is a 400. */
#include "fuzz.h"

#include <jansson.h>

#include "friends.h"
#include "friends_parse.h"

static json_t *
load(const char *text)
{
	json_t	*j = json_loads(text, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, NULL);

	FUZZ_CHECK(j != NULL);
	return (j);
}

/* {"route:<something>": string or number, ...} (and a known "reason" when
 * reason is set). */
static void
check_route_extras(json_t *o, int reason)
{
	const char	*key;
	json_t		*v;

	FUZZ_CHECK(json_is_object(o));
	json_object_foreach(o, key, v) {
		if (reason && strcmp(key, "reason") == 0) {
			FUZZ_CHECK(block_reason_valid(json_string_value(v)));
			continue;
		}
		FUZZ_CHECK(strncmp(key, "route:", 6) == 0 && key[6] != '\0');
		FUZZ_CHECK(json_is_string(v) || json_is_number(v));
	}
}

static void
friend_request(const char *s, size_t size)
{
	struct friend_request_in	 in;
	struct problem			 p;
	json_t				*j, *v;
	size_t				 i;

	if (friend_request_in_parse(s, size, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(in.channels == NULL && in.extras_sender == NULL);
		return;
	}
	FUZZ_CHECK(size <= FRIEND_REQUEST_BODY_MAX);
	j = load(in.channels);
	FUZZ_CHECK(json_is_array(j) && json_array_size(j) > 0);
	json_array_foreach(j, i, v)
		FUZZ_CHECK(friend_channel_valid(json_string_value(v)));
	json_decref(j);
	j = load(in.extras_sender);
	check_route_extras(j, 0);
	json_decref(j);
	j = load(in.extras_sender_and_receiver);
	check_route_extras(j, 0);
	json_decref(j);
	friend_request_in_free(&in);
}

static void
friend_request_patch(const char *s, size_t size)
{
	struct friend_request_patch	 rp;
	struct problem			 p;

	if (friend_request_patch_parse(s, size, &rp, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS ||
		    p.code == PROBLEM_INVALID_OPERATION);
		return;
	}
	if (rp.has_state)
		FUZZ_CHECK(rp.state == FRS_AUTHORIZED ||
		    rp.state == FRS_REJECTED || rp.state == FRS_CANCELED);
	FUZZ_CHECK(rp.read == 0 || rp.read == 1);
}

static void
friend_patch(const char *s, size_t size)
{
	struct friend_patch	 fp;
	struct problem		 p;

	if (friend_patch_parse(s, size, &fp, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(fp.note == NULL);
		return;
	}
	FUZZ_CHECK(fp.has_note == (fp.note != NULL));
	if (fp.note != NULL)
		FUZZ_CHECK(strlen(fp.note) <= FRIEND_NOTE_MAX);
	friend_patch_free(&fp);
}

static int
hex16(const char *s)
{
	if (s == NULL || strlen(s) != 16)
		return (0);
	return (strspn(s, "0123456789abcdefABCDEF") == 16);
}

static void
presence_patch(const char *s, size_t size)
{
	struct presence_patch	 pp;
	struct problem		 p;
	json_t			*set, *rm, *v;
	const char		*key;
	size_t			 i;

	if (presence_patch_parse(s, size, &pp, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(pp.set == NULL && pp.remove == NULL);
		return;
	}
	FUZZ_CHECK((unsigned)pp.state < PRESENCE__COUNT);
	set = load(pp.set);
	FUZZ_CHECK(json_is_object(set));
	json_object_foreach(set, key, v) {
		if (strcmp(key, "appInfo:appId") == 0 ||
		    strcmp(key, "appInfo:presenceGroupId") == 0)
			FUZZ_CHECK(hex16(json_string_value(v)));
		else if (strcmp(key, "appInfo:acdIndex") == 0)
			FUZZ_CHECK(json_is_number(v));
		else {
			FUZZ_CHECK(strcmp(key, "appField") == 0);
			FUZZ_CHECK(json_is_string(v));
		}
	}
	rm = load(pp.remove);
	FUZZ_CHECK(json_is_array(rm));
	json_array_foreach(rm, i, v) {
		const char *k = json_string_value(v);

		FUZZ_CHECK(k != NULL && (strcmp(k, "appField") == 0 ||
		    strncmp(k, "appInfo:", 8) == 0));
	}
	json_decref(set);
	json_decref(rm);
	presence_patch_free(&pp);
}

static void
block(const char *s, size_t size)
{
	struct block_in	 b;
	struct problem	 p;
	json_t		*j;

	if (block_in_parse(s, size, &b, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(b.extras == NULL);
		return;
	}
	j = load(b.extras);
	FUZZ_CHECK(json_is_object(j) && json_object_size(j) == 1);
	check_route_extras(json_object_get(j, "self"), 1);
	json_decref(j);
	block_in_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* friend_request_in_parse wants body[len] to be NUL. */
	char	*s = fuzz_str(data, size);

	friend_request(s, size);
	friend_request_patch(s, size);
	friend_patch(s, size);
	presence_patch(s, size);
	block(s, size);
	free(s);
	return (0);
}
