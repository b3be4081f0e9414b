/* cmd_users: user show|ban|unban|delete and load-fixtures (help in cmd.c),
 * on a blocking connection of their own (admin_db.h): beside a running
 * server, whose caches hold what these change for at most their one-second
 * window (README "Token trust and limits"), or without one. */
#include "cmd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "admin_db.h"
#include "app.h"
#include "file.h"
#include "fixtures.h"

#define CMD_FIXTURES_MAX	(64u << 20)	/* bytes of a fixtures file */

static struct admin_db *
cmd_db(const char *name)
{
	struct admin_db	*db;
	char		 err[1024];

	if ((db = admin_db_open(app.cfg.database_url, CMD_DB_WAIT, err,
	    sizeof err)) == NULL)
		(void)cmd_fail(name, "%s", err);
	return (db);
}

int
cmd_user(int argc, char **argv)
{
	static const char *const verbs[] = { "show", "ban", "unban", "delete" };
	struct admin_db	*db;
	uint64_t	 id;
	char		 err[1024], *json = NULL;
	size_t		 v;
	int		 rc;

	for (v = 0; argc == 3 && v < NELEM(verbs); v++)
		if (strcmp(argv[1], verbs[v]) == 0)
			break;
	if (argc != 3 || v == NELEM(verbs))
		return (cmd_usage(argv[0], "show, ban, unban or delete and a "
		    "user id expected"));
	if (cmd_parse_id(argv[2], &id) != 0)
		return (cmd_usage(argv[0], "a user id is 16 hex digits"));
	if ((db = cmd_db(argv[0])) == NULL)
		return (CMD_EXIT_FAIL);
	switch (v) {
	case 0:
		rc = admin_db_user_show(db, id, &json, err, sizeof err);
		break;
	case 1:
	case 2:
		rc = admin_db_user_set_banned(db, id, v == 1, err, sizeof err);
		break;
	default:
		rc = admin_db_user_delete(db, id, err, sizeof err);
		break;
	}
	admin_db_close(db);
	if (rc == ADMIN_DB_UNKNOWN)
		return (cmd_fail(argv[0], "no user %s", argv[2]));
	if (rc == ADMIN_DB_DELETED)
		return (cmd_fail(argv[0], "user %s was deleted already",
		    argv[2]));
	if (rc != ADMIN_DB_OK)
		return (cmd_fail(argv[0], "%s", err));
	if (json != NULL) {
		printf("%s\n", json);
		free(json);
	} else
		printf("user %s %s\n", argv[2], v == 1 ? "banned" :
		    v == 2 ? "unbanned" : "deleted");
	return (0);
}

/* FILE, or standard input for "-". */
static char *
cmd_read_input(const char *path, size_t *len, char *err, size_t errlen)
{
	char	*buf;
	size_t	 cap = 65536, n;

	if (strcmp(path, "-") != 0)
		return (file_read(path, CMD_FIXTURES_MAX, len, err, errlen));
	buf = xmalloc(cap);
	*len = 0;
	while ((n = fread(buf + *len, 1, cap - *len, stdin)) > 0) {
		*len += n;
		if (*len == cap) {
			if (cap >= CMD_FIXTURES_MAX) {
				snprintf(err, errlen, "standard input: more "
				    "than %u bytes", CMD_FIXTURES_MAX);
				free(buf);
				return (NULL);
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	return (buf);
}

int
cmd_load_fixtures(int argc, char **argv)
{
	struct fixtures	 f;
	struct admin_db	*db;
	json_t		*made;
	char		 err[1024], *text, *out;
	size_t		 len;
	int		 rc;

	if (argc != 2)
		return (cmd_usage(argv[0], "one fixtures file expected"));
	if ((text = cmd_read_input(argv[1], &len, err, sizeof err)) == NULL)
		return (cmd_fail(argv[0], "%s", err));
	rc = fixtures_parse(text, len, &f, err, sizeof err);
	free(text);
	if (rc != 0)
		return (cmd_fail(argv[0], "%s: %s", argv[1], err));
	if ((db = cmd_db(argv[0])) == NULL) {
		fixtures_free(&f);
		return (CMD_EXIT_FAIL);
	}
	rc = admin_db_load_fixtures(db, &f, app.cfg.presence_lease, &made, err,
	    sizeof err);
	admin_db_close(db);
	fixtures_free(&f);
	if (rc != 0)
		return (cmd_fail(argv[0], "%s: %s (nothing was written)",
		    argv[1], err));
	if ((out = json_dumps(made, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		fatal("out of memory (json_dumps)");
	printf("%s\n", out);
	free(out);
	json_decref(made);
	return (0);
}
