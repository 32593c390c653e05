/* danebox: the one string toolkit; see dbx_str.h. */
#include "dbx_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

bool dbx_str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    if (dst == NULL || cap == 0) return true;
    if (src != NULL) {
        while (src[n] != '\0' && n + 1 < cap) {
            dst[n] = src[n];
            n++;
        }
    }
    dst[n] = '\0';
    return src != NULL && src[n] != '\0';
}

bool dbx_str_fmt(char *dst, size_t cap, const char *f, ...)
{
    va_list ap;
    int n;
    if (dst == NULL || cap == 0) return true;
    va_start(ap, f);
    n = vsnprintf(dst, cap, f, ap);
    va_end(ap);
    if (n < 0) {
        dst[0] = '\0';
        return true;
    }
    return (size_t)n >= cap;
}

char dbx_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int dbx_hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int dbx_ascii_casecmp_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = (unsigned char)dbx_ascii_lower(a[i]), cb = (unsigned char)dbx_ascii_lower(b[i]);
        if (ca != cb || ca == 0) return ca - cb;
    }
    return 0;
}

bool dbx_ascii_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return a == b;
    for (; *a && *b; a++, b++) {
        if (dbx_ascii_lower(*a) != dbx_ascii_lower(*b)) return false;
    }
    return *a == *b;
}

uint32_t dbx_fnv1a(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ b[i]) * 16777619u;
    }
    return h;
}

int dbx_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap)
{
    DBX_CHECK(out != NULL && cap > 0, DBX_ERR_BUFFER);
    out[0] = '\0';
    DBX_CHECK(p != NULL || len == 0, DBX_ERR_INVAL);
    DBX_CHECK(len <= (cap - 1) / 2, DBX_ERR_BUFFER);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hexdig[p[i] >> 4];
        out[2 * i + 1] = hexdig[p[i] & 15];
    }
    out[2 * len] = '\0';
    return DBX_OK;
}

void dbx_sbuf_init(dbx_sbuf_t *s, char *b, size_t cap)
{
    s->b = b;
    s->cap = cap;
    s->len = 0;
    s->cut = cap == 0 || b == NULL;
    if (!s->cut) b[0] = '\0';
}

void dbx_sbuf_putc(dbx_sbuf_t *s, char c)
{
    if (s->b != NULL && s->len + 1 < s->cap) {
        s->b[s->len++] = c;
        s->b[s->len] = '\0';
    } else {
        s->cut = true;
    }
}

void dbx_sbuf_puts(dbx_sbuf_t *s, const char *t)
{
    for (; t != NULL && *t; t++) dbx_sbuf_putc(s, *t);
}

void dbx_sbuf_printf(dbx_sbuf_t *s, const char *f, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0) {
        s->cut = true;
        return;
    }
    if ((size_t)n >= sizeof tmp) s->cut = true;
    dbx_sbuf_puts(s, tmp);
}

size_t dbx_json_escape_char(unsigned char c, char out[7])
{
    size_t n = 0;
    if (c == '"' || c == '\\') {
        out[n++] = '\\';
        out[n++] = (char)c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
        out[n++] = '\\';
        out[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    } else if (c < 0x20 || c >= 0x7f) {
        memcpy(out, "\\u00", 4);
        n = 4;
        out[n++] = hexdig[c >> 4];
        out[n++] = hexdig[c & 15];
    } else {
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

void dbx_sbuf_json_str(dbx_sbuf_t *s, const char *t)
{
    char e[7];
    dbx_sbuf_putc(s, '"');
    for (; t != NULL && *t; t++) {
        dbx_json_escape_char((unsigned char)*t, e);
        dbx_sbuf_puts(s, e);
    }
    dbx_sbuf_putc(s, '"');
}

int dbx_json_escape(const char *t, char *out, size_t cap)
{
    dbx_sbuf_t s;
    dbx_sbuf_init(&s, out, cap);
    dbx_sbuf_json_str(&s, t);
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}

const char *dbx_dec64(int64_t v, char buf[24])
{
    uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    char *p = buf + 23;
    *p = '\0';
    do {
        *--p = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

void dbx_utc_from_unix(int64_t t, dbx_utc_t *out)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil date from days since 1970-01-01 (proleptic Gregorian) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t w = days % 7;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->year = (int)(yoe + era * 400 + (out->mon <= 2));
    out->wday = (int)(w < 0 ? w + 7 : w);
    out->hour = (int)(secs / 3600);
    out->min = (int)(secs / 60 % 60);
    out->sec = (int)(secs % 60);
}

const char *dbx_utc_iso(int64_t t, char buf[21])
{
    dbx_utc_t u;
    dbx_utc_from_unix(t, &u);
    if (u.year < 0 || u.year > 9999) {
        u = (dbx_utc_t){.year = 0, .mon = 1, .day = 1};
    }
    snprintf(buf, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.mon, u.day, u.hour, u.min,
             u.sec);
    return buf;
}
