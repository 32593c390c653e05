/* Unit tests: the validated answer cache of the resolver (src/dnssec/
 * dbx_acache.c) offline against the signed test tree: a warm answer costs
 * no question and no signature; entries die with their TTL, their RRSIG
 * expiration, outside their validation-time window (--time), bogus ones
 * after DBX_ACACHE_BOGUS_TTL; LRU eviction under the entry and byte bounds. */
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

#define ZDIR "build/host/zones"
/* tests/dnssec/mkzones.sh signs with -e 20350101000000 */
#define SIG_EXPIRATION 2051222400

typedef struct {
    dbx_test_zones_t z;
    dbx_resolver_t *r;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    hal_mbedtls_init();
    if (dbx_test_zones_init(&fx->z, ZDIR) != 0) {
        print_error("signed test zones missing in " ZDIR " (run make)\n");
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_test_zones_free(&fx->z);
    free(fx);
    return 0;
}

/* A fresh resolver over the tree for every test. */
static int fresh(void **state)
{
    fx_t *fx = *state;
    fx->r = calloc(1, sizeof *fx->r);
    if (fx->r == NULL) return -1;
    dbx_resolver_init_source(fx->r, dbx_memsrc_source(&fx->z.mem), &fx->z.trust);
    return 0;
}

static int drop(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_free(fx->r);
    free(fx->r);
    fx->r = NULL;
    return 0;
}

typedef struct {
    dbx_sec_t sec;
    dbx_answer_kind_t kind;
    size_t count;
    uint32_t queries, sigs, ttl;
    char reason[128];
    char rrs[1024]; /* the answer and the chain as text */
} seen_t;

/* Resolve @p name/@p type at @p t; what it gave and what it cost (the
 * answer source's fetches and the crypto HAL's verifies, not the result's
 * own counters, which could lie). */
static seen_t ask(fx_t *fx, const char *name, uint16_t type, int64_t t)
{
    dbx_result_t res;
    seen_t s;
    uint32_t f0 = fx->z.mem.fetches, v0 = dbx_test_sig_verifies();
    assert_int_equal(dbx_resolve(fx->r, name, type, t, &res), DBX_OK);
    s.sec = res.sec;
    s.kind = res.kind;
    s.count = dbx_result_count(&res);
    s.queries = fx->z.mem.fetches - f0;
    s.sigs = dbx_test_sig_verifies() - v0;
    s.ttl = res.ttl;
    assert_int_equal(s.queries, res.queries);
    assert_int_equal(s.sigs, res.sig_verifies);
    memcpy(s.reason, res.reason, sizeof s.reason);
    s.rrs[0] = '\0';
    char *a = ldns_rr_list2str(res.answer), *c = ldns_rr_list2str(res.chain);
    snprintf(s.rrs, sizeof s.rrs, "%s|%s", a ? a : "", c ? c : "");
    free(a);
    free(c);
    dbx_result_free(&res);
    return s;
}

/* warm: the same verdict, no question, no signature */
static void test_warm_costs_nothing(void **state)
{
    fx_t *fx = *state;
    static const struct {
        const char *name;
        uint16_t type;
        dbx_sec_t sec;
        dbx_answer_kind_t kind;
    } q[] = {
        {"_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, DBX_SEC_SECURE, DBX_ANSWER_DATA},
        {"example.test", LDNS_RR_TYPE_MX, DBX_SEC_SECURE, DBX_ANSWER_DATA},
        {"www.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA}, /* CNAME */
        {"nope.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_NXDOMAIN},
        {"mx.example.test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_NODATA},
        {"nx.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_NXDOMAIN}, /* NSEC3 */
        {"www.insecure.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_DATA},
        {"nx.insecure.test", LDNS_RR_TYPE_A, DBX_SEC_INSECURE, DBX_ANSWER_NXDOMAIN},
    };
    for (size_t i = 0; i < DBX_ARRAY_LEN(q); i++) {
        seen_t a = ask(fx, q[i].name, q[i].type, fx->z.now);
        seen_t b = ask(fx, q[i].name, q[i].type, fx->z.now + 10);
        printf("%s/%u: %s cold %u queries %u sigs, warm %u queries %u sigs\n", q[i].name,
               q[i].type, dbx_sec_str(b.sec), a.queries, a.sigs, b.queries, b.sigs);
        assert_int_equal(a.sec, q[i].sec);
        assert_int_equal(a.kind, q[i].kind);
        assert_true(a.queries > 0);
        assert_int_equal(b.sec, a.sec);
        assert_int_equal(b.kind, a.kind);
        assert_int_equal(b.count, a.count);
        assert_string_equal(b.reason, a.reason);
        assert_string_equal(b.rrs, a.rrs);
        assert_int_equal(b.queries, 0);
        assert_int_equal(b.sigs, 0);
        assert_true(b.ttl <= a.ttl - 10 && b.ttl > 0); /* the rest of its lifetime */
    }
    assert_int_equal(fx->r->answer_hits, DBX_ARRAY_LEN(q));
    /* the question is the key: another type or name is not answered */
    assert_true(ask(fx, "mx.example.test", LDNS_RR_TYPE_AAAA, fx->z.now).queries > 0);
    assert_int_equal(ask(fx, "MX.example.TEST", LDNS_RR_TYPE_AAAA, fx->z.now).queries, 0);
}

/* an entry lives exactly its TTL (3600 s in the tree) from when it was stored */
static void test_ttl(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = fx->z.now;
    seen_t a = ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, t0);
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    assert_int_equal(a.ttl, 3600);
    assert_int_equal(ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, t0 + 3599).queries, 0);
    seen_t c = ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, t0 + 3600);
    assert_true(c.queries > 0);
    assert_true(c.sigs > 0); /* the TLSA RRSIG again (the keys are cached for as long) */
    /* a negative answer: its TTL is the SOA minimum / NSEC TTL (300) */
    seen_t n = ask(fx, "nope.example.test", LDNS_RR_TYPE_A, t0);
    assert_int_equal(n.ttl, 300);
    assert_int_equal(ask(fx, "nope.example.test", LDNS_RR_TYPE_A, t0 + 299).queries, 0);
    assert_true(ask(fx, "nope.example.test", LDNS_RR_TYPE_A, t0 + 300).queries > 0);
    /* an insecure answer: its own TTL */
    seen_t i = ask(fx, "nx.insecure.test", LDNS_RR_TYPE_A, t0);
    assert_int_equal(i.sec, DBX_SEC_INSECURE);
    assert_int_equal(i.ttl, 3600);
    assert_int_equal(ask(fx, "nx.insecure.test", LDNS_RR_TYPE_A, t0 + 3599).queries, 0);
    assert_true(ask(fx, "nx.insecure.test", LDNS_RR_TYPE_A, t0 + 3600).queries > 0);
}

/* an answer validated with cached keys does not outlive the RRSIGs that
 * proved those keys (the tree signs everything alike: pretend the zone's
 * DNSKEY RRSIG expires in 100 s) */
static void test_chain_expiry(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = fx->z.now;
    ldns_rdf *zone = ldns_dname_new_frm_str("example.test.");
    size_t hit = 0;
    assert_int_equal(ask(fx, "example.test", LDNS_RR_TYPE_MX, t0).sec, DBX_SEC_SECURE);
    for (size_t k = 0; k < DBX_CACHE_ENTRIES; k++) {
        dbx_cache_entry_t *e = &fx->r->cache[k];
        if (e->name != NULL && ldns_dname_compare(e->name, zone) == 0) {
            assert_true(e->sig_until >= SIG_EXPIRATION - 1); /* what was seen */
            e->sig_until = t0 + 100;
            hit++;
        }
    }
    ldns_rdf_deep_free(zone);
    assert_int_equal(hit, 1);
    seen_t a = ask(fx, "mx.example.test", LDNS_RR_TYPE_A, t0); /* keys from the cache */
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    assert_int_equal(a.queries, 1);
    assert_int_equal(ask(fx, "mx.example.test", LDNS_RR_TYPE_A, t0 + 99).queries, 0);
    assert_true(ask(fx, "mx.example.test", LDNS_RR_TYPE_A, t0 + 100).queries > 0);
}

/* an entry never outlives the RRSIGs it was validated with */
static void test_rrsig_expiry(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = SIG_EXPIRATION - 600; /* TTL 3600 would reach past it */
    seen_t a = ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, t0);
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    assert_int_equal(a.ttl, 600);
    assert_int_equal(ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, t0 + 599).queries, 0);
    /* past the expiration (inside the TTL, inside the clock skew the
     * validator allows): validated again, not served */
    seen_t b = ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, SIG_EXPIRATION + 1);
    assert_true(b.queries > 0);
    assert_true(b.sigs > 0);
    /* well past it: bogus, and the old secure answer is not handed out */
    seen_t c = ask(fx, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, SIG_EXPIRATION + 1000);
    assert_int_equal(c.sec, DBX_SEC_BOGUS);
    assert_int_equal(c.count, 0);
}

/* --time: only validation times inside the entry's window are answered */
static void test_time_window(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = fx->z.now;
    seen_t a = ask(fx, "example.test", LDNS_RR_TYPE_MX, t0);
    assert_int_equal(a.sec, DBX_SEC_SECURE);
    /* earlier than it was validated at: validated again */
    assert_true(ask(fx, "example.test", LDNS_RR_TYPE_MX, t0 - 1).queries > 0);
    /* that stored the answer at t0 - 1: t0 is inside its TTL */
    assert_int_equal(ask(fx, "example.test", LDNS_RR_TYPE_MX, t0).queries, 0);
    /* long before the signatures' inception (2024): bogus, never the cached secure answer */
    seen_t b = ask(fx, "example.test", LDNS_RR_TYPE_MX, 1600000000);
    assert_int_equal(b.sec, DBX_SEC_BOGUS);
    assert_true(b.queries > 0);
    assert_int_equal(b.count, 0);
}

/* bogus results are kept DBX_ACACHE_BOGUS_TTL seconds, whatever the TTLs say */
static void test_bogus_short(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = fx->z.now;
    seen_t a = ask(fx, "www.expired.test", LDNS_RR_TYPE_A, t0);
    assert_int_equal(a.sec, DBX_SEC_BOGUS);
    seen_t b = ask(fx, "www.expired.test", LDNS_RR_TYPE_A, t0 + DBX_ACACHE_BOGUS_TTL - 1);
    assert_int_equal(b.sec, DBX_SEC_BOGUS);
    assert_int_equal(b.queries, 0);
    assert_int_equal(b.count, 0);
    assert_string_equal(b.reason, a.reason);
    seen_t c = ask(fx, "www.expired.test", LDNS_RR_TYPE_A, t0 + DBX_ACACHE_BOGUS_TTL);
    assert_int_equal(c.sec, DBX_SEC_BOGUS);
    assert_true(c.queries > 0);
}

/* indeterminate results (upstream failures, budgets) are not kept */
static int fail_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    (void)ctx; (void)qname; (void)qtype;
    *out = NULL;
    return DBX_ERR_TIMEOUT;
}

