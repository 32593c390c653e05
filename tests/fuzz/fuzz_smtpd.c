/* Fuzz the inbound SMTP server state machine: the client's byte stream in
 * varying chunks into dbx_smtpd_feed(), replies drained as a socket would.
 * Invariants (abort on violation):
 *  - every committed message consists of CRLF-terminated lines with no
 *    bare CR, bare LF or NUL, no line over 1000 octets, within max_size:
 *    nothing a smuggling sequence could hide in is ever queued;
 *  - every reply line is "NNN" + SP/'-' ... CRLF with NNN in 200..599;
 *  - the machine makes progress (consumes input when its output is drained)
 *    and every begun message is either committed or aborted exactly once;
 *  - no recipients without an allowed client, none over max_rcpts.
 * Input: byte 0 = chunk seed, byte 1 = option bits, rest = client stream. */
#include "fuzz_common.h"
#include "smtpd/dbx_smtpd.h"

typedef struct fk {
    uint8_t body[1 << 16];
    size_t len;
    int open, begins, ends;
    uint64_t max_size;
    bool allowed;
    uint16_t max_rcpts;
} fk_t;

static fk_t K;

static int h_begin(void *u, const dbx_smtpd_envelope_t *e)
{
    fk_t *k = u;
    if (k->open || e->n_rcpts == 0 || e->n_rcpts > k->max_rcpts || !k->allowed) abort();
    k->open = 1;
    k->begins++;
    k->len = 0;
    return DBX_OK;
}

static int h_data(void *u, const uint8_t *p, size_t n)
{
    fk_t *k = u;
    if (!k->open || n < 2 || n > 1000 || p[n - 2] != '\r' || p[n - 1] != '\n') abort();
    for (size_t i = 0; i + 2 < n; i++) {
        if (p[i] == '\r' || p[i] == '\n' || p[i] == 0) abort();
    }
    if (k->len + n <= sizeof(k->body)) {
        memcpy(k->body + k->len, p, n);
    }
    k->len += n;
    return DBX_OK;
}

static int h_commit(void *u, const dbx_smtpd_envelope_t *e, char *qid)
{
    fk_t *k = u;
    if (!k->open || k->len > k->max_size) abort();
    k->open = 0;
    k->ends++;
    memcpy(qid, "FUZZ1", 6);
    return (k->len % 7 == 3) ? DBX_ERR_IO : DBX_OK; /* sometimes the disk fails */
}

static void h_abort(void *u)
{
    fk_t *k = u;
    if (!k->open) abort();
    k->open = 0;
    k->ends++;
}

static void check_out(const char *o, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *lf = memchr(o + i, '\n', n - i);
        if (lf == NULL) abort(); /* replies are whole lines */
        size_t l = (size_t)(lf - (o + i));
        if (l < 5 || o[i + l - 1] != '\r' || (o[i + 3] != ' ' && o[i + 3] != '-')) abort();
        int code = (o[i] - '0') * 100 + (o[i + 1] - '0') * 10 + (o[i + 2] - '0');
        if (code < 200 || code > 599) abort();
        i += l + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_smtpd_t s;
    static char rb[4096];
    fz_t f = {data, size};
    uint8_t seed = fz_u8(&f), opt = fz_u8(&f);
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.client_allowed = (opt & 1) != 0;
    cfg.busy = (opt & 0x80) != 0 && (opt & 0x40) != 0;
    cfg.max_size = (opt & 2) ? 2048 : 65536;
    cfg.max_rcpts = (opt & 4) ? 2 : 16;
    cfg.max_line = (opt & 8) ? 64 : 512;
    cfg.max_errors = (opt & 16) ? 3 : 50;
    memset(&K, 0, sizeof(K));
    K.max_size = cfg.max_size;
    K.allowed = cfg.client_allowed;
    K.max_rcpts = cfg.max_rcpts;
    dbx_smtpd_hooks_t hk = {&K, h_begin, h_data, h_commit, h_abort};
    if (dbx_smtpd_init(&s, &cfg, &hk, rb, sizeof(rb)) != DBX_OK) abort();
    size_t guard = 0;
    while (!dbx_smtpd_closed(&s)) {
        size_t n;
        const char *o = dbx_smtpd_output(&s, &n);
        check_out(o, n);
        dbx_smtpd_output_consumed(&s, n);
        if (f.n == 0) break;
        size_t chunk = (size_t)(seed % 9 == 0 ? f.n : (seed % 61) + 1);
        if (chunk > f.n) chunk = f.n;
        size_t used = 0;
        if (dbx_smtpd_feed(&s, f.p, chunk, &used) != DBX_OK || used == 0) abort();
        f.p += used;
        f.n -= used;
        seed = (uint8_t)(seed * 29 + 11);
        if (++guard > size + 16) abort();
    }
    size_t n;
    check_out(dbx_smtpd_output(&s, &n), n);
    if ((opt & 32) != 0) {
        dbx_smtpd_timeout(&s);
        check_out(dbx_smtpd_output(&s, &n), n);
    }
    dbx_smtpd_disconnect(&s);
    if (K.open || K.begins != K.ends) abort();
    return 0;
}
