/* Unit tests: the DNSSEC validator against attacks on the signed test tree
 * (tests/dnssec/mkzones.sh -> build/host/zones): tampered signatures,
 * validity windows, a wrong trust anchor, forged signers, stripped RRSIGs
 * and parent-signed answers, served by an on-path attacker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnssec/dbx_dnssec_int.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"

#define ZDIR DBX_TEST_ZONES_DIR

/* The signed test tree (trust, memsrc, now) from the shared test support. */
typedef dbx_test_zones_t fx_t;

/* ---- tampered records, time, anchor ---------------------------------------------- */

/* Flip one bit of the first RRSIG covering @p type at @p owner. */
static void tamper(dbx_memsrc_t *m, const char *owner, ldns_rr_type type)
{
    ldns_rdf *o = ldns_dname_new_frm_str(owner);
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_dname_compare(ldns_rr_owner(rr), o) == 0 &&
            ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == type) {
            ldns_rdf_data(ldns_rr_rdf(rr, 8))[5] ^= 0x01;
            break;
        }
    }
    ldns_rdf_deep_free(o);
}

static void expect(fx_t *fx, dbx_memsrc_t *m, const char *name, ldns_rr_type t, int64_t now,
                   dbx_sec_t sec, const char *reason)
{
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    dbx_resolver_init_source(r, dbx_memsrc_source(m), &fx->trust);
    assert_int_equal(dbx_resolve(r, name, t, now, &res), DBX_OK);
    printf("%s %u -> %s (%s)\n", name, t, dbx_sec_str(res.sec), res.reason);
    assert_int_equal(res.sec, sec);
    if (reason) assert_non_null(strstr(res.reason, reason));
    if (sec != DBX_SEC_SECURE && sec != DBX_SEC_INSECURE) assert_int_equal(dbx_result_count(&res), 0);
    dbx_result_free(&res);
    dbx_resolver_free(r);
    free(r);
}

typedef struct {
    const char *owner;
    ldns_rr_type covered;
    const char *name;
    ldns_rr_type qtype;
    dbx_sec_t sec;
    const char *reason;
} tcase_t;

