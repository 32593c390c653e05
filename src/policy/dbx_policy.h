/**
 * @file dbx_policy.h
 * @brief The one RFC 7672 policy evaluator: facts in, verdict and reason
 *        out.  Pure logic, no I/O, no allocation, no global state.  Every
 *        verdict `check` and the session API (dbx_session.h) report comes
 *        from here; they only collect facts.
 *
 * Stages (each a call of dbx_policy_eval() with more facts filled in):
 *  - domain   (dbx_policy_mx()):  MX RRset status, null MX, host count;
 *  - pre-TLSA (dbx_policy_want_tlsa(), dbx_policy_tlsa_fallback()):
 *             whether to look up TLSA at all and which name's RRset counts
 *             (RFC 7672 §2.2.2 CNAME rules);
 *  - pre-connect (facts.conn == DBX_CONN_NOT_TRIED): defer without
 *             connecting, or connect with the requirements (TLS mandatory,
 *             DANE authentication mandatory);
 *  - per address (facts.conn set from the SMTP/TLS session);
 *  - per host (dbx_policy_pick()): the first address not deferred;
 *  - per domain (dbx_policy_pick() over hosts in MX preference order).
 *
 * RFC 7672 rules at level DBX_LEVEL_DANE (first that applies wins):
 *  1. MX RRset bogus / indeterminate            -> defer (§2.1, §2.2.1)
 *     null MX (RFC 7505), no MX host            -> defer
 *  2. address RRsets bogus / indeterminate      -> defer (§2.2.2)
 *     no address at all                         -> defer
 *  3. MX RRset insecure                         -> opportunistic, no TLSA
 *     lookup (§2.2.1)
 *  4. address RRsets insecure                   -> opportunistic, no TLSA
 *     lookup (§2.2.2)
 *  5. TLSA lookup bogus / indeterminate         -> defer (§2.2)
 *     (alias: TLSA at the CNAME-expanded name first; bogus there defers,
 *     secure denial or insecure there falls back to the original name)
 *  6. TLSA insecure or securely denied          -> opportunistic (§2.2)
 *  7. TLSA secure, no usable records            -> STARTTLS mandatory, no
 *     authentication (§3.1): encrypt-unauthenticated; defer when STARTTLS
 *     is missing/refused or the handshake fails
 *  8. TLSA secure, usable records               -> DANE mandatory: defer
 *     when STARTTLS is missing/refused, the handshake fails, no record
 *     matches or matching failed; dane-verified on a match (§2.2, §3).
 *     A resumed TLS session (no certificate presented) is dane-verified
 *     only when it was verified under the same TLSA RRset digest as the
 *     RRset in use now (facts.resumed, .tlsa_digest, .resumed_under);
 *     otherwise defer (resume-mismatch).
 *  Opportunistic: a failed connection defers that address; STARTTLS
 *  missing/refused means cleartext (verdict stays opportunistic).
 *  A failed connection (TCP, greeting, timeouts, malformed replies) and an
 *  internal error (allocation failure inside a check) always defer.
 *
 * TLS policy levels (what an operator or the relay may ask for; no level
 * ever falls back to a weaker transport than it names, and bogus or
 * indeterminate DNS defers at every level):
 *  - DBX_LEVEL_DANE      RFC 7672 as above (the default).
 *  - DBX_LEVEL_DANE_ONLY only dane-verified delivers: a host without usable
 *                        secure TLSA records is deferred before connecting.
 *  - DBX_LEVEL_ENCRYPT   RFC 7672, but TLS is mandatory everywhere: where
 *                        RFC 7672 would allow cleartext, TLS without
 *                        authentication is required (verdict
 *                        encrypt-unauthenticated), cleartext defers.  DANE
 *                        still applies where usable TLSA records exist.
 *  - DBX_LEVEL_MAY       opportunistic TLS, TLSA not consulted: TLS when
 *                        offered, cleartext otherwise (verdict
 *                        opportunistic).
 *  - DBX_LEVEL_DANE_TEST DANE is evaluated and reported (dane_verdict) but
 *                        not enforced: delivery as at DBX_LEVEL_MAY, i.e.
 *                        TLS when offered; a DANE no-match only reports.
 */
#ifndef DBX_POLICY_H
#define DBX_POLICY_H

#include "dbx_common.h"
#include "dane/dbx_dane.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** DNSSEC status of one lookup. */
typedef enum dbx_dnssec {
    DBX_DNSSEC_SECURE = 0,
    DBX_DNSSEC_SECURE_DENIAL, /**< validated NXDOMAIN / NODATA */
    DBX_DNSSEC_INSECURE,
    DBX_DNSSEC_BOGUS,
    DBX_DNSSEC_INDETERMINATE,
} dbx_dnssec_t;

