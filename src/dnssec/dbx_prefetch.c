/* Prefetch: one round of concurrent questions whose raw answers the
 * validator takes instead of asking (see dbx_resolver_prefetch()).  Nothing
 * here decides anything: an answer is only ever used by the unchanged
 * validator, which validates it like a fetched one. */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_str.h"
#include "hal_platform.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    dbx_dns_question_t q[DBX_DNS_MAX_OUTSTANDING];
    ldns_rdf *names[DBX_DNS_MAX_OUTSTANDING]; /* owned */
    size_t n, cap;
} plist_t;

/* over the wire form: every name here is canonical (lower case) */
static uint32_t name_hash(const ldns_rdf *n)
{
    return dbx_fnv1a(ldns_rdf_data(n), ldns_rdf_size(n)) | 1u; /* 0 marks a free ring slot */
}

static int zone_asked(const dbx_resolver_t *r, uint32_t h)
{
    for (size_t i = 0; i < DBX_PREFETCH_ASKED; i++) {
        if (r->pf_asked[i] == h) return 1;
    }
    return 0;
}

/* The key cache holds @p z (any kind) at @p now; read-only, unlike
 * dbx_v_cache_get(). */
static int key_cached(const dbx_resolver_t *r, const ldns_rdf *z, int64_t now)
{
    for (size_t i = 0; i < DBX_CACHE_ENTRIES; i++) {
        const dbx_cache_entry_t *e = &r->cache[i];
        if (e->name != NULL && e->expires > now && ldns_dname_compare(e->name, z) == 0) return 1;
    }
    return 0;
}

static int listed(const plist_t *l, const ldns_rdf *name, ldns_rr_type t)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->q[i].qtype == t && ldns_dname_compare(l->q[i].qname, name) == 0) return 1;
    }
    return 0;
}

/* Append (takes @p name); full or duplicate: freed. */
static void add(plist_t *l, ldns_rdf *name, ldns_rr_type t)
{
    if (name == NULL) return;
    if (l->n >= l->cap || listed(l, name, t)) {
        ldns_rdf_deep_free(name);
        return;
    }
    l->names[l->n] = name;
    l->q[l->n] = (dbx_dns_question_t){name, t};
    l->n++;
}

/* DS/DNSKEY of the zones @p name's chain may cut at: the root (DNSKEY only:
 * the anchor is its DS) and the names of up to DBX_PREFETCH_GUESS_LABELS
 * labels, top down, in the slots left; a zone goes in whole (DS and DNSKEY)
 * or not at all. */
static void add_chain(dbx_resolver_t *r, plist_t *l, const ldns_rdf *name, int64_t now)
{
    int labels = (int)ldns_dname_label_count(name);
    for (int k = 0; k <= DBX_PREFETCH_GUESS_LABELS && k <= labels; k++) {
        size_t need = k > 0 ? 2 : 1;
        ldns_rdf *z = dbx_dname_ancestor(name, k);
        uint32_t h;
        if (z == NULL) return;
        h = name_hash(z);
        if (key_cached(r, z, now) || zone_asked(r, h) || l->n + need > l->cap) {
            ldns_rdf_deep_free(z);
            continue;
        }
        r->pf_asked[r->pf_asked_next++ % DBX_PREFETCH_ASKED] = h;
        if (k > 0) add(l, ldns_rdf_clone(z), LDNS_RR_TYPE_DS);
        add(l, z, LDNS_RR_TYPE_DNSKEY);
    }
}

