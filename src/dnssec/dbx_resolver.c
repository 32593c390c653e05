/* The validating stub resolver: lifecycle, answer sources, the key cache
 * and the fetch helpers shared by the chain and answer code (see
 * dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- network answer source ------------------------------------------------ */

static int net_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    dbx_resolver_t *r = ctx;
    return dbx_dns_query(r->tr, r->ups, r->nups, qname, qtype, &r->net, out);
}

void dbx_resolver_init(dbx_resolver_t *r, const dbx_transport_t *tr,
                       const dbx_addr_t *upstreams, size_t n, const dbx_trust_t *anchor)
{
    memset(r, 0, sizeof *r);
    r->tr = tr;
    if (n > DBX_DNS_MAX_UPSTREAMS) n = DBX_DNS_MAX_UPSTREAMS;
    for (size_t i = 0; i < n; i++) r->ups[i] = upstreams[i];
    r->nups = n;
    r->anchor = anchor;
    r->src.ctx = r;
    r->src.fetch = net_fetch;
    r->clock_skew = DBX_DEFAULT_CLOCK_SKEW;
    r->time_limit_ms = DBX_RESOLVE_TIME_LIMIT_MS;
    r->nsec3_max_iter = DBX_NSEC3_MAX_ITERATIONS;
    r->acache_max_entries = DBX_ACACHE_ENTRIES;
    r->acache_max_bytes = DBX_ACACHE_BYTES;
}

void dbx_resolver_init_source(dbx_resolver_t *r, dbx_source_t src, const dbx_trust_t *anchor)
{
    memset(r, 0, sizeof *r);
    r->src = src;
    r->anchor = anchor;
    r->clock_skew = DBX_DEFAULT_CLOCK_SKEW;
    r->time_limit_ms = DBX_RESOLVE_TIME_LIMIT_MS;
    r->nsec3_max_iter = DBX_NSEC3_MAX_ITERATIONS;
    r->acache_max_entries = DBX_ACACHE_ENTRIES;
    r->acache_max_bytes = DBX_ACACHE_BYTES;
}

int dbx_resolver_set_nsec3_limit(dbx_resolver_t *r, uint32_t max)
{
    DBX_ASSERT(r != NULL);
    if (max > DBX_NSEC3_MAX_ITERATIONS) return DBX_ERR_INVAL;
    if (max != r->nsec3_max_iter) dbx_resolver_flush(r);
    r->nsec3_max_iter = (uint16_t)max;
    return DBX_OK;
}

/* ---- key cache ------------------------------------------------------------- */

static void entry_clear(dbx_cache_entry_t *e)
{
    ldns_rdf_deep_free(e->name);
    ldns_rr_list_deep_free(e->keys);
    memset(e, 0, sizeof *e);
}

void dbx_resolver_flush(dbx_resolver_t *r)
{
    if (r == NULL) return;
    for (size_t i = 0; i < DBX_CACHE_ENTRIES; i++) entry_clear(&r->cache[i]);
    dbx_acache_flush(r);
    dbx_resolver_prefetch_reset(r);
}

void dbx_resolver_free(dbx_resolver_t *r)
{
    dbx_resolver_flush(r);
}

dbx_cache_entry_t *dbx_v_cache_get(dbx_resolver_t *r, const ldns_rdf *name, int64_t now)
{
    for (size_t i = 0; i < DBX_CACHE_ENTRIES; i++) {
        dbx_cache_entry_t *e = &r->cache[i];
        if (e->name == NULL) continue;
        if (e->expires <= now) {
            entry_clear(e);
            continue;
        }
        if (ldns_dname_compare(e->name, name) == 0) {
            e->used = ++r->tick;
            if (e->sig_until < r->cut_sig_min) r->cut_sig_min = e->sig_until; /* answers rely on it */
            return e;
        }
    }
    return NULL;
}

/* Takes ownership of @p keys. */
void dbx_v_cache_put(dbx_resolver_t *r, const dbx_vctx_t *v, const ldns_rdf *name, uint8_t kind,
                     ldns_rr_list *keys, uint32_t ttl)
{
    int64_t now = v->now;
    dbx_cache_entry_t *slot = NULL;
    for (size_t i = 0; i < DBX_CACHE_ENTRIES && slot == NULL; i++) {
        if (r->cache[i].name != NULL && ldns_dname_compare(r->cache[i].name, name) == 0) {
            slot = &r->cache[i];
        }
    }
    for (size_t i = 0; i < DBX_CACHE_ENTRIES && slot == NULL; i++) {
        if (r->cache[i].name == NULL) slot = &r->cache[i];
    }
    if (slot == NULL) { /* LRU eviction */
        slot = &r->cache[0];
        for (size_t i = 1; i < DBX_CACHE_ENTRIES; i++) {
            if (r->cache[i].used < slot->used) slot = &r->cache[i];
        }
    }
    entry_clear(slot);
    if (ttl > DBX_CACHE_MAX_TTL) ttl = DBX_CACHE_MAX_TTL;
    slot->name = ldns_rdf_clone(name);
    if (slot->name == NULL) {
        ldns_rr_list_deep_free(keys);
        return;
    }
    slot->kind = kind;
    slot->keys = keys;
    slot->expires = now + ttl;
    slot->used = ++r->tick;
    slot->sig_until = v->valid_until;
}

