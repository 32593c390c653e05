/**
 * @file dbx_tls_cache.h
 * @brief DANE-safe TLS session resumption: a bounded cache of saved client
 *        sessions (TLS 1.2 tickets, TLS 1.3 tickets) keyed by MX host, port
 *        and a digest of the canonical TLSA RRset the session was verified
 *        under (as Postfix keys its client session cache).
 *
 * Rules (what keeps DANE's guarantee on a resumed handshake, where the server
 * presents no certificate):
 *  - a session is stored only after a full handshake whose chain matched a
 *    usable TLSA record (dbx_tls_cache_store() refuses anything else), or after
 *    a resumption that was itself accepted under the same digest;
 *  - it is offered only to the same peer -- the key is the MX host name and
 *    the address, e.g. "mx.example[192.0.2.1]" (ASCII case-insensitive), as
 *    Postfix keys by server id -- and port, and only while the TLSA RRset
 *    digests the same: a lookup that
 *    finds the host with another digest (a record added, removed or changed;
 *    the order does not count, see dbx_tls_cache_tlsa_digest()) drops it;
 *  - it is never offered after min(server's ticket lifetime hint,
 *    DBX_TLS_CACHE_MAX_AGE_S);
 *  - at most DBX_TLS_CACHE_ENTRIES entries of DBX_TLS_CACHE_BLOB_MAX octets
 *    (least recently used one evicted); a larger session is not stored.
 * The verdict of a resumed session is still the policy evaluator's
 * (dbx_policy_facts_t::resumed): this cache only decides what is offered.
 *
 * Pure bookkeeping over opaque session bytes (mbedtls_ssl_session_save()
 * output, see dbx_tls_session_export()); times are caller-supplied
 * milliseconds of a monotonic clock (hal_clock_ms()), so tests control them.
 * Caller-owned, no allocation, not thread-safe.
 */
#ifndef DBX_TLS_CACHE_H
#define DBX_TLS_CACHE_H

#include "dbx_common.h"
#include "dbx_limits.h"
#include "dane/dbx_dane.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_TLS_CACHE_DIGEST_LEN 32 /**< SHA-256 */
/** Longest peer key: a host name, '[', an IPv6 address, ']'. */
#define DBX_TLS_CACHE_KEY_MAX (DBX_TLS_SNI_MAX + 48)

/** Counters (monotonic over the cache's life). */
typedef struct dbx_tls_cache_stats {
    uint32_t offered;     /**< sessions handed out for a handshake */
    uint32_t resumed;     /**< handshakes the server resumed (= saved) */
    uint32_t stored;      /**< sessions stored */
    uint32_t refused;     /**< store refused (not verified, too large) */
    uint32_t invalidated; /**< dropped: TLSA digest changed, or failed */
    uint32_t expired;     /**< dropped: older than their lifetime */
    uint32_t evicted;     /**< dropped for room (LRU) */
} dbx_tls_cache_stats_t;

/** One saved session.  Private. */
typedef struct dbx_tls_cache_entry {
    uint8_t used; /**< 1: in use (a byte: the cache may be read back from a file) */
    uint16_t port;
    uint16_t len;
    uint32_t stored_ms;
    uint32_t max_age_ms;
    uint32_t last_use;
    uint8_t tlsa_digest[DBX_TLS_CACHE_DIGEST_LEN];
    char host[DBX_TLS_CACHE_KEY_MAX + 1];
    uint8_t blob[DBX_TLS_CACHE_BLOB_MAX];
} dbx_tls_cache_entry_t;

/** The cache.  Zero-initialised or dbx_tls_cache_init(). */
typedef struct dbx_tls_cache {
    dbx_tls_cache_entry_t e[DBX_TLS_CACHE_ENTRIES];
    uint32_t limit;  /**< entries used (dbx_tls_cache_set_limit()), 0 = all */
    uint32_t tick;
    dbx_tls_cache_stats_t stats;
    /* scratch for a session being exported before it is stored (with the
     * cache: a build or mode without resumption pays nothing); zeroized
     * after each use */
    uint8_t scratch[DBX_TLS_CACHE_BLOB_MAX];
} dbx_tls_cache_t;

/** Empty the cache (zeroizes the saved sessions).  Cannot fail. */
void dbx_tls_cache_init(dbx_tls_cache_t *c);

/** Use at most @p n (1..DBX_TLS_CACHE_ENTRIES; 0 = all) entries, e.g. so a
 *  host run behaves like a board's smaller cache.  Empties the cache. */
void dbx_tls_cache_set_limit(dbx_tls_cache_t *c, size_t n);

/**
 * SHA-256 over the TLSA base domain @p base (the SNI; lower-cased, then a
 * NUL) and the TLSA RRset in canonical form: a 16-bit record count, then the
 * records sorted by (usage, selector, matching type, data), each as usage |
 * selector | mtype | 16-bit length | data.  So the answer order does not
 * change the digest; any added, removed or changed record, or another base
 * name, does.
 * @return DBX_OK, DBX_ERR_INVAL (NULL, n > DBX_DANE_MAX_RECORDS, a truncated
 *         record, base longer than DBX_TLS_SNI_MAX), DBX_ERR_CRYPTO.
 */
int dbx_tls_cache_tlsa_digest(const char *base, const dbx_tlsa_t *recs, size_t n,
                              uint8_t out[DBX_TLS_CACHE_DIGEST_LEN]);

/**
 * The session to offer to @p host (the peer key, see above) : @p port verified
 * under @p digest, or NULL.
 * Drops (and counts) an entry of the same host and port under another
 * digest, and expired entries.  Counts an offer when it returns one.
 * The returned entry stays valid until the next call that modifies @p c.
 */
const dbx_tls_cache_entry_t *dbx_tls_cache_find(dbx_tls_cache_t *c, const char *host,
                                                uint16_t port, const uint8_t *digest,
                                                uint32_t now_ms);

/**
 * Store the session bytes @p blob for @p host : @p port under @p digest,
 * replacing that host's entry.  @p verified must say the session was
 * DANE-verified under @p digest (a full handshake whose chain matched, or a
 * resumption accepted under the same digest); @p lifetime_s is the server's
 * ticket lifetime hint (0: none), capped at DBX_TLS_CACHE_MAX_AGE_S.
 * @return DBX_OK, DBX_ERR_INVAL (not verified, NULL, empty, bad host: counted
 *         as refused), DBX_ERR_LIMIT (larger than DBX_TLS_CACHE_BLOB_MAX:
 *         refused).
 */
int dbx_tls_cache_store(dbx_tls_cache_t *c, const char *host, uint16_t port,
                        const uint8_t *digest, bool verified, const uint8_t *blob, size_t len,
                        uint32_t lifetime_s, uint32_t now_ms);

/** Drop @p host : @p port's entry (e.g. a resumed session that failed).
 *  Counted as invalidated when there was one.  Accepts NULL. */
void dbx_tls_cache_drop(dbx_tls_cache_t *c, const char *host, uint16_t port);

/** Count a handshake the server resumed (a handshake saved). */
void dbx_tls_cache_note_resumed(dbx_tls_cache_t *c);

/**
 * Make a cache read back from storage (e.g. the host relay's per-runner
 * file) safe to use: entries with an impossible length, an unterminated or
 * empty key, or a lifetime above DBX_TLS_CACHE_MAX_AGE_S are dropped; the
 * counters restart at 0.  @return the entries kept.
 */
size_t dbx_tls_cache_sanitize(dbx_tls_cache_t *c);

/** Entries in use. */
size_t dbx_tls_cache_count(const dbx_tls_cache_t *c);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLS_CACHE_H */
