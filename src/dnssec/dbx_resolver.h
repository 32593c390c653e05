/**
 * @file dbx_resolver.h
 * @brief DNSSEC-validating stub resolver (RFC 4033-4035, 5155, 6840, 8624,
 *        9276): fetches with DO=1/CD=1 from upstream resolvers (or from an
 *        in-memory answer source for offline validation), builds the chain of
 *        trust from a trust anchor down every zone cut, validates answers,
 *        CNAME/DNAME chains and NSEC/NSEC3 denials on the box.
 *
 * Zone cuts: the question is asked first; the RRSIG signer name of the
 * answer (or of its denial) names the zone, and the chain of trust is built
 * only to it, each DS answer's own signer naming the parent zone, so only
 * real cuts cost questions.  A signer that is not an ancestor of the name,
 * not a zone cut, or above a known cut is bogus.  Unsigned answers need a
 * signed proof of an insecure delegation above them: there the resolver
 * still walks down asking DS per label until it is proven.  For TLSA the
 * owner's parent ("_tcp") is probed as well.
 *
 * Lifecycle: dbx_resolver_init() (cannot fail) -> dbx_resolve()... ->
 * dbx_resolver_free() (accepts NULL).  A resolver keeps a bounded LRU cache of
 * validated zone keys and proven (in)secure zone cuts between calls, so a
 * second resolution in the same zone asks no root/TLD questions, and a
 * bounded LRU cache of whole answers (validated RRsets, proven denials with
 * their verdict, bogus results for DBX_ACACHE_BOGUS_TTL seconds only), so a
 * repeated question within its TTL asks nothing and verifies nothing.  A
 * cached answer is served only for validation times at or after the time it
 * was validated at, before that time plus its TTL (capped by every RRSIG
 * expiration it relied on, the chain's included) and not before the latest
 * RRSIG inception: `--time` in the past or future is never answered from it.
 *
 * Every limit lives in dnssec/dbx_dnssec_config.h.  All memory comes from
 * ldns/malloc, bounded by those limits, and is released by the _free calls.
 */
#ifndef DBX_RESOLVER_H
#define DBX_RESOLVER_H

#include "dbx_common.h"
#include "dbx_transport.h"
#include "dns/dbx_dns_stats.h"
#include "dnssec/dbx_dnssec_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ldns objects appear here only behind pointers: users that touch them
 * include <ldns/ldns.h> themselves (the check does not). */
typedef struct ldns_struct_rdf ldns_rdf;
typedef struct ldns_struct_rr_list ldns_rr_list;
typedef struct ldns_struct_pkt ldns_pkt;

