/* Unit tests: the DNSSEC validator, offline against zones signed at test
 * time (tests/dnssec/mkzones.sh -> build/host/zones), plus table-driven
 * checks of the primitives and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "dnssec/dbx_dnssec_int.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"

#define ZDIR DBX_TEST_ZONES_DIR

/* The signed test tree (trust, memsrc, now) from the shared test support. */
typedef dbx_test_zones_t fx_t;


/* ---- offline validation case table ------------------------------------------- */

typedef struct {
    const char *name;
    const char *type;
    dbx_sec_t sec;
    int kind; /* dbx_answer_kind_t, -1: don't care */
    int count; /* answer RRs, -1: don't care */
    const char *reason; /* substring, NULL: don't care */
} vcase_t;

static const vcase_t cases[] = {
    {"mx.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, "validated"},
    {"mx.example.test", "AAAA", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"example.test", "MX", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"_25._tcp.mx.example.test", "TLSA", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"MX.Example.TEST", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"multi.example.test", "TXT", DBX_SEC_SECURE, DBX_ANSWER_DATA, 3, NULL},
    {"multi.example.test", "MX", DBX_SEC_SECURE, DBX_ANSWER_DATA, 2, NULL},
    {"www.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},     /* CNAME */
    {"alias.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},   /* 2 CNAMEs */
    {"ext.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},     /* cross-zone */
    {"host.dn.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL}, /* DNAME */
    {"foo.dn.example.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_NXDOMAIN, 0, "opt-out"},
    {"loop1.example.test", "A", DBX_SEC_BOGUS, -1, 0, "CNAME chain too long"},
    {"c1.example.test", "A", DBX_SEC_BOGUS, -1, 0, "CNAME chain too long"},
    {"c3.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL}, /* 7 hops: ok */
    {"x.wild.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"x.wild.example.test", "MX", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL},
    {"b.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL}, /* ENT */
    {"a.b.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"nope.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_NXDOMAIN, 0, NULL},
    {"mx.example.test", "TXT", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL},
    {"example.test", "DS", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"example.test", "DNSKEY", DBX_SEC_SECURE, DBX_ANSWER_DATA, 2, NULL},
    {"insecure.test", "DS", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL},
    {"nx.test", "A", DBX_SEC_SECURE, DBX_ANSWER_NXDOMAIN, 0, NULL}, /* NSEC3 */
    {"host.n3.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"host.n3.test", "TXT", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL},
    /* NSEC3 wildcard, next closer in an opt-out span (RFC 5155 s9.2) */
    {"q.w.n3.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_DATA, 1, "opt-out"},
    {"q.w.n3.test", "TXT", DBX_SEC_INSECURE, DBX_ANSWER_NODATA, 0, "opt-out"},
    {"_25._tcp.mx.n3.test", "TLSA", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"nx.nx.n3.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_NXDOMAIN, 0, "opt-out"},
    {"www.unsigned.n3.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_DATA, 1, "insecure delegation"},
    {"www.insecure.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_DATA, 1, "insecure delegation"},
    {"nx.insecure.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_NXDOMAIN, 0, NULL},
    {"www.ed.test", "A", DBX_SEC_INSECURE, DBX_ANSWER_DATA, 1, "no supported DS"},
    {"www.expired.test", "A", DBX_SEC_BOGUS, -1, 0, "signature expired"},
    {"www.iter.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"nx.iter.test", "A", DBX_SEC_INSECURE, -1, 0, "NSEC3 iterations above limit"},
    {"www.sha1.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, NULL},
    {"www.baddnskey.test", "A", DBX_SEC_BOGUS, -1, 0, "no DNSKEY matches DS"},
    /* 47 empty non-terminals: the signer name (example.test) spares the walk
     * (the query budget with that walk forced: test_attacks) */
    {"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1.g1.h1.i1.j1.k1.l1.m1."
     "n1.o1.p1.q1.r1.s1.t1.deep.example.test", "A", DBX_SEC_SECURE, DBX_ANSWER_DATA, 1, "validated"},
    {"s1.t1.deep.example.test", "TXT", DBX_SEC_SECURE, DBX_ANSWER_NODATA, 0, NULL},
};

static void test_offline_table(void **state)
{
    fx_t *fx = *state;
    int bad = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(cases); i++) {
        const vcase_t *c = &cases[i];
        dbx_resolver_t *r = calloc(1, sizeof *r);
        dbx_result_t res;
        assert_non_null(r);
        dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
        assert_int_equal(dbx_resolve(r, c->name, (uint16_t)ldns_get_rr_type_by_name(c->type),
                                     fx->now, &res), DBX_OK);
        int ok = res.sec == c->sec && (c->kind < 0 || (int)res.kind == c->kind) &&
                 (c->count < 0 || (int)dbx_result_count(&res) == c->count) &&
                 (c->reason == NULL || strstr(res.reason, c->reason) != NULL);
        printf("%s: %s %s -> %s (%s) kind %d count %zu queries %u\n", ok ? "ok  " : "FAIL",
               c->name, c->type, dbx_sec_str(res.sec), res.reason, res.kind,
               dbx_result_count(&res), res.queries);
        bad += !ok;
        dbx_result_free(&res);
        dbx_resolver_free(r);
        free(r);
    }
    assert_int_equal(bad, 0);
}

static void test_cache_warm(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t a, b, c;
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now, &a), DBX_OK);
    dbx_acache_flush(r); /* the key cache alone (the answer cache: test_acache) */
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now, &b), DBX_OK);
    assert_int_equal(dbx_resolve(r, "mx.example.test", LDNS_RR_TYPE_AAAA, fx->now, &c), DBX_OK);
    printf("TLSA cold %u queries, warm %u, AAAA same zone %u\n", a.queries, b.queries, c.queries);
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    assert_int_equal(b.sec, DBX_SEC_SECURE);
    assert_true(b.queries < a.queries);
    assert_int_equal(a.queries, 7); /* per-label DS walk: 9 */
    assert_int_equal(b.queries, 1);
    assert_int_equal(c.queries, 1);
    assert_int_equal(r->total_queries, a.queries + b.queries + c.queries);
    /* entries expire with their TTL: a day later it is cold again */
    dbx_result_free(&b);
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now + 90000, &b), DBX_OK);
    assert_int_equal(b.queries, a.queries);
    dbx_result_free(&a);
    dbx_result_free(&b);
    dbx_result_free(&c);
    dbx_resolver_free(r);
    free(r);
}

/* A source that is slow on purpose: each answer takes ~5 ms of wall time. */
typedef struct {
    dbx_source_t inner;
    uint32_t fetches;
} slow_src_t;

static int slow_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    slow_src_t *s = ctx;
    struct timespec ts = {0, 5 * 1000 * 1000};
    s->fetches++;
    nanosleep(&ts, NULL);
    return s->inner.fetch(s->inner.ctx, qname, qtype, out);
}

static void test_time_limit(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    slow_src_t slow = {dbx_memsrc_source(&fx->mem), 0};
    dbx_source_t src = {&slow, slow_fetch};
    dbx_result_t a;
    assert_non_null(r);
    dbx_resolver_init_source(r, src, &fx->trust);
    assert_int_equal(r->time_limit_ms, DBX_RESOLVE_TIME_LIMIT_MS);
    r->time_limit_ms = 12; /* ~3 answers of a cold lookup that needs 7 */
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now, &a), DBX_OK);
    assert_int_equal(a.sec, DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(a.reason, "time limit"));
    assert_true(slow.fetches >= 1 && slow.fetches < 7);
    assert_int_equal(dbx_result_count(&a), 0);
    dbx_result_free(&a);
    /* with time to spare the same slow source validates */
    dbx_resolver_flush(r);
    r->time_limit_ms = DBX_RESOLVE_TIME_LIMIT_MS;
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now, &a), DBX_OK);
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    dbx_result_free(&a);
    dbx_resolver_free(r);
    free(r);
}

static void test_cache_lru_bounded(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    static const char *names[] = {"www.example.test", "host.n3.test", "www.sha1.test",
                                  "www.iter.test", "www.insecure.test", "www.ed.test"};
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    for (int rep = 0; rep < 3; rep++) {
        for (size_t i = 0; i < DBX_ARRAY_LEN(names); i++) {
            dbx_result_t res;
            assert_int_equal(dbx_resolve(r, names[i], LDNS_RR_TYPE_A, fx->now, &res), DBX_OK);
            dbx_result_free(&res);
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < DBX_CACHE_ENTRIES; i++) used += r->cache[i].name != NULL;
    assert_true(used <= DBX_CACHE_ENTRIES);
    assert_true(r->cache_hits > 0);
    dbx_resolver_free(r);
    free(r);
}

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

/* Upstream questions per resolution, cold and warm (regression guard for
 * the signer-driven discovery; the per-label DS walk needed the numbers in
 * the comments). */
static void test_query_counts(void **state)
{
    fx_t *fx = *state;
    static const struct { const char *name; ldns_rr_type t; uint32_t cold, warm; } c[] = {
        {"mx.example.test", LDNS_RR_TYPE_A, 6, 1},             /* was 7 */
        {"_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, 7, 1}, /* was 9: + "_tcp" probe */
        {"www.example.test", LDNS_RR_TYPE_A, 7, 2},            /* was 9 */
        {"host.dn.example.test", LDNS_RR_TYPE_A, 9, 2},        /* was 12: DNAME into n3.test. */
        {"nope.example.test", LDNS_RR_TYPE_A, 6, 1},           /* was 7 */
        {"host.n3.test", LDNS_RR_TYPE_A, 6, 1},                /* was 7 */
        {"www.insecure.test", LDNS_RR_TYPE_A, 5, 1},           /* was 5: walk to the proof */
        {"s1.t1.deep.example.test", LDNS_RR_TYPE_TXT, 6, 1},   /* was 9 */
        {"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1.g1.h1.i1.j1.k1.l1."
         "m1.n1.o1.p1.q1.r1.s1.t1.deep.example.test", LDNS_RR_TYPE_A, 6, 1}, /* was 48 (limit) */
    };
    int bad = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(c); i++) {
        dbx_resolver_t *r = calloc(1, sizeof *r);
        dbx_result_t a, b;
        assert_non_null(r);
        dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
        assert_int_equal(dbx_resolve(r, c[i].name, c[i].t, fx->now, &a), DBX_OK);
        dbx_acache_flush(r); /* warm: the key cache only (answers: test_acache) */
        assert_int_equal(dbx_resolve(r, c[i].name, c[i].t, fx->now, &b), DBX_OK);
        printf("%s %u: cold %u warm %u (%s)\n", c[i].name, c[i].t, a.queries, b.queries,
               dbx_sec_str(b.sec));
        if (a.queries != c[i].cold || b.queries != c[i].warm || a.sec != b.sec) bad++;
        dbx_result_free(&a);
        dbx_result_free(&b);
        dbx_resolver_free(r);
        free(r);
    }
    assert_int_equal(bad, 0);
}

/* ---- primitives ------------------------------------------------------------------ */

static void test_keytag_ds(void **state)
{
    fx_t *fx = *state;
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, fx->trust.owner, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr *ds = ldns_rr_list_rr(fx->trust.ds, 0);
    int matched = 0;
    assert_non_null(keys);
    assert_int_equal(ldns_rr_list_rr_count(keys), 2);
    for (size_t i = 0; i < 2; i++) {
        ldns_rr *k = ldns_rr_list_rr(keys, i);
        if (dbx_keytag(k) == ldns_rdf2native_int16(ldns_rr_rdf(ds, 0))) {
            assert_int_equal(dbx_ds_match(ds, k), DBX_OK);
            matched++;
            ldns_rdf_data(ldns_rr_rdf(ds, 3))[0] ^= 1;
            assert_int_equal(dbx_ds_match(ds, k), DBX_ERR_CRYPTO);
            ldns_rdf_data(ldns_rr_rdf(ds, 3))[0] ^= 1;
        } else {
            assert_int_equal(dbx_ds_match(ds, k), DBX_ERR_CRYPTO);
        }
    }
    assert_int_equal(matched, 1);
    ldns_rr_list_deep_free(keys);
}

static void test_canonical_order(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *o = ldns_dname_new_frm_str("multi.example.test.");
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *set = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_MX, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_MX);
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *rev = ldns_rr_list_new();
    uint32_t ttl = 0;
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    /* reversed order, upper-case owner, a duplicate: all canonicalised away */
    for (size_t i = ldns_rr_list_rr_count(set); i > 0; i--) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(set, i - 1));
        uint8_t *d = ldns_rdf_data(ldns_rr_owner(c));
        d[1] = 'M';
        ldns_rr_set_ttl(c, 60);
        ldns_rr_list_push_rr(rev, c);
    }
    ldns_rr_list_push_rr(rev, ldns_rr_clone(ldns_rr_list_rr(rev, 0)));
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_SECURE);
    assert_int_equal(ttl, 60); /* capped by the RR TTL */
    /* changing one RDATA byte breaks it */
    ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(rev, 0), 0))[1] ^= 1;
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_BOGUS);
    /* budgets: a spent signature budget is indeterminate, not a crash */
    ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(rev, 0), 0))[1] ^= 1;
    v.sigs = DBX_MAX_SIG_VERIFY;
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(v.reason, "limit"));
    ldns_rr_list_deep_free(set);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(rev);
    ldns_rdf_deep_free(o);
    ldns_rdf_deep_free(z);
}

