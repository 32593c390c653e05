/**
 * @file dbx_dnssec_int.h
 * @brief Validator internals shared by the src/dnssec files (and unit tests).
 */
#ifndef DBX_DNSSEC_INT_H
#define DBX_DNSSEC_INT_H

#include "dnssec/dbx_resolver.h"
#include "dns/dbx_dns.h"

#include <ldns/ldns.h>

/** Per-resolution budgets and the reason slot. */
typedef struct dbx_vctx {
    int64_t now;
    uint32_t skew;
    uint32_t sigs;    /**< signature verifications so far */
    uint32_t hashes;  /**< NSEC3 hashes so far */
    uint32_t queries; /**< upstream queries so far */
    uint32_t start_ms; /**< hal_clock_ms() when the resolution started */
    uint16_t nsec3_max_iter; /**< the resolver's NSEC3 iteration limit */
    int64_t valid_from;  /**< latest inception (less skew) of the RRSIGs verified */
    int64_t valid_until; /**< earliest expiration of the RRSIGs verified */
    int weak;         /**< a zone cut could not be ruled out (opt-out, iterations) */
    char weak_reason[64];
    int ent_unproven;  /**< an ancestor's DS denial did not verify (RFC 7672 / how-to
                            "_tcp" empty-non-terminal mistake): only answers signed by
                            the zone above it can still be secure */
    char ent_reason[128];
    char reason[128];
} dbx_vctx_t;

/** Record @p reason (it replaces any earlier one: the last call wins) and return @p sec. */
dbx_sec_t dbx_v_fail(dbx_vctx_t *v, dbx_sec_t sec, const char *reason);

/** @return 1 when DNSSEC algorithm @p alg is implemented (8, 10, 13, 14). */
int dbx_alg_supported(uint8_t alg);
/** @return 1 when DS digest type @p d is implemented (1, 2, 4). */
int dbx_digest_supported(uint8_t d);
/** @return 1 when @p a equals @p b or lies below it. */
int dbx_dname_under(const ldns_rdf *a, const ldns_rdf *b);
/** Ancestor of @p name with @p labels labels (a clone; NULL on allocation failure). */
ldns_rdf *dbx_dname_ancestor(const ldns_rdf *name, int labels);
/** RFC 4034 App. B key tag of a DNSKEY RR. */
uint16_t dbx_keytag(const ldns_rr *dnskey);
/** @return DBX_OK when DS @p ds names DNSKEY @p key (tag, alg, digest),
 *  DBX_ERR_CRYPTO when not, DBX_ERR_UNSUPPORTED for unknown digests. */
int dbx_ds_match(const ldns_rr *ds, const ldns_rr *key);

/** Members of @p l with @p owner (NULL: any) and @p type, cloned.  For
 *  RRSIG @p covered selects the type covered (0: any). */
ldns_rr_list *dbx_select(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type type,
                         ldns_rr_type covered);

/**
 * Verify @p rrset (one owner/type/class) with the RRSIGs in @p sigs made by
 * @p zone using DNSKEYs in @p keys (only keys flagged in @p usable, or all
 * when NULL).  On success *@p ttl is the capped TTL and *@p wild the number of
 * labels of the RRSIG when it is a wildcard expansion (else -1).
 * @return DBX_SEC_SECURE or DBX_SEC_BOGUS / DBX_SEC_INDETERMINATE (budget)
 * with the reason set.
 */
dbx_sec_t dbx_rrset_verify(dbx_vctx_t *v, const ldns_rr_list *rrset, const ldns_rr_list *sigs,
                           const ldns_rr_list *keys, const uint8_t *usable,
                           const ldns_rdf *zone, uint32_t *ttl, int *wild);

/**
 * Validate the DNSKEY RRset @p keys of @p zone against DS set @p ds or, when
 * @p ds is empty/NULL, against trusted DNSKEYs @p anchor_keys.
 * @return SECURE, INSECURE (no supported DS), BOGUS, INDETERMINATE.
 */