/* ---- helpers ------------------------------------------------------------------ */

int dbx_v_has_rr(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type t)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) == t && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) return 1;
    }
    return 0;
}

int dbx_v_has_data(const ldns_rr_list *l, const ldns_rdf *owner)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) {
            return 1;
        }
    }
    return 0;
}

ldns_rr_list *dbx_v_pkt_sigs(const ldns_pkt *p, const ldns_rdf *owner, ldns_rr_type covered)
{
    const ldns_rr_list *sec[3] = {ldns_pkt_answer(p), ldns_pkt_authority(p), ldns_pkt_additional(p)};
    ldns_rr_list *out = dbx_select(sec[0], owner, LDNS_RR_TYPE_RRSIG, covered);
    for (size_t i = 1; i < 3 && out != NULL; i++) {
        ldns_rr_list *part = dbx_select(sec[i], owner, LDNS_RR_TYPE_RRSIG, covered);
        for (size_t j = 0; part != NULL && j < ldns_rr_list_rr_count(part); j++) {
            ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(part, j));
            if (c == NULL || !ldns_rr_list_push_rr(out, c)) {
                ldns_rr_free(c);
                ldns_rr_list_deep_free(part);
                part = NULL;
            }
        }
        if (part == NULL) {
            ldns_rr_list_deep_free(out);
            return NULL;
        }
        ldns_rr_list_deep_free(part);
    }
    return out;
}

dbx_sec_t dbx_v_prefix_fail(dbx_vctx_t *v, dbx_sec_t s, const char *prefix)
{
    char why[256];
    snprintf(why, sizeof why, "%s: %s", prefix, v->reason);
    return dbx_v_fail(v, s, why);
}

/* One question to the source, with the query budget and RCODE screening. */
dbx_sec_t dbx_v_fetch(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                      ldns_rr_type qtype, ldns_pkt **out)
{
    int st;
    ldns_pkt_rcode rc;
    *out = NULL;
    /* asked in a prefetch round: already charged to this resolution */
    if (!dbx_v_prefetch_take(r, qname, qtype, out)) {
        if (v->queries >= DBX_MAX_QUERIES) {
            return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "upstream query limit reached");
        }
        if ((uint32_t)(hal_clock_ms() - v->start_ms) >= r->time_limit_ms) {
            /* slow or stalling upstreams: every query is bounded on its own, this
             * bounds their sum (one more query's timeout at most past the limit) */
            return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "resolution time limit reached");
        }
        v->queries++;
        r->total_queries++;
        st = r->src.fetch(r->src.ctx, qname, qtype, out);
        if (st != DBX_OK) {
            char why[96];
            snprintf(why, sizeof why, "upstream failed: %s", dbx_strerror(st));
            return dbx_v_fail(v, DBX_SEC_INDETERMINATE, why);
        }
    }
    rc = ldns_pkt_get_rcode(*out);
    if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
        ldns_pkt_free(*out);
        *out = NULL;
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE,
                          rc == LDNS_RCODE_SERVFAIL ? "upstream SERVFAIL" : "upstream error RCODE");
    }
    return DBX_SEC_SECURE;
}

uint32_t dbx_v_neg_ttl(const ldns_pkt *p)
{
    uint32_t t = 3600;
    const ldns_rr_list *a = ldns_pkt_authority(p);
    int any = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(a); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(a, i);
        ldns_rr_type ty = ldns_rr_get_type(rr);
        if (ty == LDNS_RR_TYPE_NSEC || ty == LDNS_RR_TYPE_NSEC3 || ty == LDNS_RR_TYPE_SOA) {
            if (ldns_rr_ttl(rr) < t) t = ldns_rr_ttl(rr);
            any = 1;
        }
    }
    return any ? t : 60;
}

/* Presentation form of a wire-format name into @p buf (bounded, no heap). */
const char *dbx_v_name_str(const ldns_rdf *n, char *buf, size_t cap)
{
    const uint8_t *w = ldns_rdf_data(n);
    size_t len = ldns_rdf_size(n), i = 0, o = 0;
    while (i < len && w[i] != 0 && o + 2 < cap) {
        uint8_t l = w[i++];
        for (uint8_t k = 0; k < l && i < len && o + 5 < cap; k++, i++) {
            char c = (char)w[i];
            if (c == '.' || c == '\\' || c < 0x21 || c > 0x7e) {
                o += (size_t)snprintf(buf + o, cap - o, "\\%03u", (unsigned)(uint8_t)c);
            } else {
                buf[o++] = c;
            }
        }
        buf[o++] = '.';
    }
    if (o == 0 && cap > 1) buf[o++] = '.';
    buf[o] = '\0';
    return buf;
}
