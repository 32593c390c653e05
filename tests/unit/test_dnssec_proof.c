/* Unit tests: what the validator must never take as proof (issue 10) --
 * wildcard-expanded NSEC, replayed wildcard answers, NSEC3 opt-out, per-link
 * state in CNAME chains -- plus large RRsets and availability cases.  Offline
 * against the zones of tests/dnssec/mkzones.sh, with an on-path forger that
 * rewrites chosen answers from genuinely signed records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnssec/dbx_dnssec_int.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"

/* The signed test tree (trust, memsrc, now) from the shared test support. */
typedef dbx_test_zones_t fx_t;


/* ---- the forger ----------------------------------------------------------------- */

/* Answers come from the memsrc; the question @p qname/@p qtype gets @p rcode
 * (>= 0), its answer / authority sections replaced by @p answer / @p auth
 * (when set), and only its first @p max_nsec3 NSEC3 owners (when > 0); every
 * answer loses the RRSIGs over @p strip_type at @p strip_owner. */
typedef struct {
    dbx_source_t inner;
    const char *qname;
    ldns_rr_type qtype;
    int rcode;
    ldns_rr_list *answer, *auth, *additional;
    size_t max_nsec3;
    size_t nsec3_seen; /* NSEC3 owners in the forged question's genuine answer */
    const char *strip_owner;
    ldns_rr_type strip_type;
} forge_t;

static void forge_init(forge_t *f, fx_t *fx, const char *qname, ldns_rr_type qtype)
{
    memset(f, 0, sizeof *f);
    f->inner = dbx_memsrc_source(&fx->mem);
    f->qname = qname;
    f->qtype = qtype;
    f->rcode = -1;
}

static void forge_free(forge_t *f)
{
    ldns_rr_list_deep_free(f->answer);
    ldns_rr_list_deep_free(f->auth);
    ldns_rr_list_deep_free(f->additional);
}

static int name_is(const ldns_rdf *n, const char *s)
{
    ldns_rdf *o = ldns_dname_new_frm_str(s);
    int eq = o != NULL && ldns_dname_compare(n, o) == 0;
    ldns_rdf_deep_free(o);
    return eq;
}

static int is_sig_over(const ldns_rr *rr, ldns_rr_type t)
{
    return ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == t;
}

/* Replace section @p l of @p p by @p keep (takes the list). */
static void set_section(ldns_pkt *p, ldns_pkt_section sec, ldns_rr_list *keep)
{
    if (sec == LDNS_SECTION_ANSWER) {
        ldns_rr_list_deep_free(ldns_pkt_answer(p));
        ldns_pkt_set_answer(p, keep);
        ldns_pkt_set_ancount(p, (uint16_t)ldns_rr_list_rr_count(keep));
    } else if (sec == LDNS_SECTION_AUTHORITY) {
        ldns_rr_list_deep_free(ldns_pkt_authority(p));
        ldns_pkt_set_authority(p, keep);
        ldns_pkt_set_nscount(p, (uint16_t)ldns_rr_list_rr_count(keep));
    } else {
        ldns_rr_list_deep_free(ldns_pkt_additional(p));
        ldns_pkt_set_additional(p, keep);
        ldns_pkt_set_arcount(p, (uint16_t)ldns_rr_list_rr_count(keep));
    }
}

static ldns_rr_list *filtered(const forge_t *f, const ldns_rr_list *l, int trim)
{
    ldns_rr_list *out = ldns_rr_list_new(), *owners = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (f->strip_owner && name_is(ldns_rr_owner(rr), f->strip_owner) && is_sig_over(rr, f->strip_type)) {
            continue;
        }
        if (trim && (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3 || is_sig_over(rr, LDNS_RR_TYPE_NSEC3))) {
            size_t k = 0;
            while (k < ldns_rr_list_rr_count(owners) &&
                   ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(owners, k)), ldns_rr_owner(rr)) != 0) {
                k++;
            }
            if (k == ldns_rr_list_rr_count(owners)) ldns_rr_list_push_rr(owners, ldns_rr_clone(rr));
            if (f->max_nsec3 > 0 && k >= f->max_nsec3) continue;
        }
        ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
    }
    if (trim) ((forge_t *)f)->nsec3_seen = ldns_rr_list_rr_count(owners);
    ldns_rr_list_deep_free(owners);
    return out;
}

