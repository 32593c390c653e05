/* RFC 8460 report delivery, mail part: gzip and the §5.3 multipart/report
 * message queued in the relay's spool.  See tlsrpt_send.h. */
#include "tlsrpt_send.h"

#include "dbx_str.h"
#include "relay/dbx_relay.h"

#include <mbedtls/base64.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int tlsrpt_gzip(const char *in, size_t len, uint8_t **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper (RFC 1952) */
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    uLong bound = deflateBound(&z, (uLong)len);
    uint8_t *buf = bound <= TLSRPT_GZ_MAX ? malloc(bound) : NULL;
    if (buf == NULL) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    int st = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (st != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

/* The address of a mailto: URI (RFC 6068), one plain address only.
 * @return 0 or -1. */
static int mailto_addr(const char *uri, char *out, size_t cap)
{
    const char *p = uri + 7; /* "mailto:" checked by the TXT parser */
    size_t n = strcspn(p, "?");
    const char *at = memchr(p, '@', n);
    if (n == 0 || n >= cap || at == NULL || at == p || at == p + n - 1 ||
        memchr(at + 1, '@', (size_t)(p + n - at - 1)) != NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || c == '%' || c == ',' || c == '<' || c == '>' ||
            c == '"' || c == '\\') {
            return -1;
        }
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

typedef struct out {
    dbx_queue_t *q;
    void *h;
    int st;
    uint64_t size;
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->st == DBX_OK) {
        o->st = o->q->ops->write(o->q->ctx, o->h, (const uint8_t *)s, n);
        o->size += n;
    }
}

static void putf(out_t *o, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void putf(out_t *o, const char *f, ...)
{
    char b[1024];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(b, sizeof(b), f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b)) {
        o->st = DBX_ERR_BUFFER;
        return;
    }
    put(o, b, (size_t)n);
}

/* The gzip'd report as base64 lines of 76 characters. */
static void put_base64(out_t *o, const uint8_t *p, size_t n)
{
    unsigned char line[80];
    for (size_t i = 0; i < n && o->st == DBX_OK; i += 57) {
        size_t k = n - i < 57 ? n - i : 57, w = 0;
        if (mbedtls_base64_encode(line, sizeof(line), &w, p + i, k) != 0) {
            o->st = DBX_ERR_INTERNAL;
            return;
        }
        put(o, (const char *)line, w);
        put(o, "\r\n", 2);
    }
}

static void message(out_t *o, const tlsrpt_msg_t *m, const char *to)
{
    char date[40], bnd[96];
    snprintf(bnd, sizeof(bnd), "tlsrpt.%lld.%lld/danebox", (long long)m->now,
             (long long)m->start);
    putf(o, "From: TLS reporting <noreply-tlsrpt@%s>\r\nTo: <%s>\r\nDate: %s\r\n", m->submitter,
         to, dbx_relay_date(m->now, date, sizeof(date)));
    putf(o, "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n", m->domain,
         m->submitter, m->report_id);
    putf(o, "TLS-Report-Domain: %s\r\nTLS-Report-Submitter: %s\r\nMessage-ID: <%s>\r\n",
         m->domain, m->submitter, m->report_id);
    putf(o, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: "
            "multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"%s\"\r\n\r\n"
            "This is a MIME-encapsulated message.\r\n\r\n", bnd);
    putf(o, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "This is an aggregate TLS report (RFC 8460) from %s for %s.\r\n\r\n", bnd,
         m->submitter, m->domain);
    putf(o, "--%s\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
            "\r\nContent-Disposition: attachment;\r\n\tfilename=\"%s!%s!%lld!%lld.json.gz\"\r\n\r\n",
         bnd, m->submitter, m->domain, (long long)m->start, (long long)(m->end - 1));
    put_base64(o, m->gz, m->gz_len);
    putf(o, "\r\n--%s--\r\n", bnd);
}

int tlsrpt_send_mailto(dbx_queue_t *q, const tlsrpt_msg_t *m, const char *uri,
                       char id[DBX_QUEUE_ID_MAX], char *err, size_t errcap)
{
    static dbx_queue_env_t env;
    char to[DBX_QUEUE_ADDR_MAX];
    if (mailto_addr(uri, to, sizeof(to)) != 0) {
        snprintf(err, errcap, "not a plain mailto: address");
        return -1;
    }
    out_t o = {.q = q, .st = DBX_OK};
    int st = q->ops->create(q->ctx, &o.h);
    if (st != DBX_OK) {
        snprintf(err, errcap, "spool: %s", dbx_strerror(st));
        return -1;
    }
    message(&o, m, to);
    if (o.st != DBX_OK) {
        q->ops->discard(q->ctx, o.h);
        snprintf(err, errcap, "spool write: %s", dbx_strerror(o.st));
        return -1;
    }
    memset(&env, 0, sizeof(env));
    env.arrival = m->now;
    env.size = o.size;
    env.n_rcpts = 1;
    dbx_str_copy(env.rcpt[0].addr, sizeof(env.rcpt[0].addr), to);
    st = q->ops->commit(q->ctx, o.h, &env);
    if (st != DBX_OK) {
        snprintf(err, errcap, "spool commit: %s", dbx_strerror(st));
        return -1;
    }
    dbx_str_copy(id, DBX_QUEUE_ID_MAX, env.id);
    return 0;
}
