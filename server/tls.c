/* tls: HTTPS for consoles and emulators, which connect on 443 with SNI of a
 * BaaS host name and expect ALPN http/1.1. Client certificates are not asked
 * for, so one offered anyway is simply ignored. */
#include "tls.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "tlscert.h"
#include "util.h"

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

SSL_CTX *
tls_ctx_new(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if (tlscert_ensure(cert, key, err, errlen) != 0)
		return (NULL);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return (NULL);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
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