static int forge_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    forge_t *f = ctx;
    int st = f->inner.fetch(f->inner.ctx, qname, qtype, out), hit;
    if (st != DBX_OK) return st;
    hit = f->qname != NULL && qtype == f->qtype && name_is(qname, f->qname);
    if (hit && f->rcode >= 0) ldns_pkt_set_rcode(*out, (uint8_t)f->rcode);
    set_section(*out, LDNS_SECTION_ANSWER,
                filtered(f, hit && f->answer ? f->answer : ldns_pkt_answer(*out), 0));
    set_section(*out, LDNS_SECTION_AUTHORITY,
                filtered(f, hit && f->auth ? f->auth : ldns_pkt_authority(*out), hit));
    if (hit && f->additional) set_section(*out, LDNS_SECTION_ADDITIONAL, filtered(f, f->additional, 0));
    return DBX_OK;
}

/* Zone records at @p owner of @p type with their RRSIGs, renamed to @p as
 * (a replay of signed data under another name), appended to *@p l. */
static void take(fx_t *fx, ldns_rr_list **l, const char *owner, ldns_rr_type type, const char *as)
{
    if (*l == NULL) *l = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(fx->mem.rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(fx->mem.rrs, i);
        if (!name_is(ldns_rr_owner(rr), owner)) continue;
        if (ldns_rr_get_type(rr) != type && !is_sig_over(rr, type)) continue;
        ldns_rr *c = ldns_rr_clone(rr);
        if (as != NULL) {
            ldns_rdf_deep_free(ldns_rr_owner(c));
            ldns_rr_set_owner(c, ldns_dname_new_frm_str(as));
        }
        ldns_rr_list_push_rr(*l, c);
    }
    assert_true(ldns_rr_list_rr_count(*l) > 0);
}

static void check(fx_t *fx, dbx_source_t src, const char *name, ldns_rr_type t, dbx_sec_t sec,
                  int kind, const char *reason)
{
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    assert_non_null(r);
    dbx_resolver_init_source(r, src, &fx->trust);
    assert_int_equal(dbx_resolve(r, name, t, fx->now, &res), DBX_OK);
    printf("  %s %u -> %s (%s) kind %d count %zu\n", name, t, dbx_sec_str(res.sec), res.reason,
           res.kind, dbx_result_count(&res));
    if (res.sec != sec || (kind >= 0 && (int)res.kind != kind) ||
        (reason != NULL && strstr(res.reason, reason) == NULL)) {
        fail_msg("%s: %s (%s) kind %d, want %s kind %d [%s]", name, dbx_sec_str(res.sec), res.reason,
                 res.kind, dbx_sec_str(sec), kind, reason ? reason : "");
    }
    if (sec != DBX_SEC_SECURE && sec != DBX_SEC_INSECURE) assert_int_equal(dbx_result_count(&res), 0);
    dbx_result_free(&res);
    dbx_resolver_free(r);
    free(r);
}

#define SRC(f) ((dbx_source_t){&(f), forge_fetch})

/* ---- 1. wildcard-expanded NSEC proves nothing (CVE-2017-15105) ----------------- */

