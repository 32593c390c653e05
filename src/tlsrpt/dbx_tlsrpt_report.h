/**
 * @file dbx_tlsrpt_report.h
 * @brief The RFC 8460 daily aggregate report of one policy domain: record
 *        lines (dbx_tlsrpt.h) in, the report JSON (§4) out, and the
 *        `_smtp._tls` TXT record (§3) parser.  Portable, no allocation,
 *        every table bounded (the records come from remote peers' names).
 *
 * Aggregation: one policies[] entry per (policy type, MX host, TLSA policy
 * strings); summary counts every record of the entry; failure-details has
 * one row per (result type, receiving MX host, receiving IP) with its
 * count.  Records past DBX_TLSRPT_MAX_POLICIES entries, and rows past
 * DBX_TLSRPT_MAX_DETAILS, are not listed but counted in
 * dbx_tlsrpt_agg_t::dropped (the summaries of listed entries stay exact).
 */
#ifndef DBX_TLSRPT_REPORT_H
#define DBX_TLSRPT_REPORT_H

#include "tlsrpt/dbx_tlsrpt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_TLSRPT_MAX_POLICIES 16 /**< policies[] entries per report */
#define DBX_TLSRPT_MAX_DETAILS 64  /**< failure-details rows per report */
#define DBX_TLSRPT_MAX_RUA 4       /**< rua URIs used per TXT record */
#define DBX_TLSRPT_URI_MAX 256     /**< one rua URI incl. NUL */

/** One policies[] entry. */
typedef struct dbx_tlsrpt_policy {
    bool tlsa;                          /**< policy-type tlsa (else no-policy-found) */
    char mx[DBX_CHECK_NAME_LEN];        /**< "" none known */
    char tlsa_rr[DBX_TLSRPT_MAX_TLSA][DBX_CHECK_TLSA_TEXT];
    uint8_t n_tlsa;
    uint64_t ok, failed;                /**< summary */
} dbx_tlsrpt_policy_t;

/** One failure-details row. */
typedef struct dbx_tlsrpt_detail {
    uint8_t policy;                     /**< index into policies */
    uint8_t result;                     /**< ::dbx_tlsrpt_result_t */
    char addr[48];                      /**< receiving-ip ("" unknown) */
    uint64_t count;
} dbx_tlsrpt_detail_t;

/** The aggregate of one domain and one day (caller-owned, ~40 KiB). */
typedef struct dbx_tlsrpt_agg {
    char domain[DBX_CHECK_NAME_LEN];
    int64_t start, end;                 /**< records counted: start <= when < end */
    dbx_tlsrpt_policy_t pol[DBX_TLSRPT_MAX_POLICIES];
    size_t n_pol;
    dbx_tlsrpt_detail_t det[DBX_TLSRPT_MAX_DETAILS];
    size_t n_det;
    uint64_t dropped;                   /**< records / rows not listed */
} dbx_tlsrpt_agg_t;

/** Start an aggregate for @p domain and [@p start, @p end).  Cannot fail
 *  on valid pointers; a too long domain is cut (matches nothing). */
void dbx_tlsrpt_agg_init(dbx_tlsrpt_agg_t *a, const char *domain, int64_t start, int64_t end);

/** Count @p r when its domain (case-insensitive) and time fall in @p a.
 *  @return true when counted. */
bool dbx_tlsrpt_agg_add(dbx_tlsrpt_agg_t *a, const dbx_tlsrpt_rec_t *r);

/** Sessions counted (successful + failed). */
uint64_t dbx_tlsrpt_agg_total(const dbx_tlsrpt_agg_t *a);

/** The report's other fields (RFC 8460 §4.4). */
typedef struct dbx_tlsrpt_meta {
    const char *org;        /**< organization-name */
    const char *contact;    /**< contact-info */
    const char *report_id;  /**< report-id */
} dbx_tlsrpt_meta_t;

/**
 * The report as one JSON object (no newline) into @p buf.
 * date-range is [start, end - 1 s] as RFC 3339 "...Z" date-times.
 * @return DBX_OK, DBX_ERR_BUFFER (cut), DBX_ERR_INVAL.
 */
int dbx_tlsrpt_json(const dbx_tlsrpt_agg_t *a, const dbx_tlsrpt_meta_t *m, char *buf, size_t cap,
                    size_t *len);

/** Parsed `_smtp._tls` TXT record. */
typedef struct dbx_tlsrpt_rua {
    char uri[DBX_TLSRPT_MAX_RUA][DBX_TLSRPT_URI_MAX];
    size_t n;
    size_t ignored;         /**< URIs past the limit or of other schemes */
} dbx_tlsrpt_rua_t;

/**
 * Parse "v=TLSRPTv1; rua=mailto:a@b,https://c/d" (RFC 8460 §3): version
 * first, fields separated by ';' with optional whitespace, rua a comma list
 * of URIs; only mailto: and https: are kept (at most DBX_TLSRPT_MAX_RUA).
 * @return DBX_OK (n >= 1), DBX_ERR_MALFORMED (not a TLSRPTv1 record, no
 *         rua, or no usable URI).
 */
int dbx_tlsrpt_rua_parse(const char *txt, dbx_tlsrpt_rua_t *out);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLSRPT_REPORT_H */
