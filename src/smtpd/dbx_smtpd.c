/**
 * @file dbx_smtpd.c
 * @brief SMTP server state machine: command lines, envelope, replies.
 *        The DATA scanner and path parser live in dbx_smtpd_data.c.
 */
#include "smtpd/dbx_smtpd_int.h"

#include "dbx_limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dbx_smtpd_config_defaults(dbx_smtpd_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->hostname = "danebox.invalid";
    cfg->max_line = 512;
    cfg->max_size = 10u * 1024u * 1024u;
    cfg->max_rcpts = 100;
    cfg->max_errors = 10;
    cfg->cmd_timeout_ms = 300000;
    cfg->data_timeout_ms = 300000;
}

void dbx_smtpd_reply(dbx_smtpd_t *s, const char *fmt, ...)
{
    size_t room = sizeof(s->out) - s->out_len;
    if (room < 3) {
        return; /* cannot happen with the reserve; never overflow */
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->out + s->out_len, room - 2, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    if ((size_t)n > room - 3) {
        n = (int)(room - 3);
    }
    s->out_len += (size_t)n;
    s->out[s->out_len++] = '\r';
    s->out[s->out_len++] = '\n';
    s->progress = true;
}

void dbx_smtpd_tx_reset(dbx_smtpd_t *s)
{
    if (s->in_tx && s->hooks.abort != NULL) {
        s->hooks.abort(s->hooks.user);
    }
    s->in_tx = false;
    s->sender[0] = '\0';
    s->rcpt_len = 0;
    s->n_rcpts = 0;
    s->body_8bit = false;
    s->smtputf8 = false;
    s->size_hint = 0;
    if (s->state != DBX_SMTPD_S_GREET && s->state != DBX_SMTPD_S_CLOSED) {
        s->state = DBX_SMTPD_S_READY;
    }
}

int dbx_smtpd_init(dbx_smtpd_t *s, const dbx_smtpd_config_t *cfg, const dbx_smtpd_hooks_t *hooks,
                   char *rcpt_buf, size_t rcpt_cap)
{
    DBX_CHECK(s != NULL && cfg != NULL && hooks != NULL && rcpt_buf != NULL, DBX_ERR_INVAL);
    DBX_CHECK(hooks->begin != NULL && hooks->data != NULL && hooks->commit != NULL,
              DBX_ERR_INVAL);
    DBX_CHECK(cfg->max_line >= 64 && cfg->max_line <= DBX_SMTPD_CMD_MAX, DBX_ERR_INVAL);
    DBX_CHECK(cfg->max_rcpts >= 1 && rcpt_cap >= DBX_SMTPD_PATH_MAX, DBX_ERR_INVAL);
    DBX_CHECK(cfg->max_size >= 1024 && cfg->max_errors >= 1, DBX_ERR_INVAL);
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    if (s->cfg.hostname == NULL || s->cfg.hostname[0] == '\0') {
        s->cfg.hostname = "danebox.invalid";
    }
    s->hooks = *hooks;
    s->rcpt_buf = rcpt_buf;
    s->rcpt_cap = rcpt_cap;
    if (cfg->busy) {
        dbx_smtpd_reply(s, "421 4.3.2 %s Too many sessions, try again later", s->cfg.hostname);
        s->state = DBX_SMTPD_S_CLOSED;
    } else {
        dbx_smtpd_reply(s, "220 %s ESMTP danebox", s->cfg.hostname);
        s->state = DBX_SMTPD_S_GREET;
    }
    s->progress = false; /* the caller starts the clock with the greeting */
    return DBX_OK;
}

/* A 5xx for a bad command; too many of them end the session. */
static void bad(dbx_smtpd_t *s, const char *reply)
{
    dbx_smtpd_reply(s, "%s", reply);
    s->stats.bad_commands++;
    if (++s->errors >= s->cfg.max_errors) {
        dbx_smtpd_reply(s, "421 4.7.0 %s Error: too many errors", s->cfg.hostname);
        dbx_smtpd_tx_reset(s);
        s->state = DBX_SMTPD_S_CLOSED;
    }
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive prefix match; returns what follows, or NULL. */
static const char *prefix(const char *s, const char *p)
{
    while (*p != '\0') {
        if (lower((unsigned char)*s) != lower((unsigned char)*p)) {
            return NULL;
        }
        s++;
        p++;
    }
    return s;
}

static bool has_8bit(const char *a)
{
    for (; *a != '\0'; a++) {
        if ((unsigned char)*a >= 0x80) {
            return true;
        }
    }
    return false;
}

/* local@domain with a non-empty local part and a DNS-style domain (letters,
 * digits, '-', '.', UTF-8), no address literal. */
static bool mailbox_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    if (at == NULL || at == a || at[1] == '\0' || at[1] == '.') {
        return false;
    }
    for (const char *d = at + 1; *d != '\0'; d++) {
        unsigned char c = (unsigned char)*d;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c >= 0x80;
        if (!ok || (c == '.' && d[1] == '.')) {
            return false;
        }
    }
    return true;
}

static void cmd_ehlo(dbx_smtpd_t *s, const char *arg, bool ehlo)
{
    while (*arg == ' ') {
        arg++;
    }
    if (*arg == '\0' || strlen(arg) >= sizeof(s->helo)) {
        bad(s, "501 5.5.4 Syntax: EHLO hostname");
        return;
    }
    dbx_smtpd_tx_reset(s);
    strcpy(s->helo, arg);
    s->state = DBX_SMTPD_S_READY;
    if (!ehlo) {
        dbx_smtpd_reply(s, "250 %s", s->cfg.hostname);
        return;
    }
    dbx_smtpd_reply(s, "250-%s", s->cfg.hostname);
    dbx_smtpd_reply(s, "250-PIPELINING");
    dbx_smtpd_reply(s, "250-SIZE %lu", (unsigned long)s->cfg.max_size); /* no %llu in nano */
    dbx_smtpd_reply(s, "250-8BITMIME");
    if (s->cfg.tls_available && !s->tls_on) {
        dbx_smtpd_reply(s, "250-STARTTLS");
    }
    dbx_smtpd_reply(s, "250-SMTPUTF8");
    dbx_smtpd_reply(s, "250 ENHANCEDSTATUSCODES");
}

/* MAIL parameters: SIZE=n, BODY=7BIT|8BITMIME, SMTPUTF8. */
static const char *mail_params(dbx_smtpd_t *s, const char *p)
{
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        const char *v;
        size_t n = strcspn(p, " ");
        if ((v = prefix(p, "SIZE=")) != NULL && v < p + n) {
            uint64_t sz = 0;
            if (v == p + n || n - 5 > 19) {
                return "501 5.5.4 Bad SIZE parameter";
            }
            for (; v < p + n; v++) {
                if (*v < '0' || *v > '9') {
                    return "501 5.5.4 Bad SIZE parameter";
                }
                sz = sz * 10u + (uint64_t)(*v - '0');
            }
            if (sz > s->cfg.max_size) {
                return "552 5.3.4 Message size exceeds fixed limit";
            }
            s->size_hint = sz;
        } else if ((v = prefix(p, "BODY=")) != NULL && v < p + n) {
            size_t vl = (size_t)(p + n - v);
            if (vl == 8 && prefix(v, "8BITMIME") != NULL) {
                s->body_8bit = true;
            } else if (!(vl == 4 && prefix(v, "7BIT") != NULL)) {
                return "501 5.5.4 Bad BODY parameter";
            }
        } else if (n == 8 && prefix(p, "SMTPUTF8") != NULL) {
            s->smtputf8 = true;
        } else {
            return "555 5.5.4 Unsupported MAIL parameter";
        }
        p += n;
    }
    return NULL;
}

