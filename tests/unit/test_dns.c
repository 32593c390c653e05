/* Unit tests: stub DNS exchange (query format, matching, caps, UDP retries,
 * upstream failover, TC -> TCP fallback) over a scripted fake transport
 * whose answers come from the offline answer source. */
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

enum { MODE_OK = 0, MODE_TC = 1, MODE_FORGE = 2, MODE_BIG = 3 };

typedef struct {
    dbx_memsrc_t mem;
    int mode;
    uint8_t out[70000];
    size_t out_len, out_pos;
    int forged_pending;
    uint8_t forged[512];
    size_t forged_len;
    uint32_t udp_opens, tcp_opens, sends;
} fake_t;

typedef struct {
    dbx_sock_type_t type;
    uint16_t port;
} fsock_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t to, void **sock)
{
    fake_t *f = ctx;
    fsock_t *s;
    (void)to;
    if (peer->port == 1) return DBX_ERR_IO; /* unreachable upstream */
    s = calloc(1, sizeof *s);
    s->type = type;
    s->port = peer->port;
    if (type == DBX_SOCK_UDP) f->udp_opens++;
    else f->tcp_opens++;
    *sock = s;
    return DBX_OK;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    fake_t *f = ctx;
    fsock_t *s = sock;
    ldns_pkt *a;
    uint8_t *wire = NULL;
    size_t wl = 0;
    const uint8_t *msg = buf;
    f->sends++;
    if (s->type == DBX_SOCK_TCP) {
        assert_true(len >= 2 && (size_t)((buf[0] << 8) | buf[1]) == len - 2);
        msg += 2;
        len -= 2;
    }
    a = dbx_fake_dns_reply(&f->mem, msg, len, NULL);
    assert_non_null(a);
    if (f->mode == MODE_TC && s->type == DBX_SOCK_UDP) {
        ldns_pkt *t = ldns_pkt_clone(a);
        ldns_rr_list_deep_free(ldns_pkt_answer(t));
        ldns_pkt_set_answer(t, ldns_rr_list_new());
        ldns_pkt_set_ancount(t, 0);
        ldns_rr_list_deep_free(ldns_pkt_authority(t));
        ldns_pkt_set_authority(t, ldns_rr_list_new());
        ldns_pkt_set_nscount(t, 0);
        ldns_pkt_set_tc(t, true);
        ldns_pkt_free(a);
        a = t;
    }
    if (f->mode == MODE_BIG && s->type == DBX_SOCK_TCP) {
        /* a stream that announces more than the response cap */
        f->out[0] = 0xFF;
        f->out[1] = 0xFF;
        f->out_len = 2;
        f->out_pos = 0;
        ldns_pkt_free(a);
        return DBX_OK;
    }
    if (f->mode == MODE_BIG && s->type == DBX_SOCK_UDP) ldns_pkt_set_tc(a, true);
    assert_int_equal(ldns_pkt2wire(&wire, a, &wl), LDNS_STATUS_OK);
    f->out_pos = 0;
    if (s->type == DBX_SOCK_TCP) {
        f->out[0] = (uint8_t)(wl >> 8);
        f->out[1] = (uint8_t)wl;
        memcpy(f->out + 2, wire, wl);
        f->out_len = wl + 2;
    } else {
        memcpy(f->out, wire, wl);
        f->out_len = wl;
    }
    if (f->mode == MODE_FORGE && s->type == DBX_SOCK_UDP) {
        /* an off-path forgery first: wrong ID, then a wrong question */
        memcpy(f->forged, wire, wl < sizeof f->forged ? wl : sizeof f->forged);
        f->forged_len = wl < sizeof f->forged ? wl : sizeof f->forged;
        f->forged[0] ^= 0x5a;
        f->forged_pending = 1;
    }
    free(wire);
    ldns_pkt_free(a);
    return DBX_OK;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t to)
{
    fake_t *f = ctx;
    fsock_t *s = sock;
    (void)to;
    *got = 0;
    if (s->port == 2) return DBX_ERR_TIMEOUT; /* silent upstream */
    if (s->type == DBX_SOCK_UDP && f->forged_pending) {
        f->forged_pending = 0;
        memcpy(buf, f->forged, f->forged_len);
        *got = f->forged_len;
        return DBX_OK;
    }
    if (s->type == DBX_SOCK_UDP) {
        memcpy(buf, f->out, f->out_len < cap ? f->out_len : cap);
        *got = f->out_len < cap ? f->out_len : cap;
        return DBX_OK;
    }
    /* TCP: dribble at most 100 bytes per read */
    size_t n = f->out_len - f->out_pos;
    if (n > cap) n = cap;
    if (n > 100) n = 100;
    memcpy(buf, f->out + f->out_pos, n);
    f->out_pos += n;
    *got = n;
    return DBX_OK;
}

