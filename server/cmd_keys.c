/* cmd_keys: rotate-keys, prune-keys and mint-id-token (help in cmd.c).
 * Rotation is decided by file names alone (keyroll.h), so instances
 * sharing the keys folder agree on which key signs when without talking to
 * each other; a running server reads the folder again on SIGHUP
 * (keyring.h). */
#include "cmd.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin_db.h"
#include "app.h"
#include "file.h"
#include "ids.h"
#include "jws.h"
#include "keyroll.h"
#include "keys.h"
#include "tokens.h"

/* How long a retired key must stay published: every token it signed (ID
 * and access tokens both live TOKENS_LIFETIME) expired, with the leeway
 * servers allow for clocks. */
#define CMD_KEY_KEEP	(TOKENS_LIFETIME + TOKENS_LEEWAY)

static const char *const cmd_key_sets[] = { "internal", "id" };

static void
cmd_time_iso(int64_t t, char *out, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The kid of the key read from path in dir's set, into kid; "" when
 * unreadable (a bad file is reported by the server at its next load). */
static void
cmd_key_kid(const struct keyset *ks, const char *path, char *kid, size_t len)
{
	snprintf(kid, len, "%s", "");
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i].source, path) == 0)
			snprintf(kid, len, "%s", ks->keys[i].kid);
}

static int
cmd_rotate_one(const char *set, int64_t now, json_t *out)
{
	struct keyset	 ks = { 0 };
	char		*dir = xasprintf("%s/%s", app.cfg.keys_dir, set);
	char		 name[KEYROLL_NAME_LEN + 1], iso[32], kid[96];
	char		 err[512], **names = NULL, *path = NULL;
	size_t		 n = 0;
	int64_t		 t;
	int		 rc = CMD_EXIT_FAIL;

	if (file_mkdir_p(dir, 0700, err, sizeof err) != 0 ||
	    file_list(dir, 0, NULL, &names, &n, err, sizeof err) != 0) {
		(void)cmd_fail("rotate-keys", "%s", err);
		goto out;
	}
	{
		struct keyroll_entry	*plan = xcalloc(n + 1, sizeof *plan);

		/* A set without keys has nothing to publish ahead of. */
		t = keyroll_plan(names, n, now, CMD_KEY_KEEP, plan) == 0 ?
		    now : now + app.cfg.key_publish_ahead;
		free(plan);
	}
	keyroll_name(t, name, sizeof name);
	path = xasprintf("%s/%s", dir, name);
	if (key_generate_file(path, err, sizeof err) != 0) {
		if (errno == EEXIST)
			(void)cmd_fail("rotate-keys", "%s: a key starting at "
			    "that second exists already; try again in a "
			    "second", path);
		else
			(void)cmd_fail("rotate-keys", "%s", err);
		goto out;
	}
	if (keyset_load_private(&ks, dir, 0, err, sizeof err) != 0) {
		(void)cmd_fail("rotate-keys", "%s", err);
		goto out;
	}
	cmd_key_kid(&ks, path, kid, sizeof kid);
	cmd_time_iso(t, iso, sizeof iso);
	json_object_set_new(out, set, json_pack("{s:s, s:s, s:s, s:I}",
	    "kid", kid, "file", path, "signsFrom", iso, "signsFromUnix",
	    (json_int_t)t));
	rc = 0;
out:
	keyset_free(&ks);
	file_list_free(names, n);
	free(path);
	free(dir);
	return (rc);
}

static void
cmd_print_json(json_t *o)
{
	char	*s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s == NULL)
		fatal("out of memory (json_dumps)");
	printf("%s\n", s);
	free(s);
}

int
cmd_rotate_keys(int argc, char **argv)
{
	json_t	*out;
	int64_t	 now = now_unix();
	int	 rc = 0;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "internal") != 0 &&
	    strcmp(argv[1], "id") != 0))
		return (cmd_usage(argv[0], "the set is internal or id (no "
		    "argument: both)"));
	out = json_object();
	for (size_t i = 0; i < NELEM(cmd_key_sets) && rc == 0; i++)
		if (argc == 1 || strcmp(argv[1], cmd_key_sets[i]) == 0)
			rc = cmd_rotate_one(cmd_key_sets[i], now, out);
	if (rc == 0)
		cmd_print_json(out);
	json_decref(out);
	return (rc);
}

