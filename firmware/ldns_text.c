/* The firmware's text -> rdf conversion (linked with
 * -Wl,--wrap=ldns_rdf_new_frm_str, board/common/cortex-m.mk).
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

ldns_rdf *__wrap_ldns_rdf_new_frm_str(ldns_rdf_type type, const char *str);

/* ldns_rdf_new_frm_str() for LDNS_RDF_TYPE_DNAME (rdata.c), NULL otherwise. */
ldns_rdf *__wrap_ldns_rdf_new_frm_str(ldns_rdf_type type, const char *str)
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
