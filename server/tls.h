/* tls: the server's SSL_CTX (TLS 1.2+, ALPN http/1.1, any SNI) and the
 * per-connection bufferevent factory evhttp calls. */
#ifndef BAAS_TLS_H
#define BAAS_TLS_H

#include <event2/bufferevent.h>
#include <openssl/ssl.h>

/* The settings BAAS_TLS_CERT, _KEY, _EC_CERT, _EC_KEY, _TICKET_KEYS. */
struct tls_files {
	const char	*cert, *key;
	const char	*ec_cert, *ec_key;	/* "": beside; "off": none */
	const char	*ticket_keys;		/* "": OpenSSL's own */
};

/* Loads the RSA cert and key (created first when missing), the ECDSA pair
 * (see tls_use_ec) and, unless ticket_keys is "", the shared
 * session-ticket keys; NULL with err on failure. */
SSL_CTX	*tls_ctx_new(const struct tls_files *f, char *err, size_t errlen);
/* evhttp_set_bevcb callback: arg is the SSL_CTX. */
struct bufferevent *tls_bev_cb(struct event_base *base, void *arg);
/* After a reply: reads what OpenSSL read ahead (a pipelined request) now
 * that evhttp reads again; nothing for plain HTTP. */
void	 tls_read_pending(struct bufferevent *bev);
/* Sends TLS close_notify on bev when it is a TLS connection whose
 * handshake finished; nothing otherwise. Before the socket closes. */
void	 tls_close_notify(struct bufferevent *bev);

#endif
