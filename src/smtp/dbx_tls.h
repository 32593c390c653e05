/**
 * @file dbx_tls.h
 * @brief TLS client (mbedTLS 3.6) over ::dbx_transport_t for STARTTLS.
 *
 * Security rule: this layer never decides "authenticated".  It completes the
 * handshake with MBEDTLS_SSL_VERIFY_OPTIONAL and no CA bundle (the server's
 * possession of the leaf key is still proven by the handshake signature), then
 * exposes the peer chain (DER, leaf first).  A separate matcher — the DANE
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

/** The peer's chain as the server sent it, leaf first. */
typedef struct dbx_tls_chain {
    size_t n;
    dbx_tls_cert_t cert[DBX_TLS_CHAIN_MAX];
} dbx_tls_chain_t;

/** Facts about an established session. */
typedef struct dbx_tls_info {
    uint16_t version;         /**< DBX_TLS_V12 or DBX_TLS_V13 */
    const char *version_name; /**< "TLSv1.2" / "TLSv1.3" (static) */
    int ciphersuite_id;       /**< IANA number */
    const char *ciphersuite;  /**< mbedTLS name (static) */
    uint32_t pkix_flags;      /**< mbedTLS X.509 flags: informational only,
                                   never an authentication result */
    const char *sni;          /**< the name sent as SNI */
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
 * @return DBX_OK, DBX_ERR_TIMEOUT, DBX_ERR_IO, DBX_ERR_LIMIT (chain longer
 *         than DBX_TLS_CHAIN_MAX), DBX_ERR_TLS.
 */
int dbx_tls_handshake(dbx_tls_t *t);

/** Peer chain (leaf first) after a successful handshake, else NULL. */
const dbx_tls_chain_t *dbx_tls_chain(const dbx_tls_t *t);
/** Session facts after a successful handshake, else NULL. */
const dbx_tls_info_t *dbx_tls_info(const dbx_tls_t *t);

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

/** Short text for the last mbedTLS error of @p t ("" if none). */
const char *dbx_tls_last_error(const dbx_tls_t *t, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLS_H */
