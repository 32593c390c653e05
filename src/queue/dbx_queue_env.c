/**
 * @file dbx_queue_env.c
 * @brief The queue's envelope record: text format and strict parser.
 */
#include "queue/dbx_queue.h"
#include "dbx_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *dbx_rcpt_state_name(int st)
{
    static const char *const n[] = {"pending", "deferred", "delivered", "bounced", "failed"};
    return (st >= 0 && st < 5) ? n[st] : "?";
}

size_t dbx_queue_env_open_rcpts(const dbx_queue_env_t *env)
{
    size_t n = 0;
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        n += env->rcpt[i].state == DBX_RCPT_PENDING || env->rcpt[i].state == DBX_RCPT_DEFERRED;
    }
    return n;
}

/* Printable, no spaces in tokens that must not have them. */
static bool clean(const char *s, bool spaces)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (!spaces && c == ' ')) {
            return false;
        }
    }
    return true;
}

static int put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *off, cap - *off, fmt, ap);
    va_end(ap);
    DBX_CHECK(n >= 0 && (size_t)n < cap - *off, DBX_ERR_BUFFER);
    *off += (size_t)n;
    return DBX_OK;
}

int dbx_queue_env_format(const dbx_queue_env_t *env, char *buf, size_t cap, size_t *len)
{
    DBX_CHECK(env != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    DBX_CHECK(env->n_rcpts <= DBX_QUEUE_MAX_RCPTS, DBX_ERR_INVAL);
    DBX_CHECK(env->id[0] != '\0' && clean(env->id, false) && clean(env->sender, true),
              DBX_ERR_INVAL);
    size_t off = 0;
    char d1[24], d2[24];
    int st = put(buf, cap, &off, "DBXQ 1\nid %s\nfrom %s\narrival %s\nsize %s\nflags%s%s\n",
                 env->id, env->sender, dbx_dec64(env->arrival, d1),
                 dbx_dec64((int64_t)(env->size & INT64_MAX), d2),
                 env->body_8bit ? " 8bitmime" : "", env->smtputf8 ? " smtputf8" : "");
    for (uint16_t i = 0; st == DBX_OK && i < env->n_rcpts; i++) {
        const dbx_queue_rcpt_t *r = &env->rcpt[i];
        DBX_CHECK(r->addr[0] != '\0' && clean(r->addr, true) && clean(r->reason, true) &&
                      clean(r->dsn, false) && r->state <= DBX_RCPT_FAILED,
                  DBX_ERR_INVAL);
        st = put(buf, cap, &off, "rcpt %s %u %s %s %s\nreason %s\n",
                 dbx_rcpt_state_name(r->state), (unsigned)r->attempts, dbx_dec64(r->next_try, d1),
                 r->dsn[0] != '\0' ? r->dsn : "-", r->addr, r->reason);
    }
    if (st == DBX_OK) {
        st = put(buf, cap, &off, "end\n");
    }
    if (len != NULL) {
        *len = off;
    }
    return st;
}

/* Decimal integer (optional '-') ending at a space or the end. */
static int num(const char **p, int64_t *out)
{
    const char *s = *p;
    bool neg = (*s == '-');
    s += neg;
    DBX_CHECK(*s >= '0' && *s <= '9', DBX_ERR_MALFORMED);
    int64_t v = 0;
    for (int digits = 0; *s >= '0' && *s <= '9'; s++) {
        DBX_CHECK(++digits <= 18, DBX_ERR_MALFORMED);
        v = v * 10 + (*s - '0');
    }
    DBX_CHECK(*s == ' ' || *s == '\0', DBX_ERR_MALFORMED);
    *out = neg ? -v : v;
    *p = (*s == ' ') ? s + 1 : s;
    return DBX_OK;
}

static int copy(char *dst, size_t cap, const char *src, size_t n)
{
    DBX_CHECK(n < cap, DBX_ERR_LIMIT);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return DBX_OK;
}

static int rcpt_line(const char *v, dbx_queue_env_t *env)
{
    DBX_CHECK(env->n_rcpts < DBX_QUEUE_MAX_RCPTS, DBX_ERR_LIMIT);
    dbx_queue_rcpt_t *r = &env->rcpt[env->n_rcpts];
    memset(r, 0, sizeof(*r));
    size_t n = strcspn(v, " ");
    int s = -1;
    for (int k = 0; k < 5; k++) {
        if (strlen(dbx_rcpt_state_name(k)) == n && strncmp(v, dbx_rcpt_state_name(k), n) == 0) {
            s = k;
        }
    }
    DBX_CHECK(s >= 0 && v[n] == ' ', DBX_ERR_MALFORMED);
    v += n + 1;
    int64_t att, next;
    DBX_CHECK(num(&v, &att) == DBX_OK && att >= 0 && att <= 65535, DBX_ERR_MALFORMED);
    DBX_CHECK(num(&v, &next) == DBX_OK, DBX_ERR_MALFORMED);
    n = strcspn(v, " ");
    DBX_CHECK(v[n] == ' ' && n > 0, DBX_ERR_MALFORMED);
    if (!(n == 1 && v[0] == '-')) {
        DBX_CHECK(copy(r->dsn, sizeof(r->dsn), v, n) == DBX_OK, DBX_ERR_MALFORMED);
    }
    v += n + 1;
    DBX_CHECK(*v != '\0', DBX_ERR_MALFORMED);
    int st = copy(r->addr, sizeof(r->addr), v, strlen(v));
    DBX_CHECK(st == DBX_OK, st);
    r->state = (uint8_t)s;
    r->attempts = (uint16_t)att;
    r->next_try = next;
    env->n_rcpts++;
    return DBX_OK;
}

/* "flags" with only known words, each at most once. */
static int flags_line(const char *v, dbx_queue_env_t *env)
{
    while (*v == ' ') {
        v++;
        size_t n = strcspn(v, " ");
        if (n == 8 && strncmp(v, "8bitmime", n) == 0 && !env->body_8bit) {
            env->body_8bit = true;
        } else if (n == 8 && strncmp(v, "smtputf8", n) == 0 && !env->smtputf8) {
            env->smtputf8 = true;
        } else {
            return DBX_ERR_MALFORMED;
        }
        v += n;
    }
    DBX_CHECK(*v == '\0', DBX_ERR_MALFORMED);
    return DBX_OK;
}

/* The header lines, each exactly once, in this order (what format writes). */
static int header_line(const char *l, dbx_queue_env_t *env, int k)
{
    static const char *const keys[] = {"id ", "from ", "arrival ", "size ", "flags"};
    size_t kn = strlen(keys[k]);
    DBX_CHECK(strncmp(l, keys[k], kn) == 0, DBX_ERR_MALFORMED);
    const char *v = l + kn;
    int64_t x;
    switch (k) {
    case 0:
        DBX_CHECK(*v != '\0' && clean(v, false), DBX_ERR_MALFORMED);
        return copy(env->id, sizeof(env->id), v, strlen(v));
    case 1:
        return copy(env->sender, sizeof(env->sender), v, strlen(v));
    case 2:
        DBX_CHECK(num(&v, &env->arrival) == DBX_OK && *v == '\0', DBX_ERR_MALFORMED);
        return DBX_OK;
    case 3:
        DBX_CHECK(num(&v, &x) == DBX_OK && *v == '\0' && x >= 0, DBX_ERR_MALFORMED);
        env->size = (uint64_t)x;
        return DBX_OK;
    default:
        return flags_line(v, env);
    }
}

/* One line (NUL-terminated, no LF): a header line while *hdr < 5, then
 * "rcpt" / "reason" pairs, then "end". */
static int parse_line(const char *l, dbx_queue_env_t *env, int *hdr, int *seen_end,
                      bool *want_reason)
{
    if (*hdr < 5) {
        int st = header_line(l, env, *hdr);
        (*hdr)++;
        return st;
    }
    if (*want_reason) {
        DBX_CHECK(strncmp(l, "reason ", 7) == 0, DBX_ERR_MALFORMED);
        *want_reason = false;
        dbx_queue_rcpt_t *r = &env->rcpt[env->n_rcpts - 1];
        return copy(r->reason, sizeof(r->reason), l + 7, strlen(l + 7));
    }
    if (strncmp(l, "rcpt ", 5) == 0) {
        *want_reason = true;
        return rcpt_line(l + 5, env);
    }
    DBX_CHECK(strcmp(l, "end") == 0, DBX_ERR_MALFORMED);
    *seen_end = 1;
    return DBX_OK;
}

int dbx_queue_env_parse(const char *buf, size_t len, dbx_queue_env_t *env)
{
    DBX_CHECK(buf != NULL && env != NULL, DBX_ERR_INVAL);
    memset(env, 0, sizeof(*env));
    char line[DBX_QUEUE_ADDR_MAX + 64];
    size_t off = 0;
    int n_lines = 0, seen_end = 0, hdr = 0;
    bool want_reason = false;
    while (off < len) {
        DBX_CHECK(!seen_end, DBX_ERR_MALFORMED); /* nothing after "end" */
        const char *nl = memchr(buf + off, '\n', len - off);
        DBX_CHECK(nl != NULL, DBX_ERR_MALFORMED); /* torn last line */
        size_t n = (size_t)(nl - (buf + off));
        DBX_CHECK(n < sizeof(line), DBX_ERR_LIMIT);
        memcpy(line, buf + off, n);
        line[n] = '\0';
        DBX_CHECK(memchr(line, '\0', n) == NULL && clean(line, true), DBX_ERR_MALFORMED);
        off += n + 1;
        if (n_lines++ == 0) {
            DBX_CHECK(strcmp(line, "DBXQ 1") == 0, DBX_ERR_MALFORMED);
            continue;
        }
        int st = parse_line(line, env, &hdr, &seen_end, &want_reason);
        DBX_CHECK(st == DBX_OK, st);
    }
    DBX_CHECK(seen_end && !want_reason && env->id[0] != '\0' && env->n_rcpts > 0,
              DBX_ERR_MALFORMED);
    return DBX_OK;
}