static void test_expanded_nsec(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* genuine: a wildcard answer two labels below *.wild.example.test */
    forge_init(&f, fx, NULL, 0);
    check(fx, SRC(f), "b.a.wild.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    check(fx, SRC(f), "_25._tcp.tl.wild.example.test", LDNS_RR_TYPE_TLSA, DBX_SEC_SECURE,
          DBX_ANSWER_DATA, NULL);
    /* forged NXDOMAIN: the NSEC of *.wild.example.test, expanded to
     * a.wild.example.test (its RRSIG still verifies), "covers" the name and
     * the wildcard *.a.wild.example.test */
    forge_init(&f, fx, "b.a.wild.example.test.", LDNS_RR_TYPE_A);
    f.rcode = LDNS_RCODE_NXDOMAIN;
    f.answer = ldns_rr_list_new();
    take(fx, &f.auth, "example.test.", LDNS_RR_TYPE_SOA, NULL);
    take(fx, &f.auth, "*.wild.example.test.", LDNS_RR_TYPE_NSEC, "a.wild.example.test.");
    check(fx, SRC(f), "b.a.wild.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, "NXDOMAIN");
    forge_free(&f);
    /* forged "no TLSA here": the same NSEC expanded to the TLSA owner */
    forge_init(&f, fx, "_25._tcp.tl.wild.example.test.", LDNS_RR_TYPE_TLSA);
    f.answer = ldns_rr_list_new();
    take(fx, &f.auth, "example.test.", LDNS_RR_TYPE_SOA, NULL);
    take(fx, &f.auth, "*.wild.example.test.", LDNS_RR_TYPE_NSEC, "_25._tcp.tl.wild.example.test.");
    check(fx, SRC(f), "_25._tcp.tl.wild.example.test", LDNS_RR_TYPE_TLSA, DBX_SEC_BOGUS, -1, "NODATA");
    forge_free(&f);
}

/* ---- 5. wildcard answers must prove the closest encloser ----------------------- */

static void test_replayed_wildcard(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* genuine *.wild.example.test A replayed for b.existing.wild.example.test
     * with the genuine NSEC owned by existing.wild.example.test (it covers
     * the name, but proves existing.wild.example.test exists) */
    forge_init(&f, fx, "b.existing.wild.example.test.", LDNS_RR_TYPE_A);
    take(fx, &f.answer, "*.wild.example.test.", LDNS_RR_TYPE_A, "b.existing.wild.example.test.");
    check(fx, SRC(f), "b.existing.wild.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, "wildcard");
    forge_free(&f);
    /* the genuine answer for that name: NXDOMAIN */
    forge_init(&f, fx, NULL, 0);
    check(fx, SRC(f), "b.existing.wild.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE,
          DBX_ANSWER_NXDOMAIN, NULL);
    /* a literal "*" question is no expansion (val_wild_pos) */
    check(fx, SRC(f), "*.wild.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA, "validated");
    /* NSEC3: *.w.n3.test replayed for b.existing.w.n3.test; the next closer
     * existing.w.n3.test has a matching NSEC3, no covering one */
    forge_init(&f, fx, "b.existing.w.n3.test.", LDNS_RR_TYPE_A);
    take(fx, &f.answer, "*.w.n3.test.", LDNS_RR_TYPE_A, "b.existing.w.n3.test.");
    {
        ldns_pkt *p = NULL;
        ldns_rdf *q = ldns_dname_new_frm_str("existing.w.n3.test.");
        dbx_source_t m = dbx_memsrc_source(&fx->mem);
        assert_int_equal(m.fetch(m.ctx, q, LDNS_RR_TYPE_TXT, &p), DBX_OK); /* its NODATA proof */
        f.auth = ldns_rr_list_clone(ldns_pkt_authority(p));
        ldns_pkt_free(p);
        ldns_rdf_deep_free(q);
    }
    check(fx, SRC(f), "b.existing.w.n3.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, "NSEC3");
    forge_free(&f);
}

/* ---- 2. NSEC3 opt-out ---------------------------------------------------------- */

static void test_optout(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* n3.test: every NSEC3 has the opt-out flag; for nx.b.n3.test the three
     * proofs (encloser, next closer, wildcard) are three NSEC3 records */
    forge_init(&f, fx, "nx.b.n3.test.", LDNS_RR_TYPE_A);
    check(fx, SRC(f), "nx.b.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_NXDOMAIN, "opt-out");
    assert_int_equal(f.nsec3_seen, 3); /* closest encloser, next closer, wildcard */
    /* NXDOMAIN without the wildcard proof: bogus (val_nsec3_b1_nameerror_nowc) */
    f.max_nsec3 = 2;
    check(fx, SRC(f), "nx.b.n3.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, "wildcard");
    /* NODATA that only the opt-out span explains (an empty non-terminal
     * above an unsigned delegation): insecure (val_nsec3_entnodata_optout) */
    f.max_nsec3 = 0;
    f.rcode = LDNS_RCODE_NOERROR;
    check(fx, SRC(f), "nx.b.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_NODATA, "opt-out");
    f.max_nsec3 = 2;
    check(fx, SRC(f), "nx.b.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_NODATA, "opt-out");
    forge_free(&f);
    /* wildcard answer / wildcard NODATA with the next closer in an opt-out
     * span: insecure, not secure (val_nsec3_b4_wild, val_nsec3_b5_wcnodata) */
    forge_init(&f, fx, NULL, 0);
    check(fx, SRC(f), "q.w.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_DATA, "opt-out");
    check(fx, SRC(f), "q.w.n3.test", LDNS_RR_TYPE_TXT, DBX_SEC_INSECURE, DBX_ANSWER_NODATA, "opt-out");
    /* a name with its own NSEC3 stays secure */
    check(fx, SRC(f), "host.n3.test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
}

/* ---- 3. each link of a CNAME chain is judged on its own ----------------------- */

static void test_weak_link(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* _25._tcp.mx3.weak.test. CNAME _25._tcp.mx.example.test.; weak.test.
     * uses 500 NSEC3 iterations, so its "_tcp" probe is weak (insecure) */
    forge_init(&f, fx, NULL, 0);
    check(fx, SRC(f), "_25._tcp.mx3.weak.test", LDNS_RR_TYPE_TLSA, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    /* B's TLSA RRSIG stripped: bogus, never insecure (the weak proof was
     * A's, not B's) */
    f.strip_owner = "_25._tcp.mx.example.test.";
    f.strip_type = LDNS_RR_TYPE_TLSA;
    check(fx, SRC(f), "_25._tcp.mx3.weak.test", LDNS_RR_TYPE_TLSA, DBX_SEC_BOGUS, -1, "RRSIG");
    check(fx, SRC(f), "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, DBX_SEC_BOGUS, -1, "RRSIG");
}

/* ---- 4. large RRsets ------------------------------------------------------------- */

static void test_large_rrsets(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    dbx_vctx_t v;
    ldns_rdf *z = ldns_dname_new_frm_str("big.test.");
    ldns_rdf *o = ldns_dname_new_frm_str("txt.big.test.");
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *set = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_TXT, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_TXT);
    ldns_rr_list *huge = ldns_rr_list_new();
    uint32_t ttl;
    /* four RSA-2048 DNSKEYs (~1.2 KB signed data), eight long TXT (~4 KB) */
    assert_int_equal(ldns_rr_list_rr_count(keys), 4);
    assert_int_equal(ldns_rr_list_rr_count(set), 8);
    forge_init(&f, fx, NULL, 0);
    check(fx, SRC(f), "big.test", LDNS_RR_TYPE_DNSKEY, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    check(fx, SRC(f), "txt.big.test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    check(fx, SRC(f), "www.big.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    assert_int_equal(dbx_rrset_verify(&v, set, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_SECURE);
    /* one byte of one record changed: the long signed data is really used */
    ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(set, 7), 0))[100] ^= 1;
    assert_int_equal(dbx_rrset_verify(&v, set, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_BOGUS);
    /* beyond DBX_MAX_SIGNED_DATA: bogus by the limit, before any crypto */
    for (int i = 0; ldns_rr_list_rr_count(huge) < DBX_MAX_RRSET_RRS; i++) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(set, (size_t)i % 8));
        ldns_rdf_data(ldns_rr_rdf(c, 0))[1] = (uint8_t)('a' + i / 8); /* 64 distinct records */
        ldns_rdf_data(ldns_rr_rdf(c, 0))[2] = (uint8_t)('a' + i % 8);
        ldns_rr_list_push_rr(huge, c);
    }
    v.sigs = 0;
    assert_true(DBX_MAX_SIGNED_DATA < DBX_MAX_RRSET_RRS * 520); /* ~527 B per record */
    assert_int_equal(dbx_rrset_verify(&v, huge, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_BOGUS);
    printf("  %d long TXT: %s\n", DBX_MAX_RRSET_RRS, v.reason);
    assert_non_null(strstr(v.reason, "too large"));
    assert_int_equal(v.sigs, 1);
    ldns_rr_list_deep_free(huge);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(set);
    ldns_rr_list_deep_free(sig);
    ldns_rdf_deep_free(z);
    ldns_rdf_deep_free(o);
}

/* ---- 6. availability ------------------------------------------------------------- */

static void test_availability(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    /* NXDOMAIN for an empty non-terminal whose NSEC shows it exists: the
     * truth is NODATA (val_nodata_entnx, as unbound) */
    forge_init(&f, fx, "b.example.test.", LDNS_RR_TYPE_A);
    f.rcode = LDNS_RCODE_NXDOMAIN;
    check(fx, SRC(f), "b.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    /* ...but not for a name whose own NSEC lists types */
    forge_init(&f, fx, "mx.example.test.", LDNS_RR_TYPE_TXT);
    f.rcode = LDNS_RCODE_NXDOMAIN;
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_TXT, DBX_SEC_BOGUS, -1, "exists");
    /* a CNAME question under a DNAME: the synthesised CNAME is the answer */
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    assert_int_equal(dbx_resolve(r, "host.dn.example.test", LDNS_RR_TYPE_CNAME, fx->now, &res), DBX_OK);
    printf("  host.dn.example.test CNAME -> %s (%s)\n", dbx_sec_str(res.sec), res.reason);
    assert_int_equal(res.sec, DBX_SEC_SECURE);
    assert_int_equal(res.kind, DBX_ANSWER_DATA);
    assert_int_equal(dbx_result_count(&res), 1);
    assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(res.answer, 0)), LDNS_RR_TYPE_CNAME);
    assert_true(name_is(ldns_rr_rdf(ldns_rr_list_rr(res.answer, 0), 0), "host.n3.test."));
    dbx_result_free(&res);
    dbx_resolver_free(r);
    free(r);
}

/* ---- RRSIGs outside their RRset's section (val_positive) ------------------------ */

/* Move the RRSIGs of *@p from to *@p to (created when NULL). */
static void move_sigs(ldns_rr_list *from, ldns_rr_list **to)
{
    ldns_rr_list *keep = ldns_rr_list_new();
    if (*to == NULL) *to = ldns_rr_list_new();
    while (ldns_rr_list_rr_count(from) > 0) {
        ldns_rr *rr = ldns_rr_list_pop_rr(from);
        ldns_rr_list_push_rr(ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG ? *to : keep, rr);
    }
    while (ldns_rr_list_rr_count(keep) > 0) ldns_rr_list_push_rr(from, ldns_rr_list_pop_rr(keep));
    ldns_rr_list_free(keep);
}

static void test_sig_sections(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* the answer's RRSIG in the additional section, the glue's RRSIG in the
     * answer (as val_positive): the signature verifies over the RRset
     * wherever it travels; the glue's stray RRSIG signs nothing asked */
    forge_init(&f, fx, "mx.example.test.", LDNS_RR_TYPE_A);
    take(fx, &f.answer, "mx.example.test.", LDNS_RR_TYPE_A, NULL);
    move_sigs(f.answer, &f.additional);
    take(fx, &f.additional, "ns.example.test.", LDNS_RR_TYPE_A, NULL);
    move_sigs(f.additional, &f.answer);
    assert_true(ldns_rr_list_rr_count(f.answer) >= 2); /* A + the glue's RRSIGs */
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA, "validated");
    /* the same with a forged address: the signature from the additional
     * section does not verify over it */
    assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(f.answer, 0)), LDNS_RR_TYPE_A);
    ldns_rdf_deep_free(ldns_rr_set_rdf(ldns_rr_list_rr(f.answer, 0),
                                       ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "198.51.100.66"), 0));
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, "does not verify");
    forge_free(&f);
    /* only the glue's RRSIG anywhere: nothing signs the answer */
    forge_init(&f, fx, "mx.example.test.", LDNS_RR_TYPE_A);
    take(fx, &f.answer, "mx.example.test.", LDNS_RR_TYPE_A, NULL);
    move_sigs(f.answer, &f.auth); /* dropped below */
    take(fx, &f.additional, "ns.example.test.", LDNS_RR_TYPE_A, NULL);
    ldns_rr_list_deep_free(f.auth);
    f.auth = ldns_rr_list_new();
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, NULL);
    /* a signature over another type in the additional section is no signature */
    take(fx, &f.additional, "mx.example.test.", LDNS_RR_TYPE_AAAA, NULL);
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, -1, NULL);
    forge_free(&f);
}

/* ---- ANY: every RRset validated, the worst one's verdict (val_any) ------------- */

/* The genuine authority section of the answer to @p name/@p t. */
static ldns_rr_list *auth_of(fx_t *fx, const char *name, ldns_rr_type t)
{
    ldns_pkt *p = NULL;
    ldns_rdf *q = ldns_dname_new_frm_str(name);
    dbx_source_t m = dbx_memsrc_source(&fx->mem);
    ldns_rr_list *l;
    assert_int_equal(m.fetch(m.ctx, q, t, &p), DBX_OK);
    l = ldns_rr_list_clone(ldns_pkt_authority(p));
    ldns_pkt_free(p);
    ldns_rdf_deep_free(q);
    return l;
}

static void test_any(void **state)
{
    fx_t *fx = *state;
    forge_t f;
    /* two signed RRsets at the name: secure, both handed out */
    forge_init(&f, fx, "mx.example.test.", LDNS_RR_TYPE_ANY);
    take(fx, &f.answer, "mx.example.test.", LDNS_RR_TYPE_A, NULL);
    take(fx, &f.answer, "mx.example.test.", LDNS_RR_TYPE_AAAA, NULL);
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_SECURE, DBX_ANSWER_DATA, "validated");
    /* one RRset unsigned: it cannot ride along with the signed one */
    f.strip_owner = "mx.example.test.";
    f.strip_type = LDNS_RR_TYPE_AAAA;
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "ANY");
    /* one RRset forged: bogus */
    f.strip_owner = NULL;
    ldns_rdf_deep_free(ldns_rr_set_rdf(ldns_rr_list_rr(f.answer, 0),
                                       ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "198.51.100.66"), 0));
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "ANY");
    forge_free(&f);
    /* a wildcard ANY answer (A and TXT expanded) with its NSEC proof */
    forge_init(&f, fx, "q.wild.example.test.", LDNS_RR_TYPE_ANY);
    take(fx, &f.answer, "*.wild.example.test.", LDNS_RR_TYPE_A, "q.wild.example.test.");
    take(fx, &f.answer, "*.wild.example.test.", LDNS_RR_TYPE_TXT, "q.wild.example.test.");
    f.auth = auth_of(fx, "q.wild.example.test.", LDNS_RR_TYPE_A);
    check(fx, SRC(f), "q.wild.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_SECURE, DBX_ANSWER_DATA, "validated");
    /* ...without it: each RRset needs its own wildcard proof */
    ldns_rr_list_deep_free(f.auth);
    f.auth = ldns_rr_list_new();
    check(fx, SRC(f), "q.wild.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "wildcard");
    forge_free(&f);
    /* a genuine A beside the wildcard's TXT replayed for that existing
     * name (the wildcard cannot apply there): bogus */
    forge_init(&f, fx, "existing.wild.example.test.", LDNS_RR_TYPE_ANY);
    take(fx, &f.answer, "existing.wild.example.test.", LDNS_RR_TYPE_A, NULL);
    take(fx, &f.answer, "*.wild.example.test.", LDNS_RR_TYPE_TXT, "existing.wild.example.test.");
    f.auth = auth_of(fx, "q.wild.example.test.", LDNS_RR_TYPE_A);
    check(fx, SRC(f), "existing.wild.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "wildcard");
    forge_free(&f);
    /* NSEC3 opt-out span over the next closer name: insecure (val_nsec3_wcany) */
    forge_init(&f, fx, "q.w.n3.test.", LDNS_RR_TYPE_ANY);
    take(fx, &f.answer, "*.w.n3.test.", LDNS_RR_TYPE_A, "q.w.n3.test.");
    f.auth = auth_of(fx, "q.w.n3.test.", LDNS_RR_TYPE_A);
    check(fx, SRC(f), "q.w.n3.test", LDNS_RR_TYPE_ANY, DBX_SEC_INSECURE, DBX_ANSWER_DATA, "opt-out");
    forge_free(&f);
    /* "no data of any type" proven with the name's own NSEC / NSEC3, whose
     * bitmap lists its types: bogus (was a secure NODATA) */
    forge_init(&f, fx, "mx.example.test.", LDNS_RR_TYPE_ANY);
    f.answer = ldns_rr_list_new();
    take(fx, &f.auth, "example.test.", LDNS_RR_TYPE_SOA, NULL);
    take(fx, &f.auth, "mx.example.test.", LDNS_RR_TYPE_NSEC, NULL);
    check(fx, SRC(f), "mx.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "ANY");
    forge_free(&f);
    forge_init(&f, fx, "host.n3.test.", LDNS_RR_TYPE_ANY);
    f.answer = ldns_rr_list_new();
    f.auth = auth_of(fx, "host.n3.test.", LDNS_RR_TYPE_TXT);
    check(fx, SRC(f), "host.n3.test", LDNS_RR_TYPE_ANY, DBX_SEC_BOGUS, -1, "ANY");
    forge_free(&f);
    /* an empty non-terminal has no data of any type: secure NODATA */
    forge_init(&f, fx, "b.example.test.", LDNS_RR_TYPE_ANY);
    f.answer = ldns_rr_list_new();
    f.auth = auth_of(fx, "b.example.test.", LDNS_RR_TYPE_TXT);
    check(fx, SRC(f), "b.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    forge_free(&f);
    /* a CNAME is one RRset of the answer, not followed (val_any_cname) */
    forge_init(&f, fx, "www.example.test.", LDNS_RR_TYPE_ANY);
    take(fx, &f.answer, "www.example.test.", LDNS_RR_TYPE_CNAME, NULL);
    check(fx, SRC(f), "www.example.test", LDNS_RR_TYPE_ANY, DBX_SEC_SECURE, DBX_ANSWER_DATA, "validated");
    forge_free(&f);
}

/* ---- real root-signed data (tests/dnssec/realroot) ----------------------------- */

/* The case on real data, with the built-in anchor: the genuine
 * *.wildcard_test.nsec_tests... TXT answer replayed for a name below
 * override.wildcard_test.nsec_tests..., with the genuine NSEC owned by
 * override.wildcard_test (it covers the name, and proves override exists). */
static void test_real_replay(void **state)
{
    fx_t real;
    forge_t f;
    char *t = dbx_test_slurp("tests/dnssec/realroot/real.zone");
    const char *w = "*.wildcard_test.nsec_tests.dnssec_proof_tests.bitcoin.ninja.";
    const char *q = "b.override.wildcard_test.nsec_tests.dnssec_proof_tests.bitcoin.ninja.";
    (void)state;
    memset(&real, 0, sizeof real);
    assert_non_null(t);
    assert_int_equal(dbx_memsrc_init(&real.mem, t, NULL), DBX_OK);
    free(t);
    assert_int_equal(dbx_trust_builtin(&real.trust), DBX_OK);
    real.now = 1709100000; /* 2024-02-28 */
    forge_init(&f, &real, NULL, 0);
    check(&real, SRC(f), "b.wildcard_test.nsec_tests.dnssec_proof_tests.bitcoin.ninja", LDNS_RR_TYPE_TXT,
          DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    forge_init(&f, &real, q, LDNS_RR_TYPE_TXT);
    take(&real, &f.answer, w, LDNS_RR_TYPE_TXT, q);
    take(&real, &f.auth, "override.wildcard_test.nsec_tests.dnssec_proof_tests.bitcoin.ninja.",
         LDNS_RR_TYPE_NSEC, NULL);
    check(&real, SRC(f), q, LDNS_RR_TYPE_TXT, DBX_SEC_BOGUS, -1, "wildcard");
    forge_free(&f);
    /* the same replay with the NSEC that does cover it from the wildcard
     * itself: still no proof that override.wildcard_test... does not exist */
    forge_init(&f, &real, q, LDNS_RR_TYPE_TXT);
    take(&real, &f.answer, w, LDNS_RR_TYPE_TXT, q);
    take(&real, &f.auth, w, LDNS_RR_TYPE_NSEC, NULL);
    check(&real, SRC(f), q, LDNS_RR_TYPE_TXT, DBX_SEC_BOGUS, -1, "wildcard");
    forge_free(&f);
    dbx_memsrc_free(&real.mem);
    dbx_trust_free(&real.trust);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expanded_nsec),
        cmocka_unit_test(test_replayed_wildcard),
        cmocka_unit_test(test_optout),
        cmocka_unit_test(test_weak_link),
        cmocka_unit_test(test_large_rrsets),
        cmocka_unit_test(test_availability),
        cmocka_unit_test(test_sig_sections),
        cmocka_unit_test(test_any),
        cmocka_unit_test(test_real_replay),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
