/**
 * @file dbx_check.h
 * @brief `check DOMAIN`: the whole RFC 7672 flow for one recipient domain,
 *        as a portable library (no OS calls: DNS through the validating
 *        resolver, SMTP through ::dbx_transport_t, time/entropy through the
 *        HAL).  Used by the host CLI (`danebox check`) and by the firmware,
 *        which prints exactly the same JSON line on its console.
 *
 * Flow (RFC 7672 section numbers in brackets):
 *  1. MX lookup at DOMAIN.  Bogus / indeterminate -> domain defer [2.2.1].
 *     NODATA / NXDOMAIN -> implicit MX: DOMAIN itself, preference 0
 *     (RFC 5321 §5.1).  A single "0 ." record -> null MX (RFC 7505): no
 *     delivery, verdict defer with reason "null-mx" (`null_mx` set).
 *     Hosts sorted by preference (stable: ties keep answer order), at most
 *     cfg->max_hosts (<= DBX_CHECK_MAX_HOSTS); duplicates dropped.
 *     MX RRset insecure -> no DANE for any host (no TLSA lookup) [2.2.1].
 *  2. Per host: A and/or AAAA (cfg->families).  Bogus / indeterminate ->
 *     host defer; no address at all -> host defer ("no-address"); insecure
 *     -> opportunistic, no TLSA lookup [2.2.2].
 *  3. TLSA at `_25._tcp.<host>` [2.2.2]: when the host name is a CNAME
 *     alias and the address answer (chain included) is secure, TLSA at the
 *     CNAME-expanded name first; when that is securely denied or insecure,
 *     TLSA at the original name.  The name whose TLSA RRset is used is the
 *     TLSA base domain (else the original host name).  Bogus /
 *     indeterminate TLSA -> host defer, no connection.
 *  4. Per address (at most cfg->max_addrs per host; IPv4 before IPv6):
 *     SMTP + STARTTLS with SNI = TLSA base domain [8.1].  When usable TLSA
 *     records exist the verify hook runs dbx_dane_match() with reference
 *     identifiers {TLSA base domain, MX host name, CNAME-expanded name}
 *     [3.2.3] and the session is aborted on no match.  When DANE does not
 *     apply (opportunistic / encrypt-unauthenticated) the session still
 *     runs and TLS is reported unauthenticated; a plaintext session is
 *     never reported as anything but plaintext.
 *  5. Every verdict comes from the one evaluator (src/policy/dbx_policy.h):
 *     dbx_policy_mx() for the domain stage, dbx_policy_eval() before
 *     connecting (DNS facts only) and per address (with the session's
 *     facts), dbx_policy_pick() for host (first address not deferred) and
 *     domain (first host by preference not deferred).  This file's code
 *     only collects facts and writes reports; cfg->level selects the TLS
 *     policy level (default RFC 7672 "dane").
 *  An allocation failure inside the check is an internal error: the host
 *  (or, at the MX stage, the domain) is deferred with reason
 *  "internal-error", never decided on partial facts.
 *
 * Memory: the result is caller-owned and fixed-size; the work area
 * (::dbx_check_work_t, holds the SMTP/TLS context) is caller-owned too
 * (static on the firmware).  DNS answers are allocated by the resolver
 * (ldns) and freed before dbx_check_run() returns; nothing is held after.
 * Sizes are compile-time configurable (DBX_CHECK_MAX_*): about 3.3 KiB per
 * host with the defaults; a small target may build with e.g.
 * -DDBX_CHECK_MAX_HOSTS=4 -DDBX_CHECK_MAX_ADDRS=2 -DDBX_CHECK_MAX_TLSA=4.
 */
#ifndef DBX_CHECK_H
#define DBX_CHECK_H

#include "dbx_common.h"
#include "dbx_limits.h"
#include "dbx_transport.h"
#include "dane/dbx_dane.h"
#include "dnssec/dbx_resolver.h"
#include "policy/dbx_policy.h"
#include "smtp/dbx_smtp.h"
#include "smtp/dbx_tls_cache.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_CHECK_NAME_LEN 254   /**< DNS name, presentation, no final dot, + NUL */
#define DBX_CHECK_REASON_LEN 128 /**< lookup / address / host reason text */
#define DBX_CHECK_TLSA_TEXT 140  /**< "U S M HEX" (SHA-512 fits; longer data cut, "...") */
#define DBX_CHECK_DOMAIN_REASON_LEN 384

