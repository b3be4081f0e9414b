/* problem: the error table of API.md section 3 and RFC 9457 rendering. */
#ifndef BAAS_PROBLEM_H
#define BAAS_PROBLEM_H

#include "util.h"

/* One entry per row of API.md section 3; PROBLEM_NONE means "no error". */
enum problem_code {
	PROBLEM_NONE = 0,
	PROBLEM_INVALID_PARAMS,
	PROBLEM_INVALID_REQUEST,
	PROBLEM_INVALID_OPERATION,
	PROBLEM_INVALID_DEVICE_ACCOUNT,
	PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN,
	PROBLEM_INVALID_IDP,
	PROBLEM_INVALID_IDP_ACCOUNT,
	PROBLEM_LINKED_USER_NOT_FOUND,
	PROBLEM_USER_LINK_NOT_EXIST,
	PROBLEM_INVALID_FRIEND_CODE_FORMAT,
	PROBLEM_INVALID_RAW_CONTENT,
	PROBLEM_RECEIVER_MUST_BE_DIFFERENT_FROM_SENDER,
	PROBLEM_TARGET_USER_MUST_BE_DIFFERENT_FROM_USER,
	PROBLEM_COULD_NOT_RETRIEVE_RECEIVER,
	PROBLEM_COULD_NOT_RETRIEVE_TARGET_USER,
	PROBLEM_SENDER_AND_RECEIVER_ARE_ALREADY_FRIENDS,
	PROBLEM_SENDER_FRIEND_CAPACITY_IS_FULL,
	PROBLEM_RECEIVER_FRIEND_CAPACITY_IS_FULL,
	PROBLEM_COULD_NOT_SEND_REQUEST,
	PROBLEM_INVALID_TOKEN,
	PROBLEM_INSUFFICIENT_SCOPE,
	PROBLEM_FORBIDDEN,
	PROBLEM_UNAVAILABLE_DEVICE_ACCOUNT,
	PROBLEM_BANNED_USER,
	PROBLEM_RESOURCE_IS_NOT_FOUND,
	PROBLEM_DELETED_USER,
	PROBLEM_METHOD_NOT_ALLOWED,
	PROBLEM_RESOURCE_ALREADY_EXISTS,
	PROBLEM_USER_LINK_ALREADY_EXISTS,
	PROBLEM_SENDER_BLOCKS_RECEIVER,
	PROBLEM_USER_BLOCK_CAPACITY_IS_FULL,
	PROBLEM_DEVICE_ACCOUNT_CAPACITY_IS_FULL,
	PROBLEM_FRIEND_REQUEST_CAPACITY_IS_FULL,
	PROBLEM_PRECONDITION_FAILED,
	PROBLEM_REQUEST_ENTITY_TOO_LARGE,
	PROBLEM_UNSUPPORTED_MEDIA_TYPE,
	PROBLEM_FRIEND_CODE_UNREGENERABLE_STATE,
	PROBLEM_TOO_MANY_REQUESTS,
	PROBLEM_INTERNAL_SERVER_ERROR,
	PROBLEM_UNDER_MAINTENANCE,
	PROBLEM__COUNT
};

/* An error on its way to the client. detail is a short English sentence;
 * empty means "use the table's default detail". */
struct problem {
	enum problem_code	code;
	char			detail[256];
};

/* Fills p (detail formatted from fmt, or the default when fmt is NULL) and
 * returns -1 so parsers can `return (problem_set(...));`. */
int	 problem_set(struct problem *p, enum problem_code code, const char *fmt, ...)
	    PRINTFLIKE(3, 4);

int		 problem_status(enum problem_code);
const char	*problem_error_code(enum problem_code);	/* "invalid_params" */
const char	*problem_title(enum problem_code);
const char	*problem_default_detail(enum problem_code);
/* The detail a client sees for p: the table's for a 5xx or an empty (or not
 * UTF-8) p->detail, else p->detail. Borrowed from p or the table. */
const char	*problem_detail(const struct problem *p);

/* Renders the six-member problem JSON; caller frees. 5xx always get the generic
 * detail whatever p->detail says (details belong in the log). */
char	*problem_render_new(const struct problem *p, const char *instance);

#endif
