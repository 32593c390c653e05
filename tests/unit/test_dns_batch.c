/* Unit tests: concurrent DNS questions (dbx_dns_query_batch) over a fake
 * transport with one reply queue per socket: every question is sent before
 * any reply is read, each on its own socket with its own ID, replies in any
 * order and cross-wired ones are matched or dropped, truncated answers fall
 * back to the one-by-one exchange (its UDP, then TCP), and more than DBX_DNS_MAX_OUTSTANDING questions are refused
 * before anything is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dbx_dns.h"
#include "dnssec/dbx_resolver.h"
#include "hal_mbedtls.h"
#include "support/fake_dns.h"
#include "support/test_util.h"

#define ZDIR "build/host/zones"

typedef dbx_fake_dns_fx_t fx_t;

static int setup(void **state)
{
    *state = dbx_fake_dns_fx_new(ZDIR);
    return *state != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    dbx_fake_dns_fx_free(*state);
    return 0;
}

static int reset(void **state)
{
    fx_t *fx = *state;
    dbx_fake_dns_reset(&fx->f, &fx->z.mem);
    return 0;
}

static const char *const qn[] = {"mx.example.test.", "mx.example.test.", "_25._tcp.mx.example.test.",
                                 "example.test."};
static const ldns_rr_type qt[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_TLSA, LDNS_RR_TYPE_MX};

/* Ask the four questions above (at most DBX_DNS_MAX_OUTSTANDING) and check
 * that every answer is the answer to its own question. */
static void ask4(fx_t *fx, dbx_dns_stats_t *stats)
{
    enum { N = DBX_DNS_MAX_OUTSTANDING < 4 ? DBX_DNS_MAX_OUTSTANDING : 4 };
    dbx_dns_question_t qs[N];
    ldns_rdf *names[N];
    ldns_pkt *out[N];
    int st[N];
    for (size_t i = 0; i < N; i++) {
        names[i] = ldns_dname_new_frm_str(qn[i]);
        qs[i] = (dbx_dns_question_t){names[i], qt[i]};
    }
    assert_int_equal(dbx_dns_query_batch(&fx->tr, &fx->up, 1, qs, N, stats, out, st), DBX_OK);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(st[i], DBX_OK);
        assert_non_null(out[i]);
        const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(out[i]), 0);
        assert_int_equal(ldns_dname_compare(ldns_rr_owner(q), names[i]), 0);
        assert_int_equal(ldns_rr_get_type(q), qt[i]);
        assert_true(ldns_pkt_ancount(out[i]) > 0);
        ldns_pkt_free(out[i]);
        ldns_rdf_deep_free(names[i]);
    }
}

/* all on the wire before the first reply is read; own socket and ID each */
static void test_concurrent(void **state)
{
    fx_t *fx = *state;
    dbx_dns_stats_t stats = {0};
    int n = DBX_DNS_MAX_OUTSTANDING < 4 ? DBX_DNS_MAX_OUTSTANDING : 4;
    ask4(fx, &stats);
    assert_int_equal(fx->f.sends, n);
    assert_int_equal(fx->f.sends_before_first_data, n);
    assert_int_equal(fx->f.open_peak, n);
    assert_int_equal(fx->f.open_now, 0); /* every socket closed */
    assert_int_equal((int)stats.outstanding_peak, n);
    assert_int_equal((int)stats.queries, n);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i; k++) assert_true(fx->f.socks[i].id != fx->f.socks[k].id);
    }
}

/* the first question's reply comes last; another socket first receives a
 * reply that is not its own (dropped, counted), then its own */
static void test_order_and_crosswire(void **state)
{
    fx_t *fx = *state;
    dbx_dns_stats_t stats = {0};
    fx->f.delay_first = 5;
    fx->f.cross = 1;
    ask4(fx, &stats);
    assert_int_equal(stats.mismatch, 1);
    assert_int_equal(stats.tcp, 0);
    assert_int_equal(fx->f.open_now, 0);
}

/* a truncated reply: that question alone is asked again and goes to TCP */
static void test_truncated(void **state)
{
    fx_t *fx = *state;
    dbx_dns_stats_t stats = {0};
    int n = DBX_DNS_MAX_OUTSTANDING < 4 ? DBX_DNS_MAX_OUTSTANDING : 4;
    fx->f.tc_socket = 1;
    ask4(fx, &stats);
    assert_int_equal(stats.tcp, 0); /* the redo's own UDP answer is not truncated */
    assert_int_equal((int)stats.queries, n + 1);
    /* every UDP answer truncated: each question ends on TCP */
    reset(state);
    memset(&stats, 0, sizeof stats);
    fx->f.tc_socket = -2;
    ask4(fx, &stats);
    assert_int_equal((int)stats.tcp, n);
    assert_int_equal(fx->f.open_now, 0);
}

/* more than DBX_DNS_MAX_OUTSTANDING: refused, nothing opened or sent */
static void test_limit(void **state)
{
    fx_t *fx = *state;
    dbx_dns_question_t qs[DBX_DNS_MAX_OUTSTANDING + 1];
    ldns_pkt *out[DBX_DNS_MAX_OUTSTANDING + 1];
    int st[DBX_DNS_MAX_OUTSTANDING + 1];
    dbx_dns_stats_t stats = {0};
    ldns_rdf *name = ldns_dname_new_frm_str("mx.example.test.");
    for (size_t i = 0; i < DBX_ARRAY_LEN(qs); i++) qs[i] = (dbx_dns_question_t){name, LDNS_RR_TYPE_A};
    assert_int_equal(dbx_dns_query_batch(&fx->tr, &fx->up, 1, qs, DBX_ARRAY_LEN(qs), &stats, out, st),
                     DBX_ERR_LIMIT);
    assert_int_equal(fx->f.nsocks, 0);
    assert_int_equal(fx->f.sends, 0);
    assert_int_equal(stats.queries, 0);
    /* exactly the bound: fine */
    assert_int_equal(dbx_dns_query_batch(&fx->tr, &fx->up, 1, qs, DBX_DNS_MAX_OUTSTANDING, &stats, out, st),
                     DBX_OK);
    assert_int_equal(fx->f.open_peak, DBX_DNS_MAX_OUTSTANDING);
    for (size_t i = 0; i < DBX_DNS_MAX_OUTSTANDING; i++) {
        assert_int_equal(st[i], DBX_OK);
        ldns_pkt_free(out[i]);
    }
    assert_int_equal(dbx_dns_query_batch(&fx->tr, &fx->up, 1, qs, 0, &stats, out, st), DBX_ERR_INVAL);
    ldns_rdf_deep_free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_concurrent, reset),
        cmocka_unit_test_setup(test_order_and_crosswire, reset),
        cmocka_unit_test_setup(test_truncated, reset),
        cmocka_unit_test_setup(test_limit, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
