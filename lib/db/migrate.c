/* migrate: forward-only schema migrations, run once at start-up (blocking
 * libpq is fine here: no event loop runs yet). */
#include "migrate.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* Any constant shared by every instance: the advisory lock's key. */
#define MIGRATE_LOCK_KEY "7283461955301"
#define MIGRATE_FILE_MAX (16 * 1024 * 1024)

static int
migrate_name_ok(const char *name)
{
	size_t	len = strlen(name);

	/* NNNN_name.sql */
	if (len < 10 || strcmp(name + len - 4, ".sql") != 0)
		return (0);
	for (int i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return (0);
	return (name[4] == '_');
}

/* Runs sql; returns -1 with the server's message in err on failure. */
static int
migrate_exec(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult	*r = PQexec(pg, sql);
	ExecStatusType	 st = PQresultStatus(r);
	int		 rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(pg));
		rc = -1;
	}
	PQclear(r);
	return (rc);
}

static int
migrate_is_applied(PGconn *pg, const char *version, int *applied)
{
	const char	*params[1] = { version };
	PGresult	*r;

	r = PQexecParams(pg, "SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return (-1);
	}
	*applied = PQntuples(r) > 0;
	PQclear(r);
	return (0);
}

static int
migrate_apply_one(PGconn *pg, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char		 version[5];
	const char	*params[2];
	char		*path, *sql;
	size_t		 len;
	PGresult	*r;
	int		 ok;

	memcpy(version, name, 4);
	version[4] = '\0';
	path = xasprintf("%s/%s", dir, name);
	sql = file_read(path, MIGRATE_FILE_MAX, &len, err, errlen);
	free(path);
	if (sql == NULL)
		return (-1);
	if (migrate_exec(pg, "BEGIN", err, errlen) != 0) {
		free(sql);
		return (-1);
	}
	if (migrate_exec(pg, sql, err, errlen) != 0) {
		char msg[512];

		snprintf(msg, sizeof msg, "%s", err);
		snprintf(err, errlen, "migration %s failed: %s", name, msg);
		free(sql);
		(void)!migrate_exec(pg, "ROLLBACK", msg, sizeof msg);
		return (-1);
	}
	free(sql);
	params[0] = version;
	params[1] = name;
	r = PQexecParams(pg, "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		snprintf(err, errlen, "cannot record %s: %s", name,
		    PQerrorMessage(pg));
		return (-1);
	}
	return (migrate_exec(pg, "COMMIT", err, errlen));
}

static PGconn *
migrate_connect(const char *conninfo, int wait_secs, char *err, size_t errlen)
{
	PGconn	*pg;

	for (int waited = 0;; waited++) {
		pg = PQconnectdb(conninfo);
		if (PQstatus(pg) == CONNECTION_OK)
			return (pg);
		if (waited >= wait_secs) {
			snprintf(err, errlen, "cannot connect to the database: %s",
			    PQerrorMessage(pg));
			PQfinish(pg);
			return (NULL);
		}
		PQfinish(pg);
		sleep(1);
	}
}

int
migrate_run(const char *conninfo, const char *dir, int wait_secs, int *applied,
    char *err, size_t errlen)
{
	PGconn		 *pg = NULL;
	char		**names;
	size_t		  n;
	int		  rc = -1, done;

	*applied = 0;
	if (file_list(dir, 0, migrate_name_ok, &names, &n, err, errlen) != 0)
		return (-1);

	if ((pg = migrate_connect(conninfo, wait_secs, err, errlen)) == NULL)
		goto out;
	if (migrate_exec(pg, "SET client_min_messages = warning", err, errlen) ||
	    migrate_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    err, errlen) ||
	    migrate_exec(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", err, errlen))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char version[5];

		memcpy(version, names[i], 4);
		version[4] = '\0';
		if (migrate_is_applied(pg, version, &done) != 0) {
			snprintf(err, errlen, "%s", PQerrorMessage(pg));
			goto out;
		}
		if (done)
			continue;
		if (migrate_apply_one(pg, dir, names[i], err, errlen) != 0)
			goto out;
		(*applied)++;
	}
	rc = migrate_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	    err, errlen);
out:
	if (pg != NULL)
		PQfinish(pg);
	file_list_free(names, n);
	return (rc);
}

char *
migrate_find_dir(void)
{
	char		 exe[PATH_MAX], *slash, *dir;
	struct stat	 st;
	ssize_t		 len;

	if (stat("migrations", &st) == 0 && S_ISDIR(st.st_mode))
		return (xstrdup("migrations"));
	/* build/baas-server or build/asan/baas-server: look upwards. */
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		while ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			dir = xasprintf("%s/migrations", exe);
			if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				return (dir);
			free(dir);
		}
	}
	return (xstrdup("migrations"));
}
