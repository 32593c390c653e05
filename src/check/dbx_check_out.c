/* RFC 7672 check, output: one JSON line and mail-log style lines. */
#include "dbx_check_int.h"

#include "dbx_str.h"

#include <string.h>

typedef dbx_sbuf_t sbuf_t;

static void sb_key(sbuf_t *s, const char *k, bool first)
{
    if (!first) dbx_sbuf_putc(s, ',');
    dbx_sbuf_json_str(s, k);
    dbx_sbuf_putc(s, ':');
}

static void json_lookup(sbuf_t *s, const char *key, const dbx_check_lookup_t *lk)
{
    sb_key(s, key, false);
    dbx_sbuf_putc(s, '{');
    sb_key(s, "status", true);
    dbx_sbuf_json_str(s, lk->done ? dbx_dnssec_str(lk->sec) : "not-done");
    sb_key(s, "reason", false);
    dbx_sbuf_json_str(s, lk->reason);
    dbx_sbuf_printf(s, ",\"count\":%u,\"queries\":%u}", lk->count, lk->queries);
}

static const char *bool_str(bool b)
{
    return b ? "true" : "false";
}

/* the matched record's first five characters ("3 1 1"), or "" */
static void json_matched_tlsa(sbuf_t *s, const dbx_check_host_t *h, const dbx_check_addr_t *a)
{
    sb_key(s, "matched_tlsa", false);
    if (a->matched_record >= 0 && a->matched_record < h->n_tlsa) {
        char t[12];
        dbx_str_fmt(t, sizeof t, "%.5s", h->tlsa_rr[a->matched_record].text);
        dbx_sbuf_json_str(s, t);
    } else {
        dbx_sbuf_json_str(s, "");
    }
}

/* one element of a host's "addrs": the SMTP/TLS/DANE outcome at one address */
static void json_addr(sbuf_t *s, const dbx_check_result_t *res, const dbx_check_host_t *h,
                      const dbx_check_addr_t *a)
{
    char ab[48];
    dbx_sbuf_putc(s, '{');
    sb_key(s, "addr", true);
    dbx_sbuf_json_str(s, dbx_addr_format(&a->addr, ab, sizeof ab));
    sb_key(s, "outcome", false);
    dbx_sbuf_json_str(s, dbx_smtp_outcome_name(a->outcome));
    dbx_sbuf_printf(s, ",\"starttls\":%s", bool_str(a->starttls));
    sb_key(s, "tls", false);
    dbx_sbuf_json_str(s, dbx_check_tls_str(a->tls));
    sb_key(s, "tls_version", false);
    dbx_sbuf_json_str(s, a->tls_version);
    sb_key(s, "cipher", false);
    dbx_sbuf_json_str(s, a->cipher);
    sb_key(s, "dane", false);
    dbx_sbuf_json_str(s, a->dane_applied ? dbx_dane_verdict_str(a->match) : "not-applied");
    dbx_sbuf_printf(s, ",\"matched_record\":%d", a->matched_record);
    json_matched_tlsa(s, h, a);
    dbx_sbuf_printf(s, ",\"depth\":%d,\"chain_len\":%u,\"round_trips\":%u", a->matched_depth,
              a->chain_len, a->round_trips);
    dbx_sbuf_printf(s, ",\"resumed\":%s", a->resumed ? "true" : "false");
    sb_key(s, "verdict", false);
    dbx_sbuf_json_str(s, dbx_verdict_str(a->verdict));
    sb_key(s, "why", false);
    dbx_sbuf_json_str(s, dbx_policy_reason_str(a->why));
    if (res->level == DBX_LEVEL_DANE_TEST) {
        sb_key(s, "dane_verdict", false);
        dbx_sbuf_json_str(s, dbx_verdict_str(a->dane_verdict));
    }
    sb_key(s, "reason", false);
    dbx_sbuf_json_str(s, a->reason);
    dbx_sbuf_putc(s, '}');
}

/* one element of "hosts": an MX host, its lookups, TLSA records and addresses */
static void json_host(sbuf_t *s, const dbx_check_result_t *res, const dbx_check_host_t *h)
{
    dbx_sbuf_putc(s, '{');
    sb_key(s, "name", true);
    dbx_sbuf_json_str(s, h->name);
    sb_key(s, "expanded", false);
    dbx_sbuf_json_str(s, h->expanded);
    dbx_sbuf_printf(s, ",\"preference\":%u", h->preference);
    sb_key(s, "tlsa_base", false);
    dbx_sbuf_json_str(s, h->tlsa_base);
    json_lookup(s, "a", &h->a);
    json_lookup(s, "aaaa", &h->aaaa);
    json_lookup(s, "tlsa", &h->tlsa);
    if (h->tlsa_expanded.done) json_lookup(s, "tlsa_expanded", &h->tlsa_expanded);
    dbx_sbuf_puts(s, ",\"tlsa_records\":[");
    for (size_t k = 0; k < h->n_tlsa; k++) {
        if (k) dbx_sbuf_putc(s, ',');
        dbx_sbuf_json_str(s, h->tlsa_rr[k].text);
    }
    dbx_sbuf_printf(s, "],\"tlsa_total\":%u,\"usable_tlsa\":%u,\"addrs_total\":%u,\"addrs\":[",
              h->tlsa_total, h->usable_tlsa, h->addrs_total);
    for (size_t k = 0; k < h->n_addrs; k++) {
        if (k) dbx_sbuf_putc(s, ',');
        json_addr(s, res, h, &h->addrs[k]);
    }
    dbx_sbuf_putc(s, ']');
    sb_key(s, "verdict", false);
    dbx_sbuf_json_str(s, dbx_verdict_str(h->verdict));
    sb_key(s, "reason", false);
    dbx_sbuf_json_str(s, h->reason);
    dbx_sbuf_putc(s, '}');
}

