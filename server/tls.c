/* tls: HTTPS for consoles and emulators, which connect on 443 with SNI of a
 * BaaS host name and expect ALPN http/1.1. Client certificates are not asked
 * for, so one offered anyway is simply ignored. */
#include "tls.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
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

/* Loads one certificate chain and its key into ctx: OpenSSL keeps one per
 * key type, so RSA and ECDSA pairs sit side by side. */
static int
tls_use_pair(SSL_CTX *ctx, const char *cert, const char *key, char *err,
    size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return (0);
	snprintf(err, errlen, "cannot load TLS certificate %s and key %s: %s",
	    cert, key, ERR_reason_error_string(ERR_get_error()));
	return (-1);
}

/*
 * The ECDSA P-256 pair, for clients whose signature algorithms include
 * ECDSA (a full handshake then costs a P-256 signature, not an RSA-2048
 * one); the others keep the RSA pair. Set explicitly, it must exist; by
 * default (beside the RSA pair) it is issued from the local CA, or skipped
 * when the RSA certificate did not come from there.
 */
static int
tls_use_ec(SSL_CTX *ctx, const char *rsa_cert, const char *rsa_key,
    const char *ec_cert, const char *ec_key, char *err, size_t errlen)
{
	char	*crt, *key;
	int	 rc;

	if (strcmp(ec_cert, "off") == 0)
		return (0);
	crt = ec_cert[0] != '\0' ? xstrdup(ec_cert) :
	    tlscert_beside_new(rsa_cert, "server-ec.crt");
	key = ec_key[0] != '\0' ? xstrdup(ec_key) :
	    tlscert_beside_new(rsa_key, "server-ec.key");
	if (ec_cert[0] != '\0' || ec_key[0] != '\0')
		rc = 0;
	else
		rc = tlscert_ensure_ec(crt, key, rsa_cert, err, errlen);
	if (rc == 0)
		rc = tls_use_pair(ctx, crt, key, err, errlen);
	else if (rc == 1) {
		log_info("tls: no ECDSA certificate (%s is not from the local "
		    "CA; set BAAS_TLS_EC_CERT and BAAS_TLS_EC_KEY to serve "
		    "one)", rsa_cert);
		rc = 0;
	}
	free(crt);
	free(key);
	return (rc);
}

/*
 * Resumption, so a console that reconnects skips the certificate signature
 * of a full handshake: session tickets (stateless, any instance with the
 * same ticket keys) and, for clients that send no ticket, OpenSSL's
 * in-process session-id cache.
 */
#define TLS_SESSION_CACHE_SIZE	20480	/* about 20 MB at most */
#define TLS_SESSION_TIMEOUT	(2 * 3600)	/* seconds */

static void
tls_session_setup(SSL_CTX *ctx)
{
	static const unsigned char sid_ctx[] = "baas";

	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, TLS_SESSION_CACHE_SIZE);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_TIMEOUT);
	/* TLS 1.3: no ticket right after the handshake; one goes with the
	 * first reply instead (tls_ticket_with_reply). One ticket, not
	 * OpenSSL's two: a client opening parallel connections may use one
	 * ticket for all of them. */
	(void)SSL_CTX_set_num_tickets(ctx, 0);
	(void)SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
}

/*
 * Read-ahead: OpenSSL reads what the socket holds in one read() (the
 * client's Finished and its request, say) rather than each record's header
 * and then its body, two system calls a record. libevent 2.1's OpenSSL
 * bufferevent cannot know about records read ahead: it asks OpenSSL for
 * more only while the record it decrypted last has bytes left, and it
 * learns of new ones from the socket, which has nothing more to say. So
 * each connection has a kick, an event that makes the bufferevent read
 * again when OpenSSL holds bytes and reading is on: when the handshake
 * ends, after each read, and when a reply is done (tls_read_pending), as
 * evhttp turns reading off while it answers. It lives in the SSL's ex_data
 * and goes with it.
 */
struct tls_conn {
	struct bufferevent	*bev;
	struct event		 kick;
	int			 closed;	/* evhttp freed the connection */
	int			 ticket_sent;	/* tls_ticket_with_reply */
};

static int	tls_conn_idx = -1;

static struct tls_conn *
tls_conn_of(const SSL *ssl)
{
	return (ssl != NULL ? SSL_get_ex_data(ssl, tls_conn_idx) : NULL);
}

static void
tls_conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct tls_conn	*tc = ptr;

	if (tc == NULL)
		return;
	event_del(&tc->kick);
	free(tc);
}

static void
tls_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tls_conn	*tc = arg;
	SSL		*ssl = bufferevent_openssl_get_ssl(tc->bev);

	if (tc->closed || ssl == NULL || !SSL_is_init_finished(ssl) ||
	    !SSL_has_pending(ssl) ||
	    !(bufferevent_get_enabled(tc->bev) & EV_READ))
		return;
	/* The bufferevent's own read callback (its event is public in
	 * libevent 2.1's bufferevent_struct.h), as if the socket were
	 * readable: it reads until OpenSSL wants the socket. */
	event_active(&tc->bev->ev_read, EV_READ, 1);
}

static void
tls_kick(struct tls_conn *tc)
{
	SSL	*ssl;

	if (tc != NULL && !tc->closed && tc->bev != NULL &&
	    (ssl = bufferevent_openssl_get_ssl(tc->bev)) != NULL &&
	    SSL_has_pending(ssl))
		event_active(&tc->kick, EV_TIMEOUT, 1);
}

