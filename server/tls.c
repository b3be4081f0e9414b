/* tls: HTTPS for consoles and emulators, which connect on 443 with SNI of a
 * BaaS host name and expect ALPN http/1.1. Client certificates are not asked
 * for, so one offered anyway is simply ignored. */
#include "tls.h"

#include <sys/stat.h>

#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tlscert.h"
#include "util.h"

/*
 * TLS 1.2 suites: forward secrecy only (ECDHE), AEAD first. The CBC-SHA
 * pair stays for clients without AES-GCM over ECDHE_RSA: older NSS builds
 * like the Switch's ssl sysmodule, and Windows SChannel before Windows 10
 * under the emulators' Windows backends. Static-RSA key exchange, DHE and
 * SHA-2 CBC suites are refused. TLS 1.3 suites (all forward secret) keep
 * OpenSSL's default. README "Security and operations" lists the clients.
 */
#define TLS12_CIPHERS							\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"	\
	"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"			\
	"ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA"

static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char http11[] = "\x08http/1.1";

	if (SSL_select_next_proto((unsigned char **)out, outlen, http11,
	    sizeof http11 - 1, in, inlen) == OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_OK);
	/* A client offering only h2 still gets HTTP/1.1 without ALPN. */
	return (SSL_TLSEXT_ERR_NOACK);
}

/*
 * Session tickets (TLS 1.2 tickets and TLS 1.3 resumption) shared by every
 * instance: the file is OpenSSL's own layout, 16-byte key name, 32-byte
 * HMAC-SHA256 key, 32-byte AES-256 key. Read once at start; the key
 * material goes to the SSL_CTX and is wiped here, never logged.
 */
#define TLS_TICKET_KEYS_LEN	80

static int
tls_load_ticket_keys(SSL_CTX *ctx, const char *path, char *err,
    size_t errlen)
{
	unsigned char	 buf[TLS_TICKET_KEYS_LEN + 1];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(err, errlen, "BAAS_TLS_TICKET_KEYS: cannot open %s: "
		    "%s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "BAAS_TLS_TICKET_KEYS: %s is not a "
		    "regular file", path);
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		snprintf(err, errlen, "BAAS_TLS_TICKET_KEYS: %s has mode %03o, "
		    "must be readable by its owner only (chmod 600)", path,
		    (unsigned)(st.st_mode & 0777));
	else if ((n = read(fd, buf, sizeof buf)) != TLS_TICKET_KEYS_LEN)
		snprintf(err, errlen, "BAAS_TLS_TICKET_KEYS: %s must hold "
		    "exactly %d bytes (head -c %d /dev/urandom)", path,
		    TLS_TICKET_KEYS_LEN, TLS_TICKET_KEYS_LEN);
	else if (SSL_CTX_set_tlsext_ticket_keys(ctx, buf,
	    TLS_TICKET_KEYS_LEN) != 1)
		snprintf(err, errlen, "BAAS_TLS_TICKET_KEYS: OpenSSL refused "
		    "the ticket keys");
	else
		rc = 0;
	OPENSSL_cleanse(buf, sizeof buf);
	close(fd);
	return (rc);
}

SSL_CTX *
tls_ctx_new(const char *cert, const char *key, const char *ticket_keys,
    char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if (tlscert_ensure(cert, key, err, errlen) != 0)
		return (NULL);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return (NULL);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		snprintf(err, errlen, "no TLS 1.2 cipher suite available");
		SSL_CTX_free(ctx);
		return (NULL);
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "cannot load TLS certificate %s and key %s: %s",
		    cert, key, ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return (NULL);
	}
	if (ticket_keys[0] != '\0' &&
	    tls_load_ticket_keys(ctx, ticket_keys, err, errlen) != 0) {
		SSL_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

struct bufferevent *
tls_bev_cb(struct event_base *base, void *arg)
{
	SSL	*ssl = SSL_new(arg);

	if (ssl == NULL)
		return (NULL);
	return (bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}