static void test_keytrap_caps(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DS, 0);
    ldns_rr_list *many = ldns_rr_list_clone(keys);
    uint32_t ttl;
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, keys, sig, &ttl), DBX_SEC_SECURE);
    while (ldns_rr_list_rr_count(many) <= DBX_MAX_DNSKEYS) {
        ldns_rr_list_push_rr(many, ldns_rr_clone(ldns_rr_list_rr(keys, 0)));
    }
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, many, sig, &ttl), DBX_SEC_BOGUS);
    assert_non_null(strstr(v.reason, "too many DNSKEYs"));
    /* many signatures with the right tag but wrong bits: per-RRset cap */
    ldns_rr_list *sigs = ldns_rr_list_new();
    for (int i = 0; i < 3 * DBX_MAX_SIG_PER_RRSET; i++) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(sig, 0));
        ldns_rdf_data(ldns_rr_rdf(c, 8))[3] ^= 0x40;
        ldns_rr_list_push_rr(sigs, c);
    }
    v.sigs = 0;
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, keys, sigs, &ttl), DBX_SEC_INDETERMINATE);
    assert_int_equal(v.sigs, DBX_MAX_SIG_PER_RRSET);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(many);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(ds);
    ldns_rdf_deep_free(z);
}

static void test_ds_digest_policy(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DS, 0); /* SHA-384 */
    ldns_rr *ksk = NULL, *sha1 = NULL;
    uint32_t ttl;
    for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++) {
        ldns_rr *k = ldns_rr_list_rr(keys, i);
        if (dbx_keytag(k) == ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(ds, 0), 0))) ksk = k;
    }
    assert_non_null(ksk);
    sha1 = ldns_key_rr2ds(ksk, LDNS_SHA1);
    assert_non_null(sha1);
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    struct { int with_sha1, with_good, with_bad, with_gost; dbx_sec_t want; } t[] = {
        {1, 0, 0, 0, DBX_SEC_SECURE},   /* SHA-1 alone: accepted */
        {1, 1, 0, 0, DBX_SEC_SECURE},
        {1, 0, 1, 0, DBX_SEC_BOGUS},    /* SHA-1 ignored next to a (wrong) SHA-384 */
        {0, 0, 0, 1, DBX_SEC_INSECURE}, /* only an unsupported digest: insecure */
        {1, 0, 0, 1, DBX_SEC_SECURE},   /* unsupported digest is not "stronger" */
    };
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rr_list *set = ldns_rr_list_new();
        if (t[i].with_sha1) ldns_rr_list_push_rr(set, ldns_rr_clone(sha1));
        if (t[i].with_good) ldns_rr_list_push_rr(set, ldns_rr_clone(ldns_rr_list_rr(ds, 0)));
        if (t[i].with_bad) {
            ldns_rr *b = ldns_rr_clone(ldns_rr_list_rr(ds, 0));
            ldns_rdf_data(ldns_rr_rdf(b, 3))[0] ^= 1;
            ldns_rr_list_push_rr(set, b);
        }
        if (t[i].with_gost) {
            ldns_rr *g = ldns_rr_clone(ldns_rr_list_rr(ds, 0));
            ldns_rdf_data(ldns_rr_rdf(g, 2))[0] = 3;
            ldns_rr_list_push_rr(set, g);
        }
        dbx_sec_t s = dbx_dnskey_verify(&v, z, set, NULL, keys, sig, &ttl);
        if (s != t[i].want) fail_msg("DS policy case %zu: %s (%s)", i, dbx_sec_str(s), v.reason);
        ldns_rr_list_deep_free(set);
    }
    ldns_rr_free(sha1);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(ds);
    ldns_rdf_deep_free(z);
}