/** Verdict for an address, host or domain. */
typedef enum dbx_verdict {
    DBX_VERDICT_DANE_VERIFIED = 0,
    DBX_VERDICT_ENCRYPT_UNAUTH, /**< TLS mandatory, peer not authenticated */
    DBX_VERDICT_OPPORTUNISTIC,  /**< TLS if offered, cleartext otherwise */
    DBX_VERDICT_DEFER,
} dbx_verdict_t;

/** TLS policy level (see the file comment). */
typedef enum dbx_tls_level {
    DBX_LEVEL_DANE = 0,
    DBX_LEVEL_DANE_ONLY,
    DBX_LEVEL_ENCRYPT,
    DBX_LEVEL_MAY,
    DBX_LEVEL_DANE_TEST,
} dbx_tls_level_t;

/** What the SMTP/TLS session established (facts for the per-address stage). */
typedef enum dbx_conn {
    DBX_CONN_NOT_TRIED = 0,    /**< pre-connect evaluation */
    DBX_CONN_FAILED,           /**< TCP, greeting, timeouts, malformed replies */
    DBX_CONN_EHLO_REJECTED,    /**< EHLO refused: no STARTTLS, no usable session */
    DBX_CONN_NO_STARTTLS,      /**< EHLO fine, STARTTLS not offered */
    DBX_CONN_STARTTLS_REFUSED, /**< STARTTLS answered non-220 (e.g. 454) */
    DBX_CONN_HANDSHAKE_FAILED, /**< STARTTLS 220, then the handshake failed */
    DBX_CONN_TLS,              /**< handshake done and EHLO over TLS answered */
    DBX_CONN_TLS_BROKEN,       /**< TLS up, session failed after it (EHLO over
                                    TLS refused, I/O error) */
} dbx_conn_t;

/** Why: the reason of a verdict (defer or success). */
typedef enum dbx_policy_reason {
    DBX_REASON_NONE = 0,
    /* success */
    DBX_REASON_DANE_MATCH,      /**< usable TLSA record matched */
    DBX_REASON_TLSA_UNUSABLE,   /**< secure TLSA, none usable: TLS, no auth */
    DBX_REASON_MX_INSECURE,     /**< no DANE: MX RRset insecure */
    DBX_REASON_ADDR_INSECURE,   /**< no DANE: addresses insecure */
    DBX_REASON_TLSA_INSECURE,   /**< no DANE: TLSA lookup insecure */
    DBX_REASON_TLSA_DENIED,     /**< no DANE: no TLSA records (secure denial) */
    DBX_REASON_LEVEL_MAY,       /**< level may: TLSA not consulted */
    DBX_REASON_LEVEL_TEST,      /**< level dane-test: DANE reported only */
    DBX_REASON_PENDING,         /**< pre-connect: decided by the session */
    DBX_REASON_DANE_RESUMED,    /**< resumed a session verified under the
                                     same TLSA RRset digest (no certificate
                                     presented) */
    /* defer */
    DBX_REASON_MX_BOGUS,
    DBX_REASON_MX_INDETERMINATE,
    DBX_REASON_NULL_MX,
    DBX_REASON_NO_HOSTS,
    DBX_REASON_ADDR_BOGUS,
    DBX_REASON_ADDR_INDETERMINATE,
    DBX_REASON_ADDR_NONE,
    DBX_REASON_TLSA_BOGUS,
    DBX_REASON_TLSA_INDETERMINATE,
    DBX_REASON_DANE_REQUIRED,   /**< level dane-only without usable TLSA */
    DBX_REASON_CONNECT_FAILED,
    DBX_REASON_NO_STARTTLS,     /**< STARTTLS missing where TLS is mandatory */
    DBX_REASON_STARTTLS_REFUSED,/**< STARTTLS refused where TLS is mandatory */
    DBX_REASON_HANDSHAKE,
    DBX_REASON_NO_MATCH,
    DBX_REASON_MATCH_ERROR,     /**< matcher error or inconsistent facts */
    DBX_REASON_SESSION_FAILED,  /**< TLS up, session broke afterwards */
    DBX_REASON_RESUME_MISMATCH, /**< resumed a session that was not verified
                                     under the current TLSA RRset digest */
    DBX_REASON_INTERNAL,        /**< allocation failure etc. inside a check */
    DBX_REASON_BAD_INPUT,       /**< out-of-range enum value in the facts */
} dbx_policy_reason_t;

/** Everything known about one MX host (and, per address, its session).
 *  Zero-initialise, then fill what is known; see the stage rules. */
