/* cmd: the table of the binary's commands, their --help, and what they
 * share (cmd.h). */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "ids.h"
#include "log.h"
#include "migrate.h"

/* Seconds to wait for the database when migrating (compose starts both
 * together). */
#define CMD_MIGRATE_WAIT	30

static int	cmd_migrate_run(int, char **);

static const struct cmd cmd_table[] = {
	{ "migrate", "", "apply pending migrations and exit",
	  "Applies the migrations of migrations/ that the database lacks, "
	  "under an\nadvisory lock (the server does the same at start).\n",
	  cmd_migrate_run },
	{ "dev-dauth-key", "", "create the development dauth key pair (once)",
	  "Creates a development dauth RSA key pair once: the private key in\n"
	  "<BAAS_KEYS_DIR>/dauth-dev/, its public key as dauth-dev.pem in\n"
	  "BAAS_DEVICE_TOKEN_KEYS (a running server trusts it after SIGHUP).\n",
	  cmd_dev_dauth_key },
	{ "mint-device-token", "DEVICE_ID",
	  "print a device token signed by the development dauth key",
	  "Prints a device token for DEVICE_ID (16 hex digits) with dauth's\n"
	  "claims, valid 24 hours, signed by the dev-dauth-key key: the\n"
	  "assertion of POST /1.0.0/application/token.\n",
	  cmd_mint_device_token },
	{ "create-user", "[N]", "create N users; print id, device account, "
	  "password",
	  "Creates N users (default 1, at most 10000) with one device account\n"
	  "each, through the SQL of POST /1.0.0/users, and prints a line per\n"
	  "user: user id, device account id, password.\n",
	  cmd_create_user },
	{ "issue-tls-cert", "DIR", "issue a server certificate from the CA in "
	  "DIR",
	  "On the machine that keeps the local CA: DIR/ca.crt and ca.key\n"
	  "(created when missing), then a new DIR/server.crt and server.key to\n"
	  "copy to the server, which never needs ca.key.\n",
	  cmd_issue_tls_cert },
	{ "hosts", "[--format atmosphere|hosts] [ADDR]", "print the hosts-file "
	  "lines that send this server's names to ADDR",
	  "Prints one \"ADDR name\" line for each name this server answers:\n"
	  "the three BaaS names and, unless BAAS_CONNECTION_TEST=off, the two\n"
	  "connection-test names; no other name, so other redirects keep\n"
	  "working. --format atmosphere (the default): for the end of\n"
	  "atmosphere/hosts/emummc.txt or sysmmc.txt (IPv4, not loopback;\n"
	  "later lines win there). --format hosts: for /etc/hosts or a DNS\n"
	  "server's hosts file (IPv4 or IPv6). ADDR defaults to the address of\n"
	  "BAAS_HTTPS_ADDR (BAAS_HTTP_ADDR when HTTPS is off) unless that is a\n"
	  "wildcard.\n",
	  cmd_hosts },
	{ "rotate-keys", "[internal|id]", "add a signing key, published now, "
	  "signing after BAAS_KEY_PUBLISH_AHEAD",
	  "Adds a new RSA key to the internal set, the id set, or both (no\n"
	  "argument). Its file is named by the time it starts signing: now plus\n"
	  "BAAS_KEY_PUBLISH_AHEAD seconds, so every instance sharing the keys\n"
	  "folder switches at that time; it is published in the JWKS as soon as\n"
	  "a server reads it (at start, or on SIGHUP: send it to every instance\n"
	  "within the publish-ahead time). A set with no key gets one that\n"
	  "signs at once. Prints the set, kid, file and start time of each.\n",
	  cmd_rotate_keys },
	{ "prune-keys", "[--dry-run]", "remove keys whose every token has "
	  "expired",
	  "Removes from the internal and id sets each key that no longer signs\n"
	  "and whose last token has expired: the next key's start plus the\n"
	  "token lifetime and clock leeway. Prints each key with its state\n"
	  "(pending, signing, retiring until ..., expired); --dry-run removes\n"
	  "nothing. Running servers stop publishing a removed key on SIGHUP.\n",
	  cmd_prune_keys },
	{ "mint-id-token", "USER [--device-account ID] [--ttl S]",
	  "print an ID token as login would give it",
	  "Prints an ID token for USER (16 hex digits) with the claims of the\n"
	  "idToken of POST /1.0.0/login, signed by the id key that signs now,\n"
	  "for game-server test suites. The device account is ID, or the\n"
	  "user's first; the user must exist and could log in (not deleted or\n"
	  "banned, the device account not disabled). --ttl: seconds until exp\n"
	  "(1 to 10800, the default).\n",
	  cmd_mint_id_token },
	{ "golden-tokens", "DIR", "write the golden ID tokens that test a "
	  "game server's token verifier",
	  "Writes into DIR (created when missing, files replaced) ID tokens\n"
	  "signed by a fixed, published development key, one per case a token\n"
	  "verifier must get right (valid.jwt, expired.jwt, wrong-aud.jwt,\n"
	  "hs256-public-key.jwt, ...), its key set jwks.json, the key pair as\n"
	  "PEM, and README.md and cases.json saying what a correct verifier\n"
	  "answers for each. The same bytes on every run; no server settings\n"
	  "are used (issuer and audience are their defaults). See\n"
	  "docs/game-servers.md.\n",
	  cmd_golden_tokens },
	{ "user", "show|ban|unban|delete USER", "show, ban, unban or delete a "
	  "user",
	  "show: the user object, its device accounts, ban and counts, as JSON.\n"
	  "ban / unban: login is refused (403 banned_user) and the user's\n"
	  "tokens are answered 403 banned_user by every server within a second\n"
	  "(the token cache's window); unban restores them until they expire.\n"
	  "delete: as the API deletes an emptied user: friendships, blocks and\n"
	  "pending requests end, the user reads deleted, its tokens get 401\n"
	  "invalid_token within a second. USER is 16 hex digits.\n",
	  cmd_user },
	{ "load-fixtures", "FILE", "create users, friends, requests, blocks and "
	  "presence from a JSON file",
	  "Creates what FILE (JSON, README \"Command line\") describes in one\n"
	  "transaction: users with nickname, country, friend code, device\n"
	  "accounts, ban and presence; friendships, pending friend requests and\n"
	  "blocks. Prints the ids and credentials it made as JSON. On any error\n"
	  "nothing is written. FILE - reads standard input.\n",
	  cmd_load_fixtures },
};

