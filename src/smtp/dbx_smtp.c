/* danebox: STARTTLS SMTP client state machine for DANE verification. */
#include "dbx_smtp.h"
#include "dbx_str.h"
#include "hal_platform.h"

#include <stdio.h>
#include <string.h>

static const char default_helo[] = "danebox.invalid";

/* ---- small helpers ------------------------------------------------------------ */

static void fail(dbx_smtp_t *s, int st, const char *reason)
{
    DBX_STICK(s->res.status, st);
    if (s->res.reason == NULL) {
        s->res.reason = reason;
    }
}

/* Append @p n bytes (sanitised) to the caller's transcript. */
static void tx_append(dbx_smtp_t *s, const char *p, size_t n)
{
    const dbx_smtp_config_t *c = s->cfg;
    if (c->transcript == NULL || c->transcript_cap == 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (s->res.transcript_len + 1 >= c->transcript_cap) {
            s->res.transcript_truncated = 1;
            break;
        }
        if (ch != '\n' && ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)) {
            ch = '?';
        }
        c->transcript[s->res.transcript_len++] = ch;
    }
    c->transcript[s->res.transcript_len] = '\0';
}

static void tx_line(dbx_smtp_t *s, const char *prefix, const char *p, size_t n)
{
    tx_append(s, prefix, strlen(prefix));
    tx_append(s, p, n);
    tx_append(s, "\n", 1);
}

/* ---- I/O: plaintext transport or TLS ------------------------------------------- */

static int io_send(dbx_smtp_t *s, const char *cmd)
{
    size_t n = strlen(cmd);
    int st;
    tx_line(s, "C: ", cmd, n - 2); /* without CRLF */
    if (s->tls_on) {
        st = dbx_tls_send(&s->tls, (const uint8_t *)cmd, n);
    } else {
        st = s->tr->send(s->tr->ctx, s->sock, (const uint8_t *)cmd, n);
    }
    if (st != DBX_OK) {
        fail(s, st, "send failed");
    }
    return st;
}

static int io_recv(dbx_smtp_t *s, uint8_t *buf, size_t cap, size_t *got, uint32_t ms)
{
    if (s->tls_on) {
        return dbx_tls_recv(&s->tls, buf, cap, got, ms);
    }
    return s->tr->recv(s->tr->ctx, s->sock, buf, cap, got, ms);
}

/* Take one CRLF-terminated line out of rx into s->line (without CRLF).
 * @return DBX_OK with *len set, or an error (reason recorded). */
static int read_line(dbx_smtp_t *s, uint32_t deadline, size_t *len)
{
    for (;;) {
        uint8_t *lf = memchr(s->rx, '\n', s->rx_len);
        if (lf != NULL) {
            size_t n = (size_t)(lf - s->rx); /* octets before LF */
            if (n == 0 || s->rx[n - 1] != '\r') {
                fail(s, DBX_ERR_MALFORMED, "reply line not terminated by CRLF (bare LF)");
                return DBX_ERR_MALFORMED;
            }
            n--; /* drop CR */
            if (memchr(s->rx, '\0', n) != NULL) {
                fail(s, DBX_ERR_MALFORMED, "NUL byte in reply");
                return DBX_ERR_MALFORMED;
            }
            if (memchr(s->rx, '\r', n) != NULL) {
                fail(s, DBX_ERR_MALFORMED, "bare CR in reply");
                return DBX_ERR_MALFORMED;
            }
            memcpy(s->line, s->rx, n);
            s->line[n] = '\0';
            s->rx_len -= n + 2;
            memmove(s->rx, s->rx + n + 2, s->rx_len);
            *len = n;
            return DBX_OK;
        }
        if (s->rx_len >= DBX_SMTP_LINE_MAX) {
            fail(s, DBX_ERR_LIMIT, "reply line longer than 1000 octets");
            return DBX_ERR_LIMIT;
        }
        int32_t left = (int32_t)(deadline - hal_clock_ms());
        if (left <= 0) {
            fail(s, DBX_ERR_TIMEOUT, "timeout waiting for reply");
            return DBX_ERR_TIMEOUT;
        }
        size_t got = 0;
        int st = io_recv(s, s->rx + s->rx_len, DBX_SMTP_LINE_MAX - s->rx_len, &got,
                         (uint32_t)left);
        if (st == DBX_ERR_TIMEOUT) {
            fail(s, st, "timeout waiting for reply");
            return st;
        }
        if (st != DBX_OK) {
            fail(s, st, s->tls_on ? "TLS read failed" : "read failed");
            return st;
        }
        if (got == 0) {
            if (s->rx_len > 0) {
                fail(s, DBX_ERR_MALFORMED, "connection closed inside a reply line (missing CRLF)");
                return DBX_ERR_MALFORMED;
            }
            fail(s, DBX_ERR_IO, "connection closed by server");
            return DBX_ERR_IO;
        }
        if (got > DBX_SMTP_LINE_MAX - s->rx_len) {
            fail(s, DBX_ERR_INTERNAL, "transport returned too many bytes");
            return DBX_ERR_INTERNAL;
        }
        s->rx_len += got;
    }
}

