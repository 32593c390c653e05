/* danebox monitor: direct questions to every authoritative name server of
 * a zone (the how-to: "explicit queries against all the servers" before a
 * new key is deployed).  Discovery (zone apex, NS names, their addresses)
 * goes through the configured resolver without validation: these answers
 * only say whom to ask; what each server says is compared, never trusted
 * for a verdict (the verdicts come from the validating check runs). */
#include "monitor.h"
#include "dane/dbx_tlsa_gen.h"
#include "dns/dbx_dns.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SET_RRS 16 /* TLSA records per RRset compared */

/* One raw question; the caller frees *out. */
static int ask(dbx_mon_ctx_t *ctx, const dbx_addr_t *ups, size_t n, const char *name, ldns_rr_type t,
               ldns_pkt **out)
{
    dbx_dns_stats_t st;
    ldns_rdf *q = ldns_dname_new_frm_str(name);
    int rc;
    if (q == NULL) return DBX_ERR_INVAL;
    memset(&st, 0, sizeof st);
    rc = dbx_dns_query(ctx->tr, ups, n, q, t, &st, out);
    ldns_rdf_deep_free(q);
    return rc;
}

static bool owner_is(const ldns_rr *rr, const char *name)
{
    ldns_rdf *q = ldns_dname_new_frm_str(name);
    bool eq = q != NULL && ldns_dname_compare(ldns_rr_owner(rr), q) == 0;
    ldns_rdf_deep_free(q);
    return eq;
}

/* Zone apex for @p name: the closest enclosing name with an NS RRset
 * (asked of the resolver); NS host names into @p ns. */
static int find_zone(dbx_mon_ctx_t *ctx, const char *name, char *zone, size_t cap,
                     char ns[][DBX_CHECK_NAME_LEN], size_t *n_ns)
{
    const char *p = name;
    *n_ns = 0;
    for (int step = 0; step < 12 && p != NULL && *p != '\0'; step++) {
        ldns_pkt *pkt = NULL;
        if (ask(ctx, ctx->r->ups, ctx->r->nups, p, LDNS_RR_TYPE_NS, &pkt) == DBX_OK) {
            ldns_rr_list *an = ldns_pkt_answer(pkt);
            for (size_t i = 0; i < ldns_rr_list_rr_count(an) && *n_ns < DBX_MON_MAX_NS; i++) {
                ldns_rr *rr = ldns_rr_list_rr(an, i);
                char *s;
                if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || !owner_is(rr, p)) continue;
                s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
                if (s != NULL) snprintf(ns[(*n_ns)++], DBX_CHECK_NAME_LEN, "%s", s);
                free(s);
            }
            ldns_pkt_free(pkt);
            if (*n_ns > 0) {
                snprintf(zone, cap, "%s", p);
                return DBX_OK;
            }
        }
        p = strchr(p, '.');
        if (p != NULL) p++;
    }
    return DBX_ERR_NOTFOUND;
}

/* Addresses of name server @p host (A then AAAA), port 53. */
static size_t ns_addrs(dbx_mon_ctx_t *ctx, const char *host, dbx_addr_t *out, size_t max)
{
    static const ldns_rr_type types[2] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        ldns_pkt *pkt = NULL;
        if (ask(ctx, ctx->r->ups, ctx->r->nups, host, types[k], &pkt) != DBX_OK) continue;
        ldns_rr_list *an = ldns_pkt_answer(pkt);
        for (size_t i = 0; i < ldns_rr_list_rr_count(an) && n < max; i++) {
            ldns_rr *rr = ldns_rr_list_rr(an, i);
            ldns_rdf *d = ldns_rr_rdf(rr, 0);
            if (ldns_rr_get_type(rr) != types[k] || d == NULL) continue;
            memset(&out[n], 0, sizeof out[n]);
            out[n].family = k == 0 ? 4 : 6;
            out[n].port = 53;
            if (ldns_rdf_size(d) != (k == 0 ? 4u : 16u)) continue;
            memcpy(out[n].addr, ldns_rdf_data(d), ldns_rdf_size(d));
            n++;
        }
        ldns_pkt_free(pkt);
    }
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted "U S M HEX" lines of the TLSA records at @p owner in @p an. */
static void tlsa_set(const ldns_rr_list *an, const char *owner, char *out, size_t cap)
{
    char txt[MAX_SET_RRS][DBX_TLSA_TEXT_DIGEST_MAX];
    const char *ptr[MAX_SET_RRS];
    size_t n = 0, o = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(an) && n < MAX_SET_RRS; i++) {
        ldns_rr *rr = ldns_rr_list_rr(an, i);
        dbx_tlsa_t t;
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TLSA || !owner_is(rr, owner) ||
            ldns_rr_rd_count(rr) != 4) {
            continue;
        }
        memset(&t, 0, sizeof t);
        t.usage = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
        t.selector = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0];
        t.mtype = ldns_rdf_data(ldns_rr_rdf(rr, 2))[0];
        t.data = ldns_rdf_data(ldns_rr_rdf(rr, 3));
        t.len = ldns_rdf_size(ldns_rr_rdf(rr, 3));
        (void)dbx_tlsa_to_text(&t, txt[n], sizeof txt[n]);
        ptr[n] = txt[n];
        n++;
    }
    qsort(ptr, n, sizeof ptr[0], cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        int w = snprintf(out + o, cap - o, "%s%s", i ? "\n" : "", ptr[i]);
        if (w < 0) break;
        o += (size_t)w;
    }
}

