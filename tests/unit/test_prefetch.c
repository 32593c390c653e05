/* Unit tests: prefetch rounds of the validating resolver
 * (dbx_resolver_prefetch) over the fake DNS transport answering from the
 * signed test tree: the validator's results do not move while the dependent
 * rounds go down, a batch never asks more than the per-resolution query
 * budget allows (and the resolution it is charged to stops there), and a
 * forged or mismatching reply inside a batch is never taken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dbx_dns.h"
#include "dnssec/dbx_resolver.h"
#include "hal_mbedtls.h"
#include "support/fake_dns.h"
#include "support/test_util.h"

#define ZDIR "build/host/zones"

typedef struct {
    dbx_fake_dns_fx_t *d; /* tree, fake transport, upstream */
    dbx_resolver_t *r;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL || (fx->d = dbx_fake_dns_fx_new(ZDIR)) == NULL) return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_fake_dns_fx_free(fx->d);
    free(fx);
    return 0;
}

/* a fresh network resolver (empty caches) over the fake */
static int fresh(void **state)
{
    fx_t *fx = *state;
    dbx_fake_dns_reset(&fx->d->f, &fx->d->z.mem);
    fx->r = calloc(1, sizeof *fx->r);
    if (fx->r == NULL) return -1;
    dbx_resolver_init(fx->r, &fx->d->tr, &fx->d->up, 1, &fx->d->z.trust);
    return 0;
}

static int drop(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_free(fx->r);
    free(fx->r);
    fx->r = NULL;
    assert_int_equal(fx->d->f.errors, 0);
    assert_int_equal(fx->d->f.open_now, 0);
    return 0;
}

/* What a check asks: MX, then the host's A, AAAA and TLSA. */
static const dbx_prefetch_q_t mx_q[] = {{"example.test", DBX_RR_MX}};
static const dbx_prefetch_q_t host_q[] = {{"mx.example.test", DBX_RR_A},
                                          {"mx.example.test", DBX_RR_AAAA},
                                          {"_25._tcp.mx.example.test", DBX_RR_TLSA}};

typedef struct {
    dbx_sec_t sec[4];
    size_t count[4];
    uint32_t rounds, sends;
} run_t;

static run_t check_like(fx_t *fx, int prefetch)
{
    run_t o;
    dbx_result_t res;
    memset(&o, 0, sizeof o);
    if (prefetch) {
        dbx_resolver_prefetch_reset(fx->r);
        assert_int_equal(dbx_resolver_prefetch(fx->r, mx_q, 1, fx->d->z.now), DBX_OK);
    }
    assert_int_equal(dbx_resolve(fx->r, mx_q[0].name, mx_q[0].type, fx->d->z.now, &res), DBX_OK);
    o.sec[0] = res.sec;
    o.count[0] = dbx_result_count(&res);
    dbx_result_free(&res);
    if (prefetch) assert_int_equal(dbx_resolver_prefetch(fx->r, host_q, 3, fx->d->z.now), DBX_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(dbx_resolve(fx->r, host_q[i].name, host_q[i].type, fx->d->z.now, &res), DBX_OK);
        o.sec[i + 1] = res.sec;
        o.count[i + 1] = dbx_result_count(&res);
        dbx_result_free(&res);
    }
    dbx_resolver_prefetch_drop(fx->r);
    o.rounds = fx->r->net.rounds;
    o.sends = (uint32_t)fx->d->f.sends;
    return o;
}

/* same results, fewer dependent rounds; each batch on its own sockets */
static void test_rounds_down_results_same(void **state)
{
    fx_t *fx = *state;
    run_t seq = check_like(fx, 0), par;
    drop(state);
    fresh(state);
    par = check_like(fx, 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(seq.sec[i], DBX_SEC_SECURE);
        assert_int_equal(par.sec[i], seq.sec[i]);
        assert_true(par.count[i] > 0);
        assert_int_equal(par.count[i], seq.count[i]);
    }
    /* sequential: one round per question; prefetched: MX + root + test.
     * keys in round 1, A/AAAA/TLSA + the _tcp probe in round 2, then only
     * what no guess covered (example.test.'s DS and DNSKEY) one by one */
    assert_int_equal(seq.rounds, seq.sends);
    assert_true(par.rounds + 4 <= seq.rounds);
    assert_true(par.rounds <= 4);
    assert_int_equal((int)fx->r->net.outstanding_peak,
                     DBX_DNS_MAX_OUTSTANDING < 4 ? DBX_DNS_MAX_OUTSTANDING : 4);
    assert_int_equal(fx->r->net.mismatch, 0);
    /* warm: the answer cache answers everything, nothing is asked */
    fx->d->f.sends = 0;
    fx->r->net.rounds = 0;
    run_t warm = check_like(fx, 1);
    assert_int_equal(warm.sends, 0);
    assert_int_equal(warm.rounds, 0);
    assert_int_equal(warm.sec[3], DBX_SEC_SECURE);
}

