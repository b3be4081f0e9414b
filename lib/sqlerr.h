/* sqlerr: what a failed statement means to the client. Contract errors are
 * raised by the SQL functions as RAISE EXCEPTION '<errorCode>' USING
 * ERRCODE = 'BA000' (0001_create_schema.sql) and map back to their row of
 * API.md section 3; the rest follow STYLE.md. */
#ifndef BAAS_SQLERR_H
#define BAAS_SQLERR_H

#include "problem.h"

#define SQLERR_CONTRACT	"BA000"

/* Fills p for a statement that failed: unavailable (no database, no
 * answer), serialization failures and deadlocks -> 503 under_maintenance;
 * BA000 -> the errorCode named by the primary message (with the DETAIL, if
 * any, as detail); 23505 -> 409 resource_already_exists; 23503 -> 404
 * resource_is_not_found; class 22 -> 400 invalid_params; anything else ->
 * 500 (the caller logs it). sqlstate, primary and detail are "" when none.
 * Returns the status of the problem. */
int	 sqlerr_problem(int unavailable, const char *sqlstate,
	    const char *primary, const char *detail, struct problem *p);

/* Whether a SQLSTATE is worth one retry (40001, 40P01). */
int	 sqlerr_retryable(const char *sqlstate);

/* Whether a SQLSTATE says this server cannot take the statement now, not
 * that the statement is wrong: 25006 (read-only: a standby, or a primary
 * fenced during a switchover), 57P01..57P03 (shutting down, crashed, still
 * starting) and class 08 (connection exceptions). 503 under_maintenance. */
int	 sqlerr_server_unavailable(const char *sqlstate);

/* Whether a SQLSTATE says the session is read-only (25006): a connection
 * worth dropping, so that the next one finds the read-write host. */
int	 sqlerr_read_only(const char *sqlstate);

/* The errorCode a contract error's primary message names (the message is
 * exactly the code), or PROBLEM_NONE. Exposed for tests. */
enum problem_code sqlerr_contract_code(const char *primary);

#endif
