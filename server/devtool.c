/* devtool: commands for people who run the server behind their integration
 * suites, so a suite can walk the console's real flow (device token ->
 * application/token -> login) against the default verify policy without
 * Nintendo's servers:
 *
 *   baas-server dev-dauth-key            a development dauth key pair: the
 *                                        private key in <keys>/dauth-dev/,
 *                                        its public key in the device-token
 *                                        keys folder (trusted at next start)
 *   baas-server mint-device-token ID     prints a device token for device ID
 *                                        (16 hex digits) signed by that key
 *   baas-server create-user [N]          creates N users (default 1) in the
 *                                        database and prints, per line:
 *                                        user id, device account id, password
 *   baas-server issue-tls-cert DIR       on the machine that keeps the local
 *                                        CA: DIR/ca.crt and ca.key (created
 *                                        when missing), then a new
 *                                        DIR/server.crt and server.key, to
 *                                        copy to the server, which never
 *                                        needs ca.key
 *
 * create-user writes through the same SQL function as POST /1.0.0/users,
 * on a blocking connection to BAAS_DATABASE_URL (account_db.c; migrating
 * first), so it works whether or not a server is running. These run before
 * any event loop. */
#include "devtool.h"

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
devtool_private_dir(void)
{
	return (xasprintf("%s/dauth-dev", app.cfg.keys_dir));
}

/* Loads the development key; -1 with a message when missing. */
static int
devtool_load(struct keyset *ks)
{
	char	*dir = devtool_private_dir(), err[512];
	int	 rc;

	memset(ks, 0, sizeof *ks);
	rc = keyset_load_private(ks, dir, 0, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "baas-server: %s\n(run `baas-server "
		    "dev-dauth-key` first)\n", err);
	free(dir);
	return (rc);
}

static int
devtool_dauth_key(void)
{
	struct keyset	 ks;
	char		*dir = devtool_private_dir(), *priv, *pub, err[512];
	BIO		*mem = NULL;
	char		*pem;
	long		 len;
	int		 rc = 1;

	priv = xasprintf("%s/private.pem", dir);
	pub = xasprintf("%s/%s.pem", app.cfg.device_token_keys, DEV_KID);
	if (file_mkdir_p(app.cfg.keys_dir, 0700, err, sizeof err) != 0 ||
	    file_mkdir_p(dir, 0700, err, sizeof err) != 0 ||
	    file_mkdir_p(app.cfg.device_token_keys, 0755, err,
	    sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		goto out;
	}
	if (access(priv, F_OK) != 0 &&
	    key_generate_file(priv, err, sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		goto out;
	}
	if (devtool_load(&ks) != 0)
		goto out;
	/* The public half, rewritten every time so it always matches. */
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(mem, ks.signer->pkey) ||
	    (len = BIO_get_mem_data(mem, &pem)) <= 0) {
		fprintf(stderr, "baas-server: cannot encode %s\n", pub);
		keyset_free(&ks);
		goto out;
	}
	keyset_free(&ks);
	if (file_write(pub, 0644, pem, (size_t)len, FILE_REPLACE, err,
	    sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		goto out;
	}
	printf("private key: %s\npublic key:  %s (kid %s)\n", priv, pub,
	    DEV_KID);
	printf("restart the server to trust it "
	    "(BAAS_DEVICE_TOKEN_POLICY=verify)\n");
	rc = 0;
out:
	BIO_free(mem);
	free(priv);
	free(pub);
	free(dir);
	return (rc);
}

static int
devtool_mint(const char *device)
{
	struct keyset	 ks;
	struct key	 k;
	uint64_t	 id;
	json_t		*claims;
	char		 did[ID_HEX_LEN + 1], sn[16], jti[37], *token;
	int64_t		 now = now_unix();

	if (device == NULL || strlen(device) != ID_HEX_LEN ||
	    id_parse(device, &id) != 0) {
		fprintf(stderr, "usage: baas-server mint-device-token "
		    "<device id: 16 hex digits>\n");
		return (2);
	}
	if (devtool_load(&ks) != 0)
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
		fprintf(stderr, "baas-server: cannot sign the device token\n");
		return (1);
	}
	printf("%s\n", token);
	free(token);
	return (0);
}

static int
devtool_create_users(const char *count)
{
	char		*dir, err[1024], *end;
	long		 n = 1;
	int		 applied;

	if (count != NULL) {
		n = strtol(count, &end, 10);
		if (*count == '\0' || *end != '\0' || n < 1 ||
		    n > CREATE_USER_MAX) {
			fprintf(stderr, "usage: baas-server create-user "
			    "[count: 1-%d]\n", CREATE_USER_MAX);
			return (2);
		}
	}
	dir = migrate_find_dir();
	if (migrate_run(app.cfg.database_url, dir, 30, &applied, err,
	    sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		free(dir);
		return (1);
	}
	free(dir);
	if (account_db_create_users(app.cfg.database_url, n, stdout, err,
	    sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		return (1);
	}
	return (0);
}

/* A new server certificate from the CA in dir, for a server that does not
 * keep ca.key. */
static int
devtool_issue_tls_cert(const char *dir)
{
	char	 err[512];
	char	*crt = xasprintf("%s/server.crt", dir);
	char	*key = xasprintf("%s/server.key", dir);
	int	 rc = 0;

	if (tlscert_issue(crt, key, err, sizeof err) != 0) {
		fprintf(stderr, "baas-server: %s\n", err);
		rc = 1;
	} else
		printf("CA:          %s/ca.crt (keep ca.key here)\n"
		    "certificate: %s\nkey:         %s\n"
		    "copy the certificate, the key and ca.crt to the server's "
		    "keys/tls/\n", dir, crt, key);
	free(crt);
	free(key);
	return (rc);
}

int
devtool_command(int argc, char **argv, int *exit_code)
{
	if (argc < 2)
		return (0);
	if (strcmp(argv[1], "dev-dauth-key") == 0) {
		*exit_code = argc == 2 ? devtool_dauth_key() : 2;
		if (argc != 2)
			fprintf(stderr, "usage: baas-server dev-dauth-key\n");
		return (1);
	}
	if (strcmp(argv[1], "mint-device-token") == 0) {
		*exit_code = devtool_mint(argc == 3 ? argv[2] : NULL);
		return (1);
	}
	if (strcmp(argv[1], "create-user") == 0) {
		if (argc > 3) {
			fprintf(stderr, "usage: baas-server create-user "
			    "[count]\n");
			*exit_code = 2;
			return (1);
		}
		*exit_code = devtool_create_users(argc == 3 ? argv[2] : NULL);
		return (1);
	}
	if (strcmp(argv[1], "issue-tls-cert") == 0) {
		if (argc != 3) {
			fprintf(stderr, "usage: baas-server issue-tls-cert DIR\n");
			*exit_code = 2;
		} else
			*exit_code = devtool_issue_tls_cert(argv[2]);
		return (1);
	}
	return (0);
}
