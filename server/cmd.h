/* cmd: the commands of the binary (baas-server CMD ...), one table in
 * cmd.c. Each reads the server's settings (app.cfg, loaded first), works
 * whether or not a server is running, prints its --help, and on bad input
 * prints one line on stderr and exits non-zero: 2 for a usage error, 1 for
 * anything that failed. */
#ifndef BAAS_CMD_H
#define BAAS_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "util.h"

#define CMD_EXIT_FAIL	1
#define CMD_EXIT_USAGE	2
/* Seconds a command waits for the database to accept connections. */
#define CMD_DB_WAIT	2

/* argv[0] is the command's name. Returns the exit status. */
typedef int (*cmd_fn)(int argc, char **argv);

struct cmd {
	const char	*name;
	const char	*args;		/* after the name in the usage line */
	const char	*summary;	/* one line for the list */
	const char	*help;		/* --help: what it does, in full */
	cmd_fn		 run;
};

/* The command argv[1] names: NULL for none. */
const struct cmd *cmd_find(const char *name);
/* 1 when argv asks for a command's --help (printed to stdout). */
int	 cmd_help(const struct cmd *c, int argc, char **argv);
/* The list of commands, one line each, for the binary's --help. */
void	 cmd_list(FILE *f);

/* "baas-server CMD: <message>; usage: ..." on stderr; returns
 * CMD_EXIT_USAGE. */
int	 cmd_usage(const char *name, const char *fmt, ...) PRINTFLIKE(2, 3);
/* "baas-server CMD: <message>" on stderr; returns CMD_EXIT_FAIL. */
int	 cmd_fail(const char *name, const char *fmt, ...) PRINTFLIKE(2, 3);
/* A user or device account id: 16 hex digits. -1 when not. */
int	 cmd_parse_id(const char *s, uint64_t *out) WUR;

/* Applies pending migrations (logged); -1 after logging the error. */
int	 cmd_migrate(void);

/* The commands (cmd_*.c). */
int	 cmd_dev_dauth_key(int, char **);
int	 cmd_mint_device_token(int, char **);
int	 cmd_create_user(int, char **);
int	 cmd_issue_tls_cert(int, char **);
int	 cmd_hosts(int, char **);
int	 cmd_rotate_keys(int, char **);
int	 cmd_prune_keys(int, char **);
int	 cmd_mint_id_token(int, char **);
int	 cmd_golden_tokens(int, char **);
int	 cmd_user(int, char **);
int	 cmd_load_fixtures(int, char **);

#endif
