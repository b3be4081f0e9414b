/* routes_images: profile images (API.md section 4): POST /1.0.0/image_upload
 * stores a JPEG in the database (so every instance can serve it) and points
 * the owner's thumbnails at it; GET /1/<user> and /2/<user> serve the
 * user's latest image with ETag and Last-Modified, answering conditional
 * requests with 304 from the image's id and time alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "account_db.h"
#include "app.h"
#include "auth.h"
#include "ids.h"
#include "jsonw.h"
#include "request.h"
#include "router.h"
#include "routes.h"

#define IMAGE_URL_EXPIRES	2147483647
#define THUMB_CACHE_CONTROL	"public, no-cache"

struct upload_state {
	uint64_t	 image_id;
	uint64_t	 owner_id;
	int		 width;
	int		 height;
	char		*url1;
};

static void
upload_state_free(void *arg)
{
	struct upload_state *s = arg;

	free(s->url1);
	free(s);
}

static void
images_upload_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct upload_state	*s = r->state;
	const char		*at;
	struct jsonw		 w;

	if (req_db_or_reply(r, res) != 0)
		return;
	if ((at = db_value(res, 0, "created_at")) == NULL) {
		req_fail_internal(r, "account_store_image returned nothing");
		return;
	}
	jsonw_init(&w, 512);
	jsonw_lit(&w, "{\"id\":");
	jsonw_id(&w, s->image_id);
	jsonw_lit(&w, ",\"ownerId\":");
	jsonw_id(&w, s->owner_id);
	jsonw_lit(&w, ",\"owner\":{\"id\":");
	jsonw_id(&w, s->owner_id);
	jsonw_lit(&w, "},\"state\":\"STORED\",\"content\":{\"id\":");
	jsonw_id(&w, s->image_id);
	jsonw_lit(&w, ",\"width\":");
	jsonw_int(&w, s->width);
	jsonw_lit(&w, ",\"height\":");
	jsonw_int(&w, s->height);
	jsonw_lit(&w, ",\"format\":\"jpg\",\"url\":");
	jsonw_str(&w, s->url1);
	jsonw_lit(&w, ",\"urlExpiresAt\":");
	jsonw_int(&w, IMAGE_URL_EXPIRES);
	jsonw_lit(&w, "},\"createdAt\":");
	jsonw_lit(&w, at);
	jsonw_lit(&w, ",\"updatedAt\":");
	jsonw_lit(&w, at);
	jsonw_lit(&w, "}");
	req_reply_json_text(r, 200, w.buf, w.len, NULL);
	jsonw_free(&w);
}

static enum route_result
images_upload(struct req *r)
{
	struct account_image		 in;
	struct upload_state	*s;
	char			 uid[ID_HEX_LEN + 1], *hex, *url2;

	if (account_image_parse(r->body, r->body_len, &in, &r->problem) != 0)
		return (ROUTE_ERROR);
	if (!auth_may_act_for(&r->principal, in.owner_id)) {
		account_image_free(&in);
		return (req_fail(r, PROBLEM_INSUFFICIENT_SCOPE,
		    "A user token may upload only its own images"));
	}
	s = xcalloc(1, sizeof *s);
	s->image_id = id_random();
	s->owner_id = in.owner_id;
	s->width = in.width;
	s->height = in.height;
	id_format(in.owner_id, uid);
	s->url1 = xasprintf("%s/1/%s", app.cfg.image_base_url, uid);
	url2 = xasprintf("%s/2/%s", app.cfg.image_base_url, uid);
	r->state = s;
	r->state_free = upload_state_free;
	hex = account_image_hex_new(in.data, in.len);
	account_image_free(&in);
	account_db_image_store(r->db, s->image_id, s->owner_id, hex,
	    s->width, s->height, s->url1, url2, images_upload_done, r);
	free(hex);
	free(url2);
	return (ROUTE_WAIT);
}

/* An HTTP-date (IMF-fixdate) of t. */
static void
http_date(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Whether an If-None-Match list names etag (or is "*"). */
static int
etag_listed(const char *header, const char *etag)
{
	const char	*s = header;
	size_t		 elen = strlen(etag);

	while (*s != '\0') {
		size_t	n;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		n = strcspn(s, ",");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if ((n == 1 && *s == '*') || (n == elen &&
		    strncmp(s, etag, n) == 0) || (n == elen + 2 &&
		    strncmp(s, "W/", 2) == 0 &&
		    strncmp(s + 2, etag, elen) == 0))
			return (1);
		s += strcspn(s, ",");
	}
	return (0);
}

/* Whether If-Modified-Since says the client has what changed at t. */
static int
not_modified_since(const char *header, int64_t t)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof tm);
	end = strptime(header, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return (0);
	return ((int64_t)timegm(&tm) >= t);
}

