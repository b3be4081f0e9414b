/* tls: the server's SSL_CTX (TLS 1.2+, ALPN http/1.1, any SNI) and the
 * per-connection bufferevent factory evhttp calls. */
#ifndef BAAS_TLS_H
#define BAAS_TLS_H

#include <event2/bufferevent.h>
#include <openssl/ssl.h>

/* Loads cert and key (created first when missing) and, unless ticket_keys
 * is "", the shared session-ticket keys; NULL with err on failure. */
SSL_CTX	*tls_ctx_new(const char *cert, const char *key, const char *ticket_keys,
    char *err, size_t errlen);
/* evhttp_set_bevcb callback: arg is the SSL_CTX. */
struct bufferevent *tls_bev_cb(struct event_base *base, void *arg);

#endif
