/* migrate: applies migrations/NNNN_name.sql in order, each in a transaction,
 * recorded in schema_migrations, under a Postgres advisory lock so instances
 * starting together do not race. Blocking: runs before the event loops. */
#ifndef BAAS_MIGRATE_H
#define BAAS_MIGRATE_H

#include <stddef.h>
#include "util.h"

/* Applies what is pending in dir. Waits up to wait_secs for the database to
 * accept connections (compose starts both together). *applied counts the
 * migrations this call applied. Returns -1 with a message in err. */
int	 migrate_run(const char *conninfo, const char *dir, int wait_secs,
	    int *applied, char *err, size_t errlen) WUR;

/* The migrations folder: ./migrations, else the one beside the binary's
 * build/ folder. Caller frees. */
char	*migrate_find_dir(void);

#endif
