/**
 * @file dbx_dane.h
 * @brief DANE TLSA records and certificate matching for SMTP (RFC 6698,
 *        RFC 7671, RFC 7672), offline: the caller supplies the validated
 *        TLSA RRset, the server's certificate chain (leaf first), the
 *        reference identifiers and the time.
 *
 * Decisions (see the RFC sections cited at each item):
 *  - Usable: DANE-TA(2) and DANE-EE(3) only (RFC 7672 §3.1.3); PKIX-TA(0),
 *    PKIX-EE(1), unknown usages, selectors and matching types are unusable.
 *  - Malformed records (truncated RDATA, empty data, digest length not 32
 *    for SHA-256(1) / 64 for SHA-512(2)) are unusable and reported.
 *  - Digest agility (RFC 7671 §9): per (usage, selector) only records whose
 *    matching type is the strongest *digest* present (by the configurable
 *    preference order, default SHA-512(2) > SHA-256(1)) are used.  Full(0)
 *    is not a digest and is never ignored: with 3 1 0, 3 1 1, 3 1 2 present
 *    a key matching 3 1 0 or 3 1 2 is accepted, one matching only 3 1 1 is
 *    not.  Agility is applied after malformed/unsupported records are
 *    discarded.
 *  - DANE-EE(3): leaf only, no name and no validity checks (RFC 7672
 *    §3.1.1).  Tried before DANE-TA.
 *  - DANE-TA(2): the TA is a certificate at depth >= 1 of the sent chain
 *    matching a record, or a full certificate / full SPKI from DNS
 *    ("2 0 0" / "2 1 0") that signs the top of the sent path.  The sent
 *    chain must be in order (each certificate issued by the next: issuer
 *    DN == subject DN, issuer is a CA, signature verifies).  Every
 *    certificate from the leaf up to and including a certificate TA must be
 *    within its validity period at @p now; an SPKI-only TA has no dates.
 *    The leaf must match a reference identifier (RFC 7672 §3.2.3).  The
 *    shallowest TA wins.
 */
#ifndef DBX_DANE_H
#define DBX_DANE_H

#include "dbx_common.h"
#include "dbx_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/x509_crt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_DANE_MAX_NAME_LEN 253 /**< longest DNS name (no trailing dot) */
#define DBX_DANE_MAX_DATA 8192    /**< longest association data accepted */
#define DBX_DANE_REASON_LEN 160

/* Field values (RFC 6698 §7.2-7.4) */
enum { DBX_TLSA_PKIX_TA = 0, DBX_TLSA_PKIX_EE = 1, DBX_TLSA_DANE_TA = 2, DBX_TLSA_DANE_EE = 3 };
enum { DBX_TLSA_SEL_CERT = 0, DBX_TLSA_SEL_SPKI = 1 };
enum { DBX_TLSA_MT_FULL = 0, DBX_TLSA_MT_SHA256 = 1, DBX_TLSA_MT_SHA512 = 2 };

/** One TLSA record.  @c data is borrowed (points into the caller's buffer). */
typedef struct dbx_tlsa {
    uint8_t usage;
    uint8_t selector;
    uint8_t mtype;
    bool truncated; /**< RDATA shorter than its 3 fixed octets / odd hex */
    const uint8_t *data;
    size_t len;
} dbx_tlsa_t;

/** Usability of one record (why it is or is not used). */
typedef enum dbx_tlsa_use {
    DBX_TLSA_USABLE = 0,
    DBX_TLSA_UNUSABLE_PKIX,      /**< PKIX-TA(0) / PKIX-EE(1): RFC 7672 §3.1.3 */
    DBX_TLSA_UNUSABLE_USAGE,     /**< unknown certificate usage */
    DBX_TLSA_UNUSABLE_SELECTOR,  /**< unknown selector */
    DBX_TLSA_UNUSABLE_MTYPE,     /**< unknown / not enabled matching type */
    DBX_TLSA_MALFORMED_TRUNCATED,/**< RDATA truncated */
    DBX_TLSA_MALFORMED_EMPTY,    /**< Full(0) with no data */
    DBX_TLSA_MALFORMED_LENGTH,   /**< digest length wrong for matching type */
    DBX_TLSA_IGNORED_AGILITY,    /**< weaker digest than one present (RFC 7671 §9) */
    DBX_TLSA_IGNORED_LIMIT,      /**< beyond DBX_DANE_MAX_RECORDS */
} dbx_tlsa_use_t;

/** @return static text for @p u, never NULL. */
const char *dbx_tlsa_use_str(dbx_tlsa_use_t u);

/** Matching options. */
typedef struct dbx_dane_opts {
    /** Digest matching types in preference order, strongest first
     *  (default {2, 1}); a digest type not listed is unusable. */
    uint8_t digest_pref[2];
    uint8_t n_digest_pref;
    size_t max_records; /**< 1..DBX_DANE_MAX_RECORDS */
    size_t max_chain;   /**< 1..DBX_DANE_MAX_CHAIN */
} dbx_dane_opts_t;

/** Fill @p o with the defaults.  Cannot fail. */
void dbx_dane_opts_init(dbx_dane_opts_t *o);

