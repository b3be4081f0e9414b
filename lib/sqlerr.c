/* sqlerr: SQLSTATEs and contract errors of the SQL functions -> problems. */
#include "sqlerr.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

int
sqlerr_retryable(const char *sqlstate)
{
	return (sqlstate != NULL && (strcmp(sqlstate, "40001") == 0 ||
	    strcmp(sqlstate, "40P01") == 0));
}

/* The primary message: after the severity ("ERROR:  "), up to the line
 * end. */
static const char *
primary(const char *message, size_t *len)
{
	const char	*m = strstr(message, ":  ");

	m = m != NULL ? m + 3 : message;
	*len = strcspn(m, "\n");
	return (m);
}

enum problem_code
sqlerr_contract_code(const char *message)
{
	const char	*m;
	size_t		 len;

	if (message == NULL)
		return (PROBLEM_NONE);
	m = primary(message, &len);
	for (int c = PROBLEM_NONE + 1; c < PROBLEM__COUNT; c++) {
		const char *name = problem_error_code((enum problem_code)c);

		if (strlen(name) == len && strncmp(m, name, len) == 0)
			return ((enum problem_code)c);
	}
	return (PROBLEM_NONE);
}

/* The DETAIL line of a message, into p->detail (left empty when none). */
static void
contract_detail(const char *message, struct problem *p)
{
	const char	*d = strstr(message, "\nDETAIL:  ");
	size_t		 len;

	if (d == NULL)
		return;
	d += strlen("\nDETAIL:  ");
	len = strcspn(d, "\n");
	if (len >= sizeof p->detail)
		len = sizeof p->detail - 1;
	len = utf8_trim_partial(d, len);
	memcpy(p->detail, d, len);
	p->detail[len] = '\0';
}

int
sqlerr_problem(const struct db_result *res, struct problem *p)
{
	const char		*st = db_result_sqlstate(res);
	enum problem_code	 code;

	p->detail[0] = '\0';
	if (db_result_status(res) == DB_ERR_UNAVAILABLE ||
	    sqlerr_retryable(st)) {
		p->code = PROBLEM_UNDER_MAINTENANCE;
	} else if (strcmp(st, SQLERR_CONTRACT) == 0 &&
	    (code = sqlerr_contract_code(db_result_message(res))) !=
	    PROBLEM_NONE) {
		p->code = code;
		contract_detail(db_result_message(res), p);
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