/* RRset @p type at @p owner in @p an: TTL range and RRSIG expiry. */
static void rrset_facts(const ldns_rr_list *an, const char *owner, ldns_rr_type type,
                        int64_t now, dbx_mon_auth_t *out)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
        ldns_rr *rr = ldns_rr_list_rr(an, i);
        if (!owner_is(rr, owner)) continue;
        if (ldns_rr_get_type(rr) == type) {
            uint32_t ttl = ldns_rr_ttl(rr);
            out->data_seen = true;
            if (out->ttl_min == 0 || ttl < out->ttl_min) out->ttl_min = ttl;
            if (ttl > out->ttl_max) out->ttl_max = ttl;
        } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
                   ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type) {
            /* RFC 4034 3.1.5: serial arithmetic around now */
            uint32_t e = ldns_rdf2native_int32(ldns_rr_rrsig_expiration(rr));
            int64_t exp = now + (int32_t)(e - (uint32_t)now);
            if (out->sig_exp == 0 || exp < out->sig_exp) out->sig_exp = exp;
        }
    }
}

static int rcode_of(ldns_pkt *p)
{
    return p != NULL ? (int)ldns_pkt_get_rcode(p) : -1;
}

/* All questions to one server address. */
static void ask_server(dbx_mon_ctx_t *ctx, const dbx_addr_t *a, const char *owner, uint16_t type,
                       const char *host, dbx_mon_auth_t *out, dbx_mon_ns_answer_t *ans)
{
    ldns_pkt *p = NULL;
    ans->tlsa_rcode = ans->tcp_rcode = -1;
    if (ask(ctx, a, 1, out->zone, LDNS_RR_TYPE_SOA, &p) == DBX_OK) {
        ldns_rr_list *an = ldns_pkt_answer(p);
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            ldns_rr *rr = ldns_rr_list_rr(an, i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 3) {
                ans->serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
                ans->answered = true;
            }
        }
        ldns_pkt_free(p);
    }
    p = NULL;
    if (ask(ctx, a, 1, owner, (ldns_rr_type)type, &p) == DBX_OK) {
        ans->answered = true;
        ans->tlsa_rcode = rcode_of(p);
        rrset_facts(ldns_pkt_answer(p), owner, (ldns_rr_type)type, ctx->opts.check.now, out);
        if (type == LDNS_RR_TYPE_TLSA) tlsa_set(ldns_pkt_answer(p), owner, ans->tlsa_set, sizeof ans->tlsa_set);
        ldns_pkt_free(p);
    }
    p = NULL;
    if (host != NULL) {
        char q[DBX_CHECK_NAME_LEN + 8];
        snprintf(q, sizeof q, "_tcp.%s", host);
        if (ask(ctx, a, 1, q, LDNS_RR_TYPE_TLSA, &p) == DBX_OK) {
            ans->tcp_rcode = rcode_of(p);
            ldns_pkt_free(p);
        }
    }
}

