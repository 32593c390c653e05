/**
 * @file dbx_tlsrpt.h
 * @brief SMTP TLS Reporting (RFC 8460) for the relay: what one delivery
 *        attempt's TLS outcome was (the RFC's result types, mapped from the
 *        one policy evaluator's reasons by ONE table), the durable record
 *        line the relay appends per session, and the daily aggregate report
 *        (JSON, RFC 8460 §4).  Portable: no OS calls, no allocation; the
 *        storage (append a line) and the clock belong to the caller.
 *
 * Record line (text, tab-separated, one per session attempt, at most
 * DBX_TLSRPT_LINE_MAX octets including the newline):
 *   "T1 UNIX DOMAIN POLICY-TYPE MX-HOST ADDR RESULT TLSA;TLSA;...\n"
 * POLICY-TYPE is "tlsa" (a secure TLSA RRset with usable records was the
 * policy) or "no-policy-found"; MX-HOST / ADDR / TLSA list are "-" when
 * unknown (a DNSSEC failure before any host).  RESULT is "success" or an
 * RFC 8460 result type.  Fields never contain tabs or newlines (DNS names
 * and TLSA texts are printable; anything else is refused).
 *
 * Mapping (dbx_tlsrpt_map()): policy-evaluator reason -> result type:
 *   dane-match, tlsa-unusable, *-insecure, tlsa-denied, level may / test
 *                                     -> success (a permitted session)
 *   no-starttls, starttls-refused     -> starttls-not-supported
 *   no-match (DANE, no TLSA record names the chain)
 *                                     -> certificate-not-trusted
 *   handshake, match-error            -> validation-failure
 *   mx/addr/tlsa bogus, indeterminate -> dnssec-invalid
 *   dane-required (level dane-only)   -> dane-required
 *   connect-failed, null MX, no hosts/addresses, session broke after TLS,
 *   internal errors                   -> not a TLS outcome: not recorded
 */
#ifndef DBX_TLSRPT_H
#define DBX_TLSRPT_H

#include "dbx_common.h"
#include "check/dbx_check.h"
#include "policy/dbx_policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_TLSRPT_LINE_MAX 1536  /**< one record line incl. newline + NUL */
#define DBX_TLSRPT_MAX_TLSA 8     /**< TLSA records kept per policy string */

/** RFC 8460 §4.3 result types (plus success). */
typedef enum dbx_tlsrpt_result {
    DBX_TLSRPT_NONE = 0,               /**< not a TLS outcome: not recorded */
    DBX_TLSRPT_SUCCESS,
    DBX_TLSRPT_STARTTLS_NOT_SUPPORTED,
    DBX_TLSRPT_CERT_HOST_MISMATCH,
    DBX_TLSRPT_CERT_EXPIRED,
    DBX_TLSRPT_CERT_NOT_TRUSTED,
    DBX_TLSRPT_VALIDATION_FAILURE,
    DBX_TLSRPT_TLSA_INVALID,
    DBX_TLSRPT_DNSSEC_INVALID,
    DBX_TLSRPT_DANE_REQUIRED,
    DBX_TLSRPT_RESULT_COUNT,
} dbx_tlsrpt_result_t;

/** @return the RFC 8460 name ("starttls-not-supported", "success", ...),
 *          "none" for DBX_TLSRPT_NONE, "invalid" out of range. */
const char *dbx_tlsrpt_result_str(dbx_tlsrpt_result_t r);

/** Parse a name printed by dbx_tlsrpt_result_str().  @return DBX_OK or
 *  DBX_ERR_MALFORMED. */
int dbx_tlsrpt_result_parse(const char *s, dbx_tlsrpt_result_t *out);

/** The one mapping table (see the file comment). */
dbx_tlsrpt_result_t dbx_tlsrpt_map(dbx_policy_reason_t why);

/** One session attempt, parsed from / formatted to a record line. */
typedef struct dbx_tlsrpt_rec {
    int64_t when;
    char domain[DBX_CHECK_NAME_LEN];
    bool tlsa_policy;                    /**< policy-type tlsa */
    char mx[DBX_CHECK_NAME_LEN];         /**< "" unknown */
    char addr[48];                       /**< "" unknown */
    dbx_tlsrpt_result_t result;
    char tlsa[DBX_TLSRPT_MAX_TLSA][DBX_CHECK_TLSA_TEXT]; /**< policy strings */
    uint8_t n_tlsa;
} dbx_tlsrpt_rec_t;

/** Format @p r as one record line (with the newline) into @p buf.
 *  @return DBX_OK, DBX_ERR_MALFORMED (a field holds a tab, newline or
 *  non-printable octet), DBX_ERR_BUFFER. */
int dbx_tlsrpt_rec_format(const dbx_tlsrpt_rec_t *r, char *buf, size_t cap);

/** Parse one record line (with or without its newline).
 *  @return DBX_OK or DBX_ERR_MALFORMED (also for an unknown version). */
int dbx_tlsrpt_rec_parse(const char *line, dbx_tlsrpt_rec_t *r);

/** Where record lines go (the host appends them to the spool). */
typedef struct dbx_tlsrpt_sink {
    void (*append)(void *user, const char *line, size_t len);
    void *user;
    /* scratch of dbx_tlsrpt_note(): the sink's owner pays for it (a build
     * that never records, such as the board's, carries none of it) */
    dbx_tlsrpt_rec_t rec;
    char line[DBX_TLSRPT_LINE_MAX];
} dbx_tlsrpt_sink_t;

/**
 * The hook where the delivery outcome is known: one record per TLS outcome
 * in @p rep (the report of a session open, successful or not, for policy
 * domain @p domain at Unix time @p now): every address whose verdict maps
 * to a result type, and a host's or the domain's DNSSEC failure (no
 * address tried) once.  NULL @p sink or sink->append: nothing.
 * @return records written.
 */
size_t dbx_tlsrpt_note(dbx_tlsrpt_sink_t *sink, const char *domain,
                       const dbx_check_result_t *rep, int64_t now);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLSRPT_H */
