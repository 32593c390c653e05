/**
 * @file monitor.h
 * @brief `danebox monitor`: an operator's view of one domain's DANE setup,
 *        after the DANE-for-SMTP how-to's list of mistakes.  Host-only code
 *        (tools/): built on the public check API (dbx_check_run(), run once
 *        per offered public-key algorithm and once per TLS version) plus
 *        direct questions to every authoritative name server.
 *
 * Pieces: monitor_dns.c (authoritative servers: serials, TLSA RRsets, TTL,
 * RRSIG expiry, the `_tcp` empty non-terminal), monitor_eval.c (the check
 * runs and the findings), monitor_out.c (text, JSON, Nagios).
 */
#ifndef DBX_MONITOR_H
#define DBX_MONITOR_H

#include "check/dbx_check.h"
#include "dnssec/dbx_resolver.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DBX_MON_MAX_FINDINGS 96
#define DBX_MON_MAX_NS 6        /**< name servers asked per zone */
#define DBX_MON_MAX_NS_ADDRS 2  /**< addresses asked per name server */
#define DBX_MON_TEXT_LEN 320
#define DBX_MON_CODE_LEN 32
#define DBX_MON_ADDR_LEN 48
#define DBX_MON_SET_LEN 1200    /**< a TLSA RRset as sorted "U S M HEX" lines */

/** Severity, ordered; WARNING..UNKNOWN are the Nagios states 1..3. */
typedef enum dbx_mon_sev {
    DBX_MON_SEV_OK = 0,      /**< a passed check, reported for the record */
    DBX_MON_SEV_ADVICE,      /**< the how-to recommends otherwise; still OK */
    DBX_MON_SEV_WARNING,
    DBX_MON_SEV_CRITICAL,
    DBX_MON_SEV_UNKNOWN,     /**< could not tell (resolver unreachable, ...) */
} dbx_mon_sev_t;

/** One finding. */
typedef struct dbx_mon_finding {
    dbx_mon_sev_t sev;
    char code[DBX_MON_CODE_LEN];    /**< stable identifier, e.g. "rollover-single-record" */
    char host[DBX_CHECK_NAME_LEN]; /**< MX host or "" */
    char addr[DBX_MON_ADDR_LEN];    /**< address or "" */
    char text[DBX_MON_TEXT_LEN];
} dbx_mon_finding_t;

/** The check runs, in this order. */
enum { DBX_MON_RUN_RSA = 0, DBX_MON_RUN_ECDSA, DBX_MON_RUN_TLS12, DBX_MON_RUN_TLS13, DBX_MON_RUNS };

/** What one authoritative server said about one zone / TLSA owner. */
typedef struct dbx_mon_ns_answer {
    char server[DBX_CHECK_NAME_LEN + DBX_MON_ADDR_LEN + 4]; /**< "ns1.test[192.0.2.53]" */
    bool answered;
    uint32_t serial;
    int tlsa_rcode;          /**< RCODE of the TLSA question, -1 not asked */
    char tlsa_set[DBX_MON_SET_LEN];
    int tcp_rcode;           /**< RCODE for _tcp.HOST, -1 not asked */
} dbx_mon_ns_answer_t;

/** Facts from the authoritative servers of one zone about one owner. */
typedef struct dbx_mon_auth {
    char zone[DBX_CHECK_NAME_LEN];
    size_t n;
    dbx_mon_ns_answer_t ns[DBX_MON_MAX_NS * DBX_MON_MAX_NS_ADDRS];
    int64_t sig_exp;         /**< earliest RRSIG expiration of the RRset asked, 0 none */
    uint32_t ttl_min, ttl_max; /**< TTLs of the RRset seen */
    bool data_seen;          /**< some server returned the RRset */
} dbx_mon_auth_t;

/** Options. */
typedef struct dbx_mon_opts {
    dbx_check_config_t check; /**< base check config (time, timeouts, families) */
    int warn_days;            /**< RRSIG / DANE-TA expiry warning (default 7) */
    int crit_days;            /**< RRSIG expiry critical (default 2) */
} dbx_mon_opts_t;