int dbx_mon_auth_ask(dbx_mon_ctx_t *ctx, const char *zone_of, const char *owner, uint16_t type,
                 const char *host, dbx_mon_auth_t *out)
{
    char ns[DBX_MON_MAX_NS][DBX_CHECK_NAME_LEN];
    size_t n_ns;
    int st;
    memset(out, 0, sizeof *out);
    st = find_zone(ctx, zone_of, out->zone, sizeof out->zone, ns, &n_ns);
    if (st != DBX_OK) return st;
    for (size_t i = 0; i < n_ns; i++) {
        dbx_addr_t ad[DBX_MON_MAX_NS_ADDRS];
        size_t na = ns_addrs(ctx, ns[i], ad, DBX_MON_MAX_NS_ADDRS);
        for (size_t k = 0; k < na && out->n < DBX_ARRAY_LEN(out->ns); k++) {
            dbx_mon_ns_answer_t *ans = &out->ns[out->n++];
            char as[DBX_MON_ADDR_LEN];
            size_t l = strlen(ns[i]);
            snprintf(ans->server, sizeof ans->server, "%.*s[%s]",
                     (int)(l > 1 && ns[i][l - 1] == '.' ? l - 1 : l), ns[i],
                     dbx_addr_format(&ad[k], as, sizeof as));
            ask_server(ctx, &ad[k], owner, type, host, out, ans);
        }
    }
    return DBX_OK;
}

/* ---- findings from what the servers said --------------------------------- */

static size_t set_count(const char *set)
{
    size_t n = set[0] != '\0';
    for (const char *p = set; *p; p++) n += *p == '\n';
    return n;
}

/* serials and TLSA RRsets of every server agree? */
static void eval_agreement(dbx_mon_report_t *rep, const char *host, const dbx_mon_auth_t *au)
{
    const dbx_mon_ns_answer_t *ref = NULL;
    char diff[DBX_MON_TEXT_LEN] = "";
    bool serial_ok = true, set_ok = true;
    size_t o = 0, answered = 0;
    for (size_t i = 0; i < au->n; i++) {
        const dbx_mon_ns_answer_t *a = &au->ns[i];
        if (!a->answered) {
            dbx_mon_add(rep, DBX_MON_SEV_WARNING, "ns-unreachable", host, NULL, "%s (zone %s) did not answer",
                    a->server, au->zone);
            continue;
        }
        answered++;
        if (ref == NULL) ref = a;
        serial_ok = serial_ok && a->serial == ref->serial;
        set_ok = set_ok && strcmp(a->tlsa_set, ref->tlsa_set) == 0;
        if (o + 1 < sizeof diff) {
            int w = snprintf(diff + o, sizeof diff - o, "%s%s serial %lu, %lu TLSA", o ? "; " : "",
                             a->server, (unsigned long)a->serial, (unsigned long)set_count(a->tlsa_set));
            if (w > 0) o += (size_t)w;
        }
    }
    if (ref == NULL) return;
    if (!set_ok) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "ns-tlsa-mismatch", host, NULL,
                "the name servers of %s serve different TLSA RRsets (%s): do not deploy a new key "
                "before every server has its record",
                au->zone, diff);
    }
    if (!serial_ok) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "ns-serial-mismatch", host, NULL,
                "SOA serials of %s differ (%s)", au->zone, diff);
    }
    if (set_ok && serial_ok) {
        dbx_mon_add(rep, DBX_MON_SEV_OK, "ns-consistent", host, NULL,
                "%lu name server address(es) of %s agree: serial %lu, %lu TLSA record(s)",
                (unsigned long)answered, au->zone, (unsigned long)ref->serial,
                (unsigned long)set_count(ref->tlsa_set));
    }
}

/* is line @p t one of the lines of @p set? */
static bool set_has(const char *set, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = set; *p != '\0';) {
        const char *e = strchr(p, '\n');
        size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, t, n) == 0) return true;
        p += l + (e != NULL);
    }
    return false;
}

/* a server whose TLSA RRset has no record for the key(s) in use: senders
 * whose resolver asks it defer (the how-to: a new key deployed before every
 * secondary serves its record) */
static void eval_stale_key(dbx_mon_report_t *rep, const dbx_check_host_t *h, const dbx_mon_auth_t *au)
{
    char use[24][DBX_MON_RECORD_TEXT];
    size_t n = dbx_mon_in_use(rep, h, use, DBX_ARRAY_LEN(use));
    bool covered[DBX_ARRAY_LEN(au->ns)] = {false}, some = false;
    if (n == 0) return; /* no key seen: nothing to compare with */
    for (size_t i = 0; i < au->n; i++) {
        for (size_t j = 0; j < n && !covered[i]; j++) covered[i] = set_has(au->ns[i].tlsa_set, use[j]);
        some = some || covered[i];
    }
    /* when no server has a record for the key in use, the servers agree on a
     * mismatch: that is dane-no-match, not a stale server */
    for (size_t i = 0; some && i < au->n; i++) {
        if (au->ns[i].answered && !covered[i]) {
            dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "ns-tlsa-stale-key", h->name, NULL,
                        "%s serves %lu TLSA record(s), none for the key in use: senders whose "
                        "resolver asks it defer",
                        au->ns[i].server, (unsigned long)set_count(au->ns[i].tlsa_set));
        }
    }
}

