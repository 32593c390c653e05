/**
 * @file dbx_relay_session.c
 * @brief ::dbx_relay_connector_t over the RFC 7672 session API.
 */
#include "relay/dbx_relay_session.h"

#include "dbx_str.h"
#include "hal_platform.h"

#include <stdio.h>
#include <string.h>

void dbx_relay_tls_summary(const dbx_session_facts_t *f, char *buf, size_t cap)
{
    char dane[96] = "";
    if (f->level == DBX_LEVEL_DANE_TEST) {
        snprintf(dane, sizeof(dane), "dane-test: DANE would say %s; ",
                 dbx_verdict_str(f->dane_verdict));
    }
    if (f->dane_verified && f->resumed) {
        snprintf(buf, cap, "dane-verified (%sresumed under the same TLSA RRset, %s, %s)", dane,
                 f->tls_version, f->cipher);
    } else if (f->dane_verified) {
        snprintf(buf, cap, "dane-verified (%sDANE %d %d %d @%d, %s, %s)", dane, f->dane_usage,
                 f->dane_selector, f->dane_mtype, f->dane_depth, f->tls_version, f->cipher);
    } else if (f->tls_on) {
        snprintf(buf, cap, "untrusted (%s%s, %s, %s)", dane, dbx_verdict_str(f->verdict),
                 f->tls_version, f->cipher);
    } else {
        snprintf(buf, cap, "none (%splaintext, %s)", dane, dbx_verdict_str(f->verdict));
    }
}

static bool tls_reason(const char *r)
{
    static const char *const words[] = {"tlsa", "starttls", "handshake", "match", "dane", "tls"};
    for (size_t i = 0; i < DBX_ARRAY_LEN(words); i++) {
        if (strstr(r, words[i]) != NULL) {
            return true;
        }
    }
    return false;
}

static int c_open(void *ctx, const char *domain, dbx_tls_policy_t pol, void **sess,
                  dbx_relay_session_info_t *info, dbx_relay_open_fail_t *fail)
{
    dbx_relay_sessconn_t *c = ctx;
    DBX_ASSERT(!c->busy);
    dbx_session_config_t cfg = c->base;
    cfg.check.level = pol;
    cfg.check.stop_at_first = true;
    int st = dbx_session_open(&c->sess, &cfg, c->r, c->tr, domain);
    int64_t wall = 0;
    if (c->tlsrpt != NULL && hal_clock_unix(&wall) == DBX_OK) {
        (void)dbx_tlsrpt_note(c->tlsrpt, domain, dbx_session_report(&c->sess), wall);
    }
    if (st == DBX_OK) {
        const dbx_session_facts_t *f = dbx_session_facts(&c->sess);
        snprintf(info->host, sizeof(info->host), "%s", f->host);
        dbx_addr_format(&f->addr, info->addr, sizeof(info->addr));
        info->port = f->addr.port;
        dbx_relay_tls_summary(f, info->tls, sizeof(info->tls));
        info->caps = ((f->caps & DBX_SMTP_CAP_SIZE) ? DBX_RELAY_CAP_SIZE : 0u) |
                     ((f->caps & DBX_SMTP_CAP_8BITMIME) ? DBX_RELAY_CAP_8BITMIME : 0u) |
                     ((f->caps & DBX_SMTP_CAP_SMTPUTF8) ? DBX_RELAY_CAP_SMTPUTF8 : 0u);
        c->busy = true;
        *sess = c;
        return DBX_OK;
    }
    const dbx_check_result_t *rep = dbx_session_report(&c->sess);
    fail->permanent = rep->null_mx;
    dbx_str_copy(fail->reason, sizeof(fail->reason),
                 rep->reason[0] != '\0' ? rep->reason : dbx_strerror(st));
    snprintf(fail->dsn, sizeof(fail->dsn), "%s",
             rep->null_mx ? "5.1.10" : (tls_reason(fail->reason) ? "4.7.5" : "4.4.1"));
    if (rep->n_hosts > 0) {
        snprintf(fail->host, sizeof(fail->host), "%s", rep->hosts[0].name);
        if (rep->hosts[0].n_addrs > 0) {
            dbx_addr_format(&rep->hosts[0].addrs[0].addr, fail->addr, sizeof(fail->addr));
        }
    }
    dbx_session_close(&c->sess);
    return st == DBX_OK ? DBX_ERR_NOTFOUND : (st < 0 ? st : DBX_ERR_NOTFOUND);
}

static int c_send(void *ctx, void *sess, const uint8_t *p, size_t n)
{
    dbx_relay_sessconn_t *c = ctx;
    DBX_ASSERT(sess == c && c->busy);
    return dbx_session_send(&c->sess, p, n);
}

static int c_reply(void *ctx, void *sess, int *code, char *text, size_t cap)
{
    static dbx_smtp_reply_t rep; /* ~0.5 KiB: off the (firmware) stack */
    dbx_relay_sessconn_t *c = ctx;
    DBX_ASSERT(sess == c && c->busy);
    int st = dbx_session_read_reply(&c->sess, 0, &rep);
    DBX_CHECK(st == DBX_OK, st);
    *code = rep.code;
    size_t first = strcspn(rep.text, "\n");
    snprintf(text, cap, "%d %.*s", rep.code, (int)first, rep.text);
    return DBX_OK;
}

static void c_close(void *ctx, void *sess, bool quit)
{
    dbx_relay_sessconn_t *c = ctx;
    (void)sess;
    (void)quit; /* dbx_session_close() QUITs only a session still open */
    dbx_session_close(&c->sess);
    c->busy = false;
}

int dbx_relay_sessconn_init(dbx_relay_sessconn_t *c, const dbx_session_config_t *base,
                            dbx_resolver_t *r, const dbx_transport_t *tr,
                            dbx_relay_connector_t *out)
{
    DBX_CHECK(c != NULL && base != NULL && r != NULL && tr != NULL && out != NULL,
              DBX_ERR_INVAL);
    memset(c, 0, sizeof(*c));
    c->base = *base;
    c->r = r;
    c->tr = tr;
    out->ctx = c;
    out->open = c_open;
    out->send = c_send;
    out->reply = c_reply;
    out->close = c_close;
    return DBX_OK;
}
