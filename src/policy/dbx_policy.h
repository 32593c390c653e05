/**
 * @file dbx_policy.h
 * @brief RFC 7672 (SMTP security via opportunistic DANE TLS) decision
 *        functions: pure logic, no I/O.
 *
 * Per MX host, in this order (first rule that applies wins):
 *  1. MX RRset bogus / indeterminate            -> defer (RFC 7672 §2.2.1)
 *  2. address RRsets bogus / indeterminate      -> defer (§2.2.2)
 *     address RRsets securely denied (no A/AAAA)-> defer (host unreachable)
 *  3. MX RRset insecure                         -> opportunistic, no DANE for
 *                                                  the domain (§2.2.1)
 *  4. address RRsets insecure                   -> opportunistic, no TLSA
 *                                                  lookup (§2.2.2)
 *  5. TLSA lookup bogus / indeterminate         -> defer (§2.2)
 *  6. TLSA insecure or securely denied          -> opportunistic (§2.2)
 *  7. TLSA secure, no usable records            -> STARTTLS mandatory, no
 *     authentication: encrypt-unauthenticated, or defer when STARTTLS is
 *     not offered / the handshake fails (§2.2, §3.1)
 *  8. TLSA secure, usable records               -> DANE required: defer when
 *     STARTTLS is not offered, the handshake fails or no record matches;
 *     dane-verified on a match (§2.2)
 * MX secure-denial (no MX, implicit MX = the domain) counts as secure.
 * Domain verdict: the first host, in MX preference order, whose verdict is
 * not defer; else defer with every host's reason.
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

#ifndef DBX_POLICY_MAX_HOSTS
#define DBX_POLICY_MAX_HOSTS 16 /**< MX hosts considered per domain */
#endif

/** DNSSEC status of one lookup. */
typedef enum dbx_dnssec {
    DBX_DNSSEC_SECURE = 0,
    DBX_DNSSEC_SECURE_DENIAL, /**< validated NXDOMAIN / NODATA */
    DBX_DNSSEC_INSECURE,
    DBX_DNSSEC_BOGUS,
    DBX_DNSSEC_INDETERMINATE,
} dbx_dnssec_t;

/** Per-host verdict. */
typedef enum dbx_verdict {
    DBX_VERDICT_DANE_VERIFIED = 0,
    DBX_VERDICT_ENCRYPT_UNAUTH, /**< secure TLSA, all unusable: TLS, no auth */
    DBX_VERDICT_OPPORTUNISTIC,
    DBX_VERDICT_DEFER,
} dbx_verdict_t;

/** Why a host was deferred. */
typedef enum dbx_defer_reason {
    DBX_DEFER_NONE = 0,
    DBX_DEFER_MX_BOGUS,
    DBX_DEFER_MX_INDETERMINATE,
    DBX_DEFER_ADDR_BOGUS,
    DBX_DEFER_ADDR_INDETERMINATE,
    DBX_DEFER_ADDR_NONE,
    DBX_DEFER_TLSA_BOGUS,
    DBX_DEFER_TLSA_INDETERMINATE,
    DBX_DEFER_NO_STARTTLS,
    DBX_DEFER_HANDSHAKE,
    DBX_DEFER_NO_MATCH,
    DBX_DEFER_MATCH_ERROR, /**< matcher error or inconsistent input */
    DBX_DEFER_BAD_INPUT,   /**< out-of-range enum value */
} dbx_defer_reason_t;

/** Everything known about one MX host. */
typedef struct dbx_policy_host {
    dbx_dnssec_t mx;      /**< the domain's MX RRset */
    dbx_dnssec_t addr;    /**< this host's A/AAAA RRsets */
    dbx_dnssec_t tlsa;    /**< this host's TLSA lookup */
    size_t usable_tlsa;   /**< usable records in a secure TLSA RRset */
    bool starttls;        /**< STARTTLS offered */
    bool handshake_ok;    /**< TLS handshake completed */
    dbx_dane_verdict_t match; /**< dbx_dane_match() verdict (when usable) */
} dbx_policy_host_t;

/** Domain decision. */
typedef struct dbx_policy_domain {
    dbx_verdict_t verdict;
    int host; /**< index of the deciding host, -1 when all deferred */
    size_t n_hosts;
    dbx_verdict_t verdicts[DBX_POLICY_MAX_HOSTS];
    dbx_defer_reason_t reasons[DBX_POLICY_MAX_HOSTS];
} dbx_policy_domain_t;

/** @return "dane-verified", "encrypt-unauthenticated", "opportunistic",
 *          "defer" (or "invalid"); never NULL. */
const char *dbx_verdict_str(dbx_verdict_t v);
/** @return short text for @p r ("tlsa-bogus", ...), never NULL. */
const char *dbx_defer_reason_str(dbx_defer_reason_t r);
/** @return "secure", "secure-denial", ... , never NULL. */
const char *dbx_dnssec_str(dbx_dnssec_t s);

/**
 * Decide one host.  @p why (may be NULL) gets the defer reason, or
 * DBX_DEFER_NONE.  A NULL @p h yields defer / DBX_DEFER_BAD_INPUT.
 */
dbx_verdict_t dbx_policy_host(const dbx_policy_host_t *h, dbx_defer_reason_t *why);

/**
 * Decide a domain from its hosts in MX preference order (only the first
 * DBX_POLICY_MAX_HOSTS are considered).
 * @return DBX_OK; DBX_ERR_INVAL when @p out is NULL or @p hosts is NULL
 *         with @p n > 0.  n == 0 yields defer with host -1.
 */
int dbx_policy_domain(const dbx_policy_host_t *hosts, size_t n, dbx_policy_domain_t *out);

/**
 * Text of a domain decision: "dane-verified (host 0)" or
 * "defer: #0 tlsa-bogus; #1 no-match".  Truncates to @p size.
 * @return DBX_OK, DBX_ERR_BUFFER when truncated, DBX_ERR_INVAL.
 */
int dbx_policy_domain_str(const dbx_policy_domain_t *d, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* DBX_POLICY_H */
