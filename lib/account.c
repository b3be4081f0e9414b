/* account: parsers of the account module's request bodies (see account.h).
 * JSON bodies are parsed with jansson, refusing duplicate members. */
#include "account.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "ids.h"
#include "jpeg.h"
#include "user.h"
#include "utf8.h"

#define GRANT_PUBLIC	"public_client"
#define GRANT_EXCHANGE	"urn:ietf:params:oauth:grant-type:token-exchange"
#define IDP_NA		"nintendoAccount"

/* ------------------------------------------------------------ forms */

int
account_token_form_parse(const struct form *f, struct account_token_in *out,
    struct problem *p)
{
	const char	*g1 = form_get(f, "grantType");
	const char	*g2 = form_get(f, "grant_type");
	const char	*g = g1 != NULL ? g1 : g2;

	memset(out, 0, sizeof *out);
	if (g == NULL)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "grantType is missing"));
	if (strcmp(g, GRANT_PUBLIC) != 0 && strcmp(g, GRANT_EXCHANGE) != 0)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "grantType is not supported"));
	if (g1 != NULL && g2 != NULL && strcmp(g1, g2) != 0 &&
	    (strcmp(g2, GRANT_PUBLIC) != 0 && strcmp(g2, GRANT_EXCHANGE) != 0))
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "grant_type is not supported"));
	out->assertion = form_get(f, "assertion");
	if (out->assertion == NULL || *out->assertion == '\0')
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "assertion is missing"));
	out->penne_id = form_get(f, "penneId");
	return (0);
}

/* true/false/1/0; -1 otherwise. */
static int
parse_flag(const char *s)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return (1);
	if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return (0);
	return (-1);
}

int
account_login_form_parse(const struct form *f, int federation,
    struct account_login_in *out, struct problem *p)
{
	const char	*id = form_get(f, "id"), *v;
	int		 flag;

	memset(out, 0, sizeof *out);
	if (id == NULL || id_parse(id, &out->da_id) != 0)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    id == NULL ? "id is missing" :
		    "id is not a device account id"));
	out->password = form_get(f, "password");
	if (out->password == NULL || *out->password == '\0')
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "password is missing"));
	if ((v = form_get(f, "appAuthNToken")) != NULL && *v != '\0')
		out->app_token = v;
	if ((v = form_get(f, "naCountry")) != NULL && *v != '\0') {
		if (!user_country_valid(v))
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "naCountry is not a country code"));
		out->na_country = v;
	}
	if ((v = form_get(f, "isPersistent")) != NULL) {
		if ((flag = parse_flag(v)) < 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "isPersistent must be true or false"));
		out->is_persistent = flag;
	}
	if ((v = form_get(f, "skipOp2Verification")) != NULL) {
		if ((flag = parse_flag(v)) < 0)
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "skipOp2Verification must be true or false"));
		out->skip_op2 = flag;
	}
	if (!federation)
		return (0);
	if ((v = form_get(f, "idp")) != NULL && strcmp(v, IDP_NA) != 0)
		return (problem_set(p, PROBLEM_INVALID_IDP, NULL));
	out->id_token = form_get(f, "idToken");
	if (out->id_token == NULL || *out->id_token == '\0')
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "idToken is missing"));
	return (0);
}

int
account_link_form_parse(const struct form *f, int need_token,
    const char **id_token, struct problem *p)
{
	const char	*idp = form_get(f, "idp");

	*id_token = NULL;
	if (idp == NULL)
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "idp is missing"));
	if (strcmp(idp, IDP_NA) != 0)
		return (problem_set(p, PROBLEM_INVALID_IDP, NULL));
	if (!need_token)
		return (0);
	*id_token = form_get(f, "idToken");
	if (*id_token == NULL || **id_token == '\0')
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "idToken is missing"));
	return (0);
}

/* ------------------------------------------------------------ JSON bodies */

/* A JSON object body, or NULL with p set. */
static json_t *
load_object(const char *body, size_t len, struct problem *p)
{
	json_error_t	 jerr;
	json_t		*o;

	o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		(void)problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body is not valid JSON");
		return (NULL);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		(void)problem_set(p, PROBLEM_INVALID_PARAMS,
		    "The body is not a JSON object");
		return (NULL);
	}
	return (o);
}

/* A JSON string member holding a 1-16-hex id. */
static int
id_member(json_t *o, const char *name, uint64_t *out)
{
	const char	*s = json_string_value(json_object_get(o, name));

	return (s != NULL && id_parse(s, out) == 0 ? 0 : -1);
}

void
account_image_free(struct account_image *in)
{
	free(in->data);
	memset(in, 0, sizeof *in);
}

int
account_image_parse(const char *body, size_t len, struct account_image *out,
    struct problem *p)
{
	json_t		*o, *v;
	const char	*raw;
	char		*clean = NULL;
	size_t		 rawlen, n = 0;