static const tcase_t tampers[] = {
    {"mx.example.test.", LDNS_RR_TYPE_A, "mx.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "signature does not verify"},
    {"mx.example.test.", LDNS_RR_TYPE_A, "mx.example.test.", LDNS_RR_TYPE_AAAA, DBX_SEC_SECURE, NULL},
    {"multi.example.test.", LDNS_RR_TYPE_NSEC, "multi.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "NSEC signature"},
    {"test.", LDNS_RR_TYPE_DNSKEY, "mx.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "DNSKEY not signed by DS key"},
    {"example.test.", LDNS_RR_TYPE_DS, "mx.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "DS"},
    {"mx.example.test.", LDNS_RR_TYPE_CNAME, "www.example.test.", LDNS_RR_TYPE_A, DBX_SEC_SECURE, NULL},
    {"www.example.test.", LDNS_RR_TYPE_CNAME, "www.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "CNAME"},
    {"dn.example.test.", LDNS_RR_TYPE_DNAME, "host.dn.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "DNAME"},
    {"*.wild.example.test.", LDNS_RR_TYPE_A, "x.wild.example.test.", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "signature does not verify"},
};

static void test_tampered(void **state)
{
    fx_t *fx = *state;
    char *t = dbx_test_slurp(ZDIR "/all.zone");
    assert_non_null(t);
    for (size_t i = 0; i < DBX_ARRAY_LEN(tampers); i++) {
        dbx_memsrc_t m;
        assert_int_equal(dbx_memsrc_init(&m, t, NULL), DBX_OK);
        tamper(&m, tampers[i].owner, tampers[i].covered);
        expect(fx, &m, tampers[i].name, tampers[i].qtype, fx->now, tampers[i].sec, tampers[i].reason);
        dbx_memsrc_free(&m);
    }
    free(t);
}

static void test_time(void **state)
{
    fx_t *fx = *state;
    /* signatures valid 2024-01-01 .. 2035-01-01 */
    expect(fx, &fx->mem, "mx.example.test", LDNS_RR_TYPE_A, 1700000000, DBX_SEC_BOGUS, "not yet valid");
    expect(fx, &fx->mem, "mx.example.test", LDNS_RR_TYPE_A, 2082758400 + 86400, DBX_SEC_BOGUS, "expired");
    expect(fx, &fx->mem, "mx.example.test", LDNS_RR_TYPE_A, 2051222400 + 100, DBX_SEC_SECURE, NULL);
}

static void test_wrong_anchor(void **state)
{
    fx_t *fx = *state;
    dbx_trust_t t;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    assert_int_equal(dbx_trust_builtin(&t), DBX_OK); /* the real root's DS */
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &t);
    assert_int_equal(dbx_resolve(r, "mx.example.test", LDNS_RR_TYPE_A, fx->now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_BOGUS);
    assert_non_null(strstr(res.reason, "trust anchor"));
    dbx_result_free(&res);
    dbx_resolver_free(r);
    free(r);
    dbx_trust_free(&t);
}

/* ---- signer-driven zone cuts: attacks ---------------------------------------------- */

/* Zone text @p t without the lines at @p owner ("~x." = any owner ending in
 * x.) of RRSIGs covering @p type, and (@p data) of @p type itself. */
static char *drop_lines(const char *t, const char *owner, const char *type, int data)
{
    size_t n = strlen(t), o = 0;
    char *out = malloc(n + 1);
    const char *line = t;
    int suffix = owner[0] == '~';
    const char *ow = owner + suffix;
    assert_non_null(out);
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        char f[5][300] = {{0}};
        int drop = 0;
        char buf[1024];
        size_t bl = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, line, bl);
        buf[bl] = '\0';
        if (sscanf(buf, "%299s %299s %299s %299s %299s", f[0], f[1], f[2], f[3], f[4]) == 5) {
            size_t fl = strlen(f[0]), wl = strlen(ow);
            int own = suffix ? (fl >= wl && strcasecmp(f[0] + fl - wl, ow) == 0)
                             : strcasecmp(f[0], ow) == 0;
            if (own && ((strcmp(f[3], "RRSIG") == 0 && strcmp(f[4], type) == 0) ||
                        (data && strcmp(f[3], type) == 0))) {
                drop = 1;
            }
        }
        if (!drop) {
            memcpy(out + o, line, len);
            o += len;
        }
        line += len;
    }
    out[o] = '\0';
    return out;
}

/* An on-path attacker between the resolver and its upstream: answers come
 * from the memsrc, then the RRSIGs at @p owner covering @p covered get the
 * signer name @p signer (when set), and the RRs at @p owner of that type and
 * their RRSIGs are replaced by @p replace (when set). */
typedef struct {
    dbx_memsrc_t *m;
    dbx_source_t inner;
    ldns_rdf *owner;
    ldns_rr_type covered;
    ldns_rdf *signer;
    ldns_rr_list *replace;
    ldns_rdf *strip_q; /* questions for this name lose their authority RRSIGs */
} mitm_t;

static int is_target(const mitm_t *x, const ldns_rr *rr)
{
    if (ldns_dname_compare(ldns_rr_owner(rr), x->owner) != 0) return 0;
    if (ldns_rr_get_type(rr) == x->covered) return 1;
    return ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
           ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == x->covered;
}

static int mitm_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    mitm_t *x = ctx;
    int st = x->inner.fetch(x->inner.ctx, qname, qtype, out);
    if (st != DBX_OK) return st;
    ldns_rr_list *ans = ldns_pkt_answer(*out), *keep = ldns_rr_list_new();
    int hit = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (is_target(x, rr)) {
            hit = 1;
            if (x->replace != NULL) {
                ldns_rr_free(rr);
                continue;
            }
            if (x->signer != NULL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG) {
                ldns_rdf_deep_free(ldns_rr_set_rdf(rr, ldns_rdf_clone(x->signer), 7));
            }
        }
        ldns_rr_list_push_rr(keep, rr);
    }
    for (size_t i = 0; hit && x->replace != NULL && i < ldns_rr_list_rr_count(x->replace); i++) {
        ldns_rr_list_push_rr(keep, ldns_rr_clone(ldns_rr_list_rr(x->replace, i)));
    }
    ldns_rr_list_free(ans); /* the RRs moved to keep */
    ldns_pkt_set_answer(*out, keep);
    ldns_pkt_set_ancount(*out, (uint16_t)ldns_rr_list_rr_count(keep));
    if (x->strip_q != NULL && ldns_dname_compare(qname, x->strip_q) == 0) {
        ldns_rr_list *au = ldns_pkt_authority(*out), *k2 = ldns_rr_list_new();
        for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++) {
            ldns_rr *rr = ldns_rr_list_rr(au, i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG) ldns_rr_free(rr);
            else ldns_rr_list_push_rr(k2, rr);
        }
        ldns_rr_list_free(au);
        ldns_pkt_set_authority(*out, k2);
        ldns_pkt_set_nscount(*out, (uint16_t)ldns_rr_list_rr_count(k2));
    }
    return DBX_OK;
}

static void mitm_init(mitm_t *x, dbx_memsrc_t *m, const char *owner, ldns_rr_type covered,
                      const char *signer, ldns_rr_list *replace)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->inner = dbx_memsrc_source(m);
    x->owner = ldns_dname_new_frm_str(owner);
    x->covered = covered;
    x->signer = signer ? ldns_dname_new_frm_str(signer) : NULL;
    x->replace = replace;
}