static void test_indeterminate_not_kept(void **state)
{
    fx_t *fx = *state;
    dbx_result_t res;
    fx->r->src = (dbx_source_t){NULL, fail_fetch};
    assert_int_equal(dbx_resolve(fx->r, "example.test", LDNS_RR_TYPE_MX, fx->z.now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_INDETERMINATE);
    dbx_result_free(&res);
    fx->r->src = dbx_memsrc_source(&fx->z.mem);
    seen_t b = ask(fx, "example.test", LDNS_RR_TYPE_MX, fx->z.now);
    assert_int_equal(b.sec, DBX_SEC_SECURE);
    assert_true(b.queries > 0);
}

static size_t live_entries(const dbx_resolver_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) n += r->acache[i].used != 0;
    return n;
}

static const char *const names[] = {"mx.example.test", "host.n3.test", "www.insecure.test",
                                    "a.b.example.test", "www.iter.test"};

/* LRU under the entry bound */
static void test_lru_entries(void **state)
{
    fx_t *fx = *state;
    int64_t t = fx->z.now;
    seen_t cold[4];
    fx->r->acache_max_entries = 3;
    for (size_t i = 0; i < 3; i++) cold[i] = ask(fx, names[i], LDNS_RR_TYPE_A, t);
    assert_int_equal(live_entries(fx->r), 3);
    assert_int_equal(ask(fx, names[0], LDNS_RR_TYPE_A, t).queries, 0); /* names[1] is LRU now */
    cold[3] = ask(fx, names[3], LDNS_RR_TYPE_A, t);
    assert_int_equal(live_entries(fx->r), 3);
    for (size_t i = 0; i < 4; i++) { /* the arena was compacted: same records */
        if (i == 1) continue;
        seen_t w = ask(fx, names[i], LDNS_RR_TYPE_A, t);
        assert_int_equal(w.queries, 0);
        assert_string_equal(w.rrs, cold[i].rrs);
        assert_string_equal(w.reason, cold[i].reason);
    }
    assert_true(ask(fx, names[1], LDNS_RR_TYPE_A, t).queries > 0); /* evicted */
    assert_int_equal(live_entries(fx->r), 3);
    /* the compile-time bound holds whatever is asked */
    fx->r->acache_max_entries = DBX_ACACHE_ENTRIES;
    for (int k = 0; k < DBX_ACACHE_ENTRIES + 4; k++) {
        char nm[64];
        snprintf(nm, sizeof nm, "n%d.example.test", k);
        ask(fx, nm, LDNS_RR_TYPE_A, t);
        assert_true(live_entries(fx->r) <= DBX_ACACHE_ENTRIES);
    }
    assert_int_equal(live_entries(fx->r), DBX_ACACHE_ENTRIES);
}