/* the domain's verdict and flags, up to and including the MX lookup */
static void json_domain(sbuf_t *s, const dbx_check_result_t *res)
{
    sb_key(s, "domain", true);
    dbx_sbuf_json_str(s, res->domain);
    sb_key(s, "verdict", false);
    dbx_sbuf_json_str(s, dbx_verdict_str(res->verdict));
    sb_key(s, "reason", false);
    dbx_sbuf_json_str(s, res->reason);
    sb_key(s, "level", false);
    dbx_sbuf_json_str(s, dbx_tls_level_str(res->level));
    dbx_sbuf_printf(s, ",\"deciding_host\":%d,\"implicit_mx\":%s,\"null_mx\":%s,\"dane_possible\":%s",
              res->deciding_host, bool_str(res->implicit_mx), bool_str(res->null_mx),
              bool_str(res->dane_possible));
    json_lookup(s, "mx", &res->mx);
}

int dbx_check_json(const dbx_check_result_t *res, char *buf, size_t cap)
{
    sbuf_t s;
    DBX_CHECK(res != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    dbx_sbuf_init(&s, buf, cap);
    dbx_sbuf_putc(&s, '{');
    json_domain(&s, res);
    dbx_sbuf_printf(&s, ",\"hosts_total\":%u,\"hosts\":[", res->hosts_total);
    for (size_t i = 0; i < res->n_hosts; i++) {
        if (i) dbx_sbuf_putc(&s, ',');
        json_host(&s, res, &res->hosts[i]);
    }
    dbx_sbuf_printf(&s, "],\"dns_queries\":%u,\"dns_rounds\":%u,\"smtp_round_trips\":%u,\"smtp_sessions\":%u"
              ",\"handshakes_saved\":%u}",
              (unsigned)res->dns_queries, (unsigned)res->dns_rounds, (unsigned)res->smtp_round_trips,
              (unsigned)res->smtp_sessions, (unsigned)res->handshakes_saved);
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}

static void sb_peer(sbuf_t *s, const dbx_check_host_t *h, const dbx_check_addr_t *a)
{
    char ab[48];
    dbx_sbuf_printf(s, "%s[%s]:%u", h->name, dbx_addr_format(&a->addr, ab, sizeof ab),
              (unsigned)(a->addr.port ? a->addr.port : 25));
}

int dbx_check_summary_lines(const dbx_check_result_t *res, char *buf, size_t cap)
{
    sbuf_t s;
    DBX_CHECK(res != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    dbx_sbuf_init(&s, buf, cap);
    for (size_t i = 0; i < res->n_hosts; i++) {
        const dbx_check_host_t *h = &res->hosts[i];
        if (h->n_addrs == 0) {
            dbx_sbuf_printf(&s, "%s: deferred: ", h->name);
            dbx_sbuf_puts(&s, h->reason);
            dbx_sbuf_putc(&s, '\n');
            continue;
        }
        for (size_t k = 0; k < h->n_addrs; k++) {
            const dbx_check_addr_t *a = &h->addrs[k];
            bool tls_up = a->tls == DBX_CHECK_TLS_VERIFIED || a->tls == DBX_CHECK_TLS_UNAUTHENTICATED;
            if (a->verdict == DBX_VERDICT_DANE_VERIFIED && a->tls == DBX_CHECK_TLS_VERIFIED) {
                dbx_sbuf_puts(&s, "Verified TLS connection established to ");
                sb_peer(&s, h, a);
                dbx_sbuf_printf(&s, ": %s with cipher %s (", a->tls_version, a->cipher);
                dbx_sbuf_puts(&s, a->reason);
                dbx_sbuf_puts(&s, ")\n");
            } else if (a->verdict != DBX_VERDICT_DEFER && tls_up) {
                dbx_sbuf_puts(&s, "Untrusted TLS connection established to ");
                sb_peer(&s, h, a);
                dbx_sbuf_printf(&s, ": %s with cipher %s (%s: ", a->tls_version, a->cipher,
                          dbx_verdict_str(a->verdict));
                dbx_sbuf_puts(&s, a->reason);
                dbx_sbuf_puts(&s, ")\n");
            } else if (a->verdict != DBX_VERDICT_DEFER) {
                dbx_sbuf_puts(&s, "Plaintext connection to ");
                sb_peer(&s, h, a);
                dbx_sbuf_printf(&s, ": no TLS (%s: ", dbx_verdict_str(a->verdict));
                dbx_sbuf_puts(&s, a->reason);
                dbx_sbuf_puts(&s, ")\n");
            } else {
                sb_peer(&s, h, a);
                dbx_sbuf_puts(&s, ": deferred: ");
                dbx_sbuf_puts(&s, a->reason);
                dbx_sbuf_putc(&s, '\n');
            }
        }
    }
    dbx_sbuf_printf(&s, "%s: %s", res->domain, res->verdict == DBX_VERDICT_DEFER ? "deferred" : "delivery ");
    if (res->verdict == DBX_VERDICT_DEFER) {
        const char *r = res->reason;
        if (strncmp(r, "defer:", 6) == 0) r += 6;
        dbx_sbuf_putc(&s, ':');
        dbx_sbuf_puts(&s, r);
    } else {
        dbx_sbuf_puts(&s, res->reason);
    }
    dbx_sbuf_putc(&s, '\n');
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}
