/**
 * @file dbx_smtpd_data.c
 * @brief The SMTP server's DATA scanner (strict CRLF.CRLF, dot-unstuffing,
 *        bare CR/LF and NUL refusal, line and size limits) and path parser.
 */
#include "smtpd/dbx_smtpd_int.h"

#include <string.h>

/* Scanner states. */
enum {
    D_BOL = 0, /* at the start of a line (after CRLF, or after 354) */
    D_MID,     /* inside a line */
    D_CR,      /* CR seen inside a line */
    D_DOT,     /* leading '.' seen */
    D_DOT_CR,  /* ".\r" at the start of a line */
};

void dbx_smtpd_data_start(dbx_smtpd_t *s)
{
    s->state = DBX_SMTPD_S_DATA;
    s->dstate = D_BOL;
    s->dline_len = 0;
    s->dsize = 0;
    s->dfail = DBX_SMTPD_DF_OK;
}

static void fail(dbx_smtpd_t *s, int why)
{
    if (s->dfail == DBX_SMTPD_DF_OK) {
        s->dfail = why;
    }
}

/* One octet of line content (never CR or LF). */
static void put(dbx_smtpd_t *s, uint8_t c)
{
    if (c == 0) {
        fail(s, DBX_SMTPD_DF_NUL);
    }
    if (s->dline_len < DBX_SMTPD_TEXT_LINE - 2) {
        s->dline[s->dline_len++] = c;
    } else {
        fail(s, DBX_SMTPD_DF_LINE);
    }
    s->dstate = D_MID;
}

/* CRLF ends a good line: hand it to the queue while the message is good. */
static void line_end(dbx_smtpd_t *s)
{
    s->dline[s->dline_len++] = '\r';
    s->dline[s->dline_len++] = '\n';
    s->dsize += s->dline_len;
    if (s->dsize > s->cfg.max_size) {
        fail(s, DBX_SMTPD_DF_SIZE);
    }
    if (s->dfail == DBX_SMTPD_DF_OK) {
        int st = s->hooks.data(s->hooks.user, s->dline, s->dline_len);
        if (st != DBX_OK) {
            fail(s, st == DBX_ERR_LIMIT ? DBX_SMTPD_DF_FULL : DBX_SMTPD_DF_STORE);
        }
    }
    s->dline_len = 0;
    s->dstate = D_BOL;
}

/* An octet in the middle of a line (or after a stray CR / unstuffed dot). */
static void mid(dbx_smtpd_t *s, uint8_t c)
{
    if (c == '\r') {
        s->dstate = D_CR;
    } else if (c == '\n') {
        fail(s, DBX_SMTPD_DF_BARE); /* bare LF: NOT a line end */
        s->dstate = D_MID;
    } else {
        put(s, c);
    }
}

size_t dbx_smtpd_data_feed(dbx_smtpd_t *s, const uint8_t *in, size_t len)
{
    size_t i = 0;
    s->data_fed += len; /* at most len are used: the end of data replies */
    while (i < len) {
        uint8_t c = in[i++];
        switch (s->dstate) {
        case D_BOL:
            if (c == '.') {
                s->dstate = D_DOT;
            } else {
                mid(s, c);
            }
            break;
        case D_DOT:
            if (c == '\r') {
                s->dstate = D_DOT_CR;
            } else {
                mid(s, c); /* the leading dot is dropped (unstuffing) */
            }
            break;
        case D_DOT_CR:
            if (c == '\n') {
                dbx_smtpd_data_end(s);
                return i;
            }
            fail(s, DBX_SMTPD_DF_BARE); /* ".\r" + other: bare CR */
            s->dstate = D_MID;
            mid(s, c);
            break;
        case D_CR:
            if (c == '\n') {
                line_end(s);
            } else {
                fail(s, DBX_SMTPD_DF_BARE); /* bare CR */
                s->dstate = D_MID;
                mid(s, c);
            }
            break;
        default: /* D_MID */
            mid(s, c);
            break;
        }
    }
    return i;
}

/* Copy one path character, enforcing the limit. */
static int copy(char *out, size_t cap, size_t *n, char c)
{
    DBX_CHECK(*n + 1 < cap, DBX_ERR_LIMIT);
    out[(*n)++] = c;
    return DBX_OK;
}

int dbx_smtpd_parse_path(const char *p, char *out, size_t cap, const char **end)
{
    DBX_CHECK(p != NULL && out != NULL && cap >= 2 && end != NULL, DBX_ERR_INVAL);
    while (*p == ' ') {
        p++;
    }
    DBX_CHECK(*p == '<', DBX_ERR_MALFORMED);
    const char *start = ++p;
    if (*p == '@') { /* source route "@a,@b:" is ignored (RFC 5321 §4.1.2) */
        const char *colon = strchr(p, ':');
        const char *gt = strchr(p, '>');
        DBX_CHECK(colon != NULL && (gt == NULL || colon < gt), DBX_ERR_MALFORMED);
        p = colon + 1;
    }
    size_t n = 0;
    bool quoted = false;
    for (;; p++) {
        unsigned char c = (unsigned char)*p;
        DBX_CHECK(c != '\0' && c >= 0x20 && c != 0x7f, DBX_ERR_MALFORMED);
        if (quoted) {
            if (c == '\\') {
                int st = copy(out, cap, &n, (char)c);
                DBX_CHECK(st == DBX_OK, st);
                c = (unsigned char)*++p;
                DBX_CHECK(c >= 0x20 && c != 0x7f, DBX_ERR_MALFORMED);
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '>') {
            break;
        } else if (c == '"') {
            quoted = true;
        } else {
            DBX_CHECK(c != ' ' && c != '<', DBX_ERR_MALFORMED);
        }
        int st = copy(out, cap, &n, (char)c);
        DBX_CHECK(st == DBX_OK, st);
    }
    DBX_CHECK((size_t)(p - start) + 2 <= DBX_SMTPD_PATH_MAX, DBX_ERR_LIMIT);
    out[n] = '\0';
    *end = p + 1;
    return DBX_OK;
}