static void cmd_mail(dbx_smtpd_t *s, const char *arg)
{
    if (s->state == DBX_SMTPD_S_GREET) {
        bad(s, "503 5.5.1 Error: send HELO/EHLO first");
        return;
    }
    if (s->state != DBX_SMTPD_S_READY) {
        bad(s, "503 5.5.1 Error: nested MAIL command");
        return;
    }
    const char *p = prefix(arg, " FROM:");
    const char *end = NULL;
    char path[DBX_SMTPD_PATH_MAX];
    if (p == NULL || dbx_smtpd_parse_path(p, path, sizeof(path), &end) != DBX_OK) {
        bad(s, "501 5.1.7 Bad sender address syntax");
        return;
    }
    if (path[0] != '\0' && !mailbox_ok(path)) {
        bad(s, "501 5.1.7 Bad sender address syntax");
        return;
    }
    if (*end != '\0' && *end != ' ') {
        bad(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
        return;
    }
    const char *err = mail_params(s, end);
    if (err == NULL && has_8bit(path) && !s->smtputf8) {
        err = "553 5.6.7 Non-ASCII address requires SMTPUTF8";
    }
    if (err != NULL) {
        s->body_8bit = s->smtputf8 = false;
        s->size_hint = 0;
        bad(s, err);
        return;
    }
    strcpy(s->sender, path);
    s->state = DBX_SMTPD_S_MAIL;
    dbx_smtpd_reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(dbx_smtpd_t *s, const char *arg)
{
    if (s->state != DBX_SMTPD_S_MAIL && s->state != DBX_SMTPD_S_RCPT) {
        bad(s, "503 5.5.1 Error: need MAIL command");
        return;
    }
    const char *p = prefix(arg, " TO:");
    const char *end = NULL;
    char path[DBX_SMTPD_PATH_MAX];
    if (p == NULL || dbx_smtpd_parse_path(p, path, sizeof(path), &end) != DBX_OK ||
        !mailbox_ok(path)) {
        bad(s, "501 5.1.3 Bad recipient address syntax");
        return;
    }
    while (*end == ' ') {
        end++;
    }
    if (*end != '\0') {
        bad(s, "555 5.5.4 Unsupported RCPT parameter");
        return;
    }
    if (!s->cfg.client_allowed) {
        dbx_smtpd_reply(s, "554 5.7.1 <%s>: Relay access denied", path);
        s->stats.bad_commands++;
        return;
    }
    if (has_8bit(path) && !s->smtputf8) {
        bad(s, "553 5.6.7 Non-ASCII address requires SMTPUTF8");
        return;
    }
    size_t n = strlen(path) + 1;
    if (s->n_rcpts >= s->cfg.max_rcpts || s->rcpt_len + n > s->rcpt_cap) {
        dbx_smtpd_reply(s, "452 4.5.3 Error: too many recipients");
        return;
    }
    memcpy(s->rcpt_buf + s->rcpt_len, path, n);
    s->rcpt_len += n;
    s->n_rcpts++;
    s->state = DBX_SMTPD_S_RCPT;
    dbx_smtpd_reply(s, "250 2.1.5 Ok");
}

static void envelope(const dbx_smtpd_t *s, dbx_smtpd_envelope_t *env)
{
    env->sender = s->sender;
    env->rcpts = s->rcpt_buf;
    env->n_rcpts = s->n_rcpts;
    env->body_8bit = s->body_8bit;
    env->smtputf8 = s->smtputf8;
    env->size_hint = s->size_hint;
    env->helo = s->helo;
}

static void cmd_data(dbx_smtpd_t *s, const char *arg)
{
    if (s->state == DBX_SMTPD_S_MAIL) {
        bad(s, "554 5.5.1 Error: no valid recipients");
        return;
    }
    if (s->state != DBX_SMTPD_S_RCPT) {
        bad(s, "503 5.5.1 Error: need RCPT command");
        return;
    }
    if (*arg != '\0') {
        bad(s, "501 5.5.4 Syntax: DATA");
        return;
    }
    dbx_smtpd_envelope_t env;
    envelope(s, &env);
    int st = s->hooks.begin(s->hooks.user, &env);
    if (st != DBX_OK) {
        dbx_smtpd_reply(s, st == DBX_ERR_LIMIT ? "452 4.3.1 Insufficient system storage"
                                               : "451 4.3.0 Error: queue file write error");
        dbx_smtpd_tx_reset(s);
        return;
    }
    s->in_tx = true;
    dbx_smtpd_data_start(s);
    dbx_smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/* Called by the DATA scanner at CRLF.CRLF. */
void dbx_smtpd_data_end(dbx_smtpd_t *s)
{
    static const char *const why[] = {
        [DBX_SMTPD_DF_BARE] = "550 5.6.0 Message refused: bare CR or LF in data",
        [DBX_SMTPD_DF_NUL] = "550 5.6.0 Message refused: NUL in data",
        [DBX_SMTPD_DF_LINE] = "550 5.6.0 Message refused: text line over 1000 octets",
        [DBX_SMTPD_DF_SIZE] = "552 5.3.4 Message size exceeds fixed limit",
        [DBX_SMTPD_DF_STORE] = "451 4.3.0 Error: queue file write error",
        [DBX_SMTPD_DF_FULL] = "452 4.3.1 Insufficient system storage",
    };
    s->state = DBX_SMTPD_S_READY;
    if (s->dfail != DBX_SMTPD_DF_OK) {
        dbx_smtpd_reply(s, "%s", why[s->dfail]);
        s->stats.rejected++;
        dbx_smtpd_tx_reset(s);
        return;
    }
    dbx_smtpd_envelope_t env;
    envelope(s, &env);
    char qid[DBX_SMTPD_QID_MAX];
    qid[0] = '\0';
    int st = s->hooks.commit(s->hooks.user, &env, qid);
    s->in_tx = false; /* commit owns the message now, success or not */
    qid[sizeof(qid) - 1] = '\0';
    if (st == DBX_OK) {
        strcpy(s->last_qid, qid);
        s->stats.messages++;
        dbx_smtpd_reply(s, "250 2.0.0 Ok: queued as %s", qid);
    } else if (st == DBX_ERR_LIMIT) {
        dbx_smtpd_reply(s, "452 4.3.1 Insufficient system storage");
    } else {
        dbx_smtpd_reply(s, "451 4.3.0 Error: queue file write error");
    }
    dbx_smtpd_tx_reset(s);
}

static void cmd_starttls(dbx_smtpd_t *s, const char *arg)
{
    if (!s->cfg.tls_available) {
        bad(s, "502 5.5.1 Error: command not implemented");
    } else if (s->tls_on) {
        bad(s, "554 5.5.1 Error: TLS already active");
    } else if (*arg != '\0') {
        bad(s, "501 5.5.4 Syntax: STARTTLS");
    } else {
        dbx_smtpd_tx_reset(s);
        dbx_smtpd_reply(s, "220 2.0.0 Ready to start TLS");
        s->state = DBX_SMTPD_S_STARTTLS;
    }
}

static void command(dbx_smtpd_t *s, char *line)
{
    size_t vl = strcspn(line, " ");
    const char *arg = line + vl;
    char verb[12] = {0};
    if (vl >= sizeof(verb)) {
        bad(s, "500 5.5.2 Error: command not recognized");
        return;
    }
    for (size_t i = 0; i < vl; i++) {
        verb[i] = (char)lower((unsigned char)line[i]);
    }
    if (strcmp(verb, "ehlo") == 0 || strcmp(verb, "helo") == 0) {
        cmd_ehlo(s, arg, verb[0] == 'e');
    } else if (strcmp(verb, "mail") == 0) {
        cmd_mail(s, arg);
    } else if (strcmp(verb, "rcpt") == 0) {
        cmd_rcpt(s, arg);
    } else if (strcmp(verb, "data") == 0) {
        cmd_data(s, arg);
    } else if (strcmp(verb, "rset") == 0) {
        dbx_smtpd_tx_reset(s);
        dbx_smtpd_reply(s, "250 2.0.0 Ok");
    } else if (strcmp(verb, "noop") == 0) {
        dbx_smtpd_reply(s, "250 2.0.0 Ok");
    } else if (strcmp(verb, "quit") == 0) {
        dbx_smtpd_reply(s, "221 2.0.0 Bye");
        dbx_smtpd_tx_reset(s);
        s->state = DBX_SMTPD_S_CLOSED;
    } else if (strcmp(verb, "vrfy") == 0) {
        if (*arg == '\0') {
            bad(s, "501 5.5.4 Syntax: VRFY address");
        } else {
            dbx_smtpd_reply(s, "252 2.0.0 Cannot VRFY; send some mail, we will try");
        }
    } else if (strcmp(verb, "starttls") == 0) {
        cmd_starttls(s, arg);
    } else if (strcmp(verb, "help") == 0) {
        dbx_smtpd_reply(s, "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");
    } else {
        bad(s, "500 5.5.2 Error: command not recognized");
    }
}

/* One complete command line (LF seen).  The CR before it is in s->line_cr. */
static void line_done(dbx_smtpd_t *s)
{
    bool cr = s->line_cr;
    size_t n = s->line_len;
    bool nul = memchr(s->line, '\0', n) != NULL;
    if (s->line_overflow) {
        bad(s, "500 5.5.2 Error: line too long");
    } else if (!cr) {
        bad(s, "500 5.5.2 Error: bare <LF> received");
    } else if (nul || memchr(s->line, '\r', n) != NULL) {
        bad(s, "500 5.5.2 Error: bad characters in command");
    } else {
        s->line[n] = '\0';
        command(s, (char *)s->line);
    }
    s->line_len = 0;
    s->line_overflow = false;
    s->line_cr = false;
}

int dbx_smtpd_feed(dbx_smtpd_t *s, const uint8_t *in, size_t len, size_t *consumed)
{
    DBX_CHECK(s != NULL && consumed != NULL && (in != NULL || len == 0), DBX_ERR_INVAL);
    size_t i = 0;
    while (i < len && s->state != DBX_SMTPD_S_CLOSED) {
        if (sizeof(s->out) - s->out_len < DBX_SMTPD_OUT_RESERVE) {
            break; /* the caller sends the replies first */
        }
        if (s->state == DBX_SMTPD_S_DATA) {
            i += dbx_smtpd_data_feed(s, in + i, len - i);
            continue;
        }
        if (s->state == DBX_SMTPD_S_STARTTLS) { /* pipelined plaintext: dropped */
            s->stats.injected += (uint32_t)(len - i);
            i = len;
            break;
        }
        uint8_t c = in[i++];
        if (c == '\n') {
            line_done(s);
            continue;
        }
        if (s->line_cr) { /* the previous CR was not before LF: keep it */
            if (s->line_len < s->cfg.max_line - 2) {
                s->line[s->line_len++] = '\r';
            } else {
                s->line_overflow = true;
            }
        }
        s->line_cr = (c == '\r');
        if (s->line_cr) {
            continue;
        }
        if (s->line_len < s->cfg.max_line - 2) {
            s->line[s->line_len++] = c;
        } else {
            s->line_overflow = true;
        }
    }
    if (s->state == DBX_SMTPD_S_CLOSED) {
        i = len; /* nothing after QUIT / 421 is read */
    }
    *consumed = i;
    return DBX_OK;
}

const char *dbx_smtpd_output(const dbx_smtpd_t *s, size_t *len)
{
    *len = s->out_len;
    return s->out;
}

void dbx_smtpd_output_consumed(dbx_smtpd_t *s, size_t n)
{
    if (n >= s->out_len) {
        s->out_len = 0;
        return;
    }
    memmove(s->out, s->out + n, s->out_len - n);
    s->out_len -= n;
}

uint32_t dbx_smtpd_timeout_ms(const dbx_smtpd_t *s)
{
    return s->state == DBX_SMTPD_S_DATA ? s->cfg.data_timeout_ms : s->cfg.cmd_timeout_ms;
}

uint32_t dbx_smtpd_time_left(dbx_smtpd_t *s, uint32_t left_ms)
{
    uint32_t full = dbx_smtpd_timeout_ms(s);
    uint32_t left = left_ms;
    if (s->progress) {
        left = full;
    } else if (s->state == DBX_SMTPD_S_DATA) {
        uint64_t more = s->data_fed * 1000u / DBX_SMTPD_MIN_DATA_RATE;
        left = (uint64_t)left_ms + more >= full ? full : left_ms + (uint32_t)more;
    }
    s->progress = false;
    s->data_fed = 0;
    return left;
}

void dbx_smtpd_timeout(dbx_smtpd_t *s)
{
    if (s->state == DBX_SMTPD_S_CLOSED) {
        return;
    }
    dbx_smtpd_tx_reset(s);
    s->out_len = 0; /* replies the client never read do not matter now */
    dbx_smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded", s->cfg.hostname);
    s->state = DBX_SMTPD_S_CLOSED;
}

void dbx_smtpd_disconnect(dbx_smtpd_t *s)
{
    dbx_smtpd_tx_reset(s);
    s->state = DBX_SMTPD_S_CLOSED;
}

bool dbx_smtpd_want_tls(const dbx_smtpd_t *s)
{
    return s->state == DBX_SMTPD_S_STARTTLS;
}

void dbx_smtpd_tls_started(dbx_smtpd_t *s)
{
    if (s->state != DBX_SMTPD_S_STARTTLS) {
        return;
    }
    s->tls_on = true;
    s->helo[0] = '\0';
    s->line_len = 0;
    s->line_overflow = false;
    s->line_cr = false;
    s->state = DBX_SMTPD_S_GREET; /* RFC 3207 §4.2: forget everything */
}

bool dbx_smtpd_closed(const dbx_smtpd_t *s)
{
    return s->state == DBX_SMTPD_S_CLOSED;
}
