/* Unit tests: the DNSSEC validator, offline against zones signed at test
 * time (tests/dnssec/mkzones.sh -> build/host/zones): the validation case
 * table, the key cache, time and query limits and the result helpers.
 * Attacks on the tree: test_dnssec_attacks.c; primitives: test_dnssec_prims.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
        cmocka_unit_test(test_offline_table),
        cmocka_unit_test(test_cache_warm),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_cache_lru_bounded),
        cmocka_unit_test(test_query_counts),
        cmocka_unit_test(test_result_helpers),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