/** Address families for dbx_check_config_t::families. */
#define DBX_CHECK_IPV4 1u
#define DBX_CHECK_IPV6 2u

/** Options.  dbx_check_config_defaults() fills every field. */
typedef struct dbx_check_config {
    int64_t now;              /**< Unix time: DNSSEC validation + DANE-TA dates */
    uint8_t families;         /**< DBX_CHECK_IPV4 | DBX_CHECK_IPV6 (default both) */
    uint16_t port;            /**< SMTP port (default 25) */
    const char *helo_name;    /**< EHLO name (NULL: SMTP client default) */
    size_t max_hosts;         /**< 1..DBX_CHECK_MAX_HOSTS (default max) */
    size_t max_addrs;         /**< 1..DBX_CHECK_MAX_ADDRS (default max) */
    bool stop_at_first;       /**< stop after the first host that is not
                                   deferred, like an MTA (default false: a
                                   checker probes every host) */
    uint32_t connect_ms;      /**< TCP connect (default 10 s) */
    uint32_t command_ms;      /**< banner / each SMTP reply (default 30 s) */
    uint32_t handshake_ms;    /**< TLS handshake (default 30 s) */
    dbx_dane_opts_t dane;     /**< matcher options (digest preference...) */
    dbx_tls_level_t level;    /**< TLS policy level (default DBX_LEVEL_DANE) */
    /* TLS offer restrictions (the monitor asks once per public-key
     * algorithm and once per protocol version; a sender never sets them) */
    uint16_t tls_min_version; /**< DBX_TLS_V12 / DBX_TLS_V13; 0 = DBX_TLS_V12 */
    uint16_t tls_max_version; /**< 0 = DBX_TLS_V13 */
    const uint16_t *tls_sig_algs; /**< signature algorithms offered (TLS
                                   SignatureScheme values ending in 0);
                                   NULL = the TLS library's defaults */
    /** TLS session resumption (NULL: none): where DANE is mandatory, a
     *  session saved for the same host and port under the same TLSA RRset
     *  digest is offered, and a DANE-verified session is saved
     *  (dbx_tls_cache.h rules).  Caller-owned, outlives the check. */
    dbx_tls_cache_t *tls_cache;
} dbx_check_config_t;

/** One DNS lookup as reported. */
typedef struct dbx_check_lookup {
    bool done;                /**< false: not looked up (reason says why) */
    dbx_dnssec_t sec;         /**< secure / secure-denial / insecure / bogus / indeterminate */
    uint16_t count;           /**< RRs in the answer */
    uint16_t queries;         /**< upstream DNS queries this lookup cost */
    char reason[DBX_CHECK_REASON_LEN]; /**< resolver's reason (or why skipped) */
} dbx_check_lookup_t;

/** TLS state of one address, as a reader should understand it. */
typedef enum dbx_check_tls {
    DBX_CHECK_TLS_NONE = 0,        /**< not connected / failed before STARTTLS */
    DBX_CHECK_TLS_PLAINTEXT,       /**< no STARTTLS (offered or accepted): cleartext */
    DBX_CHECK_TLS_FAILED,          /**< STARTTLS tried, handshake failed */
    DBX_CHECK_TLS_UNAUTHENTICATED, /**< TLS up, peer not authenticated (no DANE) */
    DBX_CHECK_TLS_REJECTED,        /**< TLS up, DANE applied, no TLSA match: aborted */
    DBX_CHECK_TLS_VERIFIED,        /**< TLS up, DANE match */
} dbx_check_tls_t;

/** Facts about the server's leaf for monitoring (never part of a verdict). */
typedef struct dbx_check_leaf {
    bool set;                      /**< the rest is meaningful */
    char key[8];                   /**< key type ("RSA", "EC", ...) */
    uint8_t spki_sha256[32];       /**< SHA-256 of its SubjectPublicKeyInfo */
    uint16_t match;                /**< bit i: TLSA record i's data names the leaf
                                        (any usage; records beyond 16 not shown) */
    int64_t ta_not_after;          /**< DANE-TA match: earliest notAfter from the
                                        leaf up to the TA; 0 otherwise */
} dbx_check_leaf_t;