int dbx_smtp_parse_line(const uint8_t *p, size_t len, dbx_smtp_line_t *out)
{
    DBX_ASSERT(p != NULL && out != NULL);
    DBX_CHECK(len >= 3, DBX_ERR_MALFORMED);
    DBX_CHECK(p[0] >= '2' && p[0] <= '5', DBX_ERR_MALFORMED);
    DBX_CHECK(p[1] >= '0' && p[1] <= '5', DBX_ERR_MALFORMED);
    DBX_CHECK(p[2] >= '0' && p[2] <= '9', DBX_ERR_MALFORMED);
    out->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (len == 3) {
        out->last = 1;
        out->text = (const char *)p + 3;
        out->text_len = 0;
        return DBX_OK;
    }
    DBX_CHECK(p[3] == ' ' || p[3] == '-', DBX_ERR_MALFORMED);
    out->last = p[3] == ' ';
    out->text = (const char *)p + 4;
    out->text_len = len - 4;
    for (size_t i = 0; i < out->text_len; i++) {
        unsigned char c = (unsigned char)out->text[i];
        DBX_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f), DBX_ERR_MALFORMED);
    }
    return DBX_OK;
}

static void parse_cap(const char *t, size_t n, uint32_t *caps, uint64_t *size)
{
    static const struct {
        const char *kw;
        uint32_t bit;
    } kws[] = {
        {"STARTTLS", DBX_SMTP_CAP_STARTTLS},
        {"SIZE", DBX_SMTP_CAP_SIZE},
        {"PIPELINING", DBX_SMTP_CAP_PIPELINING},
        {"8BITMIME", DBX_SMTP_CAP_8BITMIME},
        {"ENHANCEDSTATUSCODES", DBX_SMTP_CAP_ENHANCEDSTATUSCODES},
        {"SMTPUTF8", DBX_SMTP_CAP_SMTPUTF8},
        {"CHUNKING", DBX_SMTP_CAP_CHUNKING},
        {"DSN", DBX_SMTP_CAP_DSN},
        {"REQUIRETLS", DBX_SMTP_CAP_REQUIRETLS},
    };
    size_t kl = 0;
    while (kl < n && t[kl] != ' ') kl++;
    for (size_t i = 0; i < DBX_ARRAY_LEN(kws); i++) {
        if (strlen(kws[i].kw) == kl && dbx_ascii_casecmp_n(t, kws[i].kw, kl) == 0) {
            *caps |= kws[i].bit;
            if (kws[i].bit == DBX_SMTP_CAP_SIZE && size != NULL) {
                uint64_t v = 0;
                size_t j = kl + 1, digits = 0;
                for (; j < n && t[j] >= '0' && t[j] <= '9' && digits < 19; j++, digits++) {
                    v = v * 10 + (uint64_t)(t[j] - '0');
                }
                *size = v;
            }
        }
    }
}

/* Read one complete reply within @p ms.  EHLO keywords go into @p caps when
 * it is not NULL. @return DBX_OK with *code, or an error. */
