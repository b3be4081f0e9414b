/* rs256: RS256 signatures with per-thread contexts (rs256.h).
 *
 * Each thread keeps a few EVP_PKEY_CTX, one per (key, operation), set up
 * once for PKCS#1 v1.5 and SHA-256; a call then hashes the message and
 * signs or verifies the digest on the ready context. A slot holds a
 * reference to its key, so its address cannot be another key's while it
 * is kept; rs256_forget (a thread taking up reloaded keys) drops them.
 * A signing context works on the thread's own copy of the private key:
 * OpenSSL's RSA keeps its blinding and Montgomery values in the key object
 * behind a lock, which threads sharing one key would all take on every
 * signature (PKCS#1 v1.5 is deterministic: the copy signs the same bytes).
 *
 * Each thread also remembers the last signatures it found valid, by exact
 * message, signature and key (referenced too): a console presents the same
 * device token again and again, and verifying is a pure function of the
 * three, so a repeat costs a comparison instead of the RSA arithmetic.
 * The memo is set-associative (a few ways a set, the least recently used
 * replaced), so two consoles whose signatures share a set do not keep
 * evicting each other. Only the signature is remembered: every check of
 * the header and claims runs again on each call, and a key no longer
 * trusted is never asked. */
#include "rs256.h"
#include "ossl.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RS256_SLOTS	8	/* keys in use at once: signers, trusted */
#define RS256_MEMO_SETS	128	/* memo sets a thread ... */
#define RS256_MEMO_WAYS	4	/* ... of this many valid signatures */
#define RS256_MEMO_MAX	4096	/* longest message remembered (bytes) */

enum rs256_op {
	RS256_SIGN,
	RS256_VERIFY,
};

struct rs256_slot {
	EVP_PKEY	*pkey;		/* referenced; NULL when empty */
	enum rs256_op	 op;
	EVP_PKEY_CTX	*ctx;		/* on pkey or this thread's copy */
};

struct rs256_memo {
	EVP_PKEY	*pkey;		/* referenced; NULL when empty */
	unsigned char	*data;		/* the message, then the signature */
	size_t		 len;
	size_t		 siglen;
	unsigned	 used;		/* the cache's clock at the last use */
};

struct rs256_cache {
	struct rs256_slot	slot[RS256_SLOTS];
	unsigned		next;	/* the slot to take next, in turn */
	unsigned		clock;	/* counts memo uses: LRU order */
	struct rs256_memo	memo[RS256_MEMO_SETS][RS256_MEMO_WAYS];
};

static pthread_once_t	 rs256_once = PTHREAD_ONCE_INIT;
static pthread_key_t	 rs256_key;

static void
rs256_memo_clear(struct rs256_memo *m)
{
	EVP_PKEY_free(m->pkey);
	free(m->data);
	memset(m, 0, sizeof *m);
}

/* Drops a slot's context and its key reference: the next call for the
 * key starts afresh. */
static void
rs256_slot_drop(struct rs256_slot *s)
{
	EVP_PKEY_CTX_free(s->ctx);
	EVP_PKEY_free(s->pkey);
	s->ctx = NULL;
	s->pkey = NULL;
}

/* Drops every context and remembered signature of c (and their keys). */
static void
rs256_cache_empty(struct rs256_cache *c)
{
	for (size_t i = 0; i < RS256_SLOTS; i++)
		rs256_slot_drop(&c->slot[i]);
	c->next = 0;
	for (size_t i = 0; i < RS256_MEMO_SETS; i++)
		for (size_t j = 0; j < RS256_MEMO_WAYS; j++)
			rs256_memo_clear(&c->memo[i][j]);
	c->clock = 0;
}

static void
rs256_cache_free(void *arg)
{
	rs256_cache_empty(arg);
	free(arg);
}

static void
rs256_init(void)
{
	if (pthread_key_create(&rs256_key, rs256_cache_free) != 0)
		fatal("pthread_key_create failed");
}

/* A context for op with pkey, PKCS#1 v1.5 over a SHA-256 digest; NULL
 * when the key cannot do op. Signing uses a copy of the key of its own
 * (the context holds the copy's only reference), or the key itself when
 * it cannot be copied. */
