/* problem: the error table of API.md section 3 (one row per enum
 * problem_code) and its RFC 9457 rendering. Titles and details known from the
 * real service come from the seeds' "Known Errors" table; the rest are ours. */
#include "problem.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

struct problem_row {
	int		 status;
	const char	*error_code;
	const char	*title;
	const char	*detail;	/* default; the only detail of a 5xx */
};

#define ROW(code, st, ec, ti, de) [code] = { st, ec, ti, de }

static const struct problem_row problem_table[PROBLEM__COUNT] = {
	/* Never rendered on purpose: a bug if it is, so it looks like a 500. */
	ROW(PROBLEM_NONE, 500, "internal_server_error",
	    "Internal Server Error", "An internal error occurred"),
	ROW(PROBLEM_INVALID_PARAMS, 400, "invalid_params",
	    "Invalid Params", "invalid params"),
	ROW(PROBLEM_INVALID_REQUEST, 400, "invalid_request",
	    "Authorization header value is invalid",
	    "Auth scheme or auth params is invalid"),
	ROW(PROBLEM_INVALID_OPERATION, 400, "invalid_operation",
	    "Invalid Operation",
	    "The operation is not allowed in the current state"),
	ROW(PROBLEM_INVALID_DEVICE_ACCOUNT, 400, "invalid_device_account",
	    "Invalid Device Account",
	    "Device Account's id or password is invalid"),
	ROW(PROBLEM_INVALID_NDAS_APP_AUTHN_TOKEN, 400,
	    "invalid_ndas_app_authn_token", "Invalid NDAS App AuthN Token",
	    "The application authentication token is invalid"),
	ROW(PROBLEM_INVALID_IDP, 400, "invalid_idp",
	    "Invalid IdP", "The identity provider is not supported"),
	ROW(PROBLEM_INVALID_IDP_ACCOUNT, 400, "invalid_idp_account",
	    "Invalid IdP Account", "IdP account is invalid"),
	ROW(PROBLEM_LINKED_USER_NOT_FOUND, 400, "linked_user_not_found",
	    "Linked User Not Found", "linked user not found"),
	ROW(PROBLEM_USER_LINK_NOT_EXIST, 400, "user_link_not_exist",
	    "User Link Not Exist", "The user has no link of that kind"),
	ROW(PROBLEM_INVALID_FRIEND_CODE_FORMAT, 400,
	    "invalid_friend_code_format",
	    "Invalid Friend Code Format",
	    "The friend code is not of the form dddd-dddd-dddd"),
	ROW(PROBLEM_INVALID_RAW_CONTENT, 400, "invalid_raw_content",
	    "Invalid Raw Content", "The image is not a base64-encoded JPEG"),
	ROW(PROBLEM_RECEIVER_MUST_BE_DIFFERENT_FROM_SENDER, 400,
	    "receiver_must_be_different_from_sender",
	    "Receiver Must Be Different From Sender",
	    "A friend request cannot be sent to oneself"),
	ROW(PROBLEM_TARGET_USER_MUST_BE_DIFFERENT_FROM_USER, 400,
	    "target_user_must_be_different_from_user",
	    "Target User Must Be Different From User",
	    "A user cannot block themselves"),
	ROW(PROBLEM_COULD_NOT_RETRIEVE_RECEIVER, 400,
	    "could_not_retrieve_receiver", "Could Not Retrieve Receiver",
	    "The receiver does not exist"),
	ROW(PROBLEM_COULD_NOT_RETRIEVE_TARGET_USER, 400,
	    "could_not_retrieve_target_user", "Could Not Retrieve Target User",
	    "The target user does not exist"),
	ROW(PROBLEM_SENDER_AND_RECEIVER_ARE_ALREADY_FRIENDS, 400,
	    "sender_and_receiver_are_already_friends",
	    "Sender And Receiver Are Already Friends",
	    "The sender and the receiver are already friends"),
	ROW(PROBLEM_SENDER_FRIEND_CAPACITY_IS_FULL, 400,
	    "sender_friend_capacity_is_full", "Sender Friend Capacity Is Full",
	    "The sender has the maximum number of friends"),
	ROW(PROBLEM_RECEIVER_FRIEND_CAPACITY_IS_FULL, 400,
	    "receiver_friend_capacity_is_full",
	    "Receiver Friend Capacity Is Full",
	    "The receiver has the maximum number of friends"),
	/* Deliberately vague: must not reveal a block or a refusal. */
	ROW(PROBLEM_COULD_NOT_SEND_REQUEST, 400, "could_not_send_request",
	    "Could Not Send Request", "The friend request could not be sent"),
	ROW(PROBLEM_INVALID_TOKEN, 401, "invalid_token",
	    "Token is invalid", "The access token was invalid"),
	ROW(PROBLEM_INSUFFICIENT_SCOPE, 403, "insufficient_scope",
	    "Token is insufficient",
	    "The access token does not have sufficient scope"),
	ROW(PROBLEM_FORBIDDEN, 403, "forbidden",
	    "Forbidden", "The action is not allowed for this user"),
	ROW(PROBLEM_UNAVAILABLE_DEVICE_ACCOUNT, 403,
	    "unavailable_device_account", "Unavailable Device Account",
	    "Device Account is unavailable"),
	ROW(PROBLEM_BANNED_USER, 403, "banned_user",
	    "Banned User", "The user is banned"),
	ROW(PROBLEM_RESOURCE_IS_NOT_FOUND, 404, "resource_is_not_found",
	    "Specified resource is not found", "Resource is not found"),
	ROW(PROBLEM_DELETED_USER, 404, "deleted_user",
	    "Deleted User", "The user was deleted"),
	ROW(PROBLEM_METHOD_NOT_ALLOWED, 405, "method_not_allowed",
	    "Method Not Allowed", "Method Not Allowed"),
	ROW(PROBLEM_RESOURCE_ALREADY_EXISTS, 409, "resource_already_exists",
	    "Resource Already Exists", "The resource already exists"),
	ROW(PROBLEM_USER_LINK_ALREADY_EXISTS, 409, "user_link_already_exists",
	    "User Link Already Exists",
	    "The user already has a link of that kind"),
	ROW(PROBLEM_SENDER_BLOCKS_RECEIVER, 409, "sender_blocks_receiver",
	    "Sender Blocks Receiver", "The sender blocks the receiver"),
	ROW(PROBLEM_USER_BLOCK_CAPACITY_IS_FULL, 409,
	    "user_block_capacity_is_full", "User Block Capacity Is Full",
	    "The user has the maximum number of blocks"),
	/* Ours, in the style of the block capacity (0008's caps). */
	ROW(PROBLEM_DEVICE_ACCOUNT_CAPACITY_IS_FULL, 409,
	    "device_account_capacity_is_full",
	    "Device Account Capacity Is Full",
	    "The user has the maximum number of device accounts"),
	ROW(PROBLEM_FRIEND_REQUEST_CAPACITY_IS_FULL, 409,
	    "friend_request_capacity_is_full",
	    "Friend Request Capacity Is Full",
	    "The sender has the maximum number of pending friend requests"),
	ROW(PROBLEM_PRECONDITION_FAILED, 412, "precondition_failed",
	    "Precondition Failed", "If-Match does not match the current etag"),
	ROW(PROBLEM_REQUEST_ENTITY_TOO_LARGE, 413, "request_entity_too_large",
	    "Request Entity Too Large", "The request body is too large"),
	ROW(PROBLEM_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type",
	    "Unsupported Media Type",
	    "The request body type is not supported by this route"),
	ROW(PROBLEM_FRIEND_CODE_UNREGENERABLE_STATE, 422,
	    "friend_code_unregenerable_state",
	    "Friend Code Unregenerable State",
	    "The friend code cannot be regenerated yet"),
	ROW(PROBLEM_TOO_MANY_REQUESTS, 429, "too_many_requests",
	    "Too Many Requests",
	    "Too many requests from this client: retry after the time given"),
	ROW(PROBLEM_INTERNAL_SERVER_ERROR, 500, "internal_server_error",
	    "Internal Server Error", "An internal error occurred"),
	ROW(PROBLEM_UNDER_MAINTENANCE, 503, "under_maintenance",
	    "Under Maintenance", "The service is temporarily unavailable"),
};

