/* request: helpers every routes_<resource>.c shares. */
#include "request.h"

#include <event2/buffer.h>
#include <string.h>

#include "friends_cache.h"
#include "ids.h"

int
req_param_id(struct req *r, int i, uint64_t *out)
{
	if (i >= r->nparams || id_parse(r->param[i], out) != 0)
		return (problem_set(&r->problem, PROBLEM_INVALID_PARAMS,
		    "The id in the path must be 1 to 16 hex digits"));
	return (0);
}

int
req_body_form(struct req *r, struct form *f)
{
	return (form_parse(r->body ? r->body : "", r->body_len, f,
	    &r->problem));
}

const char *
req_device_id(const struct req *r)
{
	return (r->principal.device_id[0] != '\0' ? r->principal.device_id :
	    NULL);
}

static void
req_body_reply(const struct db_result *res, struct req *r, int status)
{
	const char	*body;

	if (req_db_or_reply(r, res) != 0)
		return;
	if ((body = db_value(res, 0, "body")) == NULL) {
		req_fail_internal(r, "statement returned no body");
		return;
	}
	req_reply_json_text(r, status, body, db_length(res, 0, "body"), NULL);
}

void
req_body_200_cb(const struct db_result *res, void *arg)
{
	req_body_reply(res, arg, 200);
}

void
req_body_201_cb(const struct db_result *res, void *arg)
{
	req_body_reply(res, arg, 201);
}

void
req_empty_204_cb(const struct db_result *res, void *arg)
{
	struct req	*r = arg;

	if (req_db_or_reply(r, res) != 0)
		return;
	req_reply_empty(r, 204);
}

static void
req_slice_unref(const void *data, size_t len, void *arg)
{
	friends_list_release(arg);
}

void
req_reply_slice(struct req *r, struct friends_list *fl, int offset,
    int count, const char *before, const char *after)
{
	struct evbuffer	*buf = evbuffer_new();
	const char	*items;
	size_t		 len;

	if (buf == NULL)
		fatal("evbuffer_new failed");
	friends_list_slice(fl, offset, count, &items, &len);
	evbuffer_add(buf, before, strlen(before));
	if (len > 0)
		evbuffer_add_reference(buf, items, len, req_slice_unref,
		    friends_list_ref(fl));
	evbuffer_add(buf, after, strlen(after));
	req_reply_json_buffer(r, 200, buf);
}
