/* Fuzz the SMTP client: the server's byte stream into the dbx_smtp_run()
 * state machine over a scripted fake transport, and dbx_smtp_parse_line()
 * on every line of it.  No TLS: the TLS config carries an invalid version
 * so dbx_tls_setup() refuses before any handshake; the dialogue therefore
 * ends at STARTTLS (or earlier).
 * Input: byte 0 = recv chunk-size seed, byte 1 = option bits, rest = the
 * server stream. */
#include "fuzz_common.h"
#include "smtp/dbx_smtp.h"

typedef struct fake {
    const uint8_t *p;
    size_t n;
    uint8_t seed;
    unsigned opens, sends, recvs;
    int open;
} fake_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **sock)
{
    fake_t *f = ctx;
    if (type != DBX_SOCK_TCP || peer == NULL || f->open) abort();
    f->opens++;
    f->open = 1;
    *sock = f;
    return DBX_OK;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    fake_t *f = ctx;
    if (sock != f || !f->open || len == 0 || buf == NULL) abort();
    f->sends++;
    return DBX_OK;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t ms)
{
    fake_t *f = ctx;
    size_t k;
    if (sock != f || !f->open || cap == 0) abort();
    if (++f->recvs > 100000) abort(); /* the client must make progress */
    if (ms == 0) abort();
    /* a slow server: each piece takes part of the time given (fake clock) */
    fuzz_clock_ms += (uint32_t)(f->seed % 5 == 0 ? ms - 1 : f->seed % 97);
    if (f->n == 0) {
        *got = 0; /* orderly close */
        return DBX_OK;
    }
    /* varying chunk sizes: 1..cap, driven by the seed */
    k = (size_t)(f->seed % 7 == 0 ? cap : (f->seed % 64) + 1 + f->recvs % 3);
    if (k > cap) k = cap;
    if (k > f->n) k = f->n;
    memcpy(buf, f->p, k);
    f->p += k;
    f->n -= k;
    *got = k;
    f->seed = (uint8_t)(f->seed * 33 + 7);
    return DBX_OK;
}

static void f_close(void *ctx, void *sock)
{
    fake_t *f = ctx;
    if (sock == NULL) return;
    if (sock != f || !f->open) abort();
    f->open = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_smtp_t s;
    static char transcript[4096];
    dbx_smtp_config_t cfg;
    dbx_smtp_result_t res;
    fake_t fk;
    dbx_transport_t tr = {&fk, f_open, f_send, f_recv, f_close};
    fz_t in = {data, size};
    uint8_t opt;

    if (size > 65536) return 0;
    memset(&fk, 0, sizeof fk);
    fk.seed = fz_u8(&in);
    opt = fz_u8(&in);
    fk.p = in.p;
    fk.n = in.n;

    /* the line parser on every LF-separated line */
    for (size_t i = 0; i < in.n;) {
        const uint8_t *nl = memchr(in.p + i, '\n', in.n - i);
        size_t l = nl ? (size_t)(nl - (in.p + i)) : in.n - i;
        uint8_t *copy = malloc(l ? l : 1);
        dbx_smtp_line_t pl;
        if (copy == NULL) abort();
        memcpy(copy, in.p + i, l);
        if (l && copy[l - 1] == '\r') l--;
        if (dbx_smtp_parse_line(copy, l, &pl) == DBX_OK) {
            if (pl.code < 200 || pl.code > 559 || pl.text_len > l) abort();
            if (pl.text_len && (const uint8_t *)pl.text + pl.text_len > copy + l) abort();
        }
        free(copy);
        i = nl ? (size_t)(nl - in.p) + 1 : in.n;
    }

    dbx_smtp_config_defaults(&cfg);
    cfg.tls.sni = "mx.example.test";
    cfg.tls.min_version = 0x7f7f; /* invalid: TLS setup refuses, stop at STARTTLS */
    cfg.banner_ms = cfg.command_ms = cfg.quit_ms = 1000;
    if (opt & 1) {
        cfg.transcript = transcript;
        cfg.transcript_cap = (opt & 2) ? 64 : sizeof transcript;
    }
    if (opt & 4) cfg.helo_name = "client.example.test";
    dbx_smtp_init(&s);
    {
        uint32_t t0 = fuzz_clock_ms;
        (void)dbx_smtp_run(&s, &cfg, &tr, &res);
        /* every wait is bounded: banner, EHLO, STARTTLS, QUIT replies */
        if (fuzz_clock_ms - t0 > cfg.banner_ms + 2 * cfg.command_ms + cfg.quit_ms) abort();
    }
    if (res.reason == NULL) abort();
    if (res.outcome == DBX_SMTP_TLS_VERIFIED || res.outcome == DBX_SMTP_TLS_UNVERIFIED) abort();
    if (strlen(res.last_text) >= sizeof res.last_text) abort();
    if (cfg.transcript && res.transcript_len >= cfg.transcript_cap) abort();
    (void)dbx_smtp_state_name(res.state);
    (void)dbx_smtp_outcome_name(res.outcome);
    dbx_smtp_free(&s);
    if (fk.open) abort(); /* socket leaked */
    return 0;
}