dbx_sec_t dbx_dnskey_verify(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *ds,
                            const ldns_rr_list *anchor_keys, const ldns_rr_list *keys,
                            const ldns_rr_list *sigs, uint32_t *ttl);

/** Result of a denial-of-existence proof. */
typedef enum dbx_denial {
    DBX_DENY_NONE = 0,        /**< nothing proven */
    DBX_DENY_NXDOMAIN,        /**< name and wildcard absent */
    DBX_DENY_NODATA,          /**< name exists without the type (no NS cut) */
    DBX_DENY_DELEGATION,      /**< name is an unsigned delegation (NS, no DS) */
    DBX_DENY_OPTOUT,          /**< NSEC3 opt-out span covers the name */
    DBX_DENY_WILDCARD_NODATA, /**< wildcard exists without the type */
    DBX_DENY_INSECURE,        /**< NSEC3 parameters unusable (iterations) */
} dbx_denial_t;

/**
 * Prove that @p qname/@p qtype does not exist in @p zone, from the NSEC or
 * NSEC3 RRsets (with RRSIGs) in @p auth, validated with @p keys.
 * @p want_nx: the response said NXDOMAIN.
 * @return SECURE with *@p out set, or BOGUS / INDETERMINATE / INSECURE
 * (NSEC3 iterations above the limit) with the reason set.
 */
dbx_sec_t dbx_denial_prove(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                           const ldns_rr_list *auth, const ldns_rdf *qname, ldns_rr_type qtype,
                           int want_nx, dbx_denial_t *out);

/**
 * Prove that no closer match than the wildcard exists for @p qname whose
 * RRSIG has @p labels labels (wildcard answer, RFC 4035 s5.3.4, RFC 5155 s8.8).
 */
dbx_sec_t dbx_denial_wildcard_answer(dbx_vctx_t *v, const ldns_rdf *zone,
                                     const ldns_rr_list *keys, const ldns_rr_list *auth,
                                     const ldns_rdf *qname, int labels);

/** NSEC3 records (of all chains) collected for one proof; later ones are ignored. */
#define DBX_V_N3_MAX_RECORDS (2 * DBX_MAX_DENIAL_RRSETS)

/**
 * The NSEC3 part of dbx_denial_prove() (@p wild_labels < 0) and of
 * dbx_denial_wildcard_answer() (@p wild_labels: the RRSIG labels; *@p out
 * NXDOMAIN, or OPTOUT when the next closer name lies in an opt-out span),
 * over the validated NSEC3 RRs @p l of @p zone.  Each record hashes names
 * with its own chain's parameters, and a proof may take its parts from
 * several chains, as unbound does (the hash budget bounds the work).
 */
dbx_sec_t dbx_nsec3_prove(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone,
                          const ldns_rdf *qname, ldns_rr_type qtype, int want_nx, int wild_labels,
                          dbx_denial_t *out);

/** @return 1 when the type bitmap (RDATA field @p bm_idx) of NSEC/NSEC3 @p rr has @p t. */
int dbx_v_bitmap_has(const ldns_rr *rr, size_t bm_idx, ldns_rr_type t);
/** New name "*.<ce>" (NULL on allocation failure or length). */
ldns_rdf *dbx_v_wildcard_of(const ldns_rdf *ce);
/** NODATA from the bitmap (field @p bm) of @p m, the record matching the name:
 *  SECURE with *@p out NODATA / DELEGATION (DS), else BOGUS. */
dbx_sec_t dbx_v_nodata_bits(dbx_vctx_t *v, const ldns_rr *m, size_t bm, ldns_rr_type qtype,
                            dbx_denial_t *out);

/** NSEC3 hash of @p name (counted against the budget).  @return DBX_OK,
 *  DBX_ERR_LIMIT, DBX_ERR_UNSUPPORTED. */
int dbx_nsec3_hash(dbx_vctx_t *v, const ldns_rdf *name, uint8_t alg, uint16_t iter,
                   const uint8_t *salt, size_t saltlen, uint8_t out[20]);

