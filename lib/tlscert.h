/* tlscert: the local CA and server certificate created on first start. */
#ifndef BAAS_TLSCERT_H
#define BAAS_TLSCERT_H

#include <stddef.h>
#include "util.h"

/* When cert_path or key_path is missing, creates (if missing) a local CA as
 * ca.crt/ca.key in the folder of cert_path, then an RSA-2048 server key and a
 * certificate signed by that CA whose SANs are the three BaaS host names of
 * API.md section 1, the two connection-test names of section 8 (hosts.h),
 * localhost and 127.0.0.1 (the CA is name-constrained to exactly those;
 * a CA made before the connection-test names, whose constraints refuse
 * them, gets a certificate without them). Does nothing when both files exist: ca.key is then never
 * read. Private keys get mode 0600.
 * Returns -1 with a message in err. */
int	 tlscert_ensure(const char *cert_path, const char *key_path,
	    char *err, size_t errlen) WUR;

/* The same, but always issues a new server key and certificate: what
 * `baas-server issue-tls-cert DIR` runs on the machine that keeps the CA,
 * so the serving machine needs only server.crt, server.key (and ca.crt
 * for clients), never ca.key. */
int	 tlscert_issue(const char *cert_path, const char *key_path,
	    char *err, size_t errlen) WUR;

/* The ECDSA P-256 certificate served beside the RSA one (OpenSSL picks per
 * client by the signature algorithms it offers): when cert_path or
 * key_path is missing, issues them from the local CA in cert_path's folder,
 * but only when rsa_cert was issued by that CA too (a certificate the
 * operator brought gets no local ECDSA twin). Returns 0 when the pair
 * exists or was issued, 1 when it is missing and was not issued, -1 with a
 * message in err. */
int	 tlscert_ensure_ec(const char *cert_path, const char *key_path,
	    const char *rsa_cert, char *err, size_t errlen) WUR;

/* tlscert_issue for the ECDSA pair. */
int	 tlscert_issue_ec(const char *cert_path, const char *key_path,
	    char *err, size_t errlen) WUR;

/* The file name in path's folder (caller frees): where the ECDSA pair
 * lives by default, server-ec.crt and server-ec.key. */
char	*tlscert_beside_new(const char *path, const char *name);

#endif