#ifdef __cplusplus
extern "C" {
#endif

/** Security status of an answer (RFC 4033 s5). */
typedef enum dbx_sec {
    DBX_SEC_SECURE = 0,        /**< validated chain from the anchor */
    DBX_SEC_INSECURE = 1,      /**< provably unsigned (insecure delegation,
                                    unsupported algorithms, NSEC3 opt-out or
                                    iterations above the limit) */
    DBX_SEC_BOGUS = 2,         /**< should validate but does not */
    DBX_SEC_INDETERMINATE = 3, /**< could not tell (upstream failure, budget) */
} dbx_sec_t;

/** Kind of answer. */
typedef enum dbx_answer_kind {
    DBX_ANSWER_DATA = 0,    /**< the RRset exists (res->answer) */
    DBX_ANSWER_NODATA = 1,  /**< name exists, no RRset of that type */
    DBX_ANSWER_NXDOMAIN = 2 /**< name does not exist */
} dbx_answer_kind_t;

/** RR types the consumers resolve (IANA values), so that they need no
 *  ldns constants. */
enum { DBX_RR_A = 1, DBX_RR_MX = 15, DBX_RR_AAAA = 28, DBX_RR_TLSA = 52 };

/** @return "secure", "insecure", "bogus" or "indeterminate". */
const char *dbx_sec_str(dbx_sec_t s);

/** A trust anchor: DS and/or DNSKEY records for one owner name. */
typedef struct dbx_trust {
    ldns_rdf *owner;     /**< anchor owner (normally the root) */
    ldns_rr_list *ds;    /**< DS records, may be empty */
    ldns_rr_list *keys;  /**< trusted DNSKEYs (used when no DS), may be empty */
} dbx_trust_t;

/** Load the built-in root anchor (dbx_root_anchor, DS records).
 *  @return DBX_OK or DBX_ERR_NOMEM. */
int dbx_trust_builtin(dbx_trust_t *t);
/** Root anchor from DS fields (wire values, no zone-text parsing: usable on
 *  targets where ldns' text parser's scratch buffers do not fit).
 *  @return DBX_OK, DBX_ERR_MALFORMED (@p n == 0), DBX_ERR_NOMEM. */
struct dbx_anchor_ds;
int dbx_trust_from_ds(dbx_trust_t *t, const struct dbx_anchor_ds *ds, size_t n);
/** Load DS/DNSKEY records from zone text (one owner for all).
 *  @return DBX_OK, DBX_ERR_MALFORMED (parse error, mixed owners, nothing
 *  usable), DBX_ERR_NOMEM. */
int dbx_trust_from_text(dbx_trust_t *t, const char *text);
/** Release the records of @p t (accepts NULL / zeroed). */
void dbx_trust_free(dbx_trust_t *t);
/** @return the number of DS records of @p t (0 for NULL / zeroed). */
size_t dbx_trust_ds_count(const dbx_trust_t *t);

/**
 * Parse zone text (the zone file format as written by ldns-signzone, or
 * `dig +dnssec` answer lines) into an RR list.  Understands comments, blank
 * lines, $ORIGIN, $TTL and parentheses.  At most @p max RRs.
 * @return DBX_OK, DBX_ERR_MALFORMED (with the line in *@p bad_line when
 * non-NULL), DBX_ERR_LIMIT, DBX_ERR_NOMEM.
 */
int dbx_zone_text_parse(const char *text, size_t max, ldns_rr_list *out, int *bad_line);

/** Where the resolver gets its answers: one question -> one DNS message.
 *  fetch returns ::dbx_status_t; DBX_OK with *out owned by the caller. */
typedef struct dbx_source {
    void *ctx;
    int (*fetch)(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out);
} dbx_source_t;

/** In-memory answer source for offline validation: an authoritative view
 *  of all RRs given (several zones, signed or not), answering like a
 *  validating-agnostic recursive resolver with CD=1. */
typedef struct dbx_memsrc {
    ldns_rr_list *rrs; /**< owned */
    ldns_rr_list *soa; /**< SOA RRs of rrs (zone apexes), owned */
    uint32_t fetches;  /**< questions answered */
} dbx_memsrc_t;

/** Create from zone text (concatenate several zone files).  @return
 *  DBX_OK, DBX_ERR_MALFORMED, DBX_ERR_LIMIT, DBX_ERR_NOMEM. */
int dbx_memsrc_init(dbx_memsrc_t *m, const char *zone_text, int *bad_line);
/** @return a ::dbx_source_t view of @p m (valid while @p m lives). */
dbx_source_t dbx_memsrc_source(dbx_memsrc_t *m);
void dbx_memsrc_free(dbx_memsrc_t *m);

/** One cached zone cut. */
typedef struct dbx_cache_entry {
    ldns_rdf *name;       /**< zone cut name (NULL = free slot) */
    uint8_t kind;         /**< secure cut / insecure cut / not a cut */
    ldns_rr_list *keys;   /**< validated DNSKEY RRset (secure cuts) */
    int64_t expires;      /**< Unix time */
    int64_t sig_until;    /**< earliest RRSIG expiration it was proven with */
    uint32_t used;        /**< LRU stamp */
} dbx_cache_entry_t;

/** One cached answer (see dbx_resolve()): the validated result of a
 *  question, usable for validation times in [valid_from, expires).  Its
 *  names, reason and RRs live in wire form in the resolver's arena (no heap
 *  held between resolutions, so nothing fragments it). */
typedef struct dbx_acache_entry {
    int64_t stored;           /**< validation time it was validated at */
    int64_t valid_from;       /**< latest RRSIG inception (less the skew) */
    int64_t expires;          /**< stored + TTL, capped by every RRSIG expiration
                                   it relied on (key-cache entries included) */
    uint32_t used;            /**< LRU stamp (0 = free slot) */
    uint16_t off, len;        /**< record in dbx_resolver_t.acache_mem */
    uint16_t qtype;           /**< question type (class is always IN) */
    uint8_t n_answer, n_chain; /**< RRs of the answer and of the chain */
    uint8_t sec, kind, rcode, wildcard; /**< as dbx_result_t */
} dbx_acache_entry_t;

/** Resolver state.  Treat as opaque; read the counters. */
typedef struct dbx_resolver {
    const dbx_transport_t *tr;
    dbx_addr_t ups[DBX_DNS_MAX_UPSTREAMS];
    size_t nups;
    const dbx_trust_t *anchor;
    dbx_source_t src;
    uint32_t clock_skew;             /**< seconds; DBX_DEFAULT_CLOCK_SKEW */
    uint32_t time_limit_ms;          /**< wall time one resolution may take before no
                                          further query is sent; DBX_RESOLVE_TIME_LIMIT_MS */
    uint16_t nsec3_max_iter;         /**< NSEC3 iterations above this: insecure; set with
                                          dbx_resolver_set_nsec3_limit() (init:
                                          DBX_NSEC3_MAX_ITERATIONS, never above it) */
    dbx_cache_entry_t cache[DBX_CACHE_ENTRIES];
    uint32_t tick;
    int64_t cut_sig_min;             /**< earliest sig_until of the key-cache entries
                                          the current resolution used */
    dbx_acache_entry_t acache[DBX_ACACHE_ENTRIES]; /**< answer cache */
    uint8_t acache_mem[DBX_ACACHE_BYTES]; /**< its records (wire form) */
    uint32_t acache_bytes;           /**< bytes of acache_mem in use */
    uint32_t acache_max_entries;     /**< <= DBX_ACACHE_ENTRIES (init: that) */
    uint32_t acache_max_bytes;       /**< <= DBX_ACACHE_BYTES (init: that) */
    uint32_t answer_hits;            /**< resolutions answered from the answer cache */
    uint32_t total_queries;          /**< upstream queries since init */
    uint32_t cache_hits;             /**< zone cuts answered from the cache */
    dbx_dns_stats_t net;             /**< transport statistics */
    ldns_pkt *pf[DBX_DNS_MAX_OUTSTANDING]; /**< prefetched answers not yet taken */
    uint32_t pf_debt;                /**< prefetched questions not yet charged to a
                                          resolution's budget */
    uint32_t pf_start_ms;            /**< hal_clock_ms() of the first of them */
    uint32_t pf_asked[DBX_PREFETCH_ASKED]; /**< hashes of zones whose keys were
                                          prefetched since dbx_resolver_prefetch_reset() */
    uint32_t pf_asked_next;          /**< ring position in pf_asked */
} dbx_resolver_t;

/**
 * Initialise for the network: @p tr with @p n upstreams tried in order (at
 * most DBX_DNS_MAX_UPSTREAMS are kept) and the trust @p anchor (must outlive
 * the resolver).  Cannot fail.
 */
void dbx_resolver_init(dbx_resolver_t *r, const dbx_transport_t *tr,
                       const dbx_addr_t *upstreams, size_t n, const dbx_trust_t *anchor);

/** Initialise with any answer source (e.g. dbx_memsrc_source()). */
void dbx_resolver_init_source(dbx_resolver_t *r, dbx_source_t src, const dbx_trust_t *anchor);

/**
 * Lower the NSEC3 iteration limit of @p r to @p max (RFC 9276 s3.2: a
 * denial whose NSEC3 records use more iterations is insecure).  The limit
 * may only be lowered: @p max above DBX_NSEC3_MAX_ITERATIONS (the compiled
 * maximum and the default) is refused with DBX_ERR_INVAL and changes
 * nothing.  The caches are flushed, as answers validated under the old
 * limit may no longer hold.  @return DBX_OK or DBX_ERR_INVAL.
 */
int dbx_resolver_set_nsec3_limit(dbx_resolver_t *r, uint32_t max);

/** A question for dbx_resolver_prefetch() (class IN). */
typedef struct dbx_prefetch_q {
    const char *name; /**< presentation form */
    uint16_t type;
} dbx_prefetch_q_t;

/**
 * Ask, in one round of concurrent UDP questions (dbx_dns_query_batch_udp()),
 * what the next resolutions of @p qs are going to ask, and keep the raw
 * answers for them: the questions themselves (unless the answer cache
 * answers them at @p now), for TLSA the DS at the owner's parent (the
 * validator's "_tcp" probe) and, in the slots left, the DS/DNSKEY questions
 * of the zones the names' chains may cut at (the root and the ancestors of
 * up to DBX_PREFETCH_GUESS_LABELS labels) that the key cache does not hold and no
 * earlier prefetch since dbx_resolver_prefetch_reset() asked.  The answers
 * are taken by the validator instead of asking (dbx_v_fetch()), validated
 * exactly like fetched ones; what is not taken is freed by
 * dbx_resolver_prefetch_drop().  Answers left out (timeout, truncation,
 * forged or mismatching datagrams) are simply asked again one by one later.
 * Bounds: at most DBX_DNS_MAX_OUTSTANDING questions, and every question
 * counts against the query budget (DBX_MAX_QUERIES) and time limit of the
 * next resolution, which starts charged with them: a prefetch never asks
 * more than that budget allows.  Replaces unused answers of an earlier
 * prefetch.  No-op for resolvers without a transport.
 * @return DBX_OK, DBX_ERR_LIMIT (budget spent: nothing asked),
 * DBX_ERR_TIMEOUT (time limit spent), DBX_ERR_NOMEM, DBX_ERR_NOENTROPY.
 */
int dbx_resolver_prefetch(dbx_resolver_t *r, const dbx_prefetch_q_t *qs, size_t n, int64_t now);
/** Free the prefetched answers not taken (accepts NULL). */
void dbx_resolver_prefetch_drop(dbx_resolver_t *r);
/** dbx_resolver_prefetch_drop() and forget which zones were prefetched
 *  (call when a new check starts; accepts NULL). */
void dbx_resolver_prefetch_reset(dbx_resolver_t *r);

/** Drop every cache entry, keys and answers (accepts NULL). */
void dbx_resolver_flush(dbx_resolver_t *r);
/** Release the cache (accepts NULL). */
void dbx_resolver_free(dbx_resolver_t *r);

/** The outcome of one resolution. */
typedef struct dbx_result {
    dbx_sec_t sec;              /**< security status */
    char reason[128];           /**< why (always set; "validated" when secure) */
    dbx_answer_kind_t kind;     /**< data / NODATA / NXDOMAIN */
    uint8_t rcode;              /**< RCODE of the final response */
    bool wildcard;              /**< answer synthesized from a wildcard */
    ldns_rdf *qname;            /**< the question */
    uint16_t qtype;             /**< the question's type */
    ldns_rdf *final_name;       /**< owner after CNAME/DNAME expansion */
    ldns_rr_list *answer;       /**< RRset of qtype at final_name (no RRSIGs);
                                     empty for negative answers */
    ldns_rr_list *chain;        /**< CNAME/DNAME links followed, in order
                                     (DNAMEs followed by the CNAME synthesized
                                     from them) */
    uint32_t ttl;               /**< TTL capped by original TTL and expiry */
    uint32_t queries;           /**< upstream queries this resolution */
    uint32_t sig_verifies;      /**< signature verifications done */
    uint32_t nsec3_hashes;      /**< NSEC3 name hashes computed */
} dbx_result_t;

/**
 * Resolve and validate @p name (presentation form) / @p type at validation
 * time @p now (Unix seconds).  Fills @p res (call dbx_result_free()).
 * Upstream failures (and no entropy for query IDs) are not errors: they
 * give DBX_SEC_INDETERMINATE with the reason.
 * @return DBX_OK (see res->sec), DBX_ERR_INVAL (bad name), DBX_ERR_NOMEM.
 */
int dbx_resolve(dbx_resolver_t *r, const char *name, uint16_t type, int64_t now,
                dbx_result_t *res);
/** Same with an ldns name. */
int dbx_resolve_rdf(dbx_resolver_t *r, const ldns_rdf *name, uint16_t type, int64_t now,
                    dbx_result_t *res);

/** Release what @p res holds (accepts NULL, safe twice). */
void dbx_result_free(dbx_result_t *res);

/** @return number of RRs in the validated answer. */
size_t dbx_result_count(const dbx_result_t *res);
/** MX RR @p i: preference and the exchange as text (lower case, no final
 *  dot, "." for the root, octets other than LDH, '_' and '*' as \\DDD).
 *  @return DBX_OK, DBX_ERR_NOTFOUND, DBX_ERR_MALFORMED, DBX_ERR_LIMIT
 *  (@p cap too small). */
int dbx_result_mx(const dbx_result_t *res, size_t i, uint16_t *pref, char *name, size_t cap);
/** @return true when a CNAME/DNAME chain was followed (the final name is
 *  an alias target of the question). */
bool dbx_result_is_alias(const dbx_result_t *res);
/** The owner after CNAME/DNAME expansion as text (same form as
 *  dbx_result_mx()).  @return DBX_OK, DBX_ERR_NOTFOUND (no name),
 *  DBX_ERR_MALFORMED, DBX_ERR_LIMIT. */
int dbx_result_final_name(const dbx_result_t *res, char *out, size_t cap);
/** A/AAAA RR @p i as an address with @p port. */
int dbx_result_addr(const dbx_result_t *res, size_t i, uint16_t port, dbx_addr_t *out);
/** TLSA RR @p i fields; @p data borrowed. */
int dbx_result_tlsa(const dbx_result_t *res, size_t i, uint8_t *usage, uint8_t *selector,
                    uint8_t *mtype, const uint8_t **data, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* DBX_RESOLVER_H */
