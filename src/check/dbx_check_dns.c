/* RFC 7672 check, DNS facts: MX, addresses, TLSA (§2.2.2 CNAME rules). */
#include "dbx_check_int.h"
#include "dane/dbx_tlsa_gen.h"

#include "dbx_str.h"

#include <string.h>

static dbx_dnssec_t to_dnssec(const dbx_result_t *res)
{
    switch (res->sec) {
    case DBX_SEC_SECURE:
        return res->kind == DBX_ANSWER_DATA ? DBX_DNSSEC_SECURE : DBX_DNSSEC_SECURE_DENIAL;
    case DBX_SEC_INSECURE: return DBX_DNSSEC_INSECURE;
    case DBX_SEC_BOGUS: return DBX_DNSSEC_BOGUS;
    default: return DBX_DNSSEC_INDETERMINATE;
    }
}

/* Resolve and record one lookup (res freed by the caller).  An allocation
 * failure sets *nomem. */
static int lookup(dbx_resolver_t *r, int64_t now, const char *name, uint16_t type,
                  dbx_check_lookup_t *lk, dbx_result_t *res, dbx_check_result_t *out, bool *nomem)
{
    int st;
    memset(res, 0, sizeof *res);
    lk->done = true;
    st = dbx_resolve(r, name, type, now, res);
    if (st != DBX_OK) {
        lk->sec = DBX_DNSSEC_INDETERMINATE;
        dbx_str_fmt(lk->reason, sizeof lk->reason, "lookup failed: %s", dbx_strerror(st));
        if (st == DBX_ERR_NOMEM && nomem != NULL) *nomem = true;
        return st;
    }
    lk->sec = to_dnssec(res);
    if (res->kind != DBX_ANSWER_DATA &&
        (res->sec == DBX_SEC_SECURE || res->sec == DBX_SEC_INSECURE)) {
        dbx_str_fmt(lk->reason, sizeof lk->reason, "%s: %s",
                    res->kind == DBX_ANSWER_NXDOMAIN ? "nxdomain" : "nodata", res->reason);
    } else {
        dbx_str_copy(lk->reason, sizeof lk->reason, res->reason);
    }
    lk->count = (uint16_t)dbx_result_count(res);
    lk->queries = (uint16_t)(res->queries > 0xffffu ? 0xffffu : res->queries);
    out->dns_queries += res->queries;
    return DBX_OK;
}

static void skip(dbx_check_lookup_t *lk, const char *why)
{
    lk->done = false;
    lk->sec = DBX_DNSSEC_INSECURE;
    dbx_str_copy(lk->reason, sizeof lk->reason, why);
}

/* Insert MX host @p nm (stable by preference, duplicates dropped). */
static void add_host(dbx_check_result_t *out, const char *nm, uint16_t pref, size_t limit)
{
    size_t pos = out->n_hosts;
    if (out->hosts_total < UINT8_MAX) out->hosts_total++; /* remote-controlled count */
    for (size_t k = 0; k < out->n_hosts; k++) {
        if (dbx_ascii_eq(out->hosts[k].name, nm)) return;
    }
    while (pos > 0 && out->hosts[pos - 1].preference > pref) pos--;
    if (pos >= limit) return;
    if (out->n_hosts == limit) out->n_hosts--; /* drop the last (highest preference) */
    memmove(&out->hosts[pos + 1], &out->hosts[pos], (out->n_hosts - pos) * sizeof out->hosts[0]);
    memset(&out->hosts[pos], 0, sizeof out->hosts[0]);
    dbx_str_copy(out->hosts[pos].name, sizeof out->hosts[pos].name, nm);
    out->hosts[pos].preference = pref;
    out->n_hosts++;
}

