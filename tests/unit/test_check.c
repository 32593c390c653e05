/* Unit tests: dbx_check_run() offline (validated answers from the signed
 * test tree of tests/dnssec/mkzones.sh, a transport whose TCP connects
 * fail), and the JSON / mail-log formatters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/dbx_check.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"

#define ZDIR "build/host/zones"

/* transport: TCP connects fail (counted); UDP never used (memsrc) */
typedef struct {
    unsigned tcp_opens;
} fake_net_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **s)
{
    fake_net_t *n = ctx;
    (void)peer;
    (void)ms;
    *s = NULL;
    if (type == DBX_SOCK_TCP) n->tcp_opens++;
    return DBX_ERR_IO;
}
static int f_send(void *c, void *s, const uint8_t *b, size_t l) { (void)c; (void)s; (void)b; (void)l; return DBX_ERR_IO; }
static int f_recv(void *c, void *s, uint8_t *b, size_t cap, size_t *got, uint32_t ms)
{
    (void)c; (void)s; (void)b; (void)cap; (void)ms;
    *got = 0;
    return DBX_ERR_IO;
}
static void f_close(void *c, void *s) { (void)c; (void)s; }

typedef struct {
    dbx_test_zones_t z;
    fake_net_t net;
    dbx_transport_t tr;
    dbx_check_config_t cfg;
    dbx_check_work_t work;
    dbx_check_result_t res;
    char buf[16384];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    hal_mbedtls_init();
    if (dbx_test_zones_init(&fx->z, ZDIR) != 0) return -1;
    dbx_check_config_defaults(&fx->cfg);
    fx->cfg.now = fx->z.now;
    fx->tr = (dbx_transport_t){&fx->net, f_open, f_send, f_recv, f_close};
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

static void run(fx_t *fx, const char *domain)
{
    fx->net.tcp_opens = 0;
    assert_int_equal(dbx_check_run(&fx->cfg, &fx->z.r, &fx->tr, &fx->work, domain, &fx->res), DBX_OK);
}

static void test_args(void **state)
{
    fx_t *fx = *state;
    dbx_check_config_t c = fx->cfg;
    c.now = 0;
    assert_int_equal(dbx_check_run(&c, &fx->z.r, &fx->tr, &fx->work, "example.test", &fx->res), DBX_ERR_NOTIME);
    c = fx->cfg;
    c.families = 0;
    assert_int_equal(dbx_check_run(&c, &fx->z.r, &fx->tr, &fx->work, "example.test", &fx->res), DBX_ERR_INVAL);
    assert_int_equal(dbx_check_run(&fx->cfg, &fx->z.r, &fx->tr, &fx->work, "", &fx->res), DBX_ERR_INVAL);
    assert_int_equal(dbx_check_json(NULL, fx->buf, sizeof fx->buf), DBX_ERR_INVAL);
}

/* secure MX, A/AAAA, TLSA; connects fail -> defer smtp-failed per address */
static void test_secure_connect_fails(void **state)
{
    fx_t *fx = *state;
    run(fx, "example.test.");
    const dbx_check_result_t *r = &fx->res;
    assert_string_equal(r->domain, "example.test");
    assert_int_equal(r->mx.sec, DBX_DNSSEC_SECURE);
    assert_true(r->dane_possible);
    assert_int_equal(r->n_hosts, 1);
    assert_string_equal(r->hosts[0].name, "mx.example.test");
    assert_string_equal(r->hosts[0].tlsa_base, "mx.example.test");
    assert_int_equal(r->hosts[0].tlsa.sec, DBX_DNSSEC_SECURE);
    assert_int_equal(r->hosts[0].usable_tlsa, 1);
    assert_int_equal(r->hosts[0].n_tlsa, 1);
    assert_string_equal(r->hosts[0].tlsa_rr[0].text,
                        "3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1");
    assert_int_equal(r->hosts[0].n_addrs, 2);
    assert_int_equal(fx->net.tcp_opens, 2);
    assert_int_equal(r->smtp_sessions, 2);
    assert_int_equal(r->verdict, DBX_VERDICT_DEFER);
    assert_int_equal(r->deciding_host, -1);
    assert_non_null(strstr(r->hosts[0].addrs[0].reason, "smtp-failed"));
    assert_int_equal(r->hosts[0].addrs[0].tls, DBX_CHECK_TLS_NONE);
    assert_true(r->dns_queries > 0);

    /* -4: one address only */
    dbx_check_config_t c = fx->cfg;
    c.families = DBX_CHECK_IPV4;
    assert_int_equal(dbx_check_run(&c, &fx->z.r, &fx->tr, &fx->work, "example.test", &fx->res), DBX_OK);
    assert_int_equal(fx->res.hosts[0].n_addrs, 1);
    assert_false(fx->res.hosts[0].aaaa.done);
}

/* a warm check within the TTLs (answer cache): the same facts, no DNS
 * question (the source's fetches), no signature verified (the crypto HAL) */
static void test_warm_check(void **state)
{
    fx_t *fx = *state;
    uint32_t f0, v0, f1, v1;
    dbx_resolver_flush(&fx->z.r);
    f0 = fx->z.mem.fetches;
    v0 = dbx_test_sig_verifies();
    run(fx, "example.test");
    f1 = fx->z.mem.fetches;
    v1 = dbx_test_sig_verifies();
    printf("cold check: %u questions, %u signatures\n", f1 - f0, v1 - v0);
    assert_true(f1 - f0 >= 4 && v1 - v0 >= 4); /* MX, A, AAAA, TLSA at least */
    assert_int_equal(fx->res.dns_queries, f1 - f0);
    assert_int_equal(fx->res.hosts[0].tlsa.sec, DBX_DNSSEC_SECURE);
    dbx_check_config_t c = fx->cfg;
    c.now += 60;
    assert_int_equal(dbx_check_run(&c, &fx->z.r, &fx->tr, &fx->work, "example.test", &fx->res), DBX_OK);
    printf("warm check: %u questions, %u signatures; answer cache %u bytes\n", fx->z.mem.fetches - f1,
           dbx_test_sig_verifies() - v1, fx->z.r.acache_bytes);
    assert_int_equal(fx->z.mem.fetches, f1);
    assert_int_equal(dbx_test_sig_verifies(), v1);
    assert_int_equal(fx->res.dns_queries, 0);
    assert_int_equal(fx->res.mx.sec, DBX_DNSSEC_SECURE);
    assert_int_equal(fx->res.hosts[0].tlsa.sec, DBX_DNSSEC_SECURE);
    assert_int_equal(fx->res.hosts[0].usable_tlsa, 1);
    assert_int_equal(fx->res.hosts[0].n_addrs, 2);
    /* a TTL (3600) later: validated again */
    c.now = fx->cfg.now + 3600;
    assert_int_equal(dbx_check_run(&c, &fx->z.r, &fx->tr, &fx->work, "example.test", &fx->res), DBX_OK);
    assert_true(fx->res.dns_queries >= 4);
    assert_true(dbx_test_sig_verifies() > v1);
}

/* implicit MX through a CNAME: TLSA at the expanded name first */
static void test_implicit_cname(void **state)
{
    fx_t *fx = *state;
    run(fx, "www.example.test");
    const dbx_check_host_t *h = &fx->res.hosts[0];
    assert_true(fx->res.implicit_mx);
    assert_int_equal(fx->res.mx.sec, DBX_DNSSEC_SECURE_DENIAL);
    assert_string_equal(h->name, "www.example.test");
    assert_string_equal(h->expanded, "mx.example.test");
    assert_true(h->tlsa_expanded.done);
    assert_string_equal(h->tlsa_base, "mx.example.test");
}

/* an MX host that is an alias of a bogus name: the expanded name is never
 * taken (nor reported) from a bogus chain */
static void test_bogus_alias(void **state)
{
    fx_t *fx = *state;
    run(fx, "bogusmx.example.test");
    const dbx_check_host_t *h = &fx->res.hosts[0];
    assert_int_equal(fx->res.n_hosts, 1);
    assert_string_equal(h->name, "tobogus.example.test");
    assert_int_equal(h->a.sec, DBX_DNSSEC_BOGUS);
    assert_string_equal(h->expanded, "");
    assert_int_equal(fx->res.verdict, DBX_VERDICT_DEFER);
}

/* MX preference order, case folded, hosts without addresses */
static void test_order_no_address(void **state)
{
    fx_t *fx = *state;
    run(fx, "multi.example.test");
    assert_int_equal(fx->res.n_hosts, 2);
    assert_string_equal(fx->res.hosts[0].name, "a.example.test");
    assert_int_equal(fx->res.hosts[0].preference, 5);
    assert_string_equal(fx->res.hosts[1].name, "mail.example.test");
    assert_int_equal(fx->net.tcp_opens, 0);
    assert_int_equal(fx->res.verdict, DBX_VERDICT_DEFER);
    assert_non_null(strstr(fx->res.reason, "no-address"));
}

static void test_bogus_and_insecure(void **state)
{
    fx_t *fx = *state;
    run(fx, "expired.test");
    assert_int_equal(fx->res.mx.sec, DBX_DNSSEC_BOGUS);
    assert_int_equal(fx->res.n_hosts, 0);
    assert_int_equal(fx->net.tcp_opens, 0);
    assert_non_null(strstr(fx->res.reason, "mx-bogus"));

    run(fx, "www.insecure.test");
    assert_int_equal(fx->res.mx.sec, DBX_DNSSEC_INSECURE);
    assert_false(fx->res.dane_possible);
    assert_false(fx->res.hosts[0].tlsa.done);
    assert_non_null(strstr(fx->res.hosts[0].tlsa.reason, "MX RRset insecure"));
    assert_int_equal(fx->net.tcp_opens, 1); /* opportunistic: still connects */
    assert_int_equal(fx->res.verdict, DBX_VERDICT_DEFER); /* ... but cannot */
}

static void test_json_summary(void **state)
{
    fx_t *fx = *state;
    static char again[16384];
    char small[64];
    run(fx, "example.test");
    assert_int_equal(dbx_check_json(&fx->res, fx->buf, sizeof fx->buf), DBX_OK);
    assert_null(strchr(fx->buf, '\n'));
    assert_memory_equal(fx->buf, "{\"domain\":\"example.test\",\"verdict\":\"defer\"", 42);
    assert_non_null(strstr(fx->buf, "\"tlsa_records\":[\"3 1 1 8cb0fc"));
    assert_int_equal(fx->buf[strlen(fx->buf) - 1], '}');
    /* deterministic: the same result gives the same bytes */
    assert_int_equal(dbx_check_json(&fx->res, again, sizeof again), DBX_OK);
    assert_string_equal(fx->buf, again);
    assert_int_equal(dbx_check_json(&fx->res, small, sizeof small), DBX_ERR_BUFFER);
    assert_int_equal(strlen(small), sizeof small - 1);

    assert_int_equal(dbx_check_summary_lines(&fx->res, fx->buf, sizeof fx->buf), DBX_OK);
    assert_non_null(strstr(fx->buf, "mx.example.test[192.0.2.25]:25: deferred: smtp-failed"));
    assert_non_null(strstr(fx->buf, "mx.example.test[2001:db8::25]:25: deferred:"));
    assert_non_null(strstr(fx->buf, "\nexample.test: deferred: #0 mx.example.test"));
    assert_int_equal(fx->buf[strlen(fx->buf) - 1], '\n');
    assert_string_equal(dbx_check_tls_str(DBX_CHECK_TLS_VERIFIED), "verified");
    assert_string_equal(dbx_check_tls_str((dbx_check_tls_t)42), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_secure_connect_fails),
        cmocka_unit_test(test_implicit_cname),
        cmocka_unit_test(test_bogus_alias),
        cmocka_unit_test(test_order_no_address),
        cmocka_unit_test(test_bogus_and_insecure),
        cmocka_unit_test(test_json_summary),
        cmocka_unit_test(test_warm_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
