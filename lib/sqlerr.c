/* sqlerr: SQLSTATEs and contract errors of the SQL functions -> problems. */
#include "sqlerr.h"

#include <string.h>

#include "utf8.h"

int
sqlerr_retryable(const char *sqlstate)
{
	return (sqlstate != NULL && (strcmp(sqlstate, "40001") == 0 ||
	    strcmp(sqlstate, "40P01") == 0));
}

int
sqlerr_read_only(const char *sqlstate)
{
	return (sqlstate != NULL && strcmp(sqlstate, "25006") == 0);
}

int
sqlerr_server_unavailable(const char *sqlstate)
{
	return (sqlstate != NULL && (sqlerr_read_only(sqlstate) ||
	    strcmp(sqlstate, "57P01") == 0 || strcmp(sqlstate, "57P02") == 0 ||
	    strcmp(sqlstate, "57P03") == 0 || strncmp(sqlstate, "08", 2) == 0));
}

enum problem_code
sqlerr_contract_code(const char *primary)
{
	if (primary == NULL)
		return (PROBLEM_NONE);
	for (int c = PROBLEM_NONE + 1; c < PROBLEM__COUNT; c++)
		if (strcmp(primary, problem_error_code((enum problem_code)c)) == 0)
			return ((enum problem_code)c);
	return (PROBLEM_NONE);
}

/* The DETAIL into p->detail, cut to fit on a character boundary. */
static void
contract_detail(const char *detail, struct problem *p)
{
	size_t	len = strlen(detail);

	if (len >= sizeof p->detail)
		len = sizeof p->detail - 1;
	len = utf8_trim_partial(detail, len);
	memcpy(p->detail, detail, len);
	p->detail[len] = '\0';
}

int
sqlerr_problem(int unavailable, const char *st, const char *primary,
    const char *detail, struct problem *p)
{
	enum problem_code	 code;

	p->detail[0] = '\0';
	if (unavailable || sqlerr_retryable(st) ||
	    sqlerr_server_unavailable(st)) {
		p->code = PROBLEM_UNDER_MAINTENANCE;
	} else if (strcmp(st, "55P03") == 0 || strcmp(st, "57014") == 0) {
		/* lock_not_available, query_canceled: BAAS_DB_TIMEOUT ran out
		 * on a row or table held elsewhere (maintenance by hand, a
		 * stuck transaction). Not the client's fault, not a bug: the
		 * contract's 503 says "try again later". */
		p->code = PROBLEM_UNDER_MAINTENANCE;
	} else if (strcmp(st, SQLERR_CONTRACT) == 0 &&
	    (code = sqlerr_contract_code(primary)) != PROBLEM_NONE) {
		p->code = code;
		contract_detail(detail, p);
	} else if (strcmp(st, "23505") == 0)
		p->code = PROBLEM_RESOURCE_ALREADY_EXISTS;
	else if (strcmp(st, "23503") == 0)
		p->code = PROBLEM_RESOURCE_IS_NOT_FOUND;
	else if (strncmp(st, "22", 2) == 0)
		p->code = PROBLEM_INVALID_PARAMS;
	else
		p->code = PROBLEM_INTERNAL_SERVER_ERROR;
	return (problem_status(p->code));
}
