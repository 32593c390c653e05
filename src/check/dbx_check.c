/* RFC 7672 end-to-end check of one domain: the iteration over MX hosts and
 * their addresses, and the aggregation; see dbx_check.h.  Facts come from
 * dbx_check_dns.c / dbx_check_probe.c, verdicts from src/policy. */
#include "dbx_check_int.h"

#include "dbx_str.h"
#include "hal_crypto.h"
#include "hal_platform.h"

#include <string.h>

void dbx_check_config_defaults(dbx_check_config_t *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->families = DBX_CHECK_IPV4 | DBX_CHECK_IPV6;
    cfg->port = 25;
    cfg->max_hosts = DBX_CHECK_MAX_HOSTS;
    cfg->max_addrs = DBX_CHECK_MAX_ADDRS;
    cfg->connect_ms = 10000u;
    cfg->command_ms = 30000u;
    cfg->handshake_ms = 30000u;
    cfg->level = DBX_LEVEL_DANE;
    dbx_dane_opts_init(&cfg->dane);
}

const char *dbx_check_tls_str(dbx_check_tls_t t)
{
    switch (t) {
    case DBX_CHECK_TLS_NONE: return "none";
    case DBX_CHECK_TLS_PLAINTEXT: return "plaintext";
    case DBX_CHECK_TLS_FAILED: return "failed";
    case DBX_CHECK_TLS_UNAUTHENTICATED: return "unauthenticated";
    case DBX_CHECK_TLS_REJECTED: return "rejected";
    case DBX_CHECK_TLS_VERIFIED: return "verified";
    }
    return "invalid";
}

const char *dbx_check_why_text(dbx_policy_reason_t r)
{
    switch (r) {
    case DBX_REASON_MX_INSECURE: return "MX RRset insecure, no DANE";
    case DBX_REASON_ADDR_INSECURE: return "address records insecure, no TLSA lookup";
    case DBX_REASON_TLSA_DENIED: return "no TLSA records (secure denial)";
    case DBX_REASON_TLSA_INSECURE: return "TLSA lookup insecure";
    case DBX_REASON_TLSA_UNUSABLE: return "TLSA records all unusable";
    case DBX_REASON_LEVEL_MAY: return "level may: TLSA not consulted";
    case DBX_REASON_LEVEL_TEST: return "level dane-test: DANE reported, not enforced";
    default: return dbx_policy_reason_str(r);
    }
}