/** One address of one host. */
typedef struct dbx_check_addr {
    dbx_addr_t addr;
    dbx_smtp_outcome_t outcome;    /**< SMTP client outcome */
    int smtp_status;               /**< dbx_status_t of the session */
    dbx_check_tls_t tls;
    bool starttls;                 /**< STARTTLS offered in plaintext EHLO */
    char tls_version[12];          /**< "TLSv1.3" or "" */
    char cipher[64];               /**< IANA-style suite name or "" */
    dbx_dane_verdict_t match;      /**< DANE matcher verdict (when DANE applied) */
    bool dane_applied;             /**< the verify hook ran dbx_dane_match() */
    int8_t matched_record;         /**< index into the host's TLSA list, -1 none */
    int8_t matched_depth;          /**< chain depth of the match, -1 none */
    uint8_t chain_len;             /**< certificates the server sent */
    uint16_t round_trips;          /**< SMTP replies waited for */
    bool resume_offered;           /**< a saved session was offered */
    bool resumed;                  /**< ... and the server resumed it */
    dbx_verdict_t verdict;
    dbx_policy_reason_t why;       /**< the evaluator's reason */
    dbx_verdict_t dane_verdict;    /**< verdict at level dane (dane-test reports it) */
    bool usable;                   /**< the session could carry mail */
    char reason[DBX_CHECK_REASON_LEN]; /**< defer reason, or how it succeeded */
    dbx_check_leaf_t leaf;         /**< set when dane_applied and the leaf parsed */
} dbx_check_addr_t;

/** One TLSA record in presentation form ("3 1 1 ab12..."). */
typedef struct dbx_check_tlsa_text {
    char text[DBX_CHECK_TLSA_TEXT];
    uint8_t usable;                /**< 1 when usable (after agility) */
} dbx_check_tlsa_text_t;

/** One MX host. */
typedef struct dbx_check_host {
    char name[DBX_CHECK_NAME_LEN];      /**< MX exchange (original) */
    char expanded[DBX_CHECK_NAME_LEN];  /**< CNAME-expanded name ("" if not an alias) */
    char tlsa_base[DBX_CHECK_NAME_LEN]; /**< TLSA base domain = SNI ("" if no DANE) */
    uint16_t preference;
    dbx_check_lookup_t a, aaaa, tlsa;   /**< tlsa: at _25._tcp.<name>, or the expanded
                                             lookup when that one was used */
    dbx_check_lookup_t tlsa_expanded;   /**< TLSA at _25._tcp.<expanded> (when tried first) */
    uint8_t n_tlsa;                     /**< records kept in tlsa_rr */
    uint8_t tlsa_total;                 /**< records in the RRset */
    uint8_t usable_tlsa;                /**< usable records */
    dbx_check_tlsa_text_t tlsa_rr[DBX_CHECK_MAX_TLSA];
    uint8_t n_addrs;
    uint8_t addrs_total;                /**< addresses in DNS (before the limit) */
    dbx_check_addr_t addrs[DBX_CHECK_MAX_ADDRS];
    dbx_verdict_t verdict;
    dbx_policy_reason_t why;
    int8_t deciding_addr;               /**< index of the address that decided, -1 */
    char reason[DBX_CHECK_REASON_LEN];
} dbx_check_host_t;

/** Result for one domain (caller-owned, fixed size). */
typedef struct dbx_check_result {
    char domain[DBX_CHECK_NAME_LEN];
    dbx_check_lookup_t mx;
    bool implicit_mx;             /**< no MX: the domain itself (RFC 5321 §5.1) */
    bool null_mx;                 /**< "MX 0 ." (RFC 7505): no delivery */
    bool dane_possible;           /**< MX RRset secure (or securely denied) */
    uint8_t n_hosts;
    uint8_t hosts_total;          /**< MX records (before the limit) */
    dbx_check_host_t hosts[DBX_CHECK_MAX_HOSTS];
    dbx_verdict_t verdict;
    dbx_policy_reason_t why;
    dbx_tls_level_t level;        /**< the level it was checked at */
    int8_t deciding_host;         /**< -1 when deferred */
    char reason[DBX_CHECK_DOMAIN_REASON_LEN];
    uint32_t dns_queries;         /**< upstream DNS questions for this domain */
    uint32_t dns_rounds;          /**< dependent DNS exchanges (a prefetch round of
                                       concurrent questions counts once) */
    uint32_t smtp_round_trips;    /**< SMTP replies waited for, all sessions */
    uint32_t smtp_sessions;       /**< TCP connections attempted */
    uint32_t elapsed_ms;          /**< wall clock (hal_clock_ms) for the check */
    uint32_t handshakes_saved;    /**< TLS handshakes resumed (no certificate,
                                       no DANE matching) */
} dbx_check_result_t;

