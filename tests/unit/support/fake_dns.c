/* A fake DNS transport answering from an in-memory tree (see fake_dns.h). */
#include "fake_dns.h"

#include "hal_mbedtls.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t to, void **sock)
{
    dbx_fake_dns_t *f = ctx;
    dbx_fake_sock_t *s;
    (void)peer;
    (void)to;
    if (f->nsocks >= DBX_FAKE_DNS_SOCKS) {
        f->errors++;
        return DBX_ERR_IO;
    }
    s = &f->socks[f->nsocks];
    memset(s, 0, sizeof *s);
    s->type = type;
    s->idx = f->nsocks++;
    s->open = 1;
    s->delay = s->idx == 0 ? f->delay_first : 0;
    if (++f->open_now > f->open_peak) f->open_peak = f->open_now;
    *sock = s;
    return DBX_OK;
}

ldns_pkt *dbx_fake_dns_reply(dbx_memsrc_t *mem, const uint8_t *wire, size_t len, uint16_t *qtype)
{
    ldns_pkt *q = NULL, *a = NULL;
    const ldns_rr *qr;
    dbx_source_t src = dbx_memsrc_source(mem);
    if (ldns_wire2pkt(&q, wire, len) != LDNS_STATUS_OK) return NULL;
    qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    if (qr != NULL && src.fetch(src.ctx, ldns_rr_owner(qr), ldns_rr_get_type(qr), &a) == DBX_OK) {
        /* echo the question exactly as asked (case preserved) */
        ldns_rr_list_deep_free(ldns_pkt_question(a));
        ldns_pkt_set_question(a, ldns_rr_list_clone(ldns_pkt_question(q)));
        ldns_pkt_set_id(a, ldns_pkt_id(q));
        if (qtype != NULL) *qtype = (uint16_t)ldns_rr_get_type(qr);
    }
    ldns_pkt_free(q);
    return a;
}

/* The tree's answer on socket @p s (truncated when asked to), wire form. */
static int answer(dbx_fake_dns_t *f, dbx_fake_sock_t *s, const uint8_t *q, size_t len, uint8_t **w,
                  size_t *wl)
{
    ldns_pkt *a = dbx_fake_dns_reply(f->mem, q, len, &s->qtype);
    int ok;
    if (a == NULL) return -1;
    s->id = ldns_pkt_id(a);
    if (s->type == DBX_SOCK_UDP && (s->idx == f->tc_socket || f->tc_socket == -2)) {
        ldns_rr_list_deep_free(ldns_pkt_answer(a));
        ldns_pkt_set_answer(a, ldns_rr_list_new());
        ldns_pkt_set_ancount(a, 0);
        ldns_pkt_set_tc(a, true);
    }
    ok = ldns_pkt2wire(w, a, wl) == LDNS_STATUS_OK;
    ldns_pkt_free(a);
    return ok ? 0 : -1;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    dbx_fake_dns_t *f = ctx;
    dbx_fake_sock_t *s = sock;
    uint8_t *w = NULL;
    size_t wl = 0;
    f->sends++;
    if (s->type == DBX_SOCK_TCP) {
        buf += 2;
        len -= 2;
    }
    if (answer(f, s, buf, len, &w, &wl) != 0) {
        f->errors++;
        return DBX_ERR_IO;
    }
    if (s->type == DBX_SOCK_TCP) { /* framed */
        uint8_t *fr = malloc(wl + 2);
        if (fr == NULL) {
            free(w);
            return DBX_ERR_NOMEM;
        }
        fr[0] = (uint8_t)(wl >> 8);
        fr[1] = (uint8_t)wl;
        memcpy(fr + 2, w, wl);
        free(w);
        w = fr;
        wl += 2;
    }
    s->reply = w;
    s->len = wl;
    return DBX_OK;
}

/* A forged copy of @p s's reply: another ID, or the right ID over another
 * question (the name's first letter changed). */
static size_t forge(const dbx_fake_dns_t *f, const dbx_fake_sock_t *s, uint8_t *buf, size_t cap)
{
    size_t n = s->len < cap ? s->len : cap;
    memcpy(buf, s->reply, n);
    if (f->forge_kind == 1) {
        buf[0] ^= 0x5a;
    } else if (n > 13 && buf[12] > 0) {
        buf[13] = buf[13] == 'z' ? 'y' : 'z';
    }
    return n;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t to)
{
    dbx_fake_dns_t *f = ctx;
    dbx_fake_sock_t *s = sock;
    size_t n;
    (void)to;
    *got = 0;
    if (!s->open) {
        f->errors++;
        return DBX_ERR_IO;
    }
    if (s->delay > 0) {
        s->delay--;
        return DBX_ERR_TIMEOUT;
    }
    if (s->reply == NULL || s->pos >= s->len) return DBX_ERR_TIMEOUT;
    if (f->recv_data++ == 0) f->sends_before_first_data = f->sends;
    if (f->cross && s->idx == 1 && f->socks[0].reply != NULL) {
        /* another socket's reply (its ID and question) arrives here first */
        f->cross = 0;
        n = f->socks[0].len < cap ? f->socks[0].len : cap;
        memcpy(buf, f->socks[0].reply, n);
        *got = n;
        return DBX_OK;
    }
    if (s->idx == f->forge_socket && s->type == DBX_SOCK_UDP) {
        f->forge_socket = -1;
        *got = forge(f, s, buf, cap);
        return DBX_OK;
    }
    n = s->len - s->pos < cap ? s->len - s->pos : cap;
    memcpy(buf, s->reply + s->pos, n);
    s->pos += n;
    *got = n;
    return DBX_OK;
}

static void f_close(void *ctx, void *sock)
{
    dbx_fake_dns_t *f = ctx;
    dbx_fake_sock_t *s = sock;
    if (!s->open) f->errors++;
    s->open = 0;
    f->open_now--;
    free(s->reply);
    s->reply = NULL;
}

void dbx_fake_dns_reset(dbx_fake_dns_t *f, dbx_memsrc_t *mem)
{
    for (int i = 0; i < f->nsocks; i++) free(f->socks[i].reply);
    memset(f, 0, sizeof *f);
    f->mem = mem;
    f->tc_socket = -1;
    f->forge_socket = -1;
}

dbx_transport_t dbx_fake_dns_transport(dbx_fake_dns_t *f)
{
    return (dbx_transport_t){f, f_open, f_send, f_recv, f_close};
}

int dbx_fake_dns_sent(const dbx_fake_dns_t *f, uint16_t qtype)
{
    int n = 0;
    for (int i = 0; i < f->nsocks; i++) n += qtype == 0 || f->socks[i].qtype == qtype;
    return n;
}

dbx_fake_dns_fx_t *dbx_fake_dns_fx_new(const char *zdir)
{
    dbx_fake_dns_fx_t *fx = calloc(1, sizeof *fx);
    hal_mbedtls_init();
    if (fx == NULL) return NULL;
    if (dbx_test_zones_init(&fx->z, zdir) != 0) {
        free(fx);
        return NULL;
    }
    dbx_fake_dns_reset(&fx->f, &fx->z.mem);
    fx->tr = dbx_fake_dns_transport(&fx->f);
    if (dbx_addr_parse("192.0.2.53", 53, &fx->up) != DBX_OK) {
        dbx_fake_dns_fx_free(fx);
        return NULL;
    }
    return fx;
}

void dbx_fake_dns_fx_free(dbx_fake_dns_fx_t *fx)
{
    if (fx == NULL) return;
    dbx_test_zones_free(&fx->z);
    free(fx);
}