typedef struct dbx_policy_facts {
    dbx_tls_level_t level;
    dbx_dnssec_t mx;            /**< the domain's MX RRset (SECURE_DENIAL:
                                     implicit MX) */
    dbx_dnssec_t addr;          /**< combined A/AAAA status of the host */
    size_t n_addrs;             /**< addresses found (0: no address) */
    bool alias;                 /**< host name is a CNAME and the address
                                     chain is secure: TLSA at the expanded
                                     name counts first (§2.2.2) */
    dbx_dnssec_t tlsa_expanded; /**< TLSA at the expanded name (alias) */
    dbx_dnssec_t tlsa;          /**< TLSA at the original name */
    size_t usable_tlsa;         /**< usable records of the secure RRset used */
    dbx_conn_t conn;            /**< session outcome; NOT_TRIED pre-connect */
    bool dane_ran;              /**< the matcher ran on the peer chain */
    dbx_dane_verdict_t match;   /**< its verdict (when dane_ran) */
    bool internal_error;        /**< allocation failure etc. while collecting */
    /** TLS session resumption (conn == DBX_CONN_TLS): the server resumed a
     *  saved session, so it presented no certificate and the matcher did
     *  not run.  DANE-verified only when the session was verified under
     *  the digest of the TLSA RRset in use now (dbx_tls_cache.h). */
    bool resumed;
    uint8_t tlsa_digest[32];    /**< digest of the TLSA RRset in use now */
    uint8_t resumed_under[32];  /**< digest the resumed session was verified under */
} dbx_policy_facts_t;

/** The evaluator's answer. */
typedef struct dbx_policy_decision {
    dbx_verdict_t verdict;      /**< pre-connect: DEFER = do not connect,
                                     else the best still possible */
    dbx_policy_reason_t reason;
    bool connect;               /**< pre-connect: go ahead and connect */
    bool tls_required;          /**< cleartext is not acceptable */
    bool dane_required;         /**< the peer chain must be DANE-matched;
                                     a no-match aborts the session */
    bool dane_check;            /**< run the matcher (required, or reported
                                     at dane-test) */
    bool usable;                /**< per address: the open session may carry
                                     mail under this verdict */
    dbx_verdict_t dane_verdict; /**< the verdict at level dane, reported by
                                     dane-test (equals verdict otherwise) */
    dbx_policy_reason_t dane_reason;
} dbx_policy_decision_t;

/** @return "dane-verified", "encrypt-unauthenticated", "opportunistic",
 *          "defer" (or "invalid"); never NULL. */
const char *dbx_verdict_str(dbx_verdict_t v);
/** @return short text for @p r ("tlsa-bogus", ...), never NULL. */
const char *dbx_policy_reason_str(dbx_policy_reason_t r);
/** @return "secure", "secure-denial", ... , never NULL. */
const char *dbx_dnssec_str(dbx_dnssec_t s);
/** @return "dane", "dane-only", "encrypt", "may", "dane-test" or "invalid". */
const char *dbx_tls_level_str(dbx_tls_level_t l);
/** Parse a level name (as printed by dbx_tls_level_str()).
 *  @return DBX_OK or DBX_ERR_INVAL. */
int dbx_tls_level_parse(const char *s, dbx_tls_level_t *out);

/**
 * Domain stage.  @p mx: MX RRset status; @p null_mx: the MX RRset is the
 * single "0 ." record (RFC 7505); @p n_hosts: MX hosts left (the domain
 * itself for an implicit MX).  Fills @p out (verdict DEFER or the best
 * still possible with reason PENDING).  Cannot fail; NULL @p out ignored.
 */
void dbx_policy_mx(dbx_tls_level_t level, dbx_dnssec_t mx, bool null_mx, size_t n_hosts,
                   dbx_policy_decision_t *out);

/** @return true when TLSA records must be looked up for this host: MX
 *          secure (or implicit), addresses secure, level not may. */
bool dbx_policy_want_tlsa(const dbx_policy_facts_t *f);

/** §2.2.2: after the TLSA lookup at the CNAME-expanded name returned
 *  @p expanded, must the original name be looked up too?  (Only on a
 *  secure denial or insecure answer; never after bogus / indeterminate.) */
bool dbx_policy_tlsa_fallback(dbx_dnssec_t expanded);

/** The TLSA status that counts for @p f (the §2.2.2 choice). */
dbx_dnssec_t dbx_policy_tlsa_used(const dbx_policy_facts_t *f);

/**
 * Pre-connect and per-address stage (by f->conn).  Pure; never fails: bad
 * input (NULL, out-of-range enums) yields defer / DBX_REASON_BAD_INPUT.
 */
void dbx_policy_eval(const dbx_policy_facts_t *f, dbx_policy_decision_t *out);

/**
 * Host / domain stage: the index of the first of @p n verdicts (addresses
 * of a host in probe order, or hosts in MX preference order) that is not
 * defer, or -1.
 */
int dbx_policy_pick(const dbx_verdict_t *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* DBX_POLICY_H */
