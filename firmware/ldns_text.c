/* The firmware's narrow versions of two text conversions ldns links
 * (-Wl,--wrap=ldns_rdf_new_frm_str,--wrap=strftime in
 * board/common/cortex-m.mk): each does exactly what the board's callers need
 * and fails, with the function's own failure result, for anything else.
 *
 * ldns_rdf_new_frm_str() dispatches on the rdf type to every text parser
 * ldns has (LOC alone pulls newlib's strtod, gdtoa and soft-float, ~12 KB),
 * so one call with a domain name links ~20 KB of flash the board never
 * runs.  On the board the only callers are ldns_dname_new_frm_str() (our
 * root owner name, dbx_trust_from_ds) and ldns' EDNS writer
 * (ldns_pkt2buffer_wire_compress, owner "."): both pass
 * LDNS_RDF_TYPE_DNAME.  This wrapper does exactly what ldns does for that
 * type and refuses every other type with NULL, ldns' own failure result
 * (callers treat it as out of memory / malformed: never a weaker check). */
#include <ldns/ldns.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

ldns_rdf *__wrap_ldns_rdf_new_frm_str(ldns_rdf_type type, const char *str);
size_t __wrap_strftime(char *s, size_t max, const char *fmt, const struct tm *tm);

/* ldns_rdf_new_frm_str() for LDNS_RDF_TYPE_DNAME (rdata.c), NULL otherwise. */
__attribute__((used)) ldns_rdf *__wrap_ldns_rdf_new_frm_str(ldns_rdf_type type, const char *str)
{
    ldns_rdf *rdf = NULL;
    if (type != LDNS_RDF_TYPE_DNAME || str == NULL) {
        return NULL;
    }
    if (ldns_str2rdf_dname(&rdf, str) == LDNS_STATUS_OK) {
        ldns_rdf_set_type(rdf, type);
        return rdf;
    }
    if (rdf != NULL) {
        LDNS_FREE(rdf);
    }
    return NULL;
}

/* strftime: the board's only caller is ldns' RRSIG time printer
 * (ldns_rdf2buffer_str_time, "%Y%m%d%H%M%S", RFC 4034 §3.2); newlib's
 * strftime brings its locale and time-zone code (~4.5 KB).  Other formats
 * give 0 (nothing written), as strftime does when the result does not fit. */
__attribute__((used)) size_t __wrap_strftime(char *s, size_t max, const char *fmt, const struct tm *tm)
{
    int n;
    if (s == NULL || fmt == NULL || tm == NULL || strcmp(fmt, "%Y%m%d%H%M%S") != 0) {
        return 0;
    }
    n = snprintf(s, max, "%04d%02d%02d%02d%02d%02d", tm->tm_year + 1900, tm->tm_mon + 1,
                 tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec);
    return n > 0 && (size_t)n < max ? (size_t)n : 0;
}
