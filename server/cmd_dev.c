/* cmd_dev: commands for people who run the server behind their integration
 * suites, so a suite can walk the console's real flow (device token ->
 * application/token -> login) against the default verify policy without
 * Nintendo's servers (dev-dauth-key, mint-device-token, create-user), and
 * issue-tls-cert for a server that does not keep the CA key. What each does
 * is in its --help (cmd.c).
 *
 * create-user writes through the same SQL function as POST /1.0.0/users,
 * on a blocking connection to BAAS_DATABASE_URL (account_db.c; migrating
 * first), so it works whether or not a server is running. These run before
 * any event loop. */
#include "cmd.h"

#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_db.h"
#include "app.h"
#include "file.h"
#include "ids.h"
#include "jws.h"
#include "keys.h"
#include "migrate.h"
#include "tlscert.h"
#include "tokens.h"

#define DEV_KID			"dauth-dev"	/* the public key's file name */
#define DEV_TOKEN_LIFETIME	86400		/* as dauth's */
#define CREATE_USER_MAX		10000

/* <keys>/dauth-dev: where the private key lives (never read by the
 * server: the folder of trusted device-token keys is read without
 * subfolders and only public keys count there). */
static char *
cmd_dev_private_dir(void)
{
	return (xasprintf("%s/dauth-dev", app.cfg.keys_dir));
}

/* Loads the development key; -1 with a message when missing. */
static int
cmd_dev_load(const char *name, struct keyset *ks)
{
	char	*dir = cmd_dev_private_dir(), err[512];
	int	 rc;

	memset(ks, 0, sizeof *ks);
	rc = keyset_load_private(ks, dir, 0, err, sizeof err);
	if (rc != 0)
		(void)cmd_fail(name, "%s (run `baas-server dev-dauth-key` "
		    "first)", err);
	free(dir);
	return (rc);
}

int
cmd_dev_dauth_key(int argc, char **argv)
{
	struct keyset	 ks;
	char		*dir = cmd_dev_private_dir(), *priv, *pub, err[512];
	BIO		*mem = NULL;
	char		*pem;
	long		 len;
	int		 rc = 1;

	if (argc != 1) {
		free(dir);
		return (cmd_usage(argv[0], "no arguments expected"));
	}
	priv = xasprintf("%s/private.pem", dir);
	pub = xasprintf("%s/%s.pem", app.cfg.device_token_keys, DEV_KID);
	if (file_mkdir_p(app.cfg.keys_dir, 0700, err, sizeof err) != 0 ||
	    file_mkdir_p(dir, 0700, err, sizeof err) != 0 ||
	    file_mkdir_p(app.cfg.device_token_keys, 0755, err,
	    sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		goto out;
	}
	if (access(priv, F_OK) != 0 &&
	    key_generate_file(priv, err, sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		goto out;
	}
	if (cmd_dev_load("dev-dauth-key", &ks) != 0)
		goto out;
	/* The public half, rewritten every time so it always matches. */
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(mem, ks.signer->pkey) ||
	    (len = BIO_get_mem_data(mem, &pem)) <= 0) {
		(void)cmd_fail(argv[0], "cannot encode %s", pub);
		keyset_free(&ks);
		goto out;
	}
	keyset_free(&ks);
	if (file_write(pub, 0644, pem, (size_t)len, FILE_REPLACE, err,
	    sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		goto out;
	}
	printf("private key: %s\npublic key:  %s (kid %s)\n", priv, pub,
	    DEV_KID);
	printf("a running server trusts it after SIGHUP "
	    "(BAAS_DEVICE_TOKEN_POLICY=verify)\n");
	rc = 0;
out:
	BIO_free(mem);
	free(priv);
	free(pub);
	free(dir);
	return (rc);
}

int
cmd_mint_device_token(int argc, char **argv)
{
	const char	*device = argc == 2 ? argv[1] : NULL;
	struct keyset	 ks;
	struct key	 k;
	uint64_t	 id;
	json_t		*claims;
	char		 did[ID_HEX_LEN + 1], sn[16], jti[37], *token;
	int64_t		 now = now_unix();

	if (device == NULL || strlen(device) != ID_HEX_LEN ||
	    id_parse(device, &id) != 0)
		return (cmd_usage(argv[0], "a device id of 16 hex digits is "
		    "expected"));
	if (cmd_dev_load("mint-device-token", &ks) != 0)
		return (1);
	id_format(id, did);
	/* A console-like serial number derived from the device id. */
	snprintf(sn, sizeof sn, "XAW%011llu",
	    (unsigned long long)(id % 100000000000ULL));
	uuid_v4(jti);
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:{s:s, s:s, s:s, "
	    "s:b}}", "iss", DAUTH_ISSUER, "aud", DAUTH_BAAS_CLIENT_ID,
	    "sub", did, "iat", (json_int_t)now, "exp",
	    (json_int_t)(now + DEV_TOKEN_LIFETIME), "jti", jti, "nintendo",
	    "sn", sn, "pc", "HAC", "dt", "NX Prod 1", "ist", 0);
	k = *ks.signer;
	snprintf(k.kid, sizeof k.kid, "%s", DEV_KID);
	token = jws_sign_new(&k, NULL, claims);
	json_decref(claims);
	keyset_free(&ks);
	if (token == NULL) {
		(void)cmd_fail("mint-device-token", "cannot sign the device "
		    "token");
		return (1);
	}
	printf("%s\n", token);
	free(token);
	return (0);
}

int
cmd_create_user(int argc, char **argv)
{
	const char	*count = argc == 2 ? argv[1] : NULL;
	char		*dir, err[1024], *end;
	long		 n = 1;
	int		 applied;

	if (argc > 2)
		return (cmd_usage(argv[0], "one count at most"));
	if (count != NULL) {
		n = strtol(count, &end, 10);
		if (*count == '\0' || *end != '\0' || n < 1 ||
		    n > CREATE_USER_MAX)
			return (cmd_usage(argv[0], "the count is a number "
			    "from 1 to %d", CREATE_USER_MAX));
	}
	dir = migrate_find_dir();
	if (migrate_run(app.cfg.database_url, dir, 30, &applied, err,
	    sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		free(dir);
		return (1);
	}
	free(dir);
	if (account_db_create_users(app.cfg.database_url, n, stdout, err,
	    sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		return (1);
	}
	return (0);
}

/* A new server certificate from the CA in dir, for a server that does not
 * keep ca.key. */
int
cmd_issue_tls_cert(int argc, char **argv)
{
	const char	*dir = argv[1];
	char		 err[512], *crt, *key, *ec_crt, *ec_key;
	int		 rc = 0;

	if (argc != 2)
		return (cmd_usage(argv[0], "one folder expected"));
	crt = xasprintf("%s/server.crt", dir);
	key = xasprintf("%s/server.key", dir);
	ec_crt = xasprintf("%s/server-ec.crt", dir);
	ec_key = xasprintf("%s/server-ec.key", dir);
	if (tlscert_issue(crt, key, err, sizeof err) != 0 ||
	    tlscert_issue_ec(ec_crt, ec_key, err, sizeof err) != 0) {
		(void)cmd_fail(argv[0], "%s", err);
		rc = 1;
	} else
		printf("CA:          %s/ca.crt (keep ca.key here)\n"
		    "certificate: %s\nkey:         %s\n"
		    "ECDSA:       %s\nkey:         %s\n"
		    "copy the certificates, the keys and ca.crt to the "
		    "server's keys/tls/\n", dir, crt, key, ec_crt, ec_key);
	free(crt);
	free(key);
	free(ec_crt);
	free(ec_key);
	return (rc);
}
