/**
 * @file dbx_relay_dsn.c
 * @brief RFC 3464 delivery status notifications (multipart/report) for the
 *        relay's failed recipients, written straight into the queue.
 */
#include "relay/dbx_relay.h"
#include "dbx_crashpoint.h"
#include "dbx_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DSN_HEADERS_MAX 16384u

typedef struct out {
    dbx_queue_t *q;
    void *h;
    uint64_t size;
    int st;
    char buf[512];
} out_t;

static void emit(out_t *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* One formatted chunk, CRLF line ends already in @p fmt. */
static void emit(out_t *o, const char *fmt, ...)
{
    if (o->st != DBX_OK) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf, sizeof(o->buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(o->buf)) {
        o->st = DBX_ERR_BUFFER;
        return;
    }
    o->st = o->q->ops->write(o->q->ctx, o->h, (const uint8_t *)o->buf, (size_t)n);
    o->size += (uint64_t)n;
}

/* ASCII-only copy for the report (no CR/LF/controls; others -> '?'). */
static const char *ascii(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; *s != '\0' && i + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        buf[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[i] = '\0';
    return buf;
}

static const char *status_of(const dbx_queue_rcpt_t *r)
{
    bool ok = (r->dsn[0] == '5' || r->dsn[0] == '4') && r->dsn[1] == '.';
    return ok ? r->dsn : "5.0.0";
}

static void report(out_t *o, const dbx_relay_config_t *cfg, const dbx_queue_env_t *env,
                   const char *bnd, int64_t now)
{
    char date[40], a[DBX_QUEUE_ADDR_MAX], why[DBX_QUEUE_REASON_MAX];
    emit(o, "--%s\r\nContent-Description: Notification\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "This is the mail system at host %s.\r\n\r\n"
            "Your message could not be delivered to one or more recipients.\r\n\r\n",
         bnd, cfg->hostname);
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        const dbx_queue_rcpt_t *r = &env->rcpt[i];
        if (r->state == DBX_RCPT_FAILED) {
            emit(o, "<%s>: %s\r\n", ascii(r->addr, a, sizeof(a)),
                 ascii(r->reason, why, sizeof(why)));
        }
    }
    emit(o, "\r\n--%s\r\nContent-Description: Delivery report\r\n"
            "Content-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; %s\r\nX-Danebox-Queue-ID: %s\r\nArrival-Date: %s\r\n",
         bnd, cfg->hostname, env->id, dbx_relay_date(env->arrival, date, sizeof(date)));
    dbx_relay_date(now, date, sizeof(date));
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        const dbx_queue_rcpt_t *r = &env->rcpt[i];
        if (r->state != DBX_RCPT_FAILED) {
            continue;
        }
        bool smtp = r->reason[0] >= '4' && r->reason[0] <= '5';
        emit(o, "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: %s\r\n"
                "%s: %s%s\r\nLast-Attempt-Date: %s\r\n",
             ascii(r->addr, a, sizeof(a)), status_of(r),
             smtp ? "Diagnostic-Code" : "X-Danebox-Diagnostic", smtp ? "smtp; " : "",
             ascii(r->reason, why, sizeof(why)), date);
    }
}

/* The original's header section, up to the blank line or the cap. */
static void headers(out_t *o, dbx_queue_t *q, const char *id)
{
    void *h = NULL;
    if (o->st != DBX_OK || q->ops->body_open(q->ctx, id, &h) != DBX_OK) {
        return; /* body gone: the report stands without it */
    }
    uint8_t buf[256];
    size_t got = 0, total = 0;
    int crlf = 0; /* octets of "\r\n\r\n" matched */
    bool done = false;
    while (!done && o->st == DBX_OK && q->ops->body_read(q->ctx, h, buf, sizeof(buf), &got) ==
                                           DBX_OK && got > 0) {
        size_t n = 0;
        for (; n < got && !done; n++) {
            uint8_t c = buf[n];
            crlf = (c == (crlf % 2 == 0 ? '\r' : '\n')) ? crlf + 1 : (c == '\r');
            done = crlf == 4 || (total + n >= DSN_HEADERS_MAX && c == '\n');
        }
        if (crlf == 4) {
            n -= 2; /* keep the last header's CRLF, not the blank line */
        }
        o->st = q->ops->write(q->ctx, o->h, buf, n);
        o->size += n;
        total += n;
    }
    q->ops->body_close(q->ctx, h);
}

int dbx_relay_dsn(const dbx_relay_config_t *cfg, dbx_queue_t *q, const dbx_queue_env_t *env,
                  int64_t now, dbx_queue_env_t *out)
{
    DBX_CHECK(cfg != NULL && q != NULL && env != NULL && out != NULL, DBX_ERR_INVAL);
    DBX_CHECK(env->sender[0] != '\0', DBX_ERR_INVAL); /* never bounce a bounce */
    size_t failed = 0;
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        failed += env->rcpt[i].state == DBX_RCPT_FAILED;
    }
    DBX_CHECK(failed > 0, DBX_ERR_NOTFOUND);
    out_t o;
    memset(&o, 0, sizeof(o));
    o.q = q;
    int st = q->ops->create(q->ctx, &o.h);
    DBX_CHECK(st == DBX_OK, st);
    char bnd[80], date[40], a[DBX_QUEUE_ADDR_MAX];
    char nowbuf[24];
    const char *nowdec = dbx_dec64(now, nowbuf);
    snprintf(bnd, sizeof(bnd), "%s.%s/danebox", env->id, nowdec);
    emit(&o, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\nTo: <%s>\r\n"
             "Subject: Undelivered Mail Returned to Sender\r\nDate: %s\r\n",
         cfg->hostname, ascii(env->sender, a, sizeof(a)),
         dbx_relay_date(now, date, sizeof(date)));
    emit(&o, "Message-ID: <%s.%s.dsn@%s>\r\nAuto-Submitted: auto-replied\r\n"
             "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
             "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n"
             "This is a MIME-encapsulated message.\r\n\r\n",
         env->id, nowdec, cfg->hostname, bnd);
    report(&o, cfg, env, bnd, now);
    DBX_CRASHPOINT("relay-dsn-writing");
    emit(&o, "\r\n--%s\r\nContent-Description: Undelivered Message Headers\r\n"
             "Content-Type: text/rfc822-headers\r\n\r\n",
         bnd);
    headers(&o, q, env->id);
    emit(&o, "\r\n--%s--\r\n", bnd);
    if (o.st != DBX_OK) {
        q->ops->discard(q->ctx, o.h);
        return o.st;
    }
    memset(out, 0, sizeof(*out));
    out->arrival = now;
    out->size = o.size;
    out->n_rcpts = 1;
    snprintf(out->rcpt[0].addr, sizeof(out->rcpt[0].addr), "%s", env->sender);
    out->smtputf8 = env->smtputf8;
    DBX_CRASHPOINT("relay-dsn-before-commit");
    return q->ops->commit(q->ctx, o.h, out);
}