/* What a thumbnail reply says of the image: from either statement. */
struct thumb_meta {
	char	 etag[ID_HEX_LEN + 3];
	char	 date[64];
	int64_t	 created_at;
};

/* Reads the image's id and time into m; -1 when it has replied (database
 * error, unknown or deleted user, no image). */
static int
thumb_meta_read(struct req *r, const struct db_result *res,
    struct thumb_meta *m)
{
	const char	*deleted;
	char		 hex[ID_HEX_LEN + 1];
	uint64_t	 id;

	if (req_db_or_reply(r, res) != 0)
		return (-1);
	if (db_ntuples(res) == 0) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND, NULL);
		return (-1);
	}
	deleted = db_value(res, 0, "deleted");
	if (deleted != NULL && strcmp(deleted, "true") == 0) {
		req_fail_now(r, PROBLEM_DELETED_USER, NULL);
		return (-1);
	}
	if (db_id(res, 0, "id", &id) != 0 ||
	    db_value(res, 0, "created_at") == NULL) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "This user has no image");
		return (-1);
	}
	id_format(id, hex);
	snprintf(m->etag, sizeof m->etag, "\"%s\"", hex);
	m->created_at = db_int64(res, 0, "created_at");
	http_date(m->created_at, m->date, sizeof m->date);
	return (0);
}

/* Whether the client's copy is current (If-None-Match, else
 * If-Modified-Since). */
static int
thumb_not_modified(struct req *r, const struct thumb_meta *m)
{
	const char	*inm = req_header(r, "If-None-Match");
	const char	*ims = req_header(r, "If-Modified-Since");

	return ((inm != NULL && etag_listed(inm, m->etag)) ||
	    (inm == NULL && ims != NULL &&
	    not_modified_since(ims, m->created_at)));
}

static void
thumb_reply(struct req *r, const struct thumb_meta *m, int status,
    const void *data, size_t len)
{
	req_add_header(r, "ETag", m->etag);
	req_add_header(r, "Last-Modified", m->date);
	req_add_header(r, "Cache-Control", THUMB_CACHE_CONTROL);
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	req_reply_bytes(r, status, "image/jpeg", data, len);
}

static void
images_thumbnail_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct thumb_meta	 m;
	const char		*data;

	if (thumb_meta_read(r, res, &m) != 0)
		return;
	if (thumb_not_modified(r, &m)) {
		thumb_reply(r, &m, 304, NULL, 0);
		return;
	}
	if ((data = db_value(res, 0, "data")) == NULL) {
		req_fail_now(r, PROBLEM_RESOURCE_IS_NOT_FOUND,
		    "This user has no image");
		return;
	}
	thumb_reply(r, &m, 200, data, db_length(res, 0, "data"));
}

/* A conditional request asked first without the bytes: a console that has
 * the image (the common case) costs no read of it. */
static void
images_thumbnail_meta_done(const struct db_result *res, void *arg)
{
	struct req		*r = arg;
	struct thumb_meta	 m;
	uint64_t		 uid;

	if (thumb_meta_read(r, res, &m) != 0)
		return;
	if (thumb_not_modified(r, &m)) {
		thumb_reply(r, &m, 304, NULL, 0);
		return;
	}
	if (req_param_id(r, 0, &uid) != 0) {
		req_reply_problem(r);
		return;
	}
	account_db_image_get(r->db, uid, images_thumbnail_done, r);
}

static enum route_result
images_thumbnail(struct req *r)
{
	uint64_t	uid;

	if (req_param_id(r, 0, &uid) != 0)
		return (ROUTE_ERROR);
	if (req_header(r, "If-None-Match") != NULL ||
	    req_header(r, "If-Modified-Since") != NULL)
		account_db_image_meta(r->db, uid,
		    images_thumbnail_meta_done, r);
	else
		account_db_image_get(r->db, uid,
		    images_thumbnail_done, r);
	return (ROUTE_WAIT);
}

const struct route routes_images[] = {
	{ EVHTTP_REQ_POST, "/1.0.0/image_upload", AUTH_USER, BODY_JSON,
	  BODY_LIMIT_IMAGE, images_upload },
	{ EVHTTP_REQ_GET, "/1/<id>", AUTH_NONE, BODY_NONE, 0,
	  images_thumbnail },
	{ EVHTTP_REQ_GET, "/2/<id>", AUTH_NONE, BODY_NONE, 0,
	  images_thumbnail },
};
const size_t routes_images_count = NELEM(routes_images);