/** Scratch for dbx_check_run(): SMTP/TLS context and matcher state.
 *  Caller-owned (several KiB: keep it static on small targets).  Contents
 *  are private and meaningless after the call. */
typedef struct dbx_check_work {
    dbx_smtp_t smtp;
    dbx_smtp_config_t smtp_cfg;
    dbx_tlsa_t recs[DBX_DANE_MAX_RECORDS];
    size_t n_recs;
    const char *names[3];
    size_t n_names;
    const char *sni;
    int64_t now;
    const dbx_dane_opts_t *dane;
    dbx_dane_result_t dres;
    bool dres_set;
    /* the current host's DNS answers (TLSA data points into them) */
    dbx_result_t ra, raaaa, rt, rte;
    dbx_policy_facts_t facts;       /**< current host's DNS facts */
    dbx_policy_decision_t pre;      /**< its pre-connect decision */
    uint8_t cur_host, cur_addr;     /**< iteration cursor */
    bool host_ready, finished, open;
    dbx_check_leaf_t leaf;        /**< leaf facts of the last verify */
    bool digest_set;              /**< tlsa_digest is the RRset in w->recs */
    char resume_key[DBX_TLS_CACHE_KEY_MAX + 1]; /**< "host[address]" */
    uint8_t tlsa_digest[DBX_TLS_CACHE_DIGEST_LEN];
    uint8_t offered_under[DBX_TLS_CACHE_DIGEST_LEN]; /**< digest of the offered session */
} dbx_check_work_t;

/** Fill @p cfg with the defaults (now = 0: set it).  Cannot fail. */
void dbx_check_config_defaults(dbx_check_config_t *cfg);

/**
 * Check @p domain end to end.  @p r is an initialised resolver (its key
 * cache makes a second check of the same zone cheaper), @p tr the
 * transport for SMTP.  @p out is fully overwritten.
 * @return DBX_OK when @p out holds a verdict (any verdict: network and DNS
 *         failures and allocation failures are verdicts, not errors);
 *         DBX_ERR_INVAL (bad domain name, bad config, NULL); DBX_ERR_NOTIME
 *         (now <= 0); DBX_ERR_CRYPTO (the power-on self test failed:
 *         refuses to validate anything).
 */
int dbx_check_run(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                  dbx_check_work_t *work, const char *domain, dbx_check_result_t *out);

/**
 * Exactly one JSON object on one line (no trailing newline), deterministic
 * (no floating point, no time stamps besides counters).  Keys: domain,
 * verdict, reason, level, deciding_host, implicit_mx, null_mx, dane_possible, mx
 * {status,reason,queries}, hosts[ {name, expanded, preference, tlsa_base,
 * a, aaaa, tlsa {status, reason, name}, tlsa_records [..], usable_tlsa,
 * addrs[ {addr, outcome, starttls, tls, tls_version, cipher, dane,
 * matched_record, matched_tlsa, depth, chain_len, round_trips, resumed
 * (TLS session resumed: no certificate, dane "not-applied"), verdict, why
 * (the evaluator's reason code), dane_verdict (level dane-test only),
 * reason} ],
 * verdict, reason} ], dns_queries, dns_rounds, smtp_round_trips, smtp_sessions,
 * handshakes_saved.
 * @return DBX_OK, DBX_ERR_BUFFER (output cut; buf still NUL-terminated),
 *         DBX_ERR_INVAL.
 */
int dbx_check_json(const dbx_check_result_t *res, char *buf, size_t cap);

/**
 * Mail-log style lines, one per probed address and one for the domain,
 * each ending in '\n', e.g.
 *   "Verified TLS connection established to mx1.example[192.0.2.1]:25:
 *    TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (DANE 3 1 1 matched at depth 0)"
 *   "Untrusted TLS connection established to ...: ... (opportunistic: ...)"
 *   "mx1.example[192.0.2.1]:25: deferred: tlsa-no-match ..."
 *   "example: dane-verified via mx1.example"
 * @return DBX_OK, DBX_ERR_BUFFER (cut, NUL-terminated), DBX_ERR_INVAL.
 */
int dbx_check_summary_lines(const dbx_check_result_t *res, char *buf, size_t cap);

/** "none", "plaintext", "failed", "unauthenticated", "rejected", "verified". */
const char *dbx_check_tls_str(dbx_check_tls_t t);

#ifdef __cplusplus
}
#endif
#endif /* DBX_CHECK_H */