/** Base32hex (RFC 4648 s7, no padding) decode. @return 0 or -1. */
int dbx_b32hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *olen);

/** Serial-arithmetic RRSIG window check. @return 0 ok, -1 expired, 1 not yet. */
int dbx_sig_window(uint32_t inception, uint32_t expiration, int64_t now, uint32_t skew);


/* ---- shared by the resolver files (dbx_resolver/chain/answer.c) ---------- */

/** Kind of a cached zone cut (dbx_cache_entry_t.kind). */
enum { DBX_V_CUT_SECURE = 1, DBX_V_CUT_INSECURE = 2, DBX_V_CUT_NONE = 3 };

/* Cache entry of @p name when present and not expired (LRU stamp updated). */
dbx_cache_entry_t *dbx_v_cache_get(dbx_resolver_t *r, const ldns_rdf *name, int64_t now);

/* Cache @p name as a cut of @p kind for @p ttl from v->now, remembering
 * the earliest RRSIG expiration the resolution saw so far (the chain above
 * and the proof of the cut: answers relying on the entry may not outlive
 * it).  Takes ownership of @p keys. */
void dbx_v_cache_put(dbx_resolver_t *r, const dbx_vctx_t *v, const ldns_rdf *name, uint8_t kind,
                     ldns_rr_list *keys, uint32_t ttl);

/* Answer cache (dbx_acache.c).  Fill @p res (qname and qtype already set)
 * from the entry for (res->qname, qtype) valid at @p now.  DBX_OK (hit),
 * DBX_ERR_NOTFOUND, DBX_ERR_NOMEM. */
int dbx_acache_get(dbx_resolver_t *r, uint16_t qtype, int64_t now, dbx_result_t *res);
/* Remember the finished @p res validated at @p now (secure/insecure for its
 * TTL within the signature window of @p v, bogus for DBX_ACACHE_BOGUS_TTL,
 * indeterminate never), evicting LRU entries to stay within the bounds. */
void dbx_acache_put(dbx_resolver_t *r, const dbx_vctx_t *v, const dbx_result_t *res, int64_t now);
/* The answer cache holds a usable entry for canonical @p qname/@p qtype at
 * @p now (read-only: no LRU stamp, no hit counted). */
int dbx_acache_has(const dbx_resolver_t *r, const ldns_rdf *qname, uint16_t qtype, int64_t now);
/* Hand over the prefetched answer to @p qname/@p qtype (dbx_prefetch.c):
 * 1 with *@p out (the caller's), else 0. */
int dbx_v_prefetch_take(dbx_resolver_t *r, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt **out);
/* Drop every answer-cache entry. */
void dbx_acache_flush(dbx_resolver_t *r);

/* @p l holds an RR of type @p t owned by @p owner. */
int dbx_v_has_rr(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type t);

/* The RRSIGs over @p owner covering @p covered found in any section of
 * @p p (answer, authority, additional): a signature is verified over its
 * RRset wherever it travels, so its section proves nothing either way.
 * NULL on allocation failure. */
ldns_rr_list *dbx_v_pkt_sigs(const ldns_pkt *p, const ldns_rdf *owner, ldns_rr_type covered);

/* @p l holds an RR other than an RRSIG owned by @p owner (an ANY answer). */
int dbx_v_has_data(const ldns_rr_list *l, const ldns_rdf *owner);

/* Fail with "@p prefix: <current reason>". */
dbx_sec_t dbx_v_prefix_fail(dbx_vctx_t *v, dbx_sec_t s, const char *prefix);

/* One question to the source, with the query budget and RCODE screening. */
dbx_sec_t dbx_v_fetch(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                      ldns_rr_type qtype, ldns_pkt **out);

/* TTL of a negative answer: the lowest NSEC/NSEC3/SOA TTL in the authority
 * section (3600 at most; 60 when there is none). */
