/**
 * @file dbx_dnssec_int.h
 * @brief Validator internals shared by the src/dnssec files (and unit tests).
 */
#ifndef DBX_DNSSEC_INT_H
#define DBX_DNSSEC_INT_H

#include "dnssec/dbx_resolver.h"

/** Per-resolution budgets and the reason slot. */
typedef struct dbx_vctx {
    int64_t now;
    uint32_t skew;
    uint32_t sigs;    /**< signature verifications so far */
    uint32_t hashes;  /**< NSEC3 hashes so far */
    uint32_t queries; /**< upstream queries so far */
    uint32_t start_ms; /**< hal_clock_ms() when the resolution started */
    int weak;         /**< a zone cut could not be ruled out (opt-out, iterations) */
    char weak_reason[64];
    int ent_unproven;  /**< an ancestor's DS denial did not verify (RFC 7672 / how-to
                            "_tcp" empty-non-terminal mistake): only answers signed by
                            the zone above it can still be secure */
    char ent_reason[128];
    char reason[128];
} dbx_vctx_t;

/** Record @p reason (first one wins) and return @p sec. */
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

/** NSEC3 hash of @p name (counted against the budget).  @return DBX_OK,
 *  DBX_ERR_LIMIT, DBX_ERR_UNSUPPORTED. */
int dbx_nsec3_hash(dbx_vctx_t *v, const ldns_rdf *name, uint8_t alg, uint16_t iter,
                   const uint8_t *salt, size_t saltlen, uint8_t out[20]);

/** Base32hex (RFC 4648 s7, no padding) decode. @return 0 or -1. */
int dbx_b32hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *olen);

/** Serial-arithmetic RRSIG window check. @return 0 ok, -1 expired, 1 not yet. */
int dbx_sig_window(uint32_t inception, uint32_t expiration, int64_t now, uint32_t skew);

#endif /* DBX_DNSSEC_INT_H */