static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	/* The kick runs once libevent has finished the handshake's step. */
	if (where & SSL_CB_HANDSHAKE_DONE)
		tls_kick(tls_conn_of(ssl));
}

static void
tls_input_cb(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	if (info->n_added > 0)
		tls_kick(arg);
}

void
tls_read_pending(struct bufferevent *bev)
{
	tls_kick(tls_conn_of(bufferevent_openssl_get_ssl(bev)));
}

SSL_CTX *
tls_ctx_new(const struct tls_files *f, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if (tlscert_ensure(f->cert, f->key, err, errlen) != 0)
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
	if (tls_conn_idx < 0)
		tls_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    tls_conn_free);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	tls_session_setup(ctx);
	if (tls_use_pair(ctx, f->cert, f->key, err, errlen) != 0 ||
	    tls_use_ec(ctx, f->cert, f->key, f->ec_cert, f->ec_key, err,
	    errlen) != 0 ||
	    (f->ticket_keys[0] != '\0' &&
	    tls_load_ticket_keys(ctx, f->ticket_keys, err, errlen) != 0)) {
		SSL_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

/*
 * libevent's OpenSSL bufferevent makes one SSL_write, so one TLS record
 * and one send, per chain of the output buffer, and evhttp's reply is at
 * least two chains (head, then body). A small reply is joined into one
 * chain before it is written (the write waits for the loop), so it costs
 * one record and one system call, as plain HTTP's writev does. Larger
 * replies fill whole records anyway and are left alone.
 */
#define TLS_COALESCE_MAX	(16 * 1024)	/* one full TLS record */

/*
 * A reply that ends the connection ("Connection: close", which a console
 * that reconnects for each request sends) is followed by close_notify and
 * FIN. Corked, the three leave in one TCP segment when evhttp shuts the
 * socket down, not in two or three, each of which the client's kernel and
 * the client must wake for. Only a reply that says it closes is corked: a
 * corked keep-alive reply would wait for the kernel's 200 ms timer.
 */
static void
tls_cork_if_closing(struct bufferevent *bev, const unsigned char *p,
    size_t len)
{
	static const char	 close_[] = "\r\nConnection: close\r\n";
	const unsigned char	*end;
	int			 on = 1;

	if (len < 7 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (end = memmem(p, len, "\r\n\r\n", 4)) == NULL ||
	    memmem(p, (size_t)(end - p) + 2, close_, sizeof close_ - 1) == NULL)
		return;
	(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_CORK, &on,
	    sizeof on);
}

/*
 * TLS 1.3 issues its ticket after the handshake, in a record of its own
 * that a console which sends one request and closes receives alone (one
 * more segment and wake-up each side). Sent as the first reply starts
 * instead, it is written just before that reply, and a reply that closes
 * carries it in its one segment (tls_cork_if_closing). A connection that
 * never gets a reply gets no ticket.
 */
static void
tls_ticket_with_reply(struct bufferevent *bev)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	struct tls_conn	*tc = tls_conn_of(ssl);

	if (tc == NULL || tc->ticket_sent ||
	    SSL_version(ssl) != TLS1_3_VERSION || !SSL_is_init_finished(ssl))
		return;
	tc->ticket_sent = 1;
	if (SSL_new_session_ticket(ssl) != 1)
		ERR_clear_error();
}

static void
tls_coalesce_cb(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	unsigned char	*p;
	size_t		 len;

	if (info->n_added > 0 && info->orig_size == 0)
		tls_ticket_with_reply(arg);
	if (info->n_added == 0 || (len = evbuffer_get_length(out)) >
	    TLS_COALESCE_MAX || evbuffer_peek(out, -1, NULL, NULL, 0) < 2)
		return;
	if ((p = evbuffer_pullup(out, (ev_ssize_t)len)) != NULL)
		tls_cork_if_closing(arg, p, len);
}

struct bufferevent *
tls_bev_cb(struct event_base *base, void *arg)
{
	SSL			*ssl = SSL_new(arg);
	struct tls_conn		*tc;
	struct bufferevent	*bev;

	if (ssl == NULL)
		return (NULL);
	if ((tc = calloc(1, sizeof *tc)) == NULL ||
	    SSL_set_ex_data(ssl, tls_conn_idx, tc) != 1) {
		free(tc);
		SSL_free(ssl);
		return (NULL);
	}
	event_assign(&tc->kick, base, -1, 0, tls_kick_cb, tc);
	/* Frees ssl, and with it tc, on failure. */
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return (NULL);
	tc->bev = bev;
	if (evbuffer_add_cb(bufferevent_get_output(bev), tls_coalesce_cb,
	    bev) == NULL || evbuffer_add_cb(bufferevent_get_input(bev),
	    tls_input_cb, tc) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	return (bev);
}

/*
 * Sends close_notify before evhttp closes the socket. Without it OpenSSL
 * drops the session from its cache when the SSL is freed (a session that
 * ended without a clean shutdown is not resumed), and clients see the
 * close as a truncation. Non-blocking: when the alert does not fit in the
 * socket buffer, the connection closes without it, as before.
 */
void
tls_close_notify(struct bufferevent *bev)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	struct tls_conn	*tc = tls_conn_of(ssl);

	if (tc != NULL) {
		/* evhttp frees bev next: no kick may touch it. */
		tc->closed = 1;
		event_del(&tc->kick);
	}
	if (ssl == NULL || !SSL_is_init_finished(ssl))
		return;
	(void)SSL_shutdown(ssl);
	ERR_clear_error();
}
