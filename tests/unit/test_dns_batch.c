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
#include "support/test_util.h"

#define ZDIR "build/host/zones"
#define MAXS 16

typedef struct fsock {
    dbx_sock_type_t type;
    int idx;          /* open order */
    uint16_t id;      /* ID of the query sent on it */
    uint8_t *reply;   /* what it will deliver */
    size_t len, pos;
    int delay;        /* recv calls answered with a timeout first */
    int open;
} fsock_t;

typedef struct {
    dbx_memsrc_t *mem; /* the test tree's */
    fsock_t socks[MAXS];
    int nsocks, open_now, open_peak;
    int sends, recv_data, sends_before_first_data;
    int delay_first;  /* delay for socket 0 */
    int cross;        /* socket 1 first gets socket 0's reply */
    int tc_socket;    /* UDP socket whose reply is truncated (-1: none, -2: all) */
} fake_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t to, void **sock)
{
    fake_t *f = ctx;
    (void)peer;
    (void)to;
    assert_true(f->nsocks < MAXS);
    fsock_t *s = &f->socks[f->nsocks];
    memset(s, 0, sizeof *s);
    s->type = type;
    s->idx = f->nsocks++;
    s->open = 1;
    s->delay = s->idx == 0 ? f->delay_first : 0;
    if (++f->open_now > f->open_peak) f->open_peak = f->open_now;
    *sock = s;
    return DBX_OK;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    fake_t *f = ctx;
    fsock_t *s = sock;
    ldns_pkt *q = NULL, *a = NULL;
    const uint8_t *msg = buf;
    f->sends++;
    if (s->type == DBX_SOCK_TCP) {
        msg += 2;
        len -= 2;
    }
    assert_int_equal(ldns_wire2pkt(&q, msg, len), LDNS_STATUS_OK);
    const ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    dbx_source_t src = dbx_memsrc_source(f->mem);
    assert_int_equal(src.fetch(src.ctx, ldns_rr_owner(qr), ldns_rr_get_type(qr), &a), DBX_OK);
    ldns_rr_list_deep_free(ldns_pkt_question(a));
    ldns_pkt_set_question(a, ldns_rr_list_clone(ldns_pkt_question(q)));
    ldns_pkt_set_id(a, ldns_pkt_id(q));
    s->id = ldns_pkt_id(q);
    if (s->type == DBX_SOCK_UDP && (s->idx == f->tc_socket || f->tc_socket == -2)) {
        ldns_rr_list_deep_free(ldns_pkt_answer(a));
        ldns_pkt_set_answer(a, ldns_rr_list_new());
        ldns_pkt_set_ancount(a, 0);
        ldns_pkt_set_tc(a, true);
    }
    uint8_t *w = NULL;
    size_t wl = 0;
    assert_int_equal(ldns_pkt2wire(&w, a, &wl), LDNS_STATUS_OK);
    if (s->type == DBX_SOCK_TCP) { /* framed */
        uint8_t *fr = malloc(wl + 2);
        fr[0] = (uint8_t)(wl >> 8);
        fr[1] = (uint8_t)wl;
        memcpy(fr + 2, w, wl);
        free(w);
        w = fr;
        wl += 2;
    }
    s->reply = w;
    s->len = wl;
    ldns_pkt_free(q);
    ldns_pkt_free(a);
    return DBX_OK;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t to)
{
    fake_t *f = ctx;
    fsock_t *s = sock;
    (void)to;
    *got = 0;
    assert_true(s->open);
    if (s->delay > 0) {
        s->delay--;
        return DBX_ERR_TIMEOUT;
    }
    if (s->reply == NULL || s->pos >= s->len) return DBX_ERR_TIMEOUT;
    if (f->recv_data++ == 0) f->sends_before_first_data = f->sends;
    if (f->cross && s->idx == 1 && f->socks[0].reply != NULL) {
        /* another socket's reply (its ID and question) arrives here first */
        f->cross = 0;
        memcpy(buf, f->socks[0].reply, f->socks[0].len);
        *got = f->socks[0].len;
        return DBX_OK;
    }
    size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
    memcpy(buf, s->reply + s->pos, n);
    s->pos += n;
    *got = n;
    return DBX_OK;
}

static void f_close(void *ctx, void *sock)
{
    fake_t *f = ctx;
    fsock_t *s = sock;
    assert_true(s->open);
    s->open = 0;
    f->open_now--;
    free(s->reply);
    s->reply = NULL;
}

typedef struct {
    dbx_test_zones_t z;
    fake_t f;
    dbx_transport_t tr;
    dbx_addr_t up;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    hal_mbedtls_init();
    if (fx == NULL || dbx_test_zones_init(&fx->z, ZDIR) != 0) return -1;
    fx->tr = (dbx_transport_t){&fx->f, f_open, f_send, f_recv, f_close};
    if (dbx_addr_parse("192.0.2.53", 53, &fx->up) != DBX_OK) return -1;
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

static int reset(void **state)
{
    fx_t *fx = *state;
    memset(&fx->f, 0, sizeof fx->f);
    fx->f.mem = &fx->z.mem;
    fx->f.tc_socket = -1;
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