bool dbx_check_mx_stage(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_result_t *out)
{
    dbx_result_t mx;
    dbx_policy_decision_t d;
    bool nomem = false, null_mx = false;
    size_t nroot = 0;
    uint32_t rounds0 = r->net.rounds;
    dbx_prefetch_q_t pq = {out->domain, DBX_RR_MX};

    /* round 1: MX with the keys of the zones it may be signed in */
    dbx_resolver_prefetch_reset(r);
    (void)dbx_resolver_prefetch(r, &pq, 1, cfg->now); /* failures: asked one by one */
    lookup(r, cfg->now, out->domain, DBX_RR_MX, &out->mx, &mx, out, &nomem);
    dbx_resolver_prefetch_drop(r);
    out->dns_rounds += r->net.rounds - rounds0;
    if (mx.kind != DBX_ANSWER_DATA || dbx_result_count(&mx) == 0) {
        if (out->mx.sec != DBX_DNSSEC_BOGUS && out->mx.sec != DBX_DNSSEC_INDETERMINATE) {
            out->implicit_mx = true;
            add_host(out, out->domain, 0, 1);
        }
    } else {
        size_t n = dbx_result_count(&mx);
        size_t limit = cfg->max_hosts == 0 || cfg->max_hosts > DBX_CHECK_MAX_HOSTS
                           ? DBX_CHECK_MAX_HOSTS : cfg->max_hosts;
        for (size_t i = 0; i < n; i++) {
            uint16_t pref;
            char nm[DBX_CHECK_NAME_LEN];
            if (dbx_result_mx(&mx, i, &pref, nm, sizeof nm) != DBX_OK) continue;
            if (strcmp(nm, ".") == 0) {
                nroot++;
                continue;
            }
            add_host(out, nm, pref, limit);
        }
        null_mx = out->n_hosts == 0 && nroot > 0;
    }
    dbx_result_free(&mx);
    out->null_mx = null_mx;
    out->dane_possible = out->mx.sec == DBX_DNSSEC_SECURE || out->mx.sec == DBX_DNSSEC_SECURE_DENIAL;
    dbx_policy_mx(cfg->level, out->mx.sec, null_mx, out->n_hosts, &d);
    if (nomem) {
        d.verdict = DBX_VERDICT_DEFER;
        d.reason = DBX_REASON_INTERNAL;
    }
    if (d.verdict != DBX_VERDICT_DEFER) return true;
    out->verdict = DBX_VERDICT_DEFER;
    out->why = d.reason;
    if (d.reason == DBX_REASON_NULL_MX) {
        dbx_str_fmt(out->reason, sizeof out->reason,
                    "defer: null MX (RFC 7505): %s accepts no mail (MX %s)", out->domain,
                    dbx_dnssec_str(out->mx.sec));
    } else if (d.reason == DBX_REASON_NO_HOSTS) {
        dbx_str_copy(out->reason, sizeof out->reason, "defer: no usable MX host");
    } else {
        dbx_str_fmt(out->reason, sizeof out->reason, "defer: %s: %s",
                    dbx_policy_reason_str(d.reason), out->mx.reason);
    }
    return false;
}

static void collect_addrs(const dbx_result_t *res, uint16_t port, dbx_check_host_t *h, size_t max)
{
    size_t n = dbx_result_count(res);
    if (max == 0 || max > DBX_CHECK_MAX_ADDRS) max = DBX_CHECK_MAX_ADDRS;
    for (size_t i = 0; i < n; i++) {
        dbx_addr_t ad;
        if (dbx_result_addr(res, i, port, &ad) != DBX_OK) continue;
        if (h->addrs_total < UINT8_MAX) h->addrs_total++; /* remote-controlled count */
        if (h->n_addrs < max) {
            memset(&h->addrs[h->n_addrs], 0, sizeof h->addrs[0]);
            h->addrs[h->n_addrs].addr = ad;
            h->n_addrs++;
        }
    }
}

/* expanded name of an address answer when the host name is an alias */
static void expanded_of(const dbx_result_t *res, dbx_check_host_t *h)
{
    char fin[DBX_CHECK_NAME_LEN];
    if (!dbx_result_is_alias(res)) return;
    if (dbx_result_final_name(res, fin, sizeof fin) != DBX_OK) return;
    if (!dbx_ascii_eq(fin, h->name)) dbx_str_copy(h->expanded, sizeof h->expanded, fin);
}

