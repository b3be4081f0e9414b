/* account: the request bodies of the account module (API.md section 4)
 * without I/O: the forms of application/token, login, federation, link and
 * unlink, and the JSON of image upload, push channels and device snapshots.
 * Parsers fill a struct problem and return -1 (400 invalid_params unless
 * said otherwise); on error nothing is left to free. */
#ifndef BAAS_ACCOUNT_H
#define BAAS_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "problem.h"
#include "util.h"

#define IMAGE_MAX_BYTES		(1024 * 1024)	/* decoded JPEG */
#define SNAPSHOT_MAX_IDS	100
#define PUSH_SERVICE_MAX	64		/* bytes */
#define PUSH_TOKEN_MAX		4096		/* bytes */

/* POST /1.0.0/application/token: grantType=public_client or
 * grant_type=urn:ietf:params:oauth:grant-type:token-exchange (either name
 * with either value), assertion, optional penneId. Strings are borrowed from
 * the form. A missing assertion is 400 invalid_params. */
struct account_token_in {
	const char	*assertion;
	const char	*penne_id;
};

int	 account_token_form_parse(const struct form *f,
	    struct account_token_in *out, struct problem *p) WUR;

/* POST /1.0.0/login and /1.0.0/federation: id (1-16 hex), password,
 * optional appAuthNToken, naCountry (two letters), isPersistent and
 * skipOp2Verification (true/false/1/0); federation also idToken and idp
 * (nintendoAccount: anything else is 400 invalid_idp; absent means
 * nintendoAccount, as emulators send none). Strings borrowed. */
struct account_login_in {
	uint64_t	 da_id;
	const char	*password;
	const char	*app_token;		/* NULL when absent */
	const char	*na_country;		/* NULL when absent */
	int		 is_persistent;
	int		 skip_op2;
	const char	*id_token;		/* federation */
};

int	 account_login_form_parse(const struct form *f, int federation,
	    struct account_login_in *out, struct problem *p) WUR;

/* POST /1.0.0/users/<id>/link (need_token) and /unlink: idp must be
 * nintendoAccount (missing: 400 invalid_params; other: 400 invalid_idp);
 * link needs idToken. *id_token borrowed. */
int	 account_link_form_parse(const struct form *f, int need_token,
	    const char **id_token, struct problem *p) WUR;

/* POST /1.0.0/image_upload: {"rawContent": <base64>, "ownerId": <id>,
 * "allowTransform": <bool>}. rawContent must decode (standard base64,
 * whitespace ignored) to at most IMAGE_MAX_BYTES of a JPEG
 * (jpeg_dimensions); otherwise 400 invalid_raw_content. data is owned. */
struct account_image {
	uint64_t	 owner_id;
	int		 allow_transform;
	unsigned char	*data;
	size_t		 len;
	int		 width;
	int		 height;
};

int	 account_image_parse(const char *body, size_t len,
	    struct account_image *out, struct problem *p) WUR;
void	 account_image_free(struct account_image *);
/* The bytea input form "\x<hex>" of data; caller frees. */
char	*account_image_hex_new(const unsigned char *data, size_t len);

/* PUT /1.0.0/push_channels/<user>/<device account>: {"service": <string>,
 * "deviceToken": <string>, "deviceAttributes": <any JSON>} (the last
 * optional). attributes is the compact JSON of deviceAttributes or NULL.
 * All owned. */
struct account_push {
	char	*service;
	char	*device_token;
	char	*attributes;
};

int	 account_push_parse(const char *body, size_t len,
	    struct account_push *out, struct problem *p) WUR;
void	 account_push_free(struct account_push *);

/* POST /1.0.0/devices/snapshot: {"userIds": [<id>…]}, at most
 * SNAPSHOT_MAX_IDS ids of 1-16 hex digits, duplicates dropped. ids owned. */
struct account_snapshot {
	uint64_t	*ids;
	size_t		 n;
};

int	 account_snapshot_parse(const char *body, size_t len,
	    struct account_snapshot *out, struct problem *p) WUR;
void	 account_snapshot_free(struct account_snapshot *);

/* POST /1.0.0/users: an empty body, or a JSON object (its members are
 * ignored), or a form. json is whether the body is JSON. */
int	 account_register_check(const char *body, size_t len, int json,
	    struct problem *p) WUR;

#endif