/* LRU under the byte bound; an answer larger than the bound is not kept */
static void test_lru_bytes(void **state)
{
    fx_t *fx = *state;
    int64_t t = fx->z.now;
    ask(fx, names[0], LDNS_RR_TYPE_A, t);
    uint32_t one = fx->r->acache_bytes;
    assert_true(one > 0 && one <= DBX_ACACHE_BYTES);
    dbx_resolver_flush(fx->r);
    assert_int_equal(fx->r->acache_bytes, 0);
    fx->r->acache_max_bytes = one * 2 + one / 2; /* two such entries, not three */
    for (size_t i = 0; i < 3; i++) {
        ask(fx, names[i], LDNS_RR_TYPE_A, t);
        assert_true(fx->r->acache_bytes <= fx->r->acache_max_bytes);
    }
    assert_int_equal(live_entries(fx->r), 2);
    assert_true(ask(fx, names[0], LDNS_RR_TYPE_A, t).queries > 0); /* the oldest went */
    /* eight long TXT records: more than the whole (lowered) cache */
    uint32_t before = fx->r->acache_bytes;
    seen_t big = ask(fx, "txt.big.test", LDNS_RR_TYPE_TXT, t);
    assert_int_equal(big.sec, DBX_SEC_SECURE);
    assert_int_equal(big.count, 8);
    assert_int_equal(fx->r->acache_bytes, before);
    assert_true(ask(fx, "txt.big.test", LDNS_RR_TYPE_TXT, t).queries > 0);
    /* the default bound, many answers: never above it */
    fx->r->acache_max_bytes = DBX_ACACHE_BYTES;
    for (int k = 0; k < 40; k++) {
        char nm[64];
        snprintf(nm, sizeof nm, "n%d.example.test", k);
        ask(fx, nm, k % 2 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_TXT, t);
        assert_true(fx->r->acache_bytes <= DBX_ACACHE_BYTES);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_warm_costs_nothing, fresh, drop),
        cmocka_unit_test_setup_teardown(test_ttl, fresh, drop),
        cmocka_unit_test_setup_teardown(test_chain_expiry, fresh, drop),
        cmocka_unit_test_setup_teardown(test_rrsig_expiry, fresh, drop),
        cmocka_unit_test_setup_teardown(test_time_window, fresh, drop),
        cmocka_unit_test_setup_teardown(test_bogus_short, fresh, drop),
        cmocka_unit_test_setup_teardown(test_indeterminate_not_kept, fresh, drop),
        cmocka_unit_test_setup_teardown(test_lru_entries, fresh, drop),
        cmocka_unit_test_setup_teardown(test_lru_bytes, fresh, drop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
