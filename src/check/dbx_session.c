/* An open, policy-permitted SMTP session from the RFC 7672 flow; see
 * dbx_session.h.  The iteration and every decision are check's
 * (dbx_check_next() with keep-open, dbx_policy_eval()). */
#include "dbx_session.h"

#include "dbx_check_int.h"
#include "dbx_str.h"

#include <string.h>

void dbx_session_config_defaults(dbx_session_config_t *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    dbx_check_config_defaults(&cfg->check);
}

static void take_facts(dbx_session_t *s)
{
    const dbx_check_work_t *w = &s->work;
    const dbx_check_host_t *h = &s->report.hosts[w->cur_host];
    const dbx_check_addr_t *a = &h->addrs[w->cur_addr - 1];
    dbx_session_facts_t *f = &s->facts;
    const dbx_smtp_t *sm = &w->smtp;
    memset(f, 0, sizeof *f);
    f->verdict = a->verdict;
    f->why = a->why;
    f->level = s->cfg.check.level;
    f->tls_on = a->tls == DBX_CHECK_TLS_VERIFIED || a->tls == DBX_CHECK_TLS_UNAUTHENTICATED;
    f->dane_verified = a->verdict == DBX_VERDICT_DANE_VERIFIED && a->tls == DBX_CHECK_TLS_VERIFIED;
    f->tls = f->dane_verified ? "dane-verified" : f->tls_on ? "unauthenticated" : "plaintext";
    f->resumed = a->resumed;
    f->dane_usage = f->dane_selector = f->dane_mtype = f->dane_depth = -1;
    if (a->dane_applied && a->match == DBX_DANE_MATCH && a->matched_record >= 0 &&
        (size_t)a->matched_record < w->n_recs) {
        const dbx_tlsa_t *t = &w->recs[a->matched_record];
        f->dane_usage = (int8_t)t->usage;
        f->dane_selector = (int8_t)t->selector;
        f->dane_mtype = (int8_t)t->mtype;
        f->dane_depth = a->matched_depth;
    }
    f->dane_verdict = a->dane_verdict;
    dbx_str_copy(f->tls_version, sizeof f->tls_version, f->tls_on ? a->tls_version : "");
    dbx_str_copy(f->cipher, sizeof f->cipher, f->tls_on ? a->cipher : "");
    dbx_str_copy(f->host, sizeof f->host, h->name);
    dbx_str_copy(f->tlsa_base, sizeof f->tlsa_base, h->tlsa_base);
    f->preference = h->preference;
    f->addr = a->addr;
    f->addr.port = s->cfg.check.port ? s->cfg.check.port : 25;
    f->caps = f->tls_on ? sm->res.caps_tls : sm->res.caps;
    f->size_limit = sm->res.size_limit;
    dbx_str_copy(f->reason, sizeof f->reason, a->reason);
}

static int advance(dbx_session_t *s)
{
    int st = dbx_check_next(&s->cfg.check, s->r, s->tr, &s->work, &s->report, true);
    if (st == DBX_OK) {
        take_facts(s);
        return DBX_OK;
    }
    memset(&s->facts, 0, sizeof s->facts);
    return DBX_ERR_NOTFOUND;
}

int dbx_session_open(dbx_session_t *s, const dbx_session_config_t *cfg, dbx_resolver_t *r,
                     const dbx_transport_t *tr, const char *domain)
{
    int st;
    DBX_ASSERT(s != NULL && cfg != NULL && r != NULL && tr != NULL && domain != NULL);
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->r = r;
    s->tr = tr;
    st = dbx_check_begin(&s->cfg.check, r, &s->work, domain, &s->report);
    if (st != DBX_OK) return st;
    s->begun = true;
    return advance(s);
}

int dbx_session_next(dbx_session_t *s)
{
    DBX_CHECK(s != NULL && s->begun, DBX_ERR_INVAL);
    return advance(s);
}

bool dbx_session_is_open(const dbx_session_t *s)
{
    return s != NULL && s->work.open && dbx_smtp_is_open(&s->work.smtp);
}

const dbx_session_facts_t *dbx_session_facts(const dbx_session_t *s)
{
    return s != NULL && s->work.open ? &s->facts : NULL;
}

const dbx_check_result_t *dbx_session_report(const dbx_session_t *s)
{
    return s != NULL ? &s->report : NULL;
}

int dbx_session_command(dbx_session_t *s, const char *cmd, uint32_t timeout_ms,
                        dbx_smtp_reply_t *rep)
{
    DBX_CHECK(dbx_session_is_open(s), DBX_ERR_INVAL);
    return dbx_smtp_command(&s->work.smtp, cmd, timeout_ms, rep);
}

int dbx_session_send(dbx_session_t *s, const uint8_t *buf, size_t len)
{
    DBX_CHECK(dbx_session_is_open(s), DBX_ERR_INVAL);
    return dbx_smtp_send(&s->work.smtp, buf, len);
}

int dbx_session_read_reply(dbx_session_t *s, uint32_t timeout_ms, dbx_smtp_reply_t *rep)
{
    DBX_CHECK(dbx_session_is_open(s), DBX_ERR_INVAL);
    return dbx_smtp_read_reply(&s->work.smtp, timeout_ms, rep);
}

void dbx_session_close(dbx_session_t *s)
{
    if (s == NULL) return;
    if (s->work.open) {
        dbx_smtp_quit(&s->work.smtp);
        s->work.open = false;
    }
    dbx_smtp_free(&s->work.smtp);
    dbx_check_host_release(&s->work);
    memset(&s->work, 0, sizeof s->work);
    memset(&s->facts, 0, sizeof s->facts);
    s->begun = false;
}
