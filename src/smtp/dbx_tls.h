/**
 * @file dbx_tls.h
 * @brief TLS client (mbedTLS 3.6) over ::dbx_transport_t for STARTTLS.
 *
 * Security rule: this layer never decides "authenticated".  It completes the
 * handshake with MBEDTLS_SSL_VERIFY_NONE and no CA bundle (the server's
 * possession of the leaf key is still proven by the handshake), then exposes
 * the peer chain (DER, leaf first, see ::dbx_tls_chain_t).  A separate matcher — the DANE
 * code, passed in as a ::dbx_tls_verify_fn — decides.
 *
 * Lifecycle: dbx_tls_init() (cannot fail) -> dbx_tls_setup() ->
 * dbx_tls_handshake() -> dbx_tls_send()/dbx_tls_recv() -> dbx_tls_free()
 * (accepts a never-set-up context, zeroizes).  The context is caller-owned;
 * mbedTLS itself allocates through the counting heap (hal_mbedtls.h).
 */
#ifndef DBX_TLS_H
#define DBX_TLS_H

#include "dbx_common.h"
#include "dbx_limits.h"
#include "dbx_transport.h"

#include <stdbool.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/ssl.h"

#ifdef __cplusplus
extern "C" {
#endif


/** Protocol versions for dbx_tls_config_t::min_version / max_version. */
#define DBX_TLS_V12 0x0303u
#define DBX_TLS_V13 0x0304u

/** One certificate, DER.  Points into the TLS context: valid until
 *  dbx_tls_free(). */
typedef struct dbx_tls_cert {
    const uint8_t *der;
    size_t len;
} dbx_tls_cert_t;

/** The peer's chain, leaf first, then the leaf's issuer path as far as the
 *  server sent it (found anywhere in its Certificate message: out-of-order
 *  chains and extra certificates are common), then the other certificates in
 *  the order sent; at most DBX_TLS_CHAIN_MAX of them. */
typedef struct dbx_tls_chain {
    size_t n;
    size_t total; /**< certificates the server sent (>= n) */
    size_t path;  /**< leading certificates that form the issuer path (by
                       name; signatures are the verifier's job) */
    dbx_tls_cert_t cert[DBX_TLS_CHAIN_MAX];
} dbx_tls_chain_t;

/** Facts about an established session. */
typedef struct dbx_tls_info {
    uint16_t version;         /**< DBX_TLS_V12 or DBX_TLS_V13 */
    const char *version_name; /**< "TLSv1.2" / "TLSv1.3" (static) */
    int ciphersuite_id;       /**< IANA number */
    const char *ciphersuite;  /**< mbedTLS name (static) */
    uint32_t pkix_flags;      /**< always MBEDTLS_X509_BADCERT_SKIP_VERIFY:
                                   mbedTLS does no chain verification here */
    const char *sni;          /**< the name sent as SNI */
    bool offered;             /**< a saved session was offered (resumption) */
    bool resumed;             /**< the server resumed it: no certificate was
                                   presented (chain empty); authentication
                                   rests on the session having been verified
                                   before -- the caller's decision */
} dbx_tls_info_t;

/**
 * The authentication decision, made outside this layer (e.g. DANE matching).
 * @return DBX_OK when the peer is authenticated; a negative status otherwise
 *         (DBX_ERR_CRYPTO for "no TLSA record matched").
 */
typedef int (*dbx_tls_verify_fn)(const dbx_tls_chain_t *chain, const dbx_tls_info_t *info,
                                 void *user);

/** Session parameters. */
typedef struct dbx_tls_config {
    const char *sni;       /**< required: TLSA base domain (RFC 7672 §8.1) */
    uint16_t min_version;  /**< DBX_TLS_V12 (default when 0) */
    uint16_t max_version;  /**< DBX_TLS_V13 (default when 0) */
    uint32_t handshake_ms; /**< whole handshake deadline */
    uint32_t io_ms;        /**< send timeout after the handshake (default 30 s) */
    const uint16_t *sig_algs; /**< signature algorithms offered (SignatureScheme
                                   values, list ending in 0); NULL = mbedTLS
                                   defaults.  Must outlive the session. */
    const uint8_t *resume;    /**< a saved session (dbx_tls_session_export())
                                   to offer, or NULL; one that does not load
                                   is ignored (full handshake) */
    size_t resume_len;
} dbx_tls_config_t;

/** Caller-owned TLS client context.  Fields are private. */
typedef struct dbx_tls {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    const dbx_transport_t *tr;
    void *sock;
    uint32_t deadline;     /**< hal_clock_ms() deadline for the current op */
    uint32_t io_ms;        /**< send timeout after the handshake */
    int io_err;            /**< last transport error seen by the bio */
    int mbed_err;          /**< last mbedTLS error (for reports) */
    int alert;             /**< fatal alert received from the peer, -1 none */
    uint8_t set_up;
    uint8_t established;
    uint32_t reads, writes; /**< transport calls (round-trip accounting) */
    char sni[DBX_TLS_SNI_MAX + 1];
    dbx_tls_chain_t chain;
    dbx_tls_info_t info;
} dbx_tls_t;

/** Zero the context.  Cannot fail. */
void dbx_tls_init(dbx_tls_t *t);

/**
 * Initialise PSA crypto (idempotent), seed CTR_DRBG from the mbedTLS entropy
 * collector (which reads the HAL), configure a client for @p cfg and bind it
 * to the connected stream @p sock of @p tr (the caller keeps ownership of the
 * socket).
 * @return DBX_OK, DBX_ERR_INVAL (bad config / SNI), DBX_ERR_NOENTROPY,
 *         DBX_ERR_NOMEM, DBX_ERR_TLS.
 */
int dbx_tls_setup(dbx_tls_t *t, const dbx_tls_config_t *cfg, const dbx_transport_t *tr,
                  void *sock);

/**
 * Run the handshake within cfg->handshake_ms, then collect the chain and the
 * session facts.  Does NOT authenticate the peer.
 * A chain longer than DBX_TLS_CHAIN_MAX is cut (see ::dbx_tls_chain_t), not
 * an error.  A resumed handshake (info.resumed) has an empty chain: the
 * server presented no certificate.
 * @return DBX_OK, DBX_ERR_TIMEOUT, DBX_ERR_IO, DBX_ERR_TLS (see
 *         dbx_tls_fail_reason()).
 */
int dbx_tls_handshake(dbx_tls_t *t);

/**
 * Why the handshake of @p t failed, as a fixed text for reports, or NULL when
 * there is nothing more specific than "TLS handshake failed".  Texts that
 * start with "tls-unsupported: " name a limit of mbedTLS 3.6 (no Ed25519, no
 * RSA-PSS keys, no TLS 1.0/1.1, handshake messages above 16 KB): the server
 * is not at fault and a newer library would talk to it.
 */
const char *dbx_tls_fail_reason(const dbx_tls_t *t);

/** Peer chain (leaf first) after a successful handshake, else NULL. */
const dbx_tls_chain_t *dbx_tls_chain(const dbx_tls_t *t);
/** Session facts after a successful handshake, else NULL. */
const dbx_tls_info_t *dbx_tls_info(const dbx_tls_t *t);

/**
 * Save the current session (the last TLS 1.3 ticket received, or the TLS 1.2
 * session with its ticket) into @p buf for a later cfg.resume, and the
 * server's ticket lifetime hint in seconds (0: none) into @p lifetime_s.
 * Only a session the server can resume is exported (one with a ticket).
 * @return DBX_OK, DBX_ERR_NOTFOUND (no resumable session), DBX_ERR_LIMIT
 *         (larger than @p cap), DBX_ERR_INVAL, DBX_ERR_NOMEM, DBX_ERR_TLS.
 */
int dbx_tls_session_export(dbx_tls_t *t, uint8_t *buf, size_t cap, size_t *len,
                           uint32_t *lifetime_s);

/** Send all of @p buf within cfg->io_ms. @return DBX_OK, DBX_ERR_IO, DBX_ERR_TIMEOUT, DBX_ERR_TLS. */
int dbx_tls_send(dbx_tls_t *t, const uint8_t *buf, size_t len);

/** Receive 1..cap application bytes within @p timeout_ms; *got = 0 with DBX_OK
 *  means the peer closed (close_notify or EOF).
 *  @return DBX_OK, DBX_ERR_TIMEOUT, DBX_ERR_IO, DBX_ERR_TLS. */
int dbx_tls_recv(dbx_tls_t *t, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms);

/** Send close_notify (best effort). */
void dbx_tls_close_notify(dbx_tls_t *t);

/** Free every mbedTLS object of the session and zeroize.  Accepts NULL and an
 *  init-only context.  Does not close the socket. */
void dbx_tls_free(dbx_tls_t *t);

/** Free PSA crypto's global state (keys, its own DRBG).  Call once when no
 *  session is alive, e.g. before measuring that the mbedTLS heap is back to 0. */
void dbx_tls_global_free(void);

/** Locate the SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) inside a DER
 *  certificate, without allocating.  @return DBX_OK or DBX_ERR_MALFORMED. */
int dbx_tls_cert_spki(const uint8_t *der, size_t len, const uint8_t **spki, size_t *spki_len);

/** Short text for the last mbedTLS error of @p t ("" if none): mbedTLS'
 *  own text where it is built with MBEDTLS_ERROR_C (the host), else the code
 *  ("mbedTLS error -0x7780", the board). */
const char *dbx_tls_last_error(const dbx_tls_t *t, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLS_H */
