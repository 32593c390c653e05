/* danebox: report lines shared by the CLI and the firmware (dbx_report.h). */
#include "report/dbx_report.h"
#include "dbx_str.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_START 128u /* initial printer buffer; ldns grows it as needed */

/* Copy the buffer's text into an exactly sized string (ldns_buffer_export2str
 * would strdup through libc's internal allocator). */
static char *take_text(ldns_buffer *b)
{
    size_t n = ldns_buffer_position(b);
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, ldns_buffer_begin(b), n);
        s[n] = '\0';
    }
    return s;
}

/* Initial printer buffer for @p rr.  ldns 1.8.4's SVCB/HTTPS printer
 * (svcparam_key2buffer_str, svcparam_mandatory2buffer_str) writes key names
 * and commas with ldns_buffer_write*() without reserving: past the end of a
 * buffer that is not already big enough (an assert abort, or a heap
 * overflow without asserts).  ldns_rr2str() never sees it because it starts
 * at 64 KB; we start small, so for RRs with SVCPARAMS give the buffer room
 * for the whole text up front.  Bound: owner and fixed fields 1 KB, and at
 * most 10 characters per RDATA octet (a 2-octet key in a mandatory list
 * prints as at most 16 characters, "\DDD" escapes as 4 per octet). */
static size_t text_start(const ldns_rr *rr)
{
    size_t rd = 0;
    int svc = 0;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        if (f == NULL) continue;
        rd += ldns_rdf_size(f);
        if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_SVCPARAMS) svc = 1;
    }
    return svc ? 1024u + 10u * rd : TEXT_START;
}

char *dbx_rr_text(const ldns_rr *rr)
{
    ldns_buffer *b = rr != NULL ? ldns_buffer_new(text_start(rr)) : NULL;
    char *s = NULL;
    if (b == NULL || rr == NULL) {
        ldns_buffer_free(b);
        return NULL;
    }
    if (ldns_rr2buffer_str_fmt(b, ldns_output_format_default, rr) == LDNS_STATUS_OK &&
        ldns_buffer_status_ok(b)) {
        s = take_text(b);
    }
    ldns_buffer_free(b);
    if (s != NULL) {
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = '\0';
        for (char *p = s; *p; p++) {
            if (*p == '\t') *p = ' ';
        }
    }
    return s;
}

char *dbx_rdf_text(const ldns_rdf *d)
{
    ldns_buffer *b;
    char *s = NULL;
    if (d == NULL) return NULL;
    b = ldns_buffer_new(ldns_rdf_get_type(d) == LDNS_RDF_TYPE_SVCPARAMS
                            ? 1024u + 10u * ldns_rdf_size(d) : TEXT_START); /* see text_start() */
    if (b == NULL) return NULL;
    if (ldns_rdf2buffer_str(b, d) == LDNS_STATUS_OK && ldns_buffer_status_ok(b)) {
        s = take_text(b);
    }
    ldns_buffer_free(b);
    return s;
}

const char *dbx_answer_kind_str(dbx_answer_kind_t k)
{
    return k == DBX_ANSWER_DATA ? "data" : k == DBX_ANSWER_NODATA ? "nodata" : "nxdomain";
}

void dbx_json_str(FILE *f, const char *s)
{
    char e[7];
    fputc('"', f);
    for (; s != NULL && *s; s++) {
        fwrite(e, 1, dbx_json_escape_char((unsigned char)*s, e), f);
    }
    fputc('"', f);
}

static int list_json(FILE *f, const char *key, const ldns_rr_list *l)
{
    int st = DBX_OK;
    fprintf(f, "\"%s\":[", key);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        char *s = dbx_rr_text(ldns_rr_list_rr(l, i));
        if (s == NULL) st = DBX_ERR_NOMEM;
        if (i) fputc(',', f);
        dbx_json_str(f, s ? s : "");
        free(s);
    }
    fputc(']', f);
    return st;
}

int dbx_report_resolve_json(FILE *f, const char *name, const char *type, const dbx_result_t *res,
                            uint32_t total_queries)
{
    char *fin = dbx_rdf_text(res->final_name);
    const ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, res->rcode);
    int st = DBX_OK, st2;

    if (res->final_name != NULL && fin == NULL) st = DBX_ERR_NOMEM;
    fputs("{\"name\":", f);
    dbx_json_str(f, name);
    fputs(",\"type\":", f);
    dbx_json_str(f, type);
    fprintf(f, ",\"status\":\"%s\",\"reason\":", dbx_sec_str(res->sec));
    dbx_json_str(f, res->reason);
    fprintf(f, ",\"rcode\":\"%s\",\"kind\":\"%s\",\"wildcard\":%s,\"final_name\":",
            rc ? rc->name : "?", dbx_answer_kind_str(res->kind), res->wildcard ? "true" : "false");
    dbx_json_str(f, fin ? fin : "");
    fprintf(f, ",\"ttl\":%lu,", (unsigned long)res->ttl);
    st2 = list_json(f, "answer", res->answer);
    if (st == DBX_OK) st = st2;
    fputc(',', f);
    st2 = list_json(f, "chain", res->chain);
    if (st == DBX_OK) st = st2;
    fprintf(f, ",\"queries\":%lu,\"total_queries\":%lu,\"sig_verifies\":%lu,\"nsec3_hashes\":%lu}\n",
            (unsigned long)res->queries, (unsigned long)total_queries,
            (unsigned long)res->sig_verifies, (unsigned long)res->nsec3_hashes);
    free(fin);
    return st;
}