/* Append one line's text to @p rep (sanitised, bounded). */
static void rep_append(dbx_smtp_reply_t *rep, const dbx_smtp_line_t *l)
{
    size_t k = strlen(rep->text);
    if (rep->lines > 1) {
        if (k + 1 < sizeof rep->text) rep->text[k++] = '\n';
        else rep->truncated = 1;
    }
    for (size_t i = 0; i < l->text_len; i++) {
        unsigned char c = (unsigned char)l->text[i];
        if (k + 1 >= sizeof rep->text) {
            rep->truncated = 1;
            break;
        }
        rep->text[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    rep->text[k] = '\0';
}

static int read_reply_rep(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps,
                          dbx_smtp_reply_t *rep);

static int read_reply(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps)
{
    return read_reply_rep(s, ms, code, caps, NULL);
}

static int read_reply_rep(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps,
                          dbx_smtp_reply_t *rep)
{
    uint32_t deadline = hal_clock_ms() + ms;
    size_t total = 0, lines = 0;
    s->res.round_trips++;
    if (rep != NULL) memset(rep, 0, sizeof *rep);
    for (;;) {
        dbx_smtp_line_t l;
        size_t n;
        int st = read_line(s, deadline, &n);
        if (st != DBX_OK) return st;
        tx_line(s, "S: ", (const char *)s->line, n);
        total += n + 2;
        lines++;
        if (lines > DBX_SMTP_REPLY_LINES) {
            fail(s, DBX_ERR_LIMIT, "too many lines in one reply");
            return DBX_ERR_LIMIT;
        }
        if (total > DBX_SMTP_REPLY_MAX) {
            fail(s, DBX_ERR_LIMIT, "reply too large");
            return DBX_ERR_LIMIT;
        }
        if (dbx_smtp_parse_line(s->line, n, &l) != DBX_OK) {
            fail(s, DBX_ERR_MALFORMED, "malformed reply line (bad code or separator)");
            return DBX_ERR_MALFORMED;
        }
        if (rep != NULL) {
            rep->code = l.code;
            rep->lines = (uint16_t)lines;
            rep_append(rep, &l);
        }
        if (lines == 1) {
            size_t k = 0;
            *code = l.code;
            s->res.last_code = l.code;
            for (size_t i = 0; i < l.text_len && k + 1 < sizeof s->res.last_text; i++) {
                unsigned char c = (unsigned char)l.text[i];
                s->res.last_text[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
            }
            s->res.last_text[k] = '\0';
        } else {
            if (l.code != *code) {
                fail(s, DBX_ERR_MALFORMED, "mixed reply codes in a multi-line reply");
                return DBX_ERR_MALFORMED;
            }
            if (caps != NULL) {
                parse_cap(l.text, l.text_len, caps, s->tls_on ? NULL : &s->res.size_limit);
            }
        }
        if (l.last) {
            return DBX_OK;
        }
    }
}

/* ---- the state machine ----------------------------------------------------------- */

static int send_ehlo(dbx_smtp_t *s)
{
    char cmd[5 + DBX_SMTP_HELO_MAX + 3];
    const char *name = s->cfg->helo_name ? s->cfg->helo_name : default_helo;
    size_t n = strlen(name);
    DBX_CHECK(n > 0 && n <= DBX_SMTP_HELO_MAX, DBX_ERR_INVAL);
    for (size_t i = 0; i < n; i++) {
        DBX_CHECK(name[i] > 0x20 && name[i] < 0x7f, DBX_ERR_INVAL);
    }
    snprintf(cmd, sizeof cmd, "EHLO %s\r\n", name);
    return io_send(s, cmd);
}

/* Send QUIT and wait briefly for 221; errors there do not change the outcome. */
static void quit(dbx_smtp_t *s)
{
    int code = 0;
    int keep_status = s->res.status;
    const char *keep_reason = s->res.reason;
    if (io_send(s, "QUIT\r\n") == DBX_OK) {
        (void)read_reply(s, s->cfg->quit_ms, &code, NULL);
    }
    s->res.status = keep_status;
    s->res.reason = keep_reason;
}

static int step(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st, code = 0;

    switch (s->state) {
    case DBX_SMTP_S_CONNECT: {
        dbx_addr_t peer = c->peer;
        if (peer.port == 0) peer.port = 25;
        st = s->tr->open(s->tr->ctx, DBX_SOCK_TCP, &peer, c->connect_ms, &s->sock);
        if (st != DBX_OK) {
            s->sock = NULL;
            fail(s, st, st == DBX_ERR_TIMEOUT ? "connect timeout" : "connect failed");
            return st;
        }
        s->state = DBX_SMTP_S_BANNER;
        return DBX_OK;
    }
    case DBX_SMTP_S_BANNER:
        st = read_reply(s, c->banner_ms, &code, NULL);
        if (st != DBX_OK) return st;
        if (code != 220) {
            s->res.outcome = DBX_SMTP_BANNER_REJECTED;
            s->res.reason = code == 554 ? "server refuses service (554 greeting)"
                                        : "greeting is not 220";
            s->state = DBX_SMTP_S_QUIT;
            return DBX_OK;
        }
        s->state = DBX_SMTP_S_EHLO;
        return DBX_OK;
    case DBX_SMTP_S_EHLO:
        st = send_ehlo(s);
        if (st != DBX_OK) return st;
        st = read_reply(s, c->command_ms, &code, &s->res.caps);
        if (st != DBX_OK) return st;
        if (code != 250) {
            s->res.outcome = DBX_SMTP_EHLO_REJECTED;
            s->res.reason = "EHLO refused (HELO would mean no STARTTLS)";
            s->state = DBX_SMTP_S_QUIT;
        } else if (!(s->res.caps & DBX_SMTP_CAP_STARTTLS)) {
            s->res.outcome = DBX_SMTP_NO_STARTTLS;
            s->res.reason = "STARTTLS not offered";
            s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
        } else {
            s->state = DBX_SMTP_S_STARTTLS;
        }
        return DBX_OK;
    case DBX_SMTP_S_STARTTLS:
        st = io_send(s, "STARTTLS\r\n");
        if (st != DBX_OK) return st;
        st = read_reply(s, c->command_ms, &code, NULL);
        if (st != DBX_OK) return st;
        if (code != 220) {
            s->res.outcome = DBX_SMTP_STARTTLS_REFUSED;
            s->res.reason = "STARTTLS refused";
            s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
            return DBX_OK;
        }
        if (s->rx_len != 0) {
            /* bytes sent before the handshake would be taken as TLS-protected */
            fail(s, DBX_ERR_PROTO, "plaintext data after STARTTLS 220 (injection)");
            return DBX_ERR_PROTO;
        }
        s->state = DBX_SMTP_S_TLS;
        return DBX_OK;
    case DBX_SMTP_S_TLS:
        tx_append(s, "-- TLS handshake\n", 17);
        st = dbx_tls_setup(&s->tls, &c->tls, s->tr, s->sock);
        if (st == DBX_OK) st = dbx_tls_handshake(&s->tls);
        if (st != DBX_OK) {
            s->res.outcome = DBX_SMTP_TLS_FAILED;
            fail(s, st, st == DBX_ERR_TIMEOUT ? "TLS handshake timeout" : "TLS handshake failed");
            return st;
        }
        s->tls_on = 1;
        {
            const dbx_tls_info_t *in = dbx_tls_info(&s->tls);
            char m[128];
            int n = snprintf(m, sizeof m, "-- TLS up: %s %s, %u certificate(s)\n",
                             in->version_name, in->ciphersuite,
                             (unsigned)dbx_tls_chain(&s->tls)->n);
            tx_append(s, m, n > 0 ? (size_t)n : 0);
        }
        s->state = DBX_SMTP_S_VERIFY;
        return DBX_OK;
    case DBX_SMTP_S_VERIFY:
        if (c->verify != NULL) {
            s->res.verify_status = c->verify(dbx_tls_chain(&s->tls), dbx_tls_info(&s->tls),
                                             c->verify_user);
            if (s->res.verify_status != DBX_OK && c->verify_advisory) {
                tx_append(s, "-- verification failed (advisory)\n", 34);
            } else if (s->res.verify_status != DBX_OK) {
                tx_append(s, "-- verification failed\n", 23);
                s->res.outcome = DBX_SMTP_VERIFY_FAILED;
                s->res.reason = "peer chain rejected by the verifier";
                s->state = DBX_SMTP_S_QUIT; /* abort: no further dialogue */
                return DBX_OK;
            }
            tx_append(s, "-- verified\n", 12);
        }
        s->state = DBX_SMTP_S_EHLO_TLS;
        return DBX_OK;
    case DBX_SMTP_S_EHLO_TLS:
        st = send_ehlo(s);
        if (st != DBX_OK) return st;
        st = read_reply(s, c->command_ms, &code, &s->res.caps_tls);
        if (st != DBX_OK) return st;
        if (code != 250) {
            fail(s, DBX_ERR_PROTO, "EHLO after STARTTLS refused");
            return DBX_ERR_PROTO;
        }
        if (c->verify != NULL && s->res.verify_status == DBX_OK) {
            s->res.outcome = DBX_SMTP_TLS_VERIFIED;
            s->res.reason = "TLS established and verified";
        } else {
            s->res.outcome = DBX_SMTP_TLS_UNVERIFIED;
            s->res.reason = "TLS established (chain not verified)";
        }
        s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
        return DBX_OK;
    case DBX_SMTP_S_QUIT:
        quit(s);
        if (s->tls_on) dbx_tls_close_notify(&s->tls);
        s->state = DBX_SMTP_S_DONE;
        return DBX_OK;
    case DBX_SMTP_S_DONE:
    case DBX_SMTP_S_OPEN:
    default:
        return DBX_ERR_INTERNAL;
    }
}

void dbx_smtp_config_defaults(dbx_smtp_config_t *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->peer.port = 25;
    cfg->helo_name = default_helo;
    cfg->connect_ms = 30000u;
    cfg->banner_ms = 300000u;  /* RFC 5321 §4.5.3.2.1 */
    cfg->command_ms = 300000u; /* §4.5.3.2.2-ish: 5 minutes */
    cfg->quit_ms = 10000u;
    cfg->tls.handshake_ms = 60000u;
    cfg->tls.io_ms = 30000u;
}

void dbx_smtp_init(dbx_smtp_t *s)
{
    if (s == NULL) return;
    memset(s, 0, sizeof *s);
    dbx_tls_init(&s->tls);
}

int dbx_smtp_run(dbx_smtp_t *s, const dbx_smtp_config_t *cfg, const dbx_transport_t *tr,
                 dbx_smtp_result_t *res)
{
    int st = DBX_OK;
    DBX_ASSERT(s != NULL && cfg != NULL && tr != NULL && res != NULL);
    DBX_ASSERT(s->sock == NULL && s->state == DBX_SMTP_S_CONNECT);
    s->cfg = cfg;
    s->tr = tr;
    memset(&s->res, 0, sizeof s->res);
    if (cfg->transcript != NULL && cfg->transcript_cap > 0) cfg->transcript[0] = '\0';
    if (cfg->tls.sni == NULL || cfg->tls.sni[0] == '\0') {
        fail(s, DBX_ERR_INVAL, "no SNI / TLSA base domain given");
        st = DBX_ERR_INVAL;
    }
    while (st == DBX_OK && s->state != DBX_SMTP_S_DONE && s->state != DBX_SMTP_S_OPEN) {
        st = step(s);
    }
    if (st != DBX_OK) {
        DBX_STICK(s->res.status, st);
        if (s->res.outcome != DBX_SMTP_TLS_FAILED) {
            s->res.outcome = DBX_SMTP_FAILED;
        }
        if (s->res.reason == NULL) s->res.reason = dbx_strerror(st);
    }
    s->res.state = s->state;
    *res = s->res;
    return s->res.status;
}

/* ---- the command API over an open session -------------------------------------- */

int dbx_smtp_is_open(const dbx_smtp_t *s)
{
    return s != NULL && s->state == DBX_SMTP_S_OPEN && s->sock != NULL;
}

/* An error on an open session ends it (the dialogue state is unknown). */
static int broken(dbx_smtp_t *s, int st)
{
    if (st != DBX_OK && st != DBX_ERR_INVAL) {
        s->state = DBX_SMTP_S_DONE;
        s->tls_on = 0;
    }
    return st;
}

int dbx_smtp_read_reply(dbx_smtp_t *s, uint32_t timeout_ms, dbx_smtp_reply_t *rep)
{
    dbx_smtp_reply_t tmp;
    int code = 0;
    DBX_CHECK(dbx_smtp_is_open(s), DBX_ERR_INVAL);
    if (rep == NULL) rep = &tmp;
    return broken(s, read_reply_rep(s, timeout_ms ? timeout_ms : s->cfg->command_ms, &code,
                                    NULL, rep));
}

int dbx_smtp_command(dbx_smtp_t *s, const char *cmd, uint32_t timeout_ms,
                     dbx_smtp_reply_t *rep)
{
    char line[DBX_SMTP_LINE_MAX + 1];
    size_t n;
    int st;
    DBX_CHECK(dbx_smtp_is_open(s) && cmd != NULL, DBX_ERR_INVAL);
    n = strlen(cmd);
    DBX_CHECK(n > 0 && n + 2 <= DBX_SMTP_LINE_MAX, DBX_ERR_INVAL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)cmd[i];
        DBX_CHECK(c == '\t' || (c >= 0x20 && c < 0x7f), DBX_ERR_INVAL);
    }
    memcpy(line, cmd, n);
    memcpy(line + n, "\r\n", 3);
    st = io_send(s, line);
    if (st != DBX_OK) return broken(s, st);
    return dbx_smtp_read_reply(s, timeout_ms, rep);
}

int dbx_smtp_send(dbx_smtp_t *s, const uint8_t *buf, size_t len)
{
    int st;
    DBX_CHECK(dbx_smtp_is_open(s) && (buf != NULL || len == 0), DBX_ERR_INVAL);
    if (len == 0) return DBX_OK;
    if (s->tls_on) {
        st = dbx_tls_send(&s->tls, buf, len);
    } else {
        st = s->tr->send(s->tr->ctx, s->sock, buf, len);
    }
    return broken(s, st);
}

void dbx_smtp_quit(dbx_smtp_t *s)
{
    if (!dbx_smtp_is_open(s)) return;
    quit(s);
    if (s->tls_on) dbx_tls_close_notify(&s->tls);
    s->state = DBX_SMTP_S_DONE;
}

const dbx_tls_chain_t *dbx_smtp_chain(const dbx_smtp_t *s)
{
    return s != NULL ? dbx_tls_chain(&s->tls) : NULL;
}

const dbx_tls_info_t *dbx_smtp_tls_info(const dbx_smtp_t *s)
{
    return s != NULL ? dbx_tls_info(&s->tls) : NULL;
}

void dbx_smtp_free(dbx_smtp_t *s)
{
    if (s == NULL) return;
    dbx_tls_free(&s->tls);
    if (s->sock != NULL && s->tr != NULL) {
        s->tr->close(s->tr->ctx, s->sock);
    }
    s->sock = NULL;
    s->tls_on = 0;
}

const char *dbx_smtp_state_name(dbx_smtp_state_t st)
{
    static const char *const names[] = {"connect", "banner", "ehlo", "starttls", "tls",
                                        "verify", "ehlo-tls", "quit", "done", "open"};
    return (unsigned)st < DBX_ARRAY_LEN(names) ? names[st] : "?";
}

const char *dbx_smtp_outcome_name(dbx_smtp_outcome_t o)
{
    static const char *const names[] = {"failed", "banner-rejected", "ehlo-rejected",
                                        "no-starttls", "starttls-refused", "tls-failed",
                                        "verify-failed", "tls-unverified", "tls-verified"};
    return (unsigned)o < DBX_ARRAY_LEN(names) ? names[o] : "?";
}