int dbx_check_begin(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_work_t *w,
                    const char *domain, dbx_check_result_t *out)
{
    size_t dlen;
    DBX_ASSERT(cfg != NULL && r != NULL && w != NULL && domain != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->deciding_host = -1;
    out->verdict = DBX_VERDICT_DEFER;
    out->why = DBX_REASON_PENDING;
    out->level = cfg->level;
    memset(w, 0, sizeof *w);
    w->finished = true;
    DBX_CHECK(cfg->now > 0, DBX_ERR_NOTIME);
    DBX_CHECK(!hal_crypto_refusing(), DBX_ERR_CRYPTO); /* self test failed */
    DBX_CHECK(cfg->families & (DBX_CHECK_IPV4 | DBX_CHECK_IPV6), DBX_ERR_INVAL);
    DBX_CHECK((unsigned)cfg->level <= (unsigned)DBX_LEVEL_DANE_TEST, DBX_ERR_INVAL);
    dlen = strlen(domain);
    if (dlen > 1 && domain[dlen - 1] == '.') dlen--;
    DBX_CHECK(dlen > 0 && dlen < DBX_CHECK_NAME_LEN && dlen <= 253, DBX_ERR_INVAL);
    memcpy(out->domain, domain, dlen);
    out->domain[dlen] = '\0';
    w->finished = !dbx_check_mx_stage(cfg, r, out);
    return DBX_OK;
}

/* Host verdict from its addresses; domain verdict from the hosts. */
static void host_done(dbx_check_host_t *h)
{
    dbx_verdict_t v[DBX_CHECK_MAX_ADDRS];
    int k;
    if (h->n_addrs == 0) {
        if (h->why == DBX_REASON_NONE || h->why == DBX_REASON_PENDING) {
            h->why = DBX_REASON_ADDR_NONE;
            dbx_str_copy(h->reason, sizeof h->reason, dbx_policy_reason_str(h->why));
        }
        return;
    }
    for (size_t i = 0; i < h->n_addrs; i++) v[i] = h->addrs[i].verdict;
    k = dbx_policy_pick(v, h->n_addrs);
    h->deciding_addr = (int8_t)k;
    if (k >= 0) {
        h->verdict = h->addrs[k].verdict;
        h->why = h->addrs[k].why;
        dbx_str_copy(h->reason, sizeof h->reason, h->addrs[k].reason);
    } else {
        h->verdict = DBX_VERDICT_DEFER;
        h->why = h->addrs[0].why;
        dbx_str_copy(h->reason, sizeof h->reason, h->addrs[0].reason);
    }
}

static void domain_done(dbx_check_result_t *out, size_t n)
{
    dbx_verdict_t v[DBX_CHECK_MAX_HOSTS];
    int k;
    for (size_t i = 0; i < n; i++) v[i] = out->hosts[i].verdict;
    k = dbx_policy_pick(v, n);
    out->deciding_host = (int8_t)k;
    if (k >= 0) {
        const dbx_check_host_t *h = &out->hosts[k];
        char ab[48] = "";
        out->verdict = h->verdict;
        out->why = h->why;
        if (h->deciding_addr >= 0) dbx_addr_format(&h->addrs[h->deciding_addr].addr, ab, sizeof ab);
        dbx_str_fmt(out->reason, sizeof out->reason, "%s via #%d %s[%s]: %s",
                    dbx_verdict_str(h->verdict), k, h->name, ab, h->reason);
        return;
    }
    dbx_sbuf_t s;
    out->verdict = DBX_VERDICT_DEFER;
    out->why = n > 0 ? out->hosts[0].why : DBX_REASON_NO_HOSTS;
    dbx_sbuf_init(&s, out->reason, sizeof out->reason);
    dbx_sbuf_puts(&s, "defer:");
    for (size_t i = 0; i < n; i++) {
        dbx_sbuf_printf(&s, "%s #%u %s: ", i ? ";" : "", (unsigned)i, out->hosts[i].name);
        dbx_sbuf_puts(&s, out->hosts[i].reason);
    }
}

int dbx_check_next(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                   dbx_check_work_t *w, dbx_check_result_t *out, bool keep_open)
{
    DBX_ASSERT(cfg != NULL && r != NULL && tr != NULL && w != NULL && out != NULL);
    if (w->open) { /* the caller is done with the open session */
        dbx_smtp_quit(&w->smtp);
        dbx_smtp_free(&w->smtp);
        w->open = false;
    }
    while (!w->finished) {
        dbx_check_host_t *h;
        if (w->cur_host >= out->n_hosts) {
            domain_done(out, out->n_hosts);
            w->finished = true;
            break;
        }
        h = &out->hosts[w->cur_host];
        if (!w->host_ready) {
            dbx_check_host_dns(cfg, r, w, out, h);
            w->host_ready = true;
            w->cur_addr = 0;
        }
        if (w->pre.connect && w->cur_addr < h->n_addrs) {
            dbx_check_addr_t *a = &h->addrs[w->cur_addr++];
            dbx_check_probe(cfg, tr, w, out, h, a, keep_open);
            if (keep_open && a->usable && dbx_smtp_is_open(&w->smtp)) {
                w->open = true;
                h->verdict = a->verdict;
                h->why = a->why;
                h->deciding_addr = (int8_t)(w->cur_addr - 1);
                dbx_str_copy(h->reason, sizeof h->reason, a->reason);
                domain_done(out, (size_t)w->cur_host + 1);
                return DBX_OK;
            }
            dbx_smtp_quit(&w->smtp);
            dbx_smtp_free(&w->smtp);
            continue;
        }
        host_done(h);
        dbx_check_host_release(w);
        w->host_ready = false;
        w->cur_host++;
        if (cfg->stop_at_first && h->verdict != DBX_VERDICT_DEFER) {
            out->n_hosts = w->cur_host;
        }
    }
    return DBX_ERR_NOTFOUND;
}

int dbx_check_run(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                  dbx_check_work_t *w, const char *domain, dbx_check_result_t *out)
{
    uint32_t t0 = hal_clock_ms();
    int st;
    DBX_ASSERT(tr != NULL);
    st = dbx_check_begin(cfg, r, w, domain, out);
    if (st != DBX_OK) return st;
    (void)dbx_check_next(cfg, r, tr, w, out, false);
    out->elapsed_ms = hal_clock_ms() - t0;
    /* the TLS context was freed per session; scrub the work area */
    memset(w, 0, sizeof *w);
    return DBX_OK;
}
