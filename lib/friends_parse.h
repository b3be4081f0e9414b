/* friends_parse: parsers and validators of the bodies the friends module's
 * routes take: friend requests and their patches, friend patches, presence
 * patches, blocks. Each fills a struct problem and returns -1 on a bad body
 * (400 invalid_params unless said otherwise), leaving nothing to free. */
#ifndef BAAS_FRIENDS_PARSE_H
#define BAAS_FRIENDS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "friends.h"
#include "problem.h"
#include "util.h"

/* --------------------------------------------------------------- bodies */

/* POST /2.0.0/friend_requests. The JSON texts are canonical (compact) and
 * owned: friend_request_in_free. */
struct friend_request_in {
	uint64_t	 sender_id;
	uint64_t	 receiver_id;
	char		*channels;		/* JSON array of names */
	char		*extras_sender;		/* JSON object of route:* */
	char		*extras_sender_and_receiver;
};

/* body must be NUL-terminated at body[len]. Over FRIEND_REQUEST_BODY_MAX
 * bytes, not a JSON object, a missing or malformed id, an unknown channel,
 * extras that are not route:* strings or numbers: 400 invalid_params. */
int	 friend_request_in_parse(const char *body, size_t len,
	    struct friend_request_in *out, struct problem *p) WUR;
void	 friend_request_in_free(struct friend_request_in *);

/* PATCH /2.0.0/friend_requests/<id>: replace /state (AUTHORIZED, REJECTED,
 * CANCELED) and/or add /extras/receiver/read. A known state that cannot be
 * asked for (PENDING, EXPIRED) is 400 invalid_operation. */
struct friend_request_patch {
	int				 has_state;
	enum friend_request_state	 state;
	int				 has_read;
	int				 read;
};

int	 friend_request_patch_parse(const char *body, size_t len,
	    struct friend_request_patch *out, struct problem *p) WUR;

/* PATCH /2.0.0/users/<id>/friends/<friendId>. note is owned. */
struct friend_patch {
	int	 has_favorite;
	int	 favorite;
	int	 has_note;
	char	*note;
	int	 has_confirmed;
	int	 confirmed;
	int	 has_online_notification;
	int	 online_notification;
};

int	 friend_patch_parse(const char *body, size_t len,
	    struct friend_patch *out, struct problem *p) WUR;
void	 friend_patch_free(struct friend_patch *);

/* PATCH /1.0.0/users/<id>/device_accounts/<id>: /presence/state and the
 * presence extras of the friends group. The ops are folded in order: set is
 * a JSON object of the keys to store (last op wins), remove a JSON array of
 * the keys to delete; both owned. */
struct presence_patch {
	int			 has_state;
	enum presence_state	 state;
	char			*set;
	char			*remove;
	int			 replace_all;	/* the whole group set */
};

int	 presence_patch_parse(const char *body, size_t len,
	    struct presence_patch *out, struct problem *p) WUR;
void	 presence_patch_free(struct presence_patch *);

/* POST /1.0.0/users/<id>/blocks. extras is the canonical
 * {"self":{"reason":…,"route:*":…}} (owned). */
struct block_in {
	uint64_t	 target_id;
	char		*extras;
};

int	 block_in_parse(const char *body, size_t len, struct block_in *out,
	    struct problem *p) WUR;
void	 block_in_free(struct block_in *);

#endif
