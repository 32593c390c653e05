/* The answer cache: whole validated results of dbx_resolve() kept by
 * (question name, type), bounded in entries and arena bytes, LRU (see
 * dbx_resolver.h).  Records live in wire form in the resolver's arena:
 *   u8 len, question name | u8 len, final name | u8 len, reason |
 *   n_answer RRs, n_chain RRs (uncompressed wire form, as in a message). */
#include "dnssec/dbx_dnssec_int.h"

#include <stdlib.h>
#include <string.h>

static void entry_clear(dbx_resolver_t *r, dbx_acache_entry_t *e)
{
    r->acache_bytes -= e->len <= r->acache_bytes ? e->len : r->acache_bytes;
    memset(e, 0, sizeof *e);
}

void dbx_acache_flush(dbx_resolver_t *r)
{
    memset(r->acache, 0, sizeof r->acache);
    r->acache_bytes = 0;
}

static size_t max_entries(const dbx_resolver_t *r)
{
    size_t n = r->acache_max_entries;
    return n == 0 || n > DBX_ACACHE_ENTRIES ? DBX_ACACHE_ENTRIES : n;
}

static size_t max_bytes(const dbx_resolver_t *r)
{
    size_t n = r->acache_max_bytes;
    return n == 0 || n > DBX_ACACHE_BYTES ? DBX_ACACHE_BYTES : n;
}

/* ---- record codec ------------------------------------------------------------ */

static void put_block(ldns_buffer *b, const uint8_t *d, size_t n)
{
    if (!ldns_buffer_reserve(b, n + 1)) return; /* sets the buffer's status */
    ldns_buffer_write_u8(b, (uint8_t)n);
    ldns_buffer_write(b, d, n);
}

/* Wire record of @p res into a new buffer (NULL: no memory or too large). */
static ldns_buffer *encode(const dbx_result_t *res)
{
    size_t rl = strlen(res->reason);
    ldns_buffer *b = ldns_buffer_new(256);
    if (b == NULL) return NULL;
    put_block(b, ldns_rdf_data(res->qname), ldns_rdf_size(res->qname));
    put_block(b, ldns_rdf_data(res->final_name), ldns_rdf_size(res->final_name));
    put_block(b, (const uint8_t *)res->reason, rl > 255 ? 255 : rl);
    for (size_t i = 0; i < ldns_rr_list_rr_count(res->answer); i++) {
        (void)ldns_rr2buffer_wire(b, ldns_rr_list_rr(res->answer, i), LDNS_SECTION_ANSWER);
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(res->chain); i++) {
        (void)ldns_rr2buffer_wire(b, ldns_rr_list_rr(res->chain, i), LDNS_SECTION_ANSWER);
    }
    if (!ldns_buffer_status_ok(b)) {
        ldns_buffer_free(b);
        return NULL;
    }
    return b;
}

/* Bounded block at *@p pos of the record @p d (@p n bytes). */
static const uint8_t *get_block(const uint8_t *d, size_t n, size_t *pos, size_t *len)
{
    if (*pos >= n || d[*pos] > n - *pos - 1) return NULL;
    *len = d[*pos];
    *pos += 1 + *len;
    return d + *pos - *len;
}

static int decode_rrs(const uint8_t *d, size_t n, size_t *pos, size_t count, ldns_rr_list *out)
{
    for (size_t i = 0; i < count; i++) {
        ldns_rr *rr = NULL;
        if (ldns_wire2rr(&rr, d, n, pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) return DBX_ERR_NOMEM;
        if (!ldns_rr_list_push_rr(out, rr)) {
            ldns_rr_free(rr);
            return DBX_ERR_NOMEM;
        }
    }
    return DBX_OK;
}

/* Fill @p res from entry @p e (qname/qtype already there). */
static int decode(const dbx_resolver_t *r, const dbx_acache_entry_t *e, dbx_result_t *res)
{
    const uint8_t *d = r->acache_mem + e->off, *fn, *rs;
    size_t n = e->len, pos = 0, fl = 0, rl = 0;
    (void)get_block(d, n, &pos, &fl); /* the question: matched by the caller */
    fn = get_block(d, n, &pos, &fl);
    rs = get_block(d, n, &pos, &rl);
    if (fn == NULL || rs == NULL) return DBX_ERR_MALFORMED; /* cannot happen: we wrote it */
    res->final_name = ldns_dname_new_frm_data((uint16_t)fl, fn);
    res->answer = ldns_rr_list_new();
    res->chain = ldns_rr_list_new();
    if (res->final_name == NULL || res->answer == NULL || res->chain == NULL ||
        decode_rrs(d, n, &pos, e->n_answer, res->answer) != DBX_OK ||
        decode_rrs(d, n, &pos, e->n_chain, res->chain) != DBX_OK) {
        return DBX_ERR_NOMEM;
    }
    memcpy(res->reason, rs, rl < sizeof res->reason ? rl : sizeof res->reason - 1);
    return DBX_OK;
}

/* ---- lookup and store ------------------------------------------------------------ */

static int same_question(const dbx_resolver_t *r, const dbx_acache_entry_t *e, const ldns_rdf *qname,
                         uint16_t qtype)
{
    const uint8_t *d = r->acache_mem + e->off;
    size_t n = ldns_rdf_size(qname);
    return e->qtype == qtype && e->len > n && d[0] == n && memcmp(d + 1, ldns_rdf_data(qname), n) == 0;
}

int dbx_acache_has(const dbx_resolver_t *r, const ldns_rdf *qname, uint16_t qtype, int64_t now)
{
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
        const dbx_acache_entry_t *e = &r->acache[i];
        if (e->used == 0 || !same_question(r, e, qname, qtype)) continue;
        return now >= e->stored && now >= e->valid_from && now < e->expires;
    }
    return 0;
}

