/* Results: release and the consumers' accessors (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"
#include "dbx_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *dbx_sec_str(dbx_sec_t s)
{
    switch (s) {
    case DBX_SEC_SECURE: return "secure";
    case DBX_SEC_INSECURE: return "insecure";
    case DBX_SEC_BOGUS: return "bogus";
    default: return "indeterminate";
    }
}

/* ---- results ---------------------------------------------------------------- */

void dbx_result_free(dbx_result_t *res)
{
    if (res == NULL) return;
    ldns_rdf_deep_free(res->qname);
    ldns_rdf_deep_free(res->final_name);
    ldns_rr_list_deep_free(res->answer);
    ldns_rr_list_deep_free(res->chain);
    res->qname = res->final_name = NULL;
    res->answer = res->chain = NULL;
}

/* ---- consumers' helpers ------------------------------------------------------ */

/* Wire-format name -> lower-case presentation without the final dot; "."
 * for the root.  Non-LDH octets (other than '_' and '*') as \\DDD. */
static int dname_text(const ldns_rdf *d, char *out, size_t cap)
{
    const uint8_t *p;
    size_t len, pos = 0, o = 0;
    if (d == NULL || ldns_rdf_get_type(d) != LDNS_RDF_TYPE_DNAME || cap < 2) return DBX_ERR_MALFORMED;
    p = ldns_rdf_data(d);
    len = ldns_rdf_size(d);
    if (len == 0) return DBX_ERR_MALFORMED;
    if (p[0] == 0) return dbx_str_copy(out, cap, ".") ? DBX_ERR_LIMIT : DBX_OK;
    while (pos < len && p[pos] != 0) {
        size_t l = p[pos++];
        if (l > 63 || pos + l > len) return DBX_ERR_MALFORMED;
        if (o != 0) {
            if (o + 1 >= cap) return DBX_ERR_LIMIT;
            out[o++] = '.';
        }
        for (size_t i = 0; i < l; i++) {
            unsigned char c = (unsigned char)dbx_ascii_lower((char)p[pos + i]);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '*') {
                if (o + 1 >= cap) return DBX_ERR_LIMIT;
                out[o++] = (char)c;
            } else {
                if (o + 4 >= cap) return DBX_ERR_LIMIT;
                out[o++] = '\\';
                out[o++] = (char)('0' + c / 100);
                out[o++] = (char)('0' + (c / 10) % 10);
                out[o++] = (char)('0' + c % 10);
            }
        }
        pos += l;
    }
    out[o] = '\0';
    return DBX_OK;
}

size_t dbx_result_count(const dbx_result_t *res)
{
    return (res && res->answer) ? ldns_rr_list_rr_count(res->answer) : 0;
}

static const ldns_rr *res_rr(const dbx_result_t *res, size_t i, ldns_rr_type t)
{
    const ldns_rr *rr;
    if (i >= dbx_result_count(res)) return NULL;
    rr = ldns_rr_list_rr(res->answer, i);
    return ldns_rr_get_type(rr) == t ? rr : NULL;
}

int dbx_result_mx(const dbx_result_t *res, size_t i, uint16_t *pref, char *name, size_t cap)
{
    const ldns_rr *rr = res_rr(res, i, LDNS_RR_TYPE_MX);
    DBX_CHECK(rr != NULL, DBX_ERR_NOTFOUND);
    DBX_CHECK(ldns_rr_rd_count(rr) == 2 && ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 2, DBX_ERR_MALFORMED);
    *pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
    return dname_text(ldns_rr_rdf(rr, 1), name, cap);
}

bool dbx_result_is_alias(const dbx_result_t *res)
{
    return res != NULL && res->chain != NULL && ldns_rr_list_rr_count(res->chain) > 0 &&
           res->final_name != NULL;
}

int dbx_result_final_name(const dbx_result_t *res, char *out, size_t cap)
{
    DBX_CHECK(res != NULL && res->final_name != NULL, DBX_ERR_NOTFOUND);
    return dname_text(res->final_name, out, cap);
}

int dbx_result_addr(const dbx_result_t *res, size_t i, uint16_t port, dbx_addr_t *out)
{
    const ldns_rr *rr;
    const ldns_rdf *f;
    DBX_CHECK(i < dbx_result_count(res), DBX_ERR_NOTFOUND);
    rr = ldns_rr_list_rr(res->answer, i);
    DBX_CHECK(ldns_rr_rd_count(rr) == 1, DBX_ERR_MALFORMED);
    f = ldns_rr_rdf(rr, 0);
    memset(out, 0, sizeof *out);
    out->port = port;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(f) == 4) {
        out->family = 4;
        memcpy(out->addr, ldns_rdf_data(f), 4);
        return DBX_OK;
    }
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(f) == 16) {
        out->family = 6;
        memcpy(out->addr, ldns_rdf_data(f), 16);
        return DBX_OK;
    }
    return DBX_ERR_NOTFOUND;
}

int dbx_result_tlsa(const dbx_result_t *res, size_t i, uint8_t *usage, uint8_t *selector,
                    uint8_t *mtype, const uint8_t **data, size_t *len)
{
    const ldns_rr *rr = res_rr(res, i, LDNS_RR_TYPE_TLSA);
    DBX_CHECK(rr != NULL, DBX_ERR_NOTFOUND);
    DBX_CHECK(ldns_rr_rd_count(rr) == 4, DBX_ERR_MALFORMED);
    for (int k = 0; k < 3; k++) DBX_CHECK(ldns_rdf_size(ldns_rr_rdf(rr, (size_t)k)) == 1, DBX_ERR_MALFORMED);
    *usage = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
    *selector = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0];
    *mtype = ldns_rdf_data(ldns_rr_rdf(rr, 2))[0];
    *data = ldns_rdf_data(ldns_rr_rdf(rr, 3));
    *len = ldns_rdf_size(ldns_rr_rdf(rr, 3));
    return DBX_OK;
}