/* The questions themselves, and the TLSA owners' parent DS probes. */
static void add_questions(dbx_resolver_t *r, plist_t *l, const dbx_prefetch_q_t *qs, size_t n,
                         int64_t now, ldns_rdf **parsed)
{
    for (size_t i = 0; i < n; i++) {
        ldns_rdf *name = NULL;
        parsed[i] = NULL;
        if (ldns_str2rdf_dname(&name, qs[i].name) != LDNS_STATUS_OK || name == NULL) continue;
        ldns_dname2canonical(name);
        parsed[i] = name;
        if (dbx_acache_has(r, name, qs[i].type, now)) continue;
        add(l, ldns_rdf_clone(name), (ldns_rr_type)qs[i].type);
        if (qs[i].type == LDNS_RR_TYPE_TLSA && ldns_dname_label_count(name) >= 2) {
            ldns_rdf *parent = dbx_dname_ancestor(name, (int)ldns_dname_label_count(name) - 1);
            if (parent != NULL && !key_cached(r, parent, now)) {
                add(l, parent, LDNS_RR_TYPE_DS);
            } else {
                ldns_rdf_deep_free(parent);
            }
        }
    }
}

int dbx_resolver_prefetch(dbx_resolver_t *r, const dbx_prefetch_q_t *qs, size_t n, int64_t now)
{
    plist_t l;
    ldns_rdf *parsed[DBX_DNS_MAX_OUTSTANDING];
    ldns_pkt *out[DBX_DNS_MAX_OUTSTANDING];
    int status[DBX_DNS_MAX_OUTSTANDING];
    uint32_t t0 = hal_clock_ms();
    int st = DBX_OK;
    DBX_ASSERT(r != NULL && (qs != NULL || n == 0));
    dbx_resolver_prefetch_drop(r);
    if (r->tr == NULL || r->nups == 0 || n == 0) return DBX_OK;
    if (n > DBX_DNS_MAX_OUTSTANDING) n = DBX_DNS_MAX_OUTSTANDING;
    if (r->pf_debt >= DBX_MAX_QUERIES) return DBX_ERR_LIMIT;
    if (r->pf_debt > 0 && (uint32_t)(t0 - r->pf_start_ms) >= r->time_limit_ms) return DBX_ERR_TIMEOUT;
    memset(&l, 0, sizeof l);
    l.cap = DBX_MAX_QUERIES - r->pf_debt;
    if (l.cap > DBX_DNS_MAX_OUTSTANDING) l.cap = DBX_DNS_MAX_OUTSTANDING;
    add_questions(r, &l, qs, n, now, parsed);
    for (size_t i = 0; i < n; i++) {
        if (parsed[i] != NULL) add_chain(r, &l, parsed[i], now);
        ldns_rdf_deep_free(parsed[i]);
    }
    if (l.n > 0) {
        if (r->pf_debt == 0) r->pf_start_ms = t0;
        st = dbx_dns_query_batch_udp(r->tr, r->ups, r->nups, l.q, l.n, &r->net, out, status);
        if (st == DBX_OK) {
            r->pf_debt += (uint32_t)l.n;
            r->total_queries += (uint32_t)l.n;
            for (size_t i = 0; i < l.n; i++) r->pf[i] = out[i]; /* NULL: asked again later */
        }
    }
    for (size_t i = 0; i < l.n; i++) ldns_rdf_deep_free(l.names[i]);
    return st;
}

int dbx_v_prefetch_take(dbx_resolver_t *r, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt **out)
{
    for (size_t i = 0; i < DBX_DNS_MAX_OUTSTANDING; i++) {
        const ldns_rr *q;
        if (r->pf[i] == NULL) continue;
        q = ldns_rr_list_rr(ldns_pkt_question(r->pf[i]), 0); /* matched: exactly one */
        if (ldns_rr_get_type(q) == qtype && ldns_dname_compare(ldns_rr_owner(q), qname) == 0) {
            *out = r->pf[i];
            r->pf[i] = NULL;
            return 1;
        }
    }
    return 0;
}

void dbx_resolver_prefetch_drop(dbx_resolver_t *r)
{
    if (r == NULL) return;
    for (size_t i = 0; i < DBX_DNS_MAX_OUTSTANDING; i++) {
        ldns_pkt_free(r->pf[i]);
        r->pf[i] = NULL;
    }
}

void dbx_resolver_prefetch_reset(dbx_resolver_t *r)
{
    if (r == NULL) return;
    dbx_resolver_prefetch_drop(r);
    memset(r->pf_asked, 0, sizeof r->pf_asked);
    r->pf_asked_next = 0;
}