/* the how-to's "_tcp" check: a denial at _tcp.HOST while the TLSA exists */
static void eval_tcp(dbx_mon_ctx_t *ctx, dbx_mon_report_t *rep, const char *host, const dbx_mon_auth_t *au)
{
    char q[DBX_CHECK_NAME_LEN + 8];
    dbx_result_t res;
    bool bad = false;
    for (size_t i = 0; i < au->n; i++) {
        if (au->ns[i].tcp_rcode == LDNS_RCODE_NXDOMAIN) {
            dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "tcp-nxdomain", host, NULL,
                    "%s answers NXDOMAIN for _tcp.%s although _25._tcp.%s has TLSA records: "
                    "qname-minimising resolvers never find them",
                    au->ns[i].server, host, host);
            bad = true;
        }
    }
    snprintf(q, sizeof q, "_tcp.%s", host);
    if (dbx_resolve(ctx->r, q, LDNS_RR_TYPE_TLSA, ctx->opts.check.now, &res) != DBX_OK) return;
    if (res.kind == DBX_ANSWER_NXDOMAIN && !bad) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "tcp-nxdomain", host, NULL,
                "_tcp.%s is NXDOMAIN (%s) although _25._tcp.%s has TLSA records", host,
                dbx_sec_str(res.sec), host);
        bad = true;
    } else if (res.sec == DBX_SEC_BOGUS) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "tcp-denial-bogus", host, NULL,
                "the empty non-terminal _tcp.%s has no valid denial (%s)", host, res.reason);
        bad = true;
    }
    if (!bad) {
        dbx_mon_add(rep, DBX_MON_SEV_OK, "tcp-ent", host, NULL, "_tcp.%s exists (empty non-terminal)", host);
    }
    dbx_result_free(&res);
}

static void eval_tlsa_zone(dbx_mon_ctx_t *ctx, dbx_mon_report_t *rep, const dbx_check_host_t *h)
{
    static dbx_mon_auth_t au;
    const char *base = h->tlsa_base[0] ? h->tlsa_base : h->name;
    char owner[DBX_CHECK_NAME_LEN + 16];
    snprintf(owner, sizeof owner, "_25._tcp.%s", base);
    if (dbx_mon_auth_ask(ctx, base, owner, LDNS_RR_TYPE_TLSA, base, &au) != DBX_OK) {
        dbx_mon_add(rep, DBX_MON_SEV_UNKNOWN, "ns-discovery", h->name, NULL, "no name server found for %s", base);
        return;
    }
    if (!au.data_seen) return; /* no TLSA anywhere: nothing to compare */
    eval_agreement(rep, h->name, &au);
    eval_stale_key(rep, h, &au);
    if (au.ttl_min < 1800 || au.ttl_max > 3600) {
        dbx_mon_add(rep, DBX_MON_SEV_ADVICE, "tlsa-ttl", h->name, NULL,
                "TLSA TTL %lu s: the how-to recommends 1800..3600 s", (unsigned long)
                (au.ttl_min < 1800 ? au.ttl_min : au.ttl_max));
    }
    if (au.sig_exp != 0) dbx_mon_expiry(rep, &ctx->opts, "rrsig-tlsa", h->name, "RRSIG of the TLSA RRset", au.sig_exp, true);
    eval_tcp(ctx, rep, base, &au);
}

void dbx_mon_eval_dns(dbx_mon_ctx_t *ctx, dbx_mon_report_t *rep)
{
    static dbx_mon_auth_t au;
    const dbx_check_result_t *r = &rep->run[DBX_MON_RUN_RSA];
    if (r->mx.done && !r->implicit_mx && !r->null_mx) {
        if (dbx_mon_auth_ask(ctx, rep->domain, rep->domain, LDNS_RR_TYPE_MX, NULL, &au) == DBX_OK &&
            au.sig_exp != 0) {
            dbx_mon_expiry(rep, &ctx->opts, "rrsig-mx", NULL, "RRSIG of the MX RRset", au.sig_exp, true);
        }
    }
    for (size_t i = 0; i < r->n_hosts; i++) {
        const dbx_check_host_t *h = &r->hosts[i];
        if (h->tlsa.done || h->tlsa_expanded.done) eval_tlsa_zone(ctx, rep, h);
    }
}