static int
cmd_prune_one(const char *set, int64_t now, int dry_run, json_t *out)
{
	struct keyset		 ks = { 0 };
	struct keyroll_entry	*plan = NULL;
	char			*dir = xasprintf("%s/%s", app.cfg.keys_dir, set);
	char			 err[512], kid[96], iso[32], **names = NULL;
	char			*path;
	size_t			 n = 0, m;
	json_t			*list = json_array(), *e;
	int			 rc = CMD_EXIT_FAIL;

	if (file_list(dir, 1, NULL, &names, &n, err, sizeof err) != 0) {
		(void)cmd_fail("prune-keys", "%s", err);
		goto out;
	}
	if (n > 0 && keyset_load_private(&ks, dir, 0, err, sizeof err) != 0) {
		(void)cmd_fail("prune-keys", "%s", err);
		goto out;
	}
	plan = xcalloc(n + 1, sizeof *plan);
	m = keyroll_plan(names, n, now, CMD_KEY_KEEP, plan);
	for (size_t i = 0; i < m; i++) {
		path = xasprintf("%s/%s", dir, plan[i].name);
		cmd_key_kid(&ks, path, kid, sizeof kid);
		e = json_pack("{s:s, s:s, s:s}", "file", path, "kid", kid,
		    "state", keyroll_state_name(plan[i].state));
		if (plan[i].not_before > 0) {
			cmd_time_iso(plan[i].not_before, iso, sizeof iso);
			json_object_set_new(e, "signsFrom", json_string(iso));
		}
		if (plan[i].retired_at != INT64_MAX) {
			cmd_time_iso(plan[i].retired_at, iso, sizeof iso);
			json_object_set_new(e, "expiresAt", json_string(iso));
		}
		if (plan[i].state == KEYROLL_EXPIRED && !dry_run) {
			if (unlink(path) != 0) {
				(void)cmd_fail("prune-keys", "%s: %s", path,
				    strerror(errno));
				json_decref(e);
				free(path);
				goto out;
			}
			json_object_set_new(e, "removed", json_true());
		}
		json_array_append_new(list, e);
		free(path);
	}
	json_object_set(out, set, list);
	rc = 0;
out:
	json_decref(list);
	free(plan);
	keyset_free(&ks);
	file_list_free(names, n);
	free(dir);
	return (rc);
}

int
cmd_prune_keys(int argc, char **argv)
{
	json_t	*out;
	int64_t	 now = now_unix();
	int	 dry_run = argc == 2 && strcmp(argv[1], "--dry-run") == 0;
	int	 rc = 0;

	if (argc > 2 || (argc == 2 && !dry_run))
		return (cmd_usage(argv[0], "unknown argument \"%s\"",
		    argv[1]));
	out = json_object();
	for (size_t i = 0; i < NELEM(cmd_key_sets) && rc == 0; i++)
		rc = cmd_prune_one(cmd_key_sets[i], now, dry_run, out);
	if (rc == 0)
		cmd_print_json(out);
	json_decref(out);
	return (rc);
}

/* --------------------------------------------------------- mint-id-token */

static int
cmd_sign_id_token(uint64_t user, uint64_t da, long ttl)
{
	struct keyset		 ks = { 0 };
	struct tokens_ctx	 c = { app.cfg.issuer, app.cfg.client_id,
				    now_unix() };
	char			*dir = xasprintf("%s/id", app.cfg.keys_dir);
	char			*jku = xasprintf("%s/1.0.0/certificates",
				    app.cfg.issuer);
	char			 err[512], *token = NULL;
	json_t			*claims;

	/* The server's own set, made when missing as the server would. */
	if (keyset_load_private(&ks, dir, 1, err, sizeof err) != 0) {
		(void)cmd_fail("mint-id-token", "%s", err);
		goto out;
	}
	claims = tokens_id_claims(&c, user, da, NULL);
	json_object_set_new(claims, "exp", json_integer(c.now + ttl));
	token = jws_sign_new(keyset_signer(&ks, c.now), jku, claims);
	json_decref(claims);
	if (token == NULL)
		(void)cmd_fail("mint-id-token", "cannot sign the ID token");
	else
		printf("%s\n", token);
out:
	free(token);
	keyset_free(&ks);
	free(dir);
	free(jku);
	return (token != NULL ? 0 : CMD_EXIT_FAIL);
}

int
cmd_mint_id_token(int argc, char **argv)
{
	struct admin_db	*db;
	uint64_t	 user, da = 0;
	long		 ttl = TOKENS_LIFETIME;
	char		 err[512], *end;
	int		 rc;

	if (argc < 2 || cmd_parse_id(argv[1], &user) != 0)
		return (cmd_usage(argv[0], "a user id of 16 hex digits is "
		    "expected"));
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return (cmd_usage(argv[0], "%s needs a value",
			    argv[i]));
		if (strcmp(argv[i], "--device-account") == 0) {
			if (cmd_parse_id(argv[i + 1], &da) != 0)
				return (cmd_usage(argv[0], "--device-account: "
				    "16 hex digits"));
		} else if (strcmp(argv[i], "--ttl") == 0) {
			errno = 0;
			ttl = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || *argv[i + 1] == '\0' ||
			    *end != '\0' || ttl < 1 || ttl > TOKENS_LIFETIME)
				return (cmd_usage(argv[0], "--ttl: seconds "
				    "from 1 to %d", TOKENS_LIFETIME));
		} else
			return (cmd_usage(argv[0], "unknown option \"%s\"",
			    argv[i]));
	}
	if ((db = admin_db_open(app.cfg.database_url, CMD_DB_WAIT, err,
	    sizeof err)) == NULL)
		return (cmd_fail(argv[0], "%s", err));
	rc = admin_db_token_subject(db, user, &da, err, sizeof err);
	admin_db_close(db);
	if (rc != ADMIN_DB_OK)
		return (cmd_fail(argv[0], "%s", err));
	return (cmd_sign_id_token(user, da, ttl));
}