/* TLSA at _25._tcp.NAME. */
static void tlsa_lookup(const dbx_check_config_t *cfg, dbx_resolver_t *r, const char *name,
                        dbx_check_lookup_t *lk, dbx_result_t *res, dbx_check_result_t *out,
                        bool *nomem)
{
    char q[DBX_CHECK_NAME_LEN + 16];
    if (dbx_str_fmt(q, sizeof q, "_25._tcp.%s", name) || strlen(q) > 253) {
        memset(res, 0, sizeof *res);
        lk->done = true;
        lk->sec = DBX_DNSSEC_INDETERMINATE;
        dbx_str_copy(lk->reason, sizeof lk->reason, "TLSA owner name too long");
        return;
    }
    lookup(r, cfg->now, q, DBX_RR_TLSA, lk, res, out, nomem);
}

/* Combined A/AAAA status: any bogus > any indeterminate > any insecure >
 * secure > secure denial (nothing looked up: indeterminate). */
static dbx_dnssec_t addr_status(const dbx_check_host_t *h)
{
    const dbx_check_lookup_t *lks[2] = {&h->a, &h->aaaa};
    bool bogus = false, indet = false, insecure = false, secure = false, done = false;
    for (int i = 0; i < 2; i++) {
        if (!lks[i]->done) continue;
        done = true;
        bogus |= lks[i]->sec == DBX_DNSSEC_BOGUS;
        indet |= lks[i]->sec == DBX_DNSSEC_INDETERMINATE;
        insecure |= lks[i]->sec == DBX_DNSSEC_INSECURE;
        secure |= lks[i]->sec == DBX_DNSSEC_SECURE;
    }
    if (bogus) return DBX_DNSSEC_BOGUS;
    if (indet || !done) return DBX_DNSSEC_INDETERMINATE;
    if (insecure) return DBX_DNSSEC_INSECURE;
    return secure ? DBX_DNSSEC_SECURE : DBX_DNSSEC_SECURE_DENIAL;
}

/* The TLSA RRset in use -> w->recs, report texts, usable count. */
static void take_records(const dbx_check_config_t *cfg, dbx_check_work_t *w, dbx_check_host_t *h,
                         const dbx_result_t *tlsa_res)
{
    size_t n = dbx_result_count(tlsa_res);
    dbx_tlsa_use_t use[DBX_DANE_MAX_RECORDS];
    h->tlsa_total = (uint8_t)(n > 255 ? 255 : n);
    for (size_t i = 0; i < n && w->n_recs < DBX_DANE_MAX_RECORDS; i++) {
        dbx_tlsa_t *t = &w->recs[w->n_recs];
        const uint8_t *data = NULL;
        size_t len = 0;
        memset(t, 0, sizeof *t);
        int st = dbx_result_tlsa(tlsa_res, i, &t->usage, &t->selector, &t->mtype, &data, &len);
        if (st == DBX_ERR_NOTFOUND) break;
        if (st != DBX_OK) t->truncated = true;
        t->data = data;
        t->len = data != NULL ? len : 0;
        w->n_recs++;
    }
    int nu = dbx_tlsa_classify(w->recs, w->n_recs, &cfg->dane, use);
    h->usable_tlsa = nu > 0 ? (uint8_t)nu : 0;
    for (size_t i = 0; i < w->n_recs && i < DBX_CHECK_MAX_TLSA; i++) {
        dbx_check_tlsa_text_t *tt = &h->tlsa_rr[i];
        const dbx_tlsa_t *t = &w->recs[i];
        (void)dbx_tlsa_to_text(t, tt->text, sizeof tt->text); /* cut with "..." */
        tt->usable = use[i] == DBX_TLSA_USABLE;
        h->n_tlsa++;
    }
}