int dbx_acache_get(dbx_resolver_t *r, uint16_t qtype, int64_t now, dbx_result_t *res)
{
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
        dbx_acache_entry_t *e = &r->acache[i];
        int st;
        if (e->used == 0) continue;
        if (e->expires <= now && e->stored <= now) {
            entry_clear(r, e); /* outlived its TTL: gone for good */
            continue;
        }
        if (!same_question(r, e, res->qname, qtype)) continue;
        /* validated at another time (--time): only inside its window */
        if (now < e->stored || now < e->valid_from || now >= e->expires) return DBX_ERR_NOTFOUND;
        st = decode(r, e, res);
        if (st != DBX_OK) return st;
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

/* Move the live records to the start of the arena (order kept). */
static void compact(dbx_resolver_t *r)
{
    size_t cursor = 0;
    for (;;) {
        dbx_acache_entry_t *next = NULL;
        for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
            dbx_acache_entry_t *e = &r->acache[i];
            if (e->used != 0 && e->off >= cursor && (next == NULL || e->off < next->off)) next = e;
        }
        if (next == NULL) return;
        if (next->off != cursor) memmove(r->acache_mem + cursor, r->acache_mem + next->off, next->len);
        next->off = (uint16_t)cursor;
        cursor += next->len;
        if (next->len == 0) return; /* never: every record holds a name */
    }
}

/* A free slot with @p len arena bytes at its offset, evicting LRU entries
 * until both bounds allow it. */
static dbx_acache_entry_t *make_room(dbx_resolver_t *r, size_t len)
{
    if (len > max_bytes(r)) return NULL;
    for (;;) {
        dbx_acache_entry_t *free_slot = NULL, *lru = NULL;
        size_t live = 0;
        for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) {
            dbx_acache_entry_t *e = &r->acache[i];
            if (e->used == 0) {
                if (free_slot == NULL && i < max_entries(r)) free_slot = e;
                continue;
            }
            live++;
            if (lru == NULL || e->used < lru->used) lru = e;
        }
        if (free_slot != NULL && live < max_entries(r) && r->acache_bytes + len <= max_bytes(r)) {
            compact(r);
            free_slot->off = (uint16_t)r->acache_bytes;
            return free_slot;
        }
        if (lru == NULL) return NULL;
        entry_clear(r, lru);
    }
}

void dbx_acache_put(dbx_resolver_t *r, const dbx_vctx_t *v, const dbx_result_t *res, int64_t now)
{
    int64_t exp;
    ldns_buffer *b;
    dbx_acache_entry_t *slot;
    size_t len;

    if (res->sec == DBX_SEC_SECURE || res->sec == DBX_SEC_INSECURE) {
        exp = now + (res->ttl > DBX_CACHE_MAX_TTL ? DBX_CACHE_MAX_TTL : res->ttl);
        if (v->valid_until < exp) exp = v->valid_until;
        if (r->cut_sig_min < exp) exp = r->cut_sig_min;
    } else if (res->sec == DBX_SEC_BOGUS) {
        exp = now + DBX_ACACHE_BOGUS_TTL;
    } else {
        return; /* indeterminate: the next try may get through */
    }
    if (exp <= now || res->final_name == NULL || ldns_rr_list_rr_count(res->answer) > 255 ||
        ldns_rr_list_rr_count(res->chain) > 255) {
        return;
    }
    for (size_t i = 0; i < DBX_ACACHE_ENTRIES; i++) { /* replace an old one */
        dbx_acache_entry_t *e = &r->acache[i];
        if (e->used != 0 && same_question(r, e, res->qname, res->qtype)) entry_clear(r, e);
    }
    b = encode(res);
    if (b == NULL) return;
    len = ldns_buffer_position(b);
    slot = make_room(r, len);
    if (slot != NULL) { /* else larger than the whole cache */
        memcpy(r->acache_mem + slot->off, ldns_buffer_begin(b), len);
        slot->len = (uint16_t)len;
        r->acache_bytes += (uint32_t)len;
        slot->stored = now;
        slot->valid_from = v->valid_from;
        slot->expires = exp;
        slot->used = ++r->tick;
        slot->qtype = res->qtype;
        slot->n_answer = (uint8_t)ldns_rr_list_rr_count(res->answer);
        slot->n_chain = (uint8_t)ldns_rr_list_rr_count(res->chain);
        slot->sec = (uint8_t)res->sec;
        slot->kind = (uint8_t)res->kind;
        slot->rcode = res->rcode;
        slot->wildcard = res->wildcard ? 1u : 0u;
    }
    ldns_buffer_free(b);
}