/** Result for one domain (large: keep it static). */
typedef struct dbx_mon_report {
    char domain[DBX_CHECK_NAME_LEN];
    dbx_check_result_t run[DBX_MON_RUNS];
    bool run_ok[DBX_MON_RUNS];
    size_t n;
    dbx_mon_finding_t f[DBX_MON_MAX_FINDINGS];
    size_t dropped;          /**< findings beyond DBX_MON_MAX_FINDINGS */
    dbx_mon_sev_t worst;
    /* perfdata */
    int64_t rrsig_days_min;  /**< INT64_MAX when none seen */
    unsigned hosts, addrs, verified, tlsa_min;
} dbx_mon_report_t;

/** Context shared by all domains of one invocation. */
typedef struct dbx_mon_ctx {
    dbx_mon_opts_t opts;
    dbx_resolver_t *r;
    const dbx_transport_t *tr;
    dbx_check_work_t work;
} dbx_mon_ctx_t;

/** Fill @p o with the defaults (now = 0: set it). */
void dbx_mon_opts_defaults(dbx_mon_opts_t *o);

/** Run every check for @p domain into @p rep (fully overwritten).
 *  @return DBX_OK or a dbx_status_t (bad domain name, no memory). */
int dbx_mon_domain(dbx_mon_ctx_t *ctx, const char *domain, dbx_mon_report_t *rep);

/** Add a finding (dropped, counted, when full). printf-style text. */
void dbx_mon_add(dbx_mon_report_t *rep, dbx_mon_sev_t sev, const char *code, const char *host,
             const char *addr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/**
 * Ask every authoritative server of the zone holding @p host directly:
 * SOA serial, the RRset @p type at @p owner (TLSA or MX) with its TTL and
 * RRSIG expiry, and (TLSA only) the RCODE at "_tcp.HOST".
 * @return DBX_OK (facts in @p out, possibly with no server answering),
 *         DBX_ERR_NOTFOUND (no zone / name server found), DBX_ERR_NOMEM.
 */
int dbx_mon_auth_ask(dbx_mon_ctx_t *ctx, const char *zone_of, const char *owner, uint16_t type,
                 const char *host, dbx_mon_auth_t *out);

/** Expiry finding for @p what at Unix time @p exp: CRITICAL when past (and,
 *  for RRSIGs, within crit_days), WARNING within warn_days, else OK.  RRSIG
 *  expiries also feed the perfdata minimum. */
void dbx_mon_expiry(dbx_mon_report_t *rep, const dbx_mon_opts_t *o, const char *code, const char *host,
                const char *what, int64_t exp, bool rrsig);

/** "U S M HEX" texts of the records in use at @p h: those naming a leaf any
 *  run was shown (plus that leaf's "3 1 1", published or not) and the
 *  DANE-TA records that matched.  @return how many (at most @p max). */
#define DBX_MON_RECORD_TEXT 140
size_t dbx_mon_in_use(const dbx_mon_report_t *rep, const dbx_check_host_t *h,
                      char out[][DBX_MON_RECORD_TEXT], size_t max);

/** Findings from the authoritative servers (monitor_dns.c): RRSIG expiry of
 *  the MX and TLSA RRsets, serial / TLSA agreement, TLSA TTL, `_tcp`. */
void dbx_mon_eval_dns(dbx_mon_ctx_t *ctx, dbx_mon_report_t *rep);

/** "OK", "ADVICE", "WARNING", "CRITICAL", "UNKNOWN". */
const char *dbx_mon_sev_str(dbx_mon_sev_t s);

/** Readable report (all findings, worst first per host order). */
void dbx_mon_print_text(const dbx_mon_report_t *rep, FILE *f);
/** One JSON object on one line. */
void dbx_mon_print_json(const dbx_mon_report_t *rep, FILE *f);
/** Nagios: one status line with perfdata for all domains; @return the
 *  exit code 0..3. */
int dbx_mon_print_nagios(const dbx_mon_report_t *const *reps, size_t n, const dbx_mon_opts_t *o, FILE *f);

#endif /* DBX_MONITOR_H */