/* TLSA: expanded name first when the host is a secure alias (§2.2.2). */
static void tlsa_stage(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_work_t *w,
                       dbx_check_result_t *out, dbx_check_host_t *h, bool *nomem)
{
    dbx_policy_facts_t *f = &w->facts;
    const dbx_result_t *used = &w->rt;
    f->alias = h->expanded[0] != '\0';
    f->tlsa_expanded = DBX_DNSSEC_INSECURE;
    f->tlsa = DBX_DNSSEC_INSECURE;
    if (f->alias) {
        tlsa_lookup(cfg, r, h->expanded, &h->tlsa_expanded, &w->rte, out, nomem);
        f->tlsa_expanded = h->tlsa_expanded.sec;
    }
    if (!f->alias || dbx_policy_tlsa_fallback(f->tlsa_expanded)) {
        tlsa_lookup(cfg, r, h->name, &h->tlsa, &w->rt, out, nomem);
        f->tlsa = h->tlsa.sec;
        if (h->tlsa.sec == DBX_DNSSEC_SECURE) dbx_str_copy(h->tlsa_base, sizeof h->tlsa_base, h->name);
    } else {
        h->tlsa = h->tlsa_expanded;
        used = &w->rte;
        if (h->tlsa.sec == DBX_DNSSEC_SECURE) {
            dbx_str_copy(h->tlsa_base, sizeof h->tlsa_base, h->expanded);
        }
    }
    if (dbx_policy_tlsa_used(f) == DBX_DNSSEC_SECURE) take_records(cfg, w, h, used);
    f->usable_tlsa = h->usable_tlsa;
}

/* Reference identifiers and SNI for the sessions of this host. */
static void names_of(dbx_check_work_t *w, const dbx_check_host_t *h)
{
    w->sni = h->tlsa_base[0] ? h->tlsa_base : h->name;
    w->n_names = 0;
    if (h->tlsa_base[0]) w->names[w->n_names++] = h->tlsa_base;
    if (!h->tlsa_base[0] || !dbx_ascii_eq(h->tlsa_base, h->name)) w->names[w->n_names++] = h->name;
    if (h->expanded[0] && (!h->tlsa_base[0] || !dbx_ascii_eq(h->tlsa_base, h->expanded))) {
        w->names[w->n_names++] = h->expanded;
    }
}

static const char *pre_detail(const dbx_check_host_t *h, dbx_policy_reason_t why)
{
    if (why == DBX_REASON_ADDR_BOGUS || why == DBX_REASON_ADDR_INDETERMINATE) {
        bool a_failed = h->a.done && (h->a.sec == DBX_DNSSEC_BOGUS ||
                                      h->a.sec == DBX_DNSSEC_INDETERMINATE);
        return a_failed ? h->a.reason : h->aaaa.reason;
    }
    if (why == DBX_REASON_TLSA_BOGUS || why == DBX_REASON_TLSA_INDETERMINATE) return h->tlsa.reason;
    return "";
}

/* Round 2: the host's A/AAAA questions, its TLSA question when DANE may
 * apply (wasted when the addresses turn out insecure) and the keys of its
 * chain, concurrently.  Per host, not for all hosts at once: the answers
 * wait in RAM only for this host's lookups (the board's heap), and hosts
 * after a usable one are never asked about (stop_at_first). */
static void prefetch_host(const dbx_check_config_t *cfg, dbx_resolver_t *r,
                          const dbx_check_result_t *out, const dbx_check_host_t *h)
{
    dbx_prefetch_q_t q[3];
    char tl[DBX_CHECK_NAME_LEN + 16];
    size_t n = 0;
    if (cfg->families & DBX_CHECK_IPV4) q[n++] = (dbx_prefetch_q_t){h->name, DBX_RR_A};
    if (cfg->families & DBX_CHECK_IPV6) q[n++] = (dbx_prefetch_q_t){h->name, DBX_RR_AAAA};
    if (cfg->level != DBX_LEVEL_MAY && out->dane_possible &&
        !dbx_str_fmt(tl, sizeof tl, "_25._tcp.%s", h->name) && strlen(tl) <= 253) {
        q[n++] = (dbx_prefetch_q_t){tl, DBX_RR_TLSA};
    }
    (void)dbx_resolver_prefetch(r, q, n, cfg->now); /* failures: asked one by one */
}