static void f_close(void *ctx, void *sock)
{
    (void)ctx;
    free(sock);
}

typedef struct {
    fake_t *f;
    dbx_transport_t tr;
    dbx_trust_t trust;
    int64_t now;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char *t;
    hal_mbedtls_init();
    /* ZDIR is a Makefile target (tests/dnssec/mkzones.sh) */
    if (fx == NULL) return -1;
    fx->f = calloc(1, sizeof *fx->f);
    if (fx->f == NULL) return -1;
    t = dbx_test_slurp(ZDIR "/all.zone");
    if (t == NULL || dbx_memsrc_init(&fx->f->mem, t, NULL) != DBX_OK) return -1;
    free(t);
    t = dbx_test_slurp(ZDIR "/anchor.txt");
    if (t == NULL || dbx_trust_from_text(&fx->trust, t) != DBX_OK) return -1;
    free(t);
    t = dbx_test_slurp(ZDIR "/time.txt");
    if (t == NULL) return -1;
    fx->now = strtoll(t, NULL, 10);
    free(t);
    fx->tr.ctx = fx->f;
    fx->tr.open = f_open;
    fx->tr.send = f_send;
    fx->tr.recv = f_recv;
    fx->tr.close = f_close;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_memsrc_free(&fx->f->mem);
    free(fx->f);
    dbx_trust_free(&fx->trust);
    free(fx);
    return 0;
}

static void test_query_format(void **state)
{
    ldns_rdf *n = ldns_dname_new_frm_str("Example.TEST.");
    uint8_t *w = NULL;
    size_t wl = 0;
    (void)state;
    assert_int_equal(dbx_dns_build_query(n, LDNS_RR_TYPE_TLSA, 0xBEEF, &w, &wl), DBX_OK);
    assert_true(wl > 12 + 11);
    assert_int_equal(w[0], 0xBE);
    assert_int_equal(w[1], 0xEF);
    assert_int_equal(w[2] & 0x81, 0x01);  /* QR=0, RD=1 */
    assert_int_equal(w[3] & 0x10, 0x10);  /* CD=1 */
    assert_int_equal((w[4] << 8) | w[5], 1);  /* QDCOUNT */
    assert_int_equal((w[10] << 8) | w[11], 1); /* ARCOUNT: OPT */
    /* OPT: root owner, type 41, class = payload, TTL = ext-rcode|ver|DO */
    const uint8_t *o = w + wl - 11;
    assert_int_equal(o[0], 0);
    assert_int_equal((o[1] << 8) | o[2], 41);
    assert_int_equal((o[3] << 8) | o[4], 1232);
    assert_int_equal(o[7] & 0x80, 0x80);
    free(w);
    ldns_rdf_deep_free(n);
}

static void test_parse_caps(void **state)
{
    uint8_t m[64];
    ldns_pkt *p = NULL;
    (void)state;
    memset(m, 0, sizeof m);
    assert_int_equal(dbx_dns_parse(m, 11, &p), DBX_ERR_MALFORMED);
    m[7] = 200; /* ANCOUNT above DBX_DNS_MAX_RRS */
    assert_int_equal(dbx_dns_parse(m, sizeof m, &p), DBX_ERR_LIMIT);
    assert_null(p);
    {
        uint8_t *big = calloc(1, DBX_DNS_MAX_RESPONSE + 1);
        assert_int_equal(dbx_dns_parse(big, DBX_DNS_MAX_RESPONSE + 1, &p), DBX_ERR_LIMIT);
        free(big);
    }
    m[7] = 5; /* counts that do not match the bytes */
    assert_int_equal(dbx_dns_parse(m, 12, &p), DBX_ERR_MALFORMED);
    {
        /* a response carrying TSIG RRs (two of them made ldns leak one):
         * refused before ldns parses it */
        static const uint8_t tsig2[] = {
            0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 3, /* ARCOUNT 3: each TSIG decrements it */
            0, 0, 1, 0, 1,                          /* . IN A */
            /* . ANY TSIG: alg ".", time, fudge, MAC size 0, orig ID, error, other len 0 */
            0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 1, 44, 0, 0, 0x12, 0x34, 0, 0, 0, 0,
            0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 1, 44, 0, 0, 0x12, 0x34, 0, 0, 0, 0,
        };
        assert_int_equal(dbx_dns_parse(tsig2, sizeof tsig2, &p), DBX_ERR_MALFORMED);
        assert_null(p);
    }
}