const struct cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < NELEM(cmd_table); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return (&cmd_table[i]);
	return (NULL);
}

int
cmd_help(const struct cmd *c, int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: baas-server %s%s%s\n\n%s", c->name,
			    *c->args ? " " : "", c->args, c->help);
			printf("\nSettings come from the environment, as the "
			    "server's (baas-server --help).\n");
			return (1);
		}
	}
	return (0);
}

void
cmd_list(FILE *f)
{
	for (size_t i = 0; i < NELEM(cmd_table); i++) {
		char	*u = xasprintf("%s %s", cmd_table[i].name,
			    cmd_table[i].args);

		fprintf(f, "  %-36s %s\n", u, cmd_table[i].summary);
		free(u);
	}
}

static void
cmd_vprint(const char *name, const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';	/* one line, always */
	fprintf(stderr, "baas-server %s: %s", name, msg);
}

int
cmd_usage(const char *name, const char *fmt, ...)
{
	const struct cmd	*c = cmd_find(name);
	va_list			 ap;

	va_start(ap, fmt);
	cmd_vprint(name, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; usage: baas-server %s%s%s\n", name,
	    c != NULL && *c->args ? " " : "", c != NULL ? c->args : "");
	return (CMD_EXIT_USAGE);
}

int
cmd_fail(const char *name, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cmd_vprint(name, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (CMD_EXIT_FAIL);
}

int
cmd_parse_id(const char *s, uint64_t *out)
{
	if (s == NULL || strlen(s) != ID_HEX_LEN || id_parse(s, out) != 0 ||
	    *out == 0)
		return (-1);
	return (0);
}

int
cmd_migrate(void)
{
	char	 err[1024], *dir = migrate_find_dir();
	int	 applied;

	if (migrate_run(app.cfg.database_url, dir, CMD_MIGRATE_WAIT, &applied,
	    err, sizeof err) != 0) {
		log_error("%s", err);
		free(dir);
		return (-1);
	}
	if (applied > 0)
		log_info("applied %d migration%s from %s", applied,
		    applied == 1 ? "" : "s", dir);
	free(dir);
	return (0);
}

static int
cmd_migrate_run(int argc, char **argv)
{
	if (argc != 1)
		return (cmd_usage("migrate", "no arguments expected"));
	return (cmd_migrate() == 0 ? 0 : CMD_EXIT_FAIL);
}