/* prefetch rounds without a resolution in between: together they never ask
 * more than one resolution's query budget, the resolution charged with them
 * stops at that limit, and the next one has its own budget again */
static void test_budget(void **state)
{
    fx_t *fx = *state;
    dbx_result_t res;
    int st = DBX_OK, calls = 0;
    while (st == DBX_OK && calls < 2 * DBX_MAX_QUERIES) {
        st = dbx_resolver_prefetch(fx->r, host_q, 3, fx->d->z.now);
        calls++;
    }
    assert_int_equal(st, DBX_ERR_LIMIT);
    assert_int_equal(fx->d->f.sends, DBX_MAX_QUERIES);
    assert_int_equal(fx->r->pf_debt, DBX_MAX_QUERIES);
    /* the last round's A answer is still there and is taken; everything
     * else it needs would be a new question over the budget */
    assert_int_equal(dbx_resolve(fx->r, "mx.example.test", DBX_RR_A, fx->d->z.now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(res.reason, "query limit"));
    assert_int_equal(res.queries, DBX_MAX_QUERIES);
    assert_int_equal(fx->d->f.sends, DBX_MAX_QUERIES);
    dbx_result_free(&res);
    /* charged once: the next resolution starts with a full budget */
    dbx_resolver_prefetch_drop(fx->r);
    assert_int_equal(dbx_resolve(fx->r, "mx.example.test", DBX_RR_A, fx->d->z.now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_SECURE);
    assert_true(res.queries < DBX_MAX_QUERIES);
    dbx_result_free(&res);
}

/* the time limit: a prefetch round after the limit asks nothing */
static void test_time_limit(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(dbx_resolver_prefetch(fx->r, mx_q, 1, fx->d->z.now), DBX_OK);
    int sent = fx->d->f.sends;
    assert_true(sent > 0);
    fx->r->pf_start_ms -= fx->r->time_limit_ms; /* as if the first round began that long ago */
    assert_int_equal(dbx_resolver_prefetch(fx->r, host_q, 3, fx->d->z.now), DBX_ERR_TIMEOUT);
    assert_int_equal(fx->d->f.sends, sent);
    dbx_result_t res;
    assert_int_equal(dbx_resolve(fx->r, "example.test", DBX_RR_MX, fx->d->z.now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(res.reason, "time limit"));
    dbx_result_free(&res);
}

/* a forged reply (wrong ID; right ID over another question) arrives first
 * on a batch socket: dropped and counted, the real reply taken, nothing
 * asked again, the answer validates */
static void forged(fx_t *fx, int kind, int sock)
{
    dbx_result_t res;
    fx->d->f.forge_socket = sock;
    fx->d->f.forge_kind = kind;
    assert_int_equal(dbx_resolver_prefetch(fx->r, mx_q, 1, fx->d->z.now), DBX_OK);
    int sent = fx->d->f.sends;
    assert_int_equal(fx->d->f.forge_socket, -1); /* it was delivered */
    assert_int_equal(fx->r->net.mismatch, 1);
    assert_int_equal(dbx_resolve(fx->r, "example.test", DBX_RR_MX, fx->d->z.now, &res), DBX_OK);
    assert_int_equal(res.sec, DBX_SEC_SECURE);
    assert_true(dbx_result_count(&res) > 0);
    dbx_result_free(&res);
    /* example.test.'s own DS and DNSKEY: the only questions asked after */
    assert_int_equal(fx->d->f.sends, sent + 2);
}

static void test_forged_id(void **state)
{
    forged(*state, 1, 0);
}

static void test_forged_question(void **state)
{
    forged(*state, 2, 2);
}

/* a resolver over an answer source has no transport: nothing happens */
static void test_no_transport(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t r;
    dbx_resolver_init_source(&r, dbx_memsrc_source(&fx->d->z.mem), &fx->d->z.trust);
    assert_int_equal(dbx_resolver_prefetch(&r, host_q, 3, fx->d->z.now), DBX_OK);
    assert_int_equal(r.pf_debt, 0);
    assert_int_equal(fx->d->f.sends, 0);
    dbx_resolver_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rounds_down_results_same, fresh, drop),
        cmocka_unit_test_setup_teardown(test_budget, fresh, drop),
        cmocka_unit_test_setup_teardown(test_time_limit, fresh, drop),
        cmocka_unit_test_setup_teardown(test_forged_id, fresh, drop),
        cmocka_unit_test_setup_teardown(test_forged_question, fresh, drop),
        cmocka_unit_test_setup_teardown(test_no_transport, fresh, drop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