static void test_match(void **state)
{
    ldns_rdf *n = ldns_dname_new_frm_str("mx.example.test.");
    ldns_rdf *N = ldns_dname_new_frm_str("MX.EXAMPLE.test.");
    ldns_rdf *o = ldns_dname_new_frm_str("mx.example.tesT.x.");
    ldns_pkt *p = ldns_pkt_query_new(ldns_rdf_clone(N), LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
    (void)state;
    ldns_pkt_set_id(p, 7);
    assert_int_equal(dbx_dns_match(p, 7, n, LDNS_RR_TYPE_A), DBX_ERR_PROTO); /* QR=0 */
    ldns_pkt_set_qr(p, true);
    assert_int_equal(dbx_dns_match(p, 7, n, LDNS_RR_TYPE_A), DBX_OK);       /* case-insensitive */
    assert_int_equal(dbx_dns_match(p, 8, n, LDNS_RR_TYPE_A), DBX_ERR_PROTO);
    assert_int_equal(dbx_dns_match(p, 7, n, LDNS_RR_TYPE_AAAA), DBX_ERR_PROTO);
    assert_int_equal(dbx_dns_match(p, 7, o, LDNS_RR_TYPE_A), DBX_ERR_PROTO);
    ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
    assert_int_equal(dbx_dns_match(p, 7, n, LDNS_RR_TYPE_A), DBX_ERR_PROTO);
    ldns_pkt_free(p);
    ldns_rdf_deep_free(n);
    ldns_rdf_deep_free(N);
    ldns_rdf_deep_free(o);
}

static dbx_sec_t resolve_with(fx_t *fx, const uint16_t *ports, size_t n, int mode,
                              const char *name, uint16_t t, dbx_resolver_t *r, dbx_result_t *res)
{
    dbx_addr_t ups[4];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(dbx_addr_parse("192.0.2.53", ports[i], &ups[i]), DBX_OK);
    }
    fx->f->mode = mode;
    dbx_resolver_init(r, &fx->tr, ups, n, &fx->trust);
    assert_int_equal(dbx_resolve(r, name, t, fx->now, res), DBX_OK);
    return res->sec;
}

static void test_udp_secure(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t r;
    dbx_result_t res;
    static const uint16_t ports[] = {53};
    assert_int_equal(resolve_with(fx, ports, 1, MODE_OK, "MX.Example.TEST", LDNS_RR_TYPE_A, &r, &res),
                     DBX_SEC_SECURE);
    assert_int_equal(r.net.queries, res.queries);
    assert_int_equal(r.net.tcp, 0);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
}

static void test_failover(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t r;
    dbx_result_t res;
    static const uint16_t ports[] = {1, 2, 53};   /* unreachable, silent, good */
    static const uint16_t dead[] = {1, 2};
    assert_int_equal(resolve_with(fx, ports, 3, MODE_OK, "example.test", LDNS_RR_TYPE_MX, &r, &res),
                     DBX_SEC_SECURE);
    assert_true(r.net.timeouts >= DBX_DNS_UDP_TRIES);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
    assert_int_equal(resolve_with(fx, dead, 2, MODE_OK, "example.test", LDNS_RR_TYPE_MX, &r, &res),
                     DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(res.reason, "upstream"));
    assert_int_equal(dbx_result_count(&res), 0);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
}

static void test_tc_fallback(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t r;
    dbx_result_t res;
    static const uint16_t ports[] = {53};
    fx->f->tcp_opens = 0;
    assert_int_equal(resolve_with(fx, ports, 1, MODE_TC, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA,
                                  &r, &res), DBX_SEC_SECURE);
    assert_int_equal(r.net.tcp, res.queries); /* every answer came over TCP */
    assert_int_equal(fx->f->tcp_opens, res.queries);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
    /* TCP length above the response cap: refused, nothing validated */
    assert_int_equal(resolve_with(fx, ports, 1, MODE_BIG, "example.test", LDNS_RR_TYPE_MX, &r, &res),
                     DBX_SEC_INDETERMINATE);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
}

static void test_forgery_ignored(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t r;
    dbx_result_t res;
    static const uint16_t ports[] = {53};
    assert_int_equal(resolve_with(fx, ports, 1, MODE_FORGE, "mx.example.test", LDNS_RR_TYPE_AAAA, &r, &res),
                     DBX_SEC_SECURE);
    assert_int_equal(r.net.mismatch, res.queries);
    dbx_result_free(&res);
    dbx_resolver_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_format),
        cmocka_unit_test(test_parse_caps),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_udp_secure),
        cmocka_unit_test(test_failover),
        cmocka_unit_test(test_tc_fallback),
        cmocka_unit_test(test_forgery_ignored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