static void mitm_free(mitm_t *x)
{
    ldns_rdf_deep_free(x->owner);
    ldns_rdf_deep_free(x->signer);
    ldns_rdf_deep_free(x->strip_q);
}

/* Resolve the names in order with one resolver; the last must give @p sec. */
static void expect_seq(fx_t *fx, dbx_source_t src, const char *const *names, const ldns_rr_type *types,
                       size_t n, dbx_sec_t sec, const char *reason, uint32_t *queries)
{
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    assert_non_null(r);
    dbx_resolver_init_source(r, src, &fx->trust);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(dbx_resolve(r, names[i], types[i], fx->now, &res), DBX_OK);
        printf("  %s %u -> %s (%s) queries %u\n", names[i], types[i], dbx_sec_str(res.sec), res.reason,
               res.queries);
        if (i + 1 < n) dbx_result_free(&res);
    }
    if (res.sec != sec || (reason != NULL && strstr(res.reason, reason) == NULL)) {
        fail_msg("%s: %s (%s), want %s [%s]", names[n - 1], dbx_sec_str(res.sec), res.reason,
                 dbx_sec_str(sec), reason ? reason : "");
    }
    if (sec != DBX_SEC_SECURE && sec != DBX_SEC_INSECURE) assert_int_equal(dbx_result_count(&res), 0);
    if (queries != NULL) *queries = res.queries;
    dbx_result_free(&res);
    dbx_resolver_free(r);
    free(r);
}

static void with_zone(fx_t *fx, const char *text, const char *name, ldns_rr_type t, dbx_sec_t sec,
                      const char *reason)
{
    dbx_memsrc_t m;
    assert_int_equal(dbx_memsrc_init(&m, text, NULL), DBX_OK);
    expect(fx, &m, name, t, fx->now, sec, reason);
    dbx_memsrc_free(&m);
}

