/* Fuzz the DNSSEC validator with hostile upstream answers: dbx_resolve over
 * an answer source that serves fuzz-chosen DNS responses, with a fixed
 * trust anchor and validation time (fixture_dnssec.h, which matches the
 * generated seeds so the signatures in them verify).  Like the network
 * path, an answer is served only when it parses (dbx_dns_parse) and
 * matches the question (dbx_dns_match); the upstream is hostile, so the ID
 * is not checked.  Limits are the built-in ones (DBX_MAX_QUERIES ...).
 * Input: chunks (16-bit length + DNS message).  The question of the first
 * is resolved, then the question of the second with the same resolver
 * (key cache), and each result is printed as the JSON report. */
#include "fuzz_common.h"
#include "dnssec/dbx_resolver.h"
#include "dns/dbx_dns.h"
#include "report/dbx_report.h"
#include "fixture_dnssec.h"

#include <stdio.h>

#define MAXPKT 32

typedef struct src {
    ldns_pkt *pkt[MAXPKT];
    size_t n;
    unsigned fetches;
} src_t;

static int s_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    src_t *s = ctx;
    if (++s->fetches > 1000) abort(); /* DBX_MAX_QUERIES must stop it long before */
    for (size_t i = 0; i < s->n; i++) {
        if (dbx_dns_match(s->pkt[i], ldns_pkt_id(s->pkt[i]), qname, qtype) == DBX_OK) {
            *out = ldns_pkt_clone(s->pkt[i]);
            return *out ? DBX_OK : DBX_ERR_NOMEM;
        }
    }
    return DBX_ERR_TIMEOUT;
}

static dbx_trust_t anchor;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    hal_mbedtls_init();
    if (dbx_trust_from_text(&anchor, fx_anchor) != DBX_OK) abort();
    devnull = fopen("/dev/null", "w");
    if (devnull == NULL) abort();
    return 0;
}

static void question(const ldns_pkt *p, ldns_rdf **name, ldns_rr_type *type)
{
    const ldns_rr_list *q = p ? ldns_pkt_question(p) : NULL;
    if (q != NULL && ldns_rr_list_rr_count(q) > 0) {
        const ldns_rr *qr = ldns_rr_list_rr(q, 0);
        if (ldns_rr_owner(qr) && ldns_rdf_get_type(ldns_rr_owner(qr)) == LDNS_RDF_TYPE_DNAME) {
            *name = ldns_rdf_clone(ldns_rr_owner(qr));
            *type = ldns_rr_get_type(qr);
            return;
        }
    }
    *name = ldns_dname_new_frm_str("_25._tcp.mx.example.test.");
    *type = LDNS_RR_TYPE_TLSA;
}

static void resolve(dbx_resolver_t *r, const ldns_pkt *qp)
{
    dbx_result_t res;
    ldns_rdf *name;
    ldns_rr_type type;
    question(qp, &name, &type);
    if (name == NULL) abort();
    memset(&res, 0xa5, sizeof res); /* must be fully set by dbx_resolve */
    if (dbx_resolve_rdf(r, name, type, FX_NOW, &res) == DBX_OK) {
        if (res.queries > DBX_MAX_QUERIES || res.sig_verifies > DBX_MAX_SIG_VERIFY ||
            res.nsec3_hashes > DBX_MAX_NSEC3_HASHES)
            abort();
        if (memchr(res.reason, '\0', sizeof res.reason) == NULL) abort();
        (void)dbx_report_resolve_json(devnull, "q", "T", &res, r->total_queries);
        for (size_t i = 0; i < dbx_result_count(&res); i++) {
            uint16_t pref;
            char ex[256];
            dbx_addr_t a;
            uint8_t u, s, m;
            const uint8_t *d;
            size_t dl;
            (void)dbx_result_mx(&res, i, &pref, ex, sizeof ex);
            (void)dbx_result_addr(&res, i, 25, &a);
            (void)dbx_result_tlsa(&res, i, &u, &s, &m, &d, &dl);
        }
        if (dbx_result_is_alias(&res)) {
            char fin[256];
            (void)dbx_result_final_name(&res, fin, sizeof fin);
        }
        dbx_result_free(&res);
    }
    ldns_rdf_deep_free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_resolver_t r;
    src_t s;
    fz_t in = {data, size};
    const uint8_t *c;
    size_t l;

    if (size > 64 * 1024) return 0;
    memset(&s, 0, sizeof s);
    while (s.n < MAXPKT && (c = fz_chunk(&in, &l)) != NULL) {
        ldns_pkt *p = NULL;
        if (dbx_dns_parse(c, l, &p) == DBX_OK) s.pkt[s.n++] = p;
    }
    dbx_resolver_init_source(&r, (dbx_source_t){&s, s_fetch}, &anchor);
    resolve(&r, s.n > 0 ? s.pkt[0] : NULL);
    if (s.n > 1) resolve(&r, s.pkt[1]);
    dbx_resolver_free(&r);
    for (size_t i = 0; i < s.n; i++) ldns_pkt_free(s.pkt[i]);
    return 0;
}
