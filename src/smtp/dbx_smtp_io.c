/* danebox SMTP client: reply reading (bounded lines and replies), the
 * transcript, plaintext/TLS I/O, and the command API over an open session
 * (dbx_smtp.h).  The dialogue's state machine is dbx_smtp.c. */
#include "dbx_smtp_int.h"
#include "dbx_str.h"
#include "hal_platform.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------ */

void dbx_smtp_fail(dbx_smtp_t *s, int st, const char *reason)
{
    DBX_STICK(s->res.status, st);
    if (s->res.reason == NULL) {
        s->res.reason = reason;
    }
}

/* Append @p n bytes (sanitised) to the caller's transcript. */
void dbx_smtp_tx_append(dbx_smtp_t *s, const char *p, size_t n)
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

void dbx_smtp_tx_line(dbx_smtp_t *s, const char *prefix, const char *p, size_t n)
{
    dbx_smtp_tx_append(s, prefix, strlen(prefix));
    dbx_smtp_tx_append(s, p, n);
    dbx_smtp_tx_append(s, "\n", 1);
}

/* ---- I/O: plaintext transport or TLS ------------------------------------------- */

int dbx_smtp_io_send(dbx_smtp_t *s, const char *cmd)
{
    size_t n = strlen(cmd);
    int st;
    dbx_smtp_tx_line(s, "C: ", cmd, n - 2); /* without CRLF */
    if (s->tls_on) {
        st = dbx_tls_send(&s->tls, (const uint8_t *)cmd, n);
    } else {
        st = s->tr->send(s->tr->ctx, s->sock, (const uint8_t *)cmd, n);
    }
    if (st != DBX_OK) {
        dbx_smtp_fail(s, st, "send failed");
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
                dbx_smtp_fail(s, DBX_ERR_MALFORMED, "reply line not terminated by CRLF (bare LF)");
                return DBX_ERR_MALFORMED;
            }
            n--; /* drop CR */
            if (memchr(s->rx, '\0', n) != NULL) {
                dbx_smtp_fail(s, DBX_ERR_MALFORMED, "NUL byte in reply");
                return DBX_ERR_MALFORMED;
            }
            if (memchr(s->rx, '\r', n) != NULL) {
                dbx_smtp_fail(s, DBX_ERR_MALFORMED, "bare CR in reply");
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
            dbx_smtp_fail(s, DBX_ERR_LIMIT, "reply line longer than 1000 octets");
            return DBX_ERR_LIMIT;
        }
        int32_t left = (int32_t)(deadline - hal_clock_ms());
        if (left <= 0) {
            dbx_smtp_fail(s, DBX_ERR_TIMEOUT, "timeout waiting for reply");
            return DBX_ERR_TIMEOUT;
        }
        size_t got = 0;
        int st = io_recv(s, s->rx + s->rx_len, DBX_SMTP_LINE_MAX - s->rx_len, &got,
                         (uint32_t)left);
        if (st == DBX_ERR_TIMEOUT) {
            dbx_smtp_fail(s, st, "timeout waiting for reply");
            return st;
        }
        if (st != DBX_OK) {
            dbx_smtp_fail(s, st, s->tls_on ? "TLS read failed" : "read failed");
            return st;
        }
        if (got == 0) {
            if (s->rx_len > 0) {
                dbx_smtp_fail(s, DBX_ERR_MALFORMED, "connection closed inside a reply line (missing CRLF)");
                return DBX_ERR_MALFORMED;
            }
            dbx_smtp_fail(s, DBX_ERR_IO, "connection closed by server");
            return DBX_ERR_IO;
        }
        if (got > DBX_SMTP_LINE_MAX - s->rx_len) {
            dbx_smtp_fail(s, DBX_ERR_INTERNAL, "transport returned too many bytes");
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

int dbx_smtp_read_reply_int(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps)
{
    return dbx_smtp_read_reply_full(s, ms, code, caps, NULL);
}

int dbx_smtp_read_reply_full(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps,
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
        dbx_smtp_tx_line(s, "S: ", (const char *)s->line, n);
        total += n + 2;
        lines++;
        if (lines > DBX_SMTP_REPLY_LINES) {
            dbx_smtp_fail(s, DBX_ERR_LIMIT, "too many lines in one reply");
            return DBX_ERR_LIMIT;
        }
        if (total > DBX_SMTP_REPLY_MAX) {
            dbx_smtp_fail(s, DBX_ERR_LIMIT, "reply too large");
            return DBX_ERR_LIMIT;
        }
        if (dbx_smtp_parse_line(s->line, n, &l) != DBX_OK) {
            dbx_smtp_fail(s, DBX_ERR_MALFORMED, "malformed reply line (bad code or separator)");
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
                dbx_smtp_fail(s, DBX_ERR_MALFORMED, "mixed reply codes in a multi-line reply");
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

/* Send QUIT and wait briefly for 221; errors there do not change the outcome. */
void dbx_smtp_send_quit(dbx_smtp_t *s)
{
    int code = 0;
    int keep_status = s->res.status;
    const char *keep_reason = s->res.reason;
    if (dbx_smtp_io_send(s, "QUIT\r\n") == DBX_OK) {
        (void)dbx_smtp_read_reply_int(s, s->cfg->quit_ms, &code, NULL);
    }
    s->res.status = keep_status;
    s->res.reason = keep_reason;
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
    return broken(s, dbx_smtp_read_reply_full(s, timeout_ms ? timeout_ms : s->cfg->command_ms, &code,
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
    st = dbx_smtp_io_send(s, line);
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
    dbx_smtp_send_quit(s);
    if (s->tls_on) dbx_tls_close_notify(&s->tls);
    s->state = DBX_SMTP_S_DONE;
}