/**
 * Parse TLSA RDATA wire format.  @p out->data points into @p rdata.
 * @return DBX_OK; DBX_ERR_MALFORMED when shorter than 3 octets (then
 *         @p out is still filled, with @c truncated set, so it can be
 *         reported as unusable); DBX_ERR_LIMIT when the data is longer than
 *         DBX_DANE_MAX_DATA; DBX_ERR_INTERNAL (DBX_ASSERT) on NULL.
 */
int dbx_tlsa_from_rdata(const uint8_t *rdata, size_t rdlen, dbx_tlsa_t *out);

/**
 * Parse one record in presentation form: either "U S M HEX" or a zone line
 * "owner [ttl] [class] TLSA U S M HEX" (the HEX may contain blanks; text
 * after ';' is a comment).  Hex is decoded into @p buf, which @p out->data
 * then points into.
 * @return DBX_OK; DBX_ERR_MALFORMED (bad numbers, bad hex characters, no
 *         fields); odd hex length yields DBX_OK with @c truncated set;
 *         DBX_ERR_BUFFER when the data does not fit @p bufsize;
 *         DBX_ERR_NOTFOUND for a blank or comment-only line.
 */
int dbx_tlsa_from_text(const char *text, size_t textlen, uint8_t *buf, size_t bufsize,
                       dbx_tlsa_t *out);

/** Usability of one record on its own (no agility), under @p opts (NULL =
 *  defaults). */
dbx_tlsa_use_t dbx_tlsa_usability(const dbx_tlsa_t *r, const dbx_dane_opts_t *opts);

/**
 * Usability of every record of a set, with digest agility and the record
 * limit applied.  @p use must have room for @p n entries.
 * @return the number of usable records (>= 0), or DBX_ERR_INTERNAL on NULL.
 */
int dbx_tlsa_classify(const dbx_tlsa_t *recs, size_t n, const dbx_dane_opts_t *opts,
                      dbx_tlsa_use_t *use);

/** Match verdict. */
typedef enum dbx_dane_verdict {
    DBX_DANE_MATCH = 0,
    DBX_DANE_NO_MATCH,
    DBX_DANE_NO_USABLE, /**< no usable records: not DANE-authenticated */
    DBX_DANE_ERROR,     /**< bad input or internal failure; see status */
} dbx_dane_verdict_t;

/** @return "match", "no-match", "no-usable-records", "error". */
const char *dbx_dane_verdict_str(dbx_dane_verdict_t v);

/** Result of dbx_dane_match(). */
typedef struct dbx_dane_result {
    dbx_dane_verdict_t verdict;
    int status;        /**< dbx_status_t when verdict is DBX_DANE_ERROR */
    int record;        /**< index of the matched record, -1 when none */
    int depth;         /**< depth of the matching certificate: 0 leaf; for a
                            TA not sent by the server, 1 + depth of the
                            certificate it signs; -1 when none */
    uint8_t usage;     /**< usage of the matched record */
    bool ta_from_dns;  /**< the TA was not in the sent chain */
    bool records_limited; /**< more records than max_records */
    bool chain_limited;   /**< more certificates than max_chain */
    size_t n_usable;
    size_t chain_len;     /**< certificates considered */
    dbx_tlsa_use_t use[DBX_DANE_MAX_RECORDS]; /**< per record */
    char reason[DBX_DANE_REASON_LEN];
} dbx_dane_result_t;

/**
 * Match a TLSA RRset against a server chain.
 * @param recs    records (only the first opts->max_records are considered)
 * @param chain   parsed chain as sent, leaf first (mbedtls list)
 * @param names   reference identifiers (TLSA base domain, MX host name
 *                original and CNAME-expanded); ASCII, trailing dot allowed
 * @param now     Unix time for the DANE-TA validity checks
 * @param opts    NULL = defaults
 * @return DBX_OK when @p res holds a verdict (any verdict, including
 *         DBX_DANE_ERROR for an empty chain); DBX_ERR_INTERNAL (DBX_ASSERT)
 *         on NULL arguments.
 */
int dbx_dane_match(const dbx_tlsa_t *recs, size_t n_recs, const mbedtls_x509_crt *chain,
                   const char *const *names, size_t n_names, int64_t now,
                   const dbx_dane_opts_t *opts, dbx_dane_result_t *res);

/**
 * RFC 6125 / RFC 7672 §3.2.3 name check of @p crt against the reference
 * identifiers: SAN dNSName entries, or the subject CN only when there is no
 * dNSName SAN; ASCII case-insensitive; one trailing dot ignored on either
 * side; a wildcard only as the complete leftmost label "*", matching exactly
 * one label, and only with at least two labels after it.
 * @return true on a match.
 */
bool dbx_dane_name_check(const mbedtls_x509_crt *crt, const char *const *names,
                         size_t n_names);

/** Match one presented identifier @p pat (len @p plen) against reference
 *  name @p ref (NUL-terminated) with the rules above. */
bool dbx_dane_name_match(const char *pat, size_t plen, const char *ref);

#ifdef __cplusplus
}
#endif
#endif /* DBX_DANE_H */
