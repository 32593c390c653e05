/**
 * @file dbx_report.h
 * @brief Portable report formatting shared by the host CLI and the firmware,
 *        so both print byte-identical lines for the same result.
 *
 * RR and name text come from ldns' own printers (ldns_rr2buffer_str_fmt with
 * ldns_output_format_default, i.e. exactly what ldns_rr2str() prints) but
 * into a buffer that starts small and grows to the text's size: ldns_rr2str()
 * and ldns_rdf2str() allocate LDNS_MAX_PACKETLEN (64 KB) up front, which does
 * not fit a 128 KB-RAM target.  Output goes to a stdio stream in bounded
 * chunks (no line buffer of the whole answer).
 */
#ifndef DBX_REPORT_H
#define DBX_REPORT_H

#include "dnssec/dbx_resolver.h"

#include <ldns/ldns.h>

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Presentation text of @p rr as ldns_rr2str() prints it, with trailing
 *  spaces/newlines removed and tabs turned into single spaces.  malloc'd
 *  (caller frees), or NULL when out of memory. */
char *dbx_rr_text(const ldns_rr *rr);

/** Presentation text of @p d (ldns_rdf2str() form), malloc'd; NULL for NULL
 *  input or no memory. */
char *dbx_rdf_text(const ldns_rdf *d);

/** @return "data", "nodata" or "nxdomain". */
const char *dbx_answer_kind_str(dbx_answer_kind_t k);

/** Write @p s as a JSON string (quoted) to @p f: '"' and '\\' escaped, tab
 *  as a space, newlines dropped, other control octets as \\u00XX. */
void dbx_json_str(FILE *f, const char *s);

/**
 * One `danebox resolve --json` line (with its newline) for the question
 * @p name / @p type (as the user wrote them) and @p res; @p total_queries
 * is the resolver's running count.  Fields, in order: name, type, status,
 * reason, rcode, kind, wildcard, final_name, ttl, answer[], chain[],
 * queries, total_queries, sig_verifies, nsec3_hashes.
 * @return DBX_OK, DBX_ERR_NOMEM (an RR could not be printed; printed as "").
 */
int dbx_report_resolve_json(FILE *f, const char *name, const char *type, const dbx_result_t *res,
                            uint32_t total_queries);

#ifdef __cplusplus
}
#endif
#endif /* DBX_REPORT_H */