#undef ROW

/* Out-of-range codes are bugs; they render as a 500 rather than crash. */
static const struct problem_row *
problem_row(enum problem_code code)
{
	if ((unsigned)code >= PROBLEM__COUNT ||
	    problem_table[code].error_code == NULL)
		return (&problem_table[PROBLEM_INTERNAL_SERVER_ERROR]);
	return (&problem_table[code]);
}

int
problem_set(struct problem *p, enum problem_code code, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	p->code = code;
	p->detail[0] = '\0';
	if (fmt == NULL)
		return (-1);
	va_start(ap, fmt);
	n = vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		p->detail[0] = '\0';
	else if ((size_t)n >= sizeof p->detail) {
		/* Never leave half a character at the cut. */
		size_t len = strlen(p->detail);

		p->detail[utf8_trim_partial(p->detail, len)] = '\0';
	}
	return (-1);
}

int
problem_status(enum problem_code code)
{
	return (problem_row(code)->status);
}

const char *
problem_error_code(enum problem_code code)
{
	return (problem_row(code)->error_code);
}

const char *
problem_title(enum problem_code code)
{
	return (problem_row(code)->title);
}

const char *
problem_default_detail(enum problem_code code)
{
	return (problem_row(code)->detail);
}

const char *
problem_detail(const struct problem *p)
{
	const struct problem_row	*row = problem_row(p->code);
	size_t				 len;

	if (row->status >= 500 || p->detail[0] == '\0')
		return (row->detail);
	/* A detail that echoes client bytes could break the JSON. */
	len = strnlen(p->detail, sizeof p->detail);
	if (len == sizeof p->detail || !utf8_valid(p->detail, len))
		return (row->detail);
	return (p->detail);
}

char *
problem_render_new(const struct problem *p, const char *instance)
{
	const struct problem_row	*row = problem_row(p->code);
	json_t				*o;
	char				*type, *out;

	if (instance == NULL || !utf8_valid(instance, strlen(instance)))
		instance = "";
	type = xasprintf("https://baas.nintendo.com/errors/1.0.0/%d/%s",
	    row->status, row->error_code);
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}",
	    "type", type,
	    "title", row->title,
	    "status", row->status,
	    "detail", problem_detail(p),
	    "instance", instance,
	    "errorCode", row->error_code);
	free(type);
	if (o == NULL)
		fatal("problem_render_new: json_pack failed");
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (out == NULL)
		fatal("out of memory (json_dumps)");
	return (out);
}