uint32_t dbx_v_neg_ttl(const ldns_pkt *p);

/* Presentation form of a wire-format name into @p buf (bounded, no heap). */
const char *dbx_v_name_str(const ldns_rdf *n, char *buf, size_t cap);

/* Walk down from the secure *@p zone (validated *@p keys) towards @p qname,
 * asking DS at every label up to @p last labels that the cache does not
 * answer, from label @p first (normally one below *zone).  Used where no
 * signer name tells where the zone is: unsigned answers (a proof of an
 * insecure delegation above them is required, the walk stops where it is
 * proven) and the TLSA owner's "_tcp" label.  A broken denial at a label
 * below @p ent_below labels is a warning (see below).  *@p pre: the DS answer
 * for label @p first when already fetched (taken over).
 * Out: deepest zone and its keys (INSECURE: *zone is the insecure cut). */
dbx_sec_t dbx_v_walk_down(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname, int first,
                          int last, int ent_below, ldns_rdf **zone, ldns_rr_list **keys,
                          ldns_pkt **pre);

/* Whether the trust anchor covers the data of @p qname/@p qtype: the name is
 * at or below the anchor, and for DS strictly below it (the DS RRset of the
 * anchor's own name lives in the parent zone, above the anchor).  SECURE
 * when covered, else INDETERMINATE with the reason set (RFC 4035 4.3: no
 * trust anchor says that part of the tree is signed). */
dbx_sec_t dbx_v_covered(const dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                        ldns_rr_type qtype);

/* Classic discovery: walk from the anchor down to @p qname (its parent for
 * DS) asking DS at every label not cached.  Out: deepest zone and keys. */
dbx_sec_t dbx_v_find_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                          ldns_rr_type qtype, ldns_rdf **zone_out, ldns_rr_list **keys_out);

/* Signer name of the RRSIGs in @p l over owner @p owner (NULL: any owner)
 * and a type in @p types (@p nt of them; 0: any type): the deepest one that is an
 * ancestor of (or, unless @p proper, equal to) @p below.  *@p seen: some
 * RRSIG was considered at all.  Returns a borrowed rdf or NULL. */
const ldns_rdf *dbx_v_pick_signer(const ldns_rr_list *l, const ldns_rdf *owner,
                                  const ldns_rr_type *types, size_t nt, const ldns_rdf *below,
                                  int proper, int *seen);

/* The types whose RRSIGs name the zone of a denial (NSEC, NSEC3, SOA). */
extern const ldns_rr_type dbx_v_neg_types[3];

/* Signer of a DS answer for @p n: over the DS RRset, else over the denial. */
const ldns_rdf *dbx_v_ds_signer(const ldns_pkt *p, const ldns_rdf *n, int *seen);

/* Establish the validated keys of @p target, the signer name of an answer,
 * from the deepest cached cut above it: DS @p target tells (by its own
 * signer) the parent zone, whose chain is established first (bounded stack
 * of pending DS answers), so only real zone cuts cost queries (DS +
 * DNSKEY each).  A DS answer that is unsigned, i.e. an insecure zone may lie
 * between, falls back to the label walk, which must prove it.  Every signer
 * must be an ancestor of the name it signs and turn out to be a zone cut,
 * else bogus.  Out: *zone == target with its keys (SECURE), the insecure
 * cut (INSECURE), or an ancestor when an opt-out span hides the cut (SECURE
 * with v->weak set: only that ancestor's signatures can still validate). */
dbx_sec_t dbx_v_establish(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *target,
                          ldns_rdf **zone, ldns_rr_list **keys);

/* A cut known (cached) strictly below the signer @p zone and at or above
 * @p owner: an answer signed by @p zone there is not from the zone that holds
 * the name.  BOGUS for a secure cut, INSECURE (with *zone moved) for an
 * insecure one, else SECURE. */
dbx_sec_t dbx_v_known_cut_below(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *owner,
                                int last, ldns_rdf **zone);

#endif /* DBX_DNSSEC_INT_H */