void dbx_check_host_dns(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_work_t *w,
                        dbx_check_result_t *out, dbx_check_host_t *h)
{
    dbx_policy_facts_t *f = &w->facts;
    uint16_t port = cfg->port ? cfg->port : 25;
    bool nomem = false;
    uint32_t rounds0;

    memset(f, 0, sizeof *f);
    w->n_recs = 0;
    f->level = cfg->level;
    f->mx = out->mx.sec;
    h->deciding_addr = -1;
    h->verdict = DBX_VERDICT_DEFER;
    rounds0 = r->net.rounds;
    prefetch_host(cfg, r, out, h);

    if (cfg->families & DBX_CHECK_IPV4) {
        lookup(r, cfg->now, h->name, DBX_RR_A, &h->a, &w->ra, out, &nomem);
    } else {
        skip(&h->a, "IPv4 disabled");
    }
    if (cfg->families & DBX_CHECK_IPV6) {
        lookup(r, cfg->now, h->name, DBX_RR_AAAA, &h->aaaa, &w->raaaa, out, &nomem);
    } else {
        skip(&h->aaaa, "IPv6 disabled");
    }
    f->addr = addr_status(h);
    if (h->a.done && w->ra.sec != DBX_SEC_BOGUS) collect_addrs(&w->ra, port, h, cfg->max_addrs);
    if (h->aaaa.done && w->raaaa.sec != DBX_SEC_BOGUS) {
        collect_addrs(&w->raaaa, port, h, cfg->max_addrs);
    }
    f->n_addrs = h->n_addrs;
    if (h->a.done && w->ra.sec == DBX_SEC_SECURE) expanded_of(&w->ra, h);
    if (h->expanded[0] == '\0' && h->aaaa.done && w->raaaa.sec == DBX_SEC_SECURE) {
        expanded_of(&w->raaaa, h);
    }

    skip(&h->tlsa, "not looked up");
    skip(&h->tlsa_expanded, "not looked up");
    f->tlsa = f->tlsa_expanded = DBX_DNSSEC_INSECURE;
    if (dbx_policy_want_tlsa(f)) {
        tlsa_stage(cfg, r, w, out, h, &nomem);
    } else if (cfg->level == DBX_LEVEL_MAY) {
        skip(&h->tlsa, "level may: TLSA not consulted");
    } else if (out->mx.sec == DBX_DNSSEC_INSECURE) {
        skip(&h->tlsa, "MX RRset insecure: no DANE (RFC 7672 2.2.1)");
    } else if (f->addr == DBX_DNSSEC_INSECURE) {
        skip(&h->tlsa, "address records insecure: no TLSA lookup (RFC 7672 2.2.2)");
    }
    /* reported only: the alias of an insecure answer, never of a bogus chain */
    if (h->expanded[0] == '\0' && h->a.done && w->ra.sec == DBX_SEC_INSECURE) expanded_of(&w->ra, h);
    f->internal_error = nomem;
    dbx_resolver_prefetch_drop(r);
    out->dns_rounds += r->net.rounds - rounds0;
    names_of(w, h);

    dbx_policy_eval(f, &w->pre);
    if (w->pre.verdict == DBX_VERDICT_DEFER) {
        const char *detail = pre_detail(h, w->pre.reason);
        h->why = w->pre.reason;
        dbx_str_fmt(h->reason, sizeof h->reason, "%s%s%s", dbx_policy_reason_str(w->pre.reason),
                    detail[0] ? ": " : "", detail);
        h->n_addrs = 0; /* not probed (addrs_total still tells how many) */
    }
}

void dbx_check_host_release(dbx_check_work_t *w)
{
    dbx_result_free(&w->ra);
    dbx_result_free(&w->raaaa);
    dbx_result_free(&w->rt);
    dbx_result_free(&w->rte);
    memset(&w->ra, 0, sizeof w->ra);
    memset(&w->raaaa, 0, sizeof w->raaaa);
    memset(&w->rt, 0, sizeof w->rt);
    memset(&w->rte, 0, sizeof w->rte);
    w->n_recs = 0;
}
