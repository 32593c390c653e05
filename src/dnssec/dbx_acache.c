/* The answer cache: whole validated results of dbx_resolve() kept by
 * (question name, type), bounded in entries and estimated heap bytes, LRU
 * (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"

#include <stdlib.h>
#include <string.h>

/* Allocator bookkeeping counted per heap block (newlib and glibc: 8). */
#define ACACHE_MALLOC_OVH 8u

static uint32_t rdf_cost(const ldns_rdf *d)
{
    if (d == NULL) return 0;
    return (uint32_t)(sizeof(ldns_rdf) + ldns_rdf_size(d) + 2u * ACACHE_MALLOC_OVH);
}

static uint32_t list_cost(const ldns_rr_list *l)
{
    uint32_t c;
    if (l == NULL) return 0;
    c = (uint32_t)(sizeof(ldns_rr_list) + ACACHE_MALLOC_OVH +
                   ldns_rr_list_rr_count(l) * sizeof(ldns_rr *) + ACACHE_MALLOC_OVH);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        c += (uint32_t)(sizeof(ldns_rr) + ACACHE_MALLOC_OVH +
                        ldns_rr_rd_count(rr) * sizeof(ldns_rdf *) + ACACHE_MALLOC_OVH);
        c += rdf_cost(ldns_rr_owner(rr));
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) c += rdf_cost(ldns_rr_rdf(rr, k));
    }
    return c;
}

static void entry_clear(dbx_resolver_t *r, dbx_acache_entry_t *e)
{
    ldns_rdf_deep_free(e->qname);
    ldns_rdf_deep_free(e->final_name);
    ldns_rr_list_deep_free(e->answer);
    ldns_rr_list_deep_free(e->chain);
    free(e->reason);
    r->acache_bytes -= e->bytes <= r->acache_bytes ? e->bytes : r->acache_bytes;
    memset(e, 0, sizeof *e);
}

void dbx_acache_flush(dbx_resolver_t *r)
{
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) entry_clear(r, &r->acache[i]);
    r->acache_bytes = 0;
}

/* The usable entry count (the runtime bound, never above the array). */
static size_t max_entries(const dbx_resolver_t *r)
{
    size_t n = r->acache_max_entries;
    return n == 0 || n > DBX_ACACHE_ENTRIES ? DBX_ACACHE_ENTRIES : n;
}

int dbx_acache_get(dbx_resolver_t *r, uint16_t qtype, int64_t now, dbx_result_t *res)
{
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
        dbx_acache_entry_t *e = &r->acache[i];
        if (e->qname == NULL) continue;
        if (e->expires <= now && e->stored <= now) {
            entry_clear(r, e); /* outlived its TTL: gone for good */
            continue;
        }
        if (e->qtype != qtype || ldns_dname_compare(e->qname, res->qname) != 0) continue;
        /* validated at another time (--time): only inside its window */
        if (now < e->stored || now < e->valid_from || now >= e->expires) return DBX_ERR_NOTFOUND;
        res->final_name = ldns_rdf_clone(e->final_name);
        res->answer = ldns_rr_list_clone(e->answer);
        res->chain = ldns_rr_list_clone(e->chain);
        if (res->final_name == NULL || res->answer == NULL || res->chain == NULL) {
            return DBX_ERR_NOMEM;
        }
        memcpy(res->reason, e->reason, strlen(e->reason) + 1);
        res->sec = (dbx_sec_t)e->sec;
        res->kind = (dbx_answer_kind_t)e->kind;
        res->rcode = e->rcode;
        res->wildcard = e->wildcard != 0;
        res->ttl = (uint32_t)(e->expires - now);
        e->used = ++r->tick;
        r->answer_hits++;
        return DBX_OK;
    }
    return DBX_ERR_NOTFOUND;
}

/* A free slot, evicting LRU entries until @p bytes more fit both bounds. */
static dbx_acache_entry_t *make_room(dbx_resolver_t *r, uint32_t bytes)
{
    uint32_t cap = r->acache_max_bytes == 0 || r->acache_max_bytes > DBX_ACACHE_BYTES
                       ? DBX_ACACHE_BYTES : r->acache_max_bytes;
    if (bytes > cap) return NULL;
    for (;;) {
        dbx_acache_entry_t *free_slot = NULL, *lru = NULL;
        size_t used = 0;
        for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
            dbx_acache_entry_t *e = &r->acache[i];
            if (e->qname == NULL) {
                if (free_slot == NULL && i < max_entries(r)) free_slot = e;
                continue;
            }
            used++;
            if (lru == NULL || e->used < lru->used) lru = e;
        }
        if (free_slot != NULL && used < max_entries(r) && r->acache_bytes + bytes <= cap) {
            return free_slot;
        }
        if (lru == NULL) return NULL;
        entry_clear(r, lru);
    }
}

void dbx_acache_put(dbx_resolver_t *r, const dbx_vctx_t *v, const dbx_result_t *res, int64_t now)
{
    int64_t exp;
    dbx_acache_entry_t tmp, *slot;
    size_t rlen = strlen(res->reason) + 1;

    if (res->sec == DBX_SEC_SECURE || res->sec == DBX_SEC_INSECURE) {
        exp = now + (res->ttl > DBX_CACHE_MAX_TTL ? DBX_CACHE_MAX_TTL : res->ttl);
        if (v->valid_until < exp) exp = v->valid_until;
        if (r->cut_sig_min < exp) exp = r->cut_sig_min;
    } else if (res->sec == DBX_SEC_BOGUS) {
        exp = now + DBX_ACACHE_BOGUS_TTL;
    } else {
        return; /* indeterminate: the next try may get through */
    }
    if (exp <= now) return;
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) { /* replace an old one */
        dbx_acache_entry_t *e = &r->acache[i];
        if (e->qname != NULL && e->qtype == res->qtype && ldns_dname_compare(e->qname, res->qname) == 0) {
            entry_clear(r, e);
        }
    }
    memset(&tmp, 0, sizeof tmp);
    tmp.qname = ldns_rdf_clone(res->qname);
    tmp.final_name = ldns_rdf_clone(res->final_name);
    tmp.answer = ldns_rr_list_clone(res->answer);
    tmp.chain = ldns_rr_list_clone(res->chain);
    tmp.reason = malloc(rlen);
    tmp.bytes = rdf_cost(tmp.qname) + rdf_cost(tmp.final_name) + list_cost(tmp.answer) +
                list_cost(tmp.chain) + (uint32_t)rlen + ACACHE_MALLOC_OVH;
    slot = NULL;
    if (tmp.qname != NULL && tmp.final_name != NULL && tmp.answer != NULL && tmp.chain != NULL &&
        tmp.reason != NULL) {
        slot = make_room(r, tmp.bytes);
    }
    if (slot == NULL) { /* no memory, or larger than the whole cache */
        tmp.bytes = 0;
        entry_clear(r, &tmp);
        return;
    }
    memcpy(tmp.reason, res->reason, rlen);
    tmp.stored = now;
    tmp.valid_from = v->valid_from;
    tmp.expires = exp;
    tmp.used = ++r->tick;
    tmp.qtype = res->qtype;
    tmp.sec = (uint8_t)res->sec;
    tmp.kind = (uint8_t)res->kind;
    tmp.rcode = res->rcode;
    tmp.wildcard = res->wildcard ? 1u : 0u;
    *slot = tmp;
    r->acache_bytes += tmp.bytes;
}