	memset(out, 0, sizeof *out);
	if ((o = load_object(body, len, p)) == NULL)
		return (-1);
	if (id_member(o, "ownerId", &out->owner_id) != 0) {
		json_decref(o);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "ownerId is missing or not a user id"));
	}
	if ((v = json_object_get(o, "allowTransform")) != NULL) {
		if (!json_is_boolean(v)) {
			json_decref(o);
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "allowTransform must be a boolean"));
		}
		out->allow_transform = json_is_true(v);
	}
	v = json_object_get(o, "rawContent");
	if (v == NULL) {
		json_decref(o);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "rawContent is missing"));
	}
	if ((raw = json_string_value(v)) == NULL) {
		json_decref(o);
		return (problem_set(p, PROBLEM_INVALID_RAW_CONTENT,
		    "rawContent is not a base64 string"));
	}
	/* MIME-style line breaks are tolerated; nothing else is. */
	rawlen = json_string_length(v);
	clean = xmalloc(rawlen + 1);
	for (size_t i = 0; i < rawlen; i++)
		if (raw[i] != '\r' && raw[i] != '\n' && raw[i] != ' ' &&
		    raw[i] != '\t')
			clean[n++] = raw[i];
	clean[n] = '\0';
	json_decref(o);
	if (n / 4 * 3 > IMAGE_MAX_BYTES + 3) {
		free(clean);
		return (problem_set(p, PROBLEM_INVALID_RAW_CONTENT,
		    "The image is larger than %d bytes", IMAGE_MAX_BYTES));
	}
	out->data = b64_decode_new(clean, n, &out->len);
	free(clean);
	if (out->data == NULL) {
		account_image_free(out);
		return (problem_set(p, PROBLEM_INVALID_RAW_CONTENT,
		    "rawContent is not valid base64"));
	}
	if (out->len > IMAGE_MAX_BYTES) {
		account_image_free(out);
		return (problem_set(p, PROBLEM_INVALID_RAW_CONTENT,
		    "The image is larger than %d bytes", IMAGE_MAX_BYTES));
	}
	if (jpeg_dimensions(out->data, out->len, &out->width,
	    &out->height) != 0) {
		account_image_free(out);
		return (problem_set(p, PROBLEM_INVALID_RAW_CONTENT,
		    "The image is not a baseline or progressive JPEG"));
	}
	return (0);
}

char *
account_image_hex_new(const unsigned char *data, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*s = xmalloc(2 * len + 3), *o = s;

	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*o++ = hex[data[i] >> 4];
		*o++ = hex[data[i] & 0xf];
	}
	*o = '\0';
	return (s);
}

void
account_push_free(struct account_push *in)
{
	free(in->service);
	free(in->device_token);
	free(in->attributes);
	memset(in, 0, sizeof *in);
}

/* A string member of valid UTF-8 without control characters, 1..max bytes. */
static const char *
text_member(json_t *o, const char *name, size_t max)
{
	json_t		*v = json_object_get(o, name);
	const char	*s = json_string_value(v);
	size_t		 n;

	if (s == NULL || (n = json_string_length(v)) == 0 || n > max ||
	    strlen(s) != n || !utf8_valid(s, n))
		return (NULL);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (NULL);
	return (s);
}

int
account_push_parse(const char *body, size_t len, struct account_push *out,
    struct problem *p)
{
	json_t		*o, *attrs;
	const char	*service, *token;

	memset(out, 0, sizeof *out);
	if ((o = load_object(body, len, p)) == NULL)
		return (-1);
	service = text_member(o, "service", PUSH_SERVICE_MAX);
	token = text_member(o, "deviceToken", PUSH_TOKEN_MAX);
	if (service == NULL || token == NULL) {
		json_decref(o);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "%s is missing or not a short string",
		    service == NULL ? "service" : "deviceToken"));
	}
	out->service = xstrdup(service);
	out->device_token = xstrdup(token);
	if ((attrs = json_object_get(o, "deviceAttributes")) != NULL &&
	    (out->attributes = json_dumps(attrs,
	    JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatal("json_dumps failed");
	json_decref(o);
	return (0);
}

void
account_snapshot_free(struct account_snapshot *in)
{
	free(in->ids);
	memset(in, 0, sizeof *in);
}

int
account_snapshot_parse(const char *body, size_t len,
    struct account_snapshot *out, struct problem *p)
{
	json_t		*o, *a, *v;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if ((o = load_object(body, len, p)) == NULL)
		return (-1);
	a = json_object_get(o, "userIds");
	if (!json_is_array(a) || json_array_size(a) > SNAPSHOT_MAX_IDS) {
		json_decref(o);
		return (problem_set(p, PROBLEM_INVALID_PARAMS,
		    "userIds must be an array of at most %d user ids",
		    SNAPSHOT_MAX_IDS));
	}
	out->ids = xcalloc(json_array_size(a) + 1, sizeof *out->ids);
	json_array_foreach(a, i, v) {
		const char	*s = json_string_value(v);
		uint64_t	 id;
		int		 dup = 0;

		if (s == NULL || id_parse(s, &id) != 0) {
			json_decref(o);
			account_snapshot_free(out);
			return (problem_set(p, PROBLEM_INVALID_PARAMS,
			    "userIds[%zu] is not a user id", i));
		}
		for (size_t k = 0; k < out->n; k++)
			dup |= out->ids[k] == id;
		if (!dup)
			out->ids[out->n++] = id;
	}
	json_decref(o);
	return (0);
}

int
account_register_check(const char *body, size_t len, int json,
    struct problem *p)
{
	struct form	 f;
	json_t		*o;

	if (len == 0)
		return (0);
	if (json) {
		if ((o = load_object(body, len, p)) == NULL)
			return (-1);
		json_decref(o);
		return (0);
	}
	if (form_parse(body, len, &f, p) != 0)
		return (-1);
	form_free(&f);
	return (0);
}