static void test_sig_window(void **state)
{
    static const struct { uint32_t inc, exp; int64_t now; uint32_t skew; int want; } t[] = {
        {100, 200, 150, 0, 0},   {100, 200, 201, 0, -1}, {100, 200, 201, 5, 0},
        {100, 200, 99, 0, 1},    {100, 200, 95, 5, 0},   {100, 200, 94, 5, 1},
        /* serial arithmetic across 2^32 (year 2106) */
        {0xFFFFFF00u, 0x00000100u, 0x100000000LL, 0, 0},
        {0xFFFFFF00u, 0x00000100u, 0x100000200LL, 0, -1},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        assert_int_equal(dbx_sig_window(t[i].inc, t[i].exp, t[i].now, t[i].skew), t[i].want);
    }
}

static void test_nsec3_hash_rfc5155(void **state)
{
    /* RFC 5155 Appendix A: salt aabbccdd, 12 iterations */
    static const struct { const char *name, *hash; } t[] = {
        {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
        {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
        {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
        {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
        {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
    };
    static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
    dbx_vctx_t v;
    (void)state;
    memset(&v, 0, sizeof v);
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rdf *n = ldns_dname_new_frm_str(t[i].name);
        uint8_t h[20], want[20];
        size_t wl;
        assert_int_equal(dbx_nsec3_hash(&v, n, 1, 12, salt, sizeof salt, h), DBX_OK);
        assert_int_equal(dbx_b32hex_decode((const uint8_t *)t[i].hash, 32, want, 20, &wl), 0);
        assert_int_equal(wl, 20);
        assert_memory_equal(h, want, 20);
        ldns_rdf_deep_free(n);
    }
    assert_int_equal(v.hashes, DBX_ARRAY_LEN(t));
    /* the per-resolution hash budget */
    v.hashes = DBX_MAX_NSEC3_HASHES;
    {
        ldns_rdf *n = ldns_dname_new_frm_str("example.");
        uint8_t h[20];
        assert_int_equal(dbx_nsec3_hash(&v, n, 1, 12, salt, sizeof salt, h), DBX_ERR_LIMIT);
        assert_int_equal(dbx_nsec3_hash(NULL, n, 2, 12, salt, sizeof salt, h), DBX_ERR_UNSUPPORTED);
        ldns_rdf_deep_free(n);
    }
}

static void test_algorithms(void **state)
{
    static const struct { uint8_t v; int alg, dig; } t[] = {
        {1, 0, 1}, {2, 0, 1}, {3, 0, 0}, {4, 0, 1}, {5, 0, 0}, {7, 0, 0},
        {8, 1, 0}, {10, 1, 0}, {13, 1, 0}, {14, 1, 0}, {15, 0, 0}, {16, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        assert_int_equal(dbx_alg_supported(t[i].v), t[i].alg);
        assert_int_equal(dbx_digest_supported(t[i].v), t[i].dig);
    }
}

static void test_zone_text(void **state)
{
    static const struct { const char *text; int st; size_t n; } t[] = {
        {"$ORIGIN example.\n$TTL 60\n@ IN SOA ns hm ( 1 2\n 3 4 5 ) ; c\nwww A 192.0.2.1\n  AAAA ::1\n", DBX_OK, 3},
        {";; dig output\n;example. IN A\nexample. 60 IN A 192.0.2.1\n\n", DBX_OK, 1},
        {"example. 60 IN TXT \"a;b(c\"\n", DBX_OK, 1},
        {"example. 60 IN A 999.0.0.1\n", DBX_ERR_MALFORMED, 0},
        {"example. 60 IN SOA ( ns hm 1 2 3 4 5\n", DBX_ERR_MALFORMED, 0},
        {"$INCLUDE /etc/passwd\n", DBX_ERR_MALFORMED, 0},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rr_list *l = ldns_rr_list_new();
        int st = dbx_zone_text_parse(t[i].text, 10, l, NULL);
        if (st != t[i].st) fail_msg("case %zu: %d want %d", i, st, t[i].st);
        if (st == DBX_OK) assert_int_equal(ldns_rr_list_rr_count(l), t[i].n);
        ldns_rr_list_deep_free(l);
    }
    {
        ldns_rr_list *l = ldns_rr_list_new();
        assert_int_equal(dbx_zone_text_parse("a. A 192.0.2.1\nb. A 192.0.2.1\n", 1, l, NULL), DBX_ERR_LIMIT);
        ldns_rr_list_deep_free(l);
    }
}

static void test_result_helpers(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    dbx_result_t res;
    uint16_t pref;
    char ex[64], fin[64];
    uint8_t u, s, m;
    const uint8_t *d;
    size_t dl;
    dbx_addr_t a;
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    assert_int_equal(dbx_resolve(r, "example.test", LDNS_RR_TYPE_MX, fx->now, &res), DBX_OK);
    assert_int_equal(dbx_result_mx(&res, 0, &pref, ex, sizeof ex), DBX_OK);
    assert_int_equal(pref, 10);
    assert_string_equal(ex, "mx.example.test");
    assert_int_equal(dbx_result_mx(&res, 0, &pref, ex, 4), DBX_ERR_LIMIT);
    assert_int_equal(dbx_result_mx(&res, 1, &pref, ex, sizeof ex), DBX_ERR_NOTFOUND);
    assert_false(dbx_result_is_alias(&res));
    assert_int_equal(dbx_result_final_name(&res, fin, sizeof fin), DBX_OK);
    assert_string_equal(fin, "example.test");
    dbx_result_free(&res);
    assert_int_equal(dbx_resolve(r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, fx->now, &res), DBX_OK);
    assert_int_equal(dbx_result_tlsa(&res, 0, &u, &s, &m, &d, &dl), DBX_OK);
    assert_int_equal(u, 3);
    assert_int_equal(s, 1);
    assert_int_equal(m, 1);
    assert_int_equal(dl, 32);
    dbx_result_free(&res);
    assert_int_equal(dbx_resolve(r, "www.example.test", LDNS_RR_TYPE_AAAA, fx->now, &res), DBX_OK);
    assert_int_equal(dbx_result_addr(&res, 0, 25, &a), DBX_OK);
    assert_int_equal(a.family, 6);
    assert_int_equal(a.port, 25);
    assert_int_equal(ldns_rr_list_rr_count(res.chain), 1);
    assert_true(dbx_result_is_alias(&res));
    assert_int_equal(dbx_result_final_name(&res, fin, sizeof fin), DBX_OK);
    assert_string_equal(fin, "mx.example.test");
    dbx_result_free(&res);
    assert_false(dbx_result_is_alias(&res));
    assert_int_equal(dbx_result_final_name(&res, fin, sizeof fin), DBX_ERR_NOTFOUND);
    dbx_result_free(&res); /* safe twice */
    assert_int_equal(dbx_resolve(r, "bad..name", LDNS_RR_TYPE_A, fx->now, &res), DBX_ERR_INVAL);
    dbx_resolver_free(r);
    {
        dbx_trust_t b;
        assert_int_equal(dbx_trust_ds_count(NULL), 0);
        assert_int_equal(dbx_trust_builtin(&b), DBX_OK);
        assert_true(dbx_trust_ds_count(&b) >= 1);
        assert_int_equal(dbx_trust_ds_count(&b), ldns_rr_list_rr_count(b.ds));
        dbx_trust_free(&b);
        assert_int_equal(dbx_trust_ds_count(&b), 0);
    }
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_window),
        cmocka_unit_test(test_nsec3_hash_rfc5155),
        cmocka_unit_test(test_algorithms),
        cmocka_unit_test(test_zone_text),
        cmocka_unit_test(test_keytag_ds),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_keytrap_caps),
        cmocka_unit_test(test_ds_digest_policy),
        cmocka_unit_test(test_offline_table),
        cmocka_unit_test(test_cache_warm),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_cache_lru_bounded),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_wrong_anchor),
        cmocka_unit_test(test_forged_signer),
        cmocka_unit_test(test_stripped_rrsigs),
        cmocka_unit_test(test_parent_signed),
        cmocka_unit_test(test_query_counts),
        cmocka_unit_test(test_result_helpers),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