static EVP_PKEY_CTX *
rs256_ctx_new(EVP_PKEY *pkey, enum rs256_op op)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*own = NULL;

	if (op == RS256_SIGN && (own = EVP_PKEY_dup(pkey)) == NULL)
		ERR_clear_error();
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own != NULL ? own : pkey,
	    NULL);
	EVP_PKEY_free(own);
	if (ctx == NULL)
		return (NULL);
	if ((op == RS256_SIGN ? EVP_PKEY_sign_init(ctx) :
	    EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, ossl_sha256()) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

void
rs256_forget(void)
{
	struct rs256_cache	*c;

	pthread_once(&rs256_once, rs256_init);
	if ((c = pthread_getspecific(rs256_key)) != NULL)
		rs256_cache_empty(c);
}

static struct rs256_cache *
rs256_cache_get(void)
{
	struct rs256_cache	*c;

	pthread_once(&rs256_once, rs256_init);
	if ((c = pthread_getspecific(rs256_key)) == NULL) {
		c = xcalloc(1, sizeof *c);
		if (pthread_setspecific(rs256_key, c) != 0)
			fatal("pthread_setspecific failed");
	}
	return (c);
}

/* c's slot for (pkey, op), made when missing; NULL when the key cannot
 * do op. */
static struct rs256_slot *
rs256_slot_get(struct rs256_cache *c, EVP_PKEY *pkey, enum rs256_op op)
{
	struct rs256_slot	*s;
	EVP_PKEY_CTX		*ctx;

	for (size_t i = 0; i < RS256_SLOTS; i++)
		if (c->slot[i].pkey == pkey && c->slot[i].op == op &&
		    c->slot[i].ctx != NULL)
			return (&c->slot[i]);
	if ((ctx = rs256_ctx_new(pkey, op)) == NULL)
		return (NULL);
	if (EVP_PKEY_up_ref(pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return (NULL);
	}
	s = &c->slot[c->next];
	c->next = (c->next + 1) % RS256_SLOTS;
	rs256_slot_drop(s);
	s->pkey = pkey;
	s->op = op;
	s->ctx = ctx;
	return (s);
}

static void
rs256_digest(const void *msg, size_t len, unsigned char md[32])
{
	unsigned int	n = 0;

	if (EVP_Digest(msg, len, md, &n, ossl_sha256(), NULL) != 1 || n != 32)
		fatal("SHA-256 failed");
}

int
rs256_sign(EVP_PKEY *pkey, const void *msg, size_t len, unsigned char *sig,
    size_t *siglen)
{
	struct rs256_slot	*s;
	unsigned char		 md[32];

	if (pkey == NULL ||
	    (s = rs256_slot_get(rs256_cache_get(), pkey, RS256_SIGN)) == NULL) {
		ERR_clear_error();
		return (-1);
	}
	rs256_digest(msg, len, md);
	if (EVP_PKEY_sign(s->ctx, sig, siglen, md, sizeof md) != 1) {
		rs256_slot_drop(s);
		ERR_clear_error();
		return (-1);
	}
	return (0);
}

/* The memo set a signature would sit in: its last bytes are as good as
 * random (and a forger choosing them only evicts entries). */
static struct rs256_memo *
rs256_memo_set(struct rs256_cache *c, const unsigned char *sig,
    size_t siglen)
{
	unsigned	h = 0;

	if (siglen >= 2)
		h = sig[siglen - 1] | (unsigned)sig[siglen - 2] << 8;
	return (c->memo[h % RS256_MEMO_SETS]);
}

static int
rs256_memo_has(const struct rs256_memo *m, EVP_PKEY *pkey, const void *msg,
    size_t len, const unsigned char *sig, size_t siglen)
{
	/* In constant time: a remembered signature is another console's
	 * token, which timing must not reveal byte by byte. */
	return (m->pkey == pkey && m->len == len && m->siglen == siglen &&
	    (CRYPTO_memcmp(m->data, msg, len) |
	    CRYPTO_memcmp(m->data + len, sig, siglen)) == 0);
}

/* Whether set holds the signature; a hit becomes the most recently used.
 * Every way is compared, so the time does not tell which one held it. */
static int
rs256_memo_find(struct rs256_cache *c, struct rs256_memo *set,
    EVP_PKEY *pkey, const void *msg, size_t len, const unsigned char *sig,
    size_t siglen)
{
	struct rs256_memo	*hit = NULL;

	for (size_t i = 0; i < RS256_MEMO_WAYS; i++)
		if (rs256_memo_has(&set[i], pkey, msg, len, sig, siglen))
			hit = &set[i];
	if (hit != NULL)
		hit->used = ++c->clock;
	return (hit != NULL);
}

/* Remembers a valid signature in set, in place of its least recently used
 * (or an empty) way. */
static void
rs256_memo_put(struct rs256_cache *c, struct rs256_memo *set,
    EVP_PKEY *pkey, const void *msg, size_t len, const unsigned char *sig,
    size_t siglen)
{
	struct rs256_memo	*m = &set[0];

	if (len > RS256_MEMO_MAX || siglen > RS256_MEMO_MAX)
		return;
	for (size_t i = 1; i < RS256_MEMO_WAYS && m->pkey != NULL; i++)
		/* Unsigned differences: right across the clock's wrap. */
		if (set[i].pkey == NULL ||
		    c->clock - set[i].used > c->clock - m->used)
			m = &set[i];
	if (EVP_PKEY_up_ref(pkey) != 1)
		return;
	rs256_memo_clear(m);
	m->pkey = pkey;
	m->data = xmalloc(len + siglen);
	memcpy(m->data, msg, len);
	memcpy(m->data + len, sig, siglen);
	m->len = len;
	m->siglen = siglen;
	m->used = ++c->clock;
}

int
rs256_verify(EVP_PKEY *pkey, const void *msg, size_t len,
    const unsigned char *sig, size_t siglen)
{
	struct rs256_cache	*c = rs256_cache_get();
	struct rs256_memo	*set = rs256_memo_set(c, sig, siglen);
	struct rs256_slot	*s;
	unsigned char		 md[32];

	if (pkey == NULL)
		return (0);
	if (rs256_memo_find(c, set, pkey, msg, len, sig, siglen))
		return (1);
	if ((s = rs256_slot_get(c, pkey, RS256_VERIFY)) == NULL) {
		ERR_clear_error();
		return (0);
	}
	rs256_digest(msg, len, md);
	/* A bad signature is no fault of the context: it stays. */
	if (EVP_PKEY_verify(s->ctx, sig, siglen, md, sizeof md) != 1) {
		ERR_clear_error();
		return (0);
	}
	rs256_memo_put(c, set, pkey, msg, len, sig, siglen);
	return (1);
}