static void test_forged_signer(void **state)
{
    fx_t *fx = *state;
    char *t = dbx_test_slurp(ZDIR "/all.zone");
    static const struct {
        const char *owner;
        ldns_rr_type covered;
        const char *signer, *name;
        ldns_rr_type qtype;
        const char *reason;
    } f[] = {
        /* above the real zone: its keys do not verify the signature */
        {"mx.example.test.", LDNS_RR_TYPE_A, "test.", "mx.example.test", LDNS_RR_TYPE_A, "RRSIG"},
        {"mx.example.test.", LDNS_RR_TYPE_A, ".", "mx.example.test", LDNS_RR_TYPE_A, "RRSIG"},
        {"_25._tcp.mx.example.test.", LDNS_RR_TYPE_TLSA, "test.", "_25._tcp.mx.example.test",
         LDNS_RR_TYPE_TLSA, NULL},
        /* below the real zone: not a zone cut */
        {"mx.example.test.", LDNS_RR_TYPE_A, "mx.example.test.", "mx.example.test", LDNS_RR_TYPE_A,
         "not a zone cut"},
        {"_25._tcp.mx.example.test.", LDNS_RR_TYPE_TLSA, "_tcp.mx.example.test.",
         "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, "not a zone cut"},
        {"host.n3.test.", LDNS_RR_TYPE_A, "host.n3.test.", "host.n3.test", LDNS_RR_TYPE_A,
         "not a zone cut"},
        /* not an ancestor (a sibling zone, the insecure zone, the child) */
        {"mx.example.test.", LDNS_RR_TYPE_A, "n3.test.", "mx.example.test", LDNS_RR_TYPE_A, "ancestor"},
        {"mx.example.test.", LDNS_RR_TYPE_A, "insecure.test.", "mx.example.test", LDNS_RR_TYPE_A,
         "ancestor"},
        {"example.test.", LDNS_RR_TYPE_DS, "example.test.", "example.test", LDNS_RR_TYPE_DS, "ancestor"},
        /* the CNAME link and the DNAME */
        {"www.example.test.", LDNS_RR_TYPE_CNAME, "www.example.test.", "www.example.test",
         LDNS_RR_TYPE_A, "not a zone cut"},
        {"dn.example.test.", LDNS_RR_TYPE_DNAME, "test.", "host.dn.example.test", LDNS_RR_TYPE_A, NULL},
    };
    assert_non_null(t);
    for (size_t i = 0; i < DBX_ARRAY_LEN(f); i++) {
        mitm_t x;
        const char *n[] = {f[i].name};
        const ldns_rr_type ty[] = {f[i].qtype};
        mitm_init(&x, &fx->mem, f[i].owner, f[i].covered, f[i].signer, NULL);
        expect_seq(fx, (dbx_source_t){&x, mitm_fetch}, n, ty, 1, DBX_SEC_BOGUS, f[i].reason, NULL);
        mitm_free(&x);
    }
    free(t);
}

static void test_stripped_rrsigs(void **state)
{
    fx_t *fx = *state;
    char *t = dbx_test_slurp(ZDIR "/all.zone"), *z;
    static const struct {
        const char *owner, *type, *name;
        ldns_rr_type qtype;
        dbx_sec_t sec;
        const char *reason;
    } c[] = {
        /* an unsigned answer in a secure zone */
        {"mx.example.test.", "A", "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "RRSIG"},
        {"_25._tcp.mx.example.test.", "TLSA", "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA,
         DBX_SEC_BOGUS, "RRSIG"},
        {"~example.test.", "NSEC", "nope.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "NXDOMAIN"},
        {"www.example.test.", "CNAME", "www.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "CNAME"},
        /* below an insecure-looking label: n3.test. has opt-out spans and an
         * unsigned child, the names themselves are signed */
        {"host.n3.test.", "A", "host.n3.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, "RRSIG"},
        {"_25._tcp.mx.n3.test.", "TLSA", "_25._tcp.mx.n3.test", LDNS_RR_TYPE_TLSA, DBX_SEC_BOGUS,
         "RRSIG"},
        /* a wildcard expansion: its name does not exist and lies in an
         * opt-out span, where an unsigned delegation may hide (RFC 5155
         * s6, s9.2): insecure, as with the per-label walk */
        {"*.w.n3.test.", "A", "q.w.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, "opt-out"},
        /* every DS probe down 47 labels: the per-resolution query budget */
        {"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1.g1.h1.i1.j1.k1.l1.m1."
         "n1.o1.p1.q1.r1.s1.t1.deep.example.test.", "A",
         "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1.g1.h1.i1.j1.k1.l1.m1."
         "n1.o1.p1.q1.r1.s1.t1.deep.example.test", LDNS_RR_TYPE_A, DBX_SEC_INDETERMINATE, "query limit"},
        /* a DS RRset stripped of its RRSIG: the walk must prove insecurity */
        {"example.test.", "DS", "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, NULL},
    };
    assert_non_null(t);
    for (size_t i = 0; i < DBX_ARRAY_LEN(c); i++) {
        z = drop_lines(t, c[i].owner, c[i].type, 0);
        with_zone(fx, z, c[i].name, c[i].qtype, c[i].sec, c[i].reason);
        free(z);
    }
    /* the genuinely unsigned answers stay insecure (signed proofs above) */
    with_zone(fx, t, "www.insecure.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, "insecure delegation");
    with_zone(fx, t, "www.unsigned.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, "insecure delegation");
    /* ...but not when the proof of the insecure delegation is stripped */
    z = drop_lines(t, "~test.", "NSEC3", 0);
    with_zone(fx, z, "www.insecure.test", LDNS_RR_TYPE_A, DBX_SEC_BOGUS, NULL);
    free(z);
    free(t);
}

/* Members of @p l owned by @p owner (clones). */
static ldns_rr_list *owned(const ldns_rr_list *l, const char *owner)
{
    ldns_rdf *o = ldns_dname_new_frm_str(owner);
    ldns_rr_list *out = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_dname_compare(ldns_rr_owner(rr), o) == 0) ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
    }
    ldns_rdf_deep_free(o);
    return out;
}

static void test_parent_signed(void **state)
{
    fx_t *fx = *state;
    char *ps = dbx_test_slurp(ZDIR "/parentsig.zone");
    ldns_rr_list *l = ldns_rr_list_new(), *ra, *rt;
    mitm_t xa, xt;
    uint32_t q = 0;
    assert_non_null(ps);
    assert_int_equal(dbx_zone_text_parse(ps, 16, l, NULL), DBX_OK);
    ra = owned(l, "mx.example.test.");
    rt = owned(l, "_25._tcp.mx.example.test.");
    assert_int_equal(ldns_rr_list_rr_count(ra), 2);
    assert_int_equal(ldns_rr_list_rr_count(rt), 2);
    /* on the path, the real A / TLSA are replaced by copies signed with
     * test.'s keys, below test.'s secure delegation example.test. */
    mitm_init(&xa, &fx->mem, "mx.example.test.", LDNS_RR_TYPE_A, NULL, ra);
    mitm_init(&xt, &fx->mem, "_25._tcp.mx.example.test.", LDNS_RR_TYPE_TLSA, NULL, rt);
    {   /* TLSA, cold: the "_tcp" probe is answered by example.test. */
        const char *n[] = {"_25._tcp.mx.example.test"};
        const ldns_rr_type ty[] = {LDNS_RR_TYPE_TLSA};
        expect_seq(fx, (dbx_source_t){&xt, mitm_fetch}, n, ty, 1, DBX_SEC_BOGUS,
                   "signed above the zone cut", NULL);
    }
    {   /* ...also with the probe's denial stripped: every label is proven */
        const char *n[] = {"_25._tcp.mx.example.test"};
        const ldns_rr_type ty[] = {LDNS_RR_TYPE_TLSA};
        xt.strip_q = ldns_dname_new_frm_str("_tcp.mx.example.test.");
        expect_seq(fx, (dbx_source_t){&xt, mitm_fetch}, n, ty, 1, DBX_SEC_BOGUS, NULL, NULL);
        /* and the genuine TLSA stays secure with the same stripping (warning) */
        mitm_t xs;
        mitm_init(&xs, &fx->mem, "none.", LDNS_RR_TYPE_TLSA, NULL, NULL);
        xs.strip_q = ldns_dname_new_frm_str("_tcp.mx.example.test.");
        expect_seq(fx, (dbx_source_t){&xs, mitm_fetch}, n, ty, 1, DBX_SEC_SECURE, "warning", NULL);
        mitm_free(&xs);
    }
    {   /* the cut example.test. learnt earlier in the same resolution (CNAME) */
        const char *n[] = {"www.example.test"};
        const ldns_rr_type ty[] = {LDNS_RR_TYPE_A};
        expect_seq(fx, (dbx_source_t){&xa, mitm_fetch}, n, ty, 1, DBX_SEC_BOGUS,
                   "signed above the zone cut", NULL);
    }
    {   /* ...or by an earlier resolution (key cache): no extra question */
        const char *n[] = {"example.test", "mx.example.test"};
        const ldns_rr_type ty[] = {LDNS_RR_TYPE_MX, LDNS_RR_TYPE_A};
        expect_seq(fx, (dbx_source_t){&xa, mitm_fetch}, n, ty, 2, DBX_SEC_BOGUS,
                   "signed above the zone cut", &q);
        assert_int_equal(q, 1);
    }
    {   /* Documented limit: cold, alone, a non-TLSA answer carrying a valid
         * signature of an ancestor zone is taken as that zone's data (RFC 4035
         * s5.3.1: the signer is the zone).  Only the ancestor's key holder can
         * make it, and replaying the ancestor's pre-delegation data defeated
         * the per-label DS walk too (with its pre-delegation NSEC). */
        const char *n[] = {"mx.example.test"};
        const ldns_rr_type ty[] = {LDNS_RR_TYPE_A};
        expect_seq(fx, (dbx_source_t){&xa, mitm_fetch}, n, ty, 1, DBX_SEC_SECURE, NULL, NULL);
    }
    mitm_free(&xa);
    mitm_free(&xt);
    ldns_rr_list_deep_free(ra);
    ldns_rr_list_deep_free(rt);
    ldns_rr_list_deep_free(l);
    free(ps);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_wrong_anchor),
        cmocka_unit_test(test_forged_signer),
        cmocka_unit_test(test_stripped_rrsigs),
        cmocka_unit_test(test_parent_signed),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
