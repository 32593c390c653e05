/* The validating stub resolver: chain of trust walk, key cache, answer and
 * CNAME/DNAME chain validation (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CUT_SECURE = 1, CUT_INSECURE = 2, CUT_NONE = 3 };

const char *dbx_sec_str(dbx_sec_t s)
{
    switch (s) {
    case DBX_SEC_SECURE: return "secure";
    case DBX_SEC_INSECURE: return "insecure";
    case DBX_SEC_BOGUS: return "bogus";
    default: return "indeterminate";
    }
}

/* ---- network answer source ------------------------------------------------ */

static int net_fetch(void *ctx, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt **out)
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
}

void dbx_resolver_init_source(dbx_resolver_t *r, dbx_source_t src, const dbx_trust_t *anchor)
{
    memset(r, 0, sizeof *r);
    r->src = src;
    r->anchor = anchor;
    r->clock_skew = DBX_DEFAULT_CLOCK_SKEW;
    r->time_limit_ms = DBX_RESOLVE_TIME_LIMIT_MS;
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
}

void dbx_resolver_free(dbx_resolver_t *r)
{
    dbx_resolver_flush(r);
}

static dbx_cache_entry_t *cache_get(dbx_resolver_t *r, const ldns_rdf *name, int64_t now)
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
            return e;
        }
    }
    return NULL;
}

/* Takes ownership of @p keys. */
static void cache_put(dbx_resolver_t *r, const ldns_rdf *name, uint8_t kind, ldns_rr_list *keys,
                      uint32_t ttl, int64_t now)
{
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
}

/* ---- helpers ------------------------------------------------------------------ */


static int has_rr(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type t)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) == t && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) return 1;
    }
    return 0;
}

static dbx_sec_t prefix_fail(dbx_vctx_t *v, dbx_sec_t s, const char *prefix)
{
    char why[256];
    snprintf(why, sizeof why, "%s: %s", prefix, v->reason);
    return dbx_v_fail(v, s, why);
}

/* One question to the source, with the query budget and RCODE screening. */
static dbx_sec_t fetch(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                       ldns_rr_type qtype, ldns_pkt **out)
{
    int st;
    ldns_pkt_rcode rc;
    *out = NULL;
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
    rc = ldns_pkt_get_rcode(*out);
    if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
        ldns_pkt_free(*out);
        *out = NULL;
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE,
                          rc == LDNS_RCODE_SERVFAIL ? "upstream SERVFAIL" : "upstream error RCODE");
    }
    return DBX_SEC_SECURE;
}

static uint32_t neg_ttl(const ldns_pkt *p)
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

/* Validated DNSKEY RRset of the anchor zone (cached). */
static dbx_sec_t anchor_keys(dbx_resolver_t *r, dbx_vctx_t *v, ldns_rr_list **keys)
{
    const dbx_trust_t *t = r->anchor;
    dbx_cache_entry_t *e = cache_get(r, t->owner, v->now);
    ldns_pkt *p;
    ldns_rr_list *k, *sig;
    uint32_t ttl = 0;
    dbx_sec_t s;
    if (e != NULL) {
        r->cache_hits++;
        if (e->kind != CUT_SECURE) return dbx_v_fail(v, DBX_SEC_INSECURE, "trust anchor unusable");
        *keys = ldns_rr_list_clone(e->keys);
        return *keys ? DBX_SEC_SECURE : dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    }
    s = fetch(r, v, t->owner, LDNS_RR_TYPE_DNSKEY, &p);
    if (s != DBX_SEC_SECURE) return s;
    k = dbx_select(ldns_pkt_answer(p), t->owner, LDNS_RR_TYPE_DNSKEY, 0);
    sig = dbx_select(ldns_pkt_answer(p), t->owner, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_pkt_free(p);
    if (k == NULL || sig == NULL) {
        s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    } else {
        s = dbx_dnskey_verify(v, t->owner, t->ds, t->keys, k, sig, &ttl);
        if (s == DBX_SEC_BOGUS) s = prefix_fail(v, s, "trust anchor");
    }
    ldns_rr_list_deep_free(sig);
    if (s == DBX_SEC_SECURE) {
        *keys = ldns_rr_list_clone(k);
        cache_put(r, t->owner, CUT_SECURE, k, ttl, v->now);
        if (*keys == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    } else {
        ldns_rr_list_deep_free(k);
    }
    return s;
}

/* Walk from the anchor down to @p qname (its parent for DS) asking DS at
 * every label not cached.  Out: deepest zone and its validated keys. */
/* Presentation form of a wire-format name into @p buf (bounded, no heap). */
static const char *name_str(const ldns_rdf *n, char *buf, size_t cap)
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

/* Outcome of one DS question (ds_step). */
enum { DS_CUT, DS_INSECURE, DS_NOCUT, DS_NXDOMAIN, DS_CNAME, DS_WEAK, DS_BADPROOF, DS_FAIL };

/* Process the DS answer @p p for @p n, a name below *@p zone (validated
 * *@p keys): a secure cut advances *zone and *keys (DS + DNSKEY, cached), an
 * insecure one sets *zone to @p n, a denial without NS caches "not a cut".
 * Returns SECURE for DS_CUT/DS_NOCUT/DS_NXDOMAIN/DS_CNAME, INSECURE for
 * DS_INSECURE/DS_WEAK (opt-out or NSEC3 iterations: reason in v->reason),
 * else BOGUS/INDETERMINATE (DS_BADPROOF: the denial itself did not verify). */
static dbx_sec_t ds_step(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *n, const ldns_pkt *p,
                         ldns_rdf **zone, ldns_rr_list **keys, int *out)
{
    ldns_rr_list *ds, *dsig, *dk = NULL, *ksig = NULL;
    ldns_pkt *kp = NULL;
    uint32_t ttl_ds = 0, ttl_k = 0;
    dbx_sec_t s;
    *out = DS_FAIL;
    ds = dbx_select(ldns_pkt_answer(p), n, LDNS_RR_TYPE_DS, 0);
    dsig = dbx_select(ldns_pkt_answer(p), n, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DS);
    if (ds == NULL || dsig == NULL) {
        s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    } else if (ldns_rr_list_rr_count(ds) > 0) {
        s = dbx_rrset_verify(v, ds, dsig, *keys, NULL, *zone, &ttl_ds, NULL);
        if (s != DBX_SEC_SECURE) s = prefix_fail(v, s, "DS");
        if (s == DBX_SEC_SECURE) s = fetch(r, v, n, LDNS_RR_TYPE_DNSKEY, &kp);
        if (s == DBX_SEC_SECURE) {
            dk = dbx_select(ldns_pkt_answer(kp), n, LDNS_RR_TYPE_DNSKEY, 0);
            ksig = dbx_select(ldns_pkt_answer(kp), n, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
            s = (dk && ksig) ? dbx_dnskey_verify(v, n, ds, NULL, dk, ksig, &ttl_k)
                             : dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            if (s == DBX_SEC_SECURE) {
                ldns_rr_list *kc = ldns_rr_list_clone(dk);
                cache_put(r, n, CUT_SECURE, kc, ttl_ds < ttl_k ? ttl_ds : ttl_k, v->now);
                ldns_rr_list_deep_free(*keys);
                *keys = dk;
                dk = NULL;
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                *out = DS_CUT;
            } else if (s == DBX_SEC_INSECURE) {
                cache_put(r, n, CUT_INSECURE, NULL, ttl_ds, v->now);
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                *out = DS_INSECURE;
            }
        }
    } else if (has_rr(ldns_pkt_answer(p), n, LDNS_RR_TYPE_CNAME)) {
        /* a CNAME owner is never a zone cut */
        s = DBX_SEC_SECURE;
        *out = DS_CNAME;
    } else {
        dbx_denial_t d;
        int nx = ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN;
        s = dbx_denial_prove(v, *zone, *keys, ldns_pkt_authority(p), n, LDNS_RR_TYPE_DS, nx, &d);
        if (s == DBX_SEC_SECURE) {
            if (d == DBX_DENY_DELEGATION) {
                cache_put(r, n, CUT_INSECURE, NULL, neg_ttl(p), v->now);
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                s = dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
                *out = DS_INSECURE;
            } else if (d == DBX_DENY_NXDOMAIN) {
                *out = DS_NXDOMAIN;
            } else {
                cache_put(r, n, CUT_NONE, NULL, neg_ttl(p), v->now);
                *out = DS_NOCUT;
            }
        } else if (s == DBX_SEC_INSECURE) {
            *out = DS_WEAK;
        } else if (s == DBX_SEC_BOGUS) {
            *out = DS_BADPROOF;
        }
    }
    if (*zone == NULL && s != DBX_SEC_BOGUS && s != DBX_SEC_INDETERMINATE) {
        s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        *out = DS_FAIL;
    }
    ldns_rr_list_deep_free(ds);
    ldns_rr_list_deep_free(dsig);
    ldns_rr_list_deep_free(dk);
    ldns_rr_list_deep_free(ksig);
    ldns_pkt_free(kp);
    return s;
}

static void set_weak(dbx_vctx_t *v)
{
    v->weak = 1;
    memcpy(v->weak_reason, v->reason, sizeof v->weak_reason - 1);
    v->weak_reason[sizeof v->weak_reason - 1] = '\0';
}

/* Walk down from the secure *@p zone (validated *@p keys) towards @p qname,
 * asking DS at every label up to @p last labels that the cache does not
 * answer, from label @p first (normally one below *zone).  Used where no
 * signer name tells where the zone is: unsigned answers (a proof of an
 * insecure delegation above them is required, the walk stops where it is
 * proven) and the TLSA owner's "_tcp" label.  A broken denial at a label
 * below @p ent_below labels is a warning (see below).  *@p pre: the DS answer
 * for label @p first when already fetched (taken over).
 * Out: deepest zone and its keys (INSECURE: *zone is the insecure cut). */
static dbx_sec_t walk_down(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname, int first,
                           int last, int ent_below, ldns_rdf **zone, ldns_rr_list **keys,
                           ldns_pkt **pre)
{
    dbx_sec_t s = DBX_SEC_SECURE;
    char namebuf[80];
    for (int l = first; l <= last && s == DBX_SEC_SECURE; l++) {
        ldns_rdf *n = dbx_dname_ancestor(qname, l);
        dbx_cache_entry_t *e;
        ldns_pkt *p = NULL;
        int out = DS_FAIL, stop = 0;
        if (n == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        e = cache_get(r, n, v->now);
        if (e != NULL) {
            r->cache_hits++;
            if (e->kind == CUT_SECURE) {
                ldns_rr_list *kc = ldns_rr_list_clone(e->keys);
                ldns_rr_list_deep_free(*keys);
                ldns_rdf_deep_free(*zone);
                *keys = kc;
                *zone = n;
                if (kc == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            } else if (e->kind == CUT_INSECURE) {
                ldns_rdf_deep_free(*zone);
                *zone = n;
                s = dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
            } else {
                ldns_rdf_deep_free(n);
            }
            continue;
        }
        if (pre != NULL && *pre != NULL) {
            p = *pre;
            *pre = NULL;
        } else {
            s = fetch(r, v, n, LDNS_RR_TYPE_DS, &p);
        }
        if (s == DBX_SEC_SECURE) s = ds_step(r, v, n, p, zone, keys, &out);
        if (s == DBX_SEC_SECURE && (out == DS_CNAME || out == DS_NXDOMAIN)) {
            stop = 1; /* nothing to find below: the final answer proves it */
        } else if (out == DS_WEAK) {
            /* Opt-out span (an unsigned delegation may hide here) or NSEC3
             * iterations above the limit: a cut can be neither proven nor
             * ruled out.  Stop walking, stay in this zone: answers it signs
             * still validate, unsigned ones become insecure (v->weak). */
            set_weak(v);
            s = DBX_SEC_SECURE;
            stop = 1;
        } else if (out == DS_BADPROOF && l < ent_below && !v->ent_unproven) {
            /* The denial for an ancestor of the name (typically the "_tcp"
             * empty non-terminal of a TLSA owner) does not verify.  No cut
             * can be proven there, so stay in this zone: its own signatures
             * still authenticate data below (a hidden secure child would
             * sign with other keys and fail), but nothing unsigned may pass,
             * and the broken proof is reported with the verdict. */
            v->ent_unproven = 1;
            snprintf(v->ent_reason, sizeof v->ent_reason, "no valid denial for %.60s (%.40s)",
                     name_str(n, namebuf, sizeof namebuf), v->reason);
            v->reason[0] = '\0';
            s = DBX_SEC_SECURE;
            stop = 1;
        } else if (out == DS_BADPROOF) {
            s = prefix_fail(v, s, "no DS proof");
        }
        ldns_pkt_free(p);
        ldns_rdf_deep_free(n);
        if (stop) break;
    }
    return s;
}

/* The anchor zone and its keys (start of every chain). */
static dbx_sec_t start_chain(dbx_resolver_t *r, dbx_vctx_t *v, ldns_rdf **zone, ldns_rr_list **keys)
{
    dbx_sec_t s = anchor_keys(r, v, keys);
    if (s != DBX_SEC_SECURE) return s;
    *zone = ldns_rdf_clone(r->anchor->owner);
    if (*zone == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    return DBX_SEC_SECURE;
}

/* Classic discovery: walk from the anchor down to @p qname (its parent for
 * DS) asking DS at every label not cached.  Out: deepest zone and keys. */
static dbx_sec_t find_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                           ldns_rr_type qtype, ldns_rdf **zone_out, ldns_rr_list **keys_out)
{
    ldns_rdf *zone = NULL;
    ldns_rr_list *keys = NULL;
    dbx_sec_t s;
    *zone_out = NULL;
    *keys_out = NULL;
    if (!dbx_dname_under(qname, r->anchor->owner)) {
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "name outside the trust anchor");
    }
    s = start_chain(r, v, &zone, &keys);
    if (s == DBX_SEC_SECURE) {
        int last = ldns_dname_label_count(qname) - (qtype == LDNS_RR_TYPE_DS ? 1 : 0);
        s = walk_down(r, v, qname, ldns_dname_label_count(zone) + 1, last, last, &zone, &keys, NULL);
    }
    if (s == DBX_SEC_SECURE || s == DBX_SEC_INSECURE) {
        *zone_out = zone;
        *keys_out = keys;
    } else {
        ldns_rdf_deep_free(zone);
        ldns_rr_list_deep_free(keys);
    }
    return s;
}

/* Signer name of the RRSIGs in @p l over owner @p owner (NULL: any owner)
 * and a type in @p types (@p nt of them): the deepest one that is an
 * ancestor of (or, unless @p proper, equal to) @p below.  *@p seen: some
 * RRSIG was considered at all.  Returns a borrowed rdf or NULL. */
static const ldns_rdf *pick_signer(const ldns_rr_list *l, const ldns_rdf *owner,
                                   const ldns_rr_type *types, size_t nt, const ldns_rdf *below,
                                   int proper, int *seen)
{
    const ldns_rdf *best = NULL;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        const ldns_rdf *sn;
        int want = 0;
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 9) continue;
        if (owner != NULL && ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) continue;
        for (size_t k = 0; k < nt; k++) {
            if (ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 2 &&
                ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == types[k]) {
                want = 1;
            }
        }
        if (!want) continue;
        sn = ldns_rr_rdf(rr, 7);
        *seen = 1;
        if (sn == NULL || ldns_rdf_get_type(sn) != LDNS_RDF_TYPE_DNAME || !dbx_dname_under(below, sn)) {
            continue;
        }
        if (proper && ldns_dname_compare(below, sn) == 0) continue;
        if (best == NULL || ldns_dname_label_count(sn) > ldns_dname_label_count(best)) best = sn;
    }
    return best;
}

static const ldns_rr_type neg_types[] = {LDNS_RR_TYPE_NSEC, LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_SOA};

/* Signer of a DS answer for @p n: over the DS RRset, else over the denial. */
static const ldns_rdf *ds_signer(const ldns_pkt *p, const ldns_rdf *n, int *seen)
{
    static const ldns_rr_type dst[] = {LDNS_RR_TYPE_DS};
    const ldns_rdf *sn;
    *seen = 0;
    if (has_rr(ldns_pkt_answer(p), n, LDNS_RR_TYPE_DS)) {
        return pick_signer(ldns_pkt_answer(p), n, dst, 1, n, 1, seen);
    }
    sn = pick_signer(ldns_pkt_authority(p), NULL, neg_types, DBX_ARRAY_LEN(neg_types), n, 1, seen);
    return sn;
}

/* Establish the validated keys of @p target, the signer name of an answer,
 * from the deepest cached cut above it: DS @p target tells (by its own
 * signer) the parent zone, whose chain is established first (bounded stack
 * of pending DS answers), so only real zone cuts cost queries (DS +
 * DNSKEY each).  A DS answer that is unsigned, i.e. an insecure zone may lie
 * between, falls back to the label walk, which must prove it.  Every signer
 * must be an ancestor of the name it signs and turn out to be a zone cut,
 * else bogus.  Out: *zone == target with its keys (SECURE), the insecure
 * cut (INSECURE), or an ancestor when an opt-out span hides the cut (SECURE
 * with v->weak set: only that ancestor's signatures can still validate). */
static dbx_sec_t establish(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *target,
                           ldns_rdf **zone, ldns_rr_list **keys)
{
    ldns_rdf *pname[DBX_MAX_CUT_STACK];
    ldns_pkt *ppkt[DBX_MAX_CUT_STACK];
    size_t np = 0;
    dbx_sec_t s;
    char nb[80], why[sizeof v->reason];

    if (!dbx_dname_under(target, r->anchor->owner)) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "signer name above the trust anchor");
    }
    s = start_chain(r, v, zone, keys);
    if (s != DBX_SEC_SECURE) return s;
    /* deepest cached cut on the way */
    for (int l = ldns_dname_label_count(*zone) + 1; l <= ldns_dname_label_count(target); l++) {
        ldns_rdf *n = dbx_dname_ancestor(target, l);
        dbx_cache_entry_t *e = n ? cache_get(r, n, v->now) : NULL;
        if (n == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        if (e != NULL && e->kind == CUT_SECURE) {
            ldns_rr_list *kc = ldns_rr_list_clone(e->keys);
            r->cache_hits++;
            ldns_rr_list_deep_free(*keys);
            ldns_rdf_deep_free(*zone);
            *keys = kc;
            *zone = n;
            if (kc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        } else if (e != NULL && e->kind == CUT_INSECURE) {
            r->cache_hits++;
            ldns_rdf_deep_free(*zone);
            *zone = n;
            return dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
        } else {
            if (e != NULL) r->cache_hits++;
            ldns_rdf_deep_free(n);
        }
    }
    pname[0] = ldns_rdf_clone(target);
    ppkt[0] = NULL;
    if (pname[0] == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    np = 1;
    while (np > 0 && s == DBX_SEC_SECURE) {
        ldns_rdf *n = pname[np - 1];
        const ldns_rdf *sn;
        int seen = 0, out = DS_FAIL;
        if (ldns_dname_compare(n, *zone) == 0) { /* reached (cache or an earlier step) */
            ldns_rdf_deep_free(n);
            ldns_pkt_free(ppkt[np - 1]);
            np--;
            continue;
        }
        if (ppkt[np - 1] == NULL) {
            s = fetch(r, v, n, LDNS_RR_TYPE_DS, &ppkt[np - 1]);
            if (s != DBX_SEC_SECURE) break;
        }
        sn = ds_signer(ppkt[np - 1], n, &seen);
        if (sn != NULL && ldns_dname_compare(sn, *zone) != 0 && dbx_dname_under(sn, *zone) &&
            np >= DBX_MAX_CUT_STACK) {
            sn = NULL; /* too many unknown cuts pending: prove them label by label */
            seen = 0;
        }
        if (sn == NULL && seen) {
            snprintf(why, sizeof why, "DS for %.60s signed by a name that is not its ancestor",
                     name_str(n, nb, sizeof nb));
            s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
        } else if (sn == NULL) {
            /* unsigned (an insecure delegation may lie between; prove it)
             * or the stack is full: the label walk decides */
            ldns_rdf *t = ldns_rdf_clone(target);
            while (np > 0) {
                np--;
                ldns_rdf_deep_free(pname[np]);
                ldns_pkt_free(ppkt[np]);
            }
            if (t == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            s = walk_down(r, v, t, ldns_dname_label_count(*zone) + 1, ldns_dname_label_count(t),
                          ldns_dname_label_count(t), zone, keys, NULL);
            if (s == DBX_SEC_SECURE && !v->weak && ldns_dname_compare(*zone, t) != 0) {
                snprintf(why, sizeof why, "signer %.60s is not a zone cut", name_str(t, nb, sizeof nb));
                s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
            }
            ldns_rdf_deep_free(t);
            return s;
        } else if (ldns_dname_compare(sn, *zone) == 0) {
            s = ds_step(r, v, n, ppkt[np - 1], zone, keys, &out);
            if (out == DS_WEAK) {
                set_weak(v); /* opt-out hides the cut: stay in this zone */
                s = DBX_SEC_SECURE;
                while (np > 0) {
                    np--;
                    ldns_rdf_deep_free(pname[np]);
                    ldns_pkt_free(ppkt[np]);
                }
                return s;
            }
            if (s == DBX_SEC_SECURE && out != DS_CUT) {
                snprintf(why, sizeof why, "signer %.60s is not a zone cut", name_str(n, nb, sizeof nb));
                s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
            } else if (out == DS_BADPROOF) {
                s = prefix_fail(v, s, "no DS proof");
            }
            /* DS_CUT: *zone == n now, popped next round; INSECURE: done */
        } else if (dbx_dname_under(sn, *zone)) {
            /* the parent is a zone below the known one: establish it first */
            pname[np] = ldns_rdf_clone(sn);
            ppkt[np] = NULL;
            if (pname[np] == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            else np++;
        } else {
            snprintf(why, sizeof why, "DS for %.60s signed above the zone cut",
                     name_str(n, nb, sizeof nb));
            s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
        }
    }
    while (np > 0) {
        np--;
        ldns_rdf_deep_free(pname[np]);
        ldns_pkt_free(ppkt[np]);
    }
    return s;
}

/* A cut known (cached) strictly below the signer @p zone and at or above
 * @p owner: an answer signed by @p zone there is not from the zone that holds
 * the name.  BOGUS for a secure cut, INSECURE (with *zone moved) for an
 * insecure one, else SECURE. */
static dbx_sec_t known_cut_below(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *owner,
                                 int last, ldns_rdf **zone)
{
    char nb[80], why[sizeof v->reason];
    for (int l = ldns_dname_label_count(*zone) + 1; l <= last; l++) {
        ldns_rdf *n = dbx_dname_ancestor(owner, l);
        dbx_cache_entry_t *e;
        if (n == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        e = cache_get(r, n, v->now);
        if (e != NULL && e->kind == CUT_SECURE) {
            snprintf(why, sizeof why, "answer signed above the zone cut %.60s",
                     name_str(n, nb, sizeof nb));
            ldns_rdf_deep_free(n);
            return dbx_v_fail(v, DBX_SEC_BOGUS, why);
        }
        if (e != NULL && e->kind == CUT_INSECURE) {
            ldns_rdf_deep_free(*zone);
            *zone = n;
            return dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
        }
        ldns_rdf_deep_free(n);
    }
    return DBX_SEC_SECURE;
}

/* Zone of the answer @p p to @p cur/@p qtype: from the signer name of its
 * RRSIGs when there is one (chain built only to that signer), else by the
 * label walk (an unsigned answer is only acceptable below a proven insecure
 * delegation).  For TLSA the parent label (the "_tcp" empty non-terminal)
 * is still probed: its denial proves no cut hides between the signer and the
 * owner, and a broken one is reported (the DANE how-to "_tcp" pitfall). */
static dbx_sec_t answer_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_pkt *p,
                             const ldns_rdf *cur, ldns_rr_type qtype, ldns_rdf **zone_out,
                             ldns_rr_list **keys_out)
{
    static const ldns_rr_type cn[] = {LDNS_RR_TYPE_CNAME};
    static const ldns_rr_type dn[] = {LDNS_RR_TYPE_DNAME};
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    const ldns_rdf *owner = cur, *sn = NULL;
    ldns_rr_type qt = qtype;
    int seen = 0, proper = qtype == LDNS_RR_TYPE_DS, dname_above = 0, weak0, weak;
    ldns_rdf *zone = NULL;
    ldns_rr_list *keys = NULL;
    dbx_sec_t s;

    *zone_out = NULL;
    *keys_out = NULL;
    if (!dbx_dname_under(cur, r->anchor->owner)) {
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "name outside the trust anchor");
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *d = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNAME && ldns_dname_is_subdomain(cur, ldns_rr_owner(d))) {
            if (!dname_above) owner = ldns_rr_owner(d);
            dname_above = 1;
        }
    }
    /* which RRset the main loop will validate (same order as there) */
    if (has_rr(ans, cur, qtype) && !(qtype == LDNS_RR_TYPE_CNAME && dname_above)) {
        owner = cur;
        sn = pick_signer(ans, cur, &qt, 1, cur, proper, &seen);
    } else if (qtype != LDNS_RR_TYPE_CNAME && !dname_above && has_rr(ans, cur, LDNS_RR_TYPE_CNAME)) {
        owner = cur;
        proper = 0;
        sn = pick_signer(ans, cur, cn, 1, cur, 0, &seen);
    } else if (dname_above) {
        proper = 0;
        sn = pick_signer(ans, owner, dn, 1, owner, 0, &seen);
    } else {
        owner = cur;
        sn = pick_signer(ldns_pkt_authority(p), NULL, neg_types, DBX_ARRAY_LEN(neg_types), cur,
                         proper, &seen);
    }
    if (sn == NULL && seen) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "RRSIG signer name is not an ancestor of the name");
    }
    if (sn == NULL) return find_zone(r, v, cur, qtype, zone_out, keys_out);

    weak0 = v->weak;
    v->weak = 0;
    s = establish(r, v, sn, &zone, &keys);
    weak = v->weak;
    v->weak |= weak0;
    if (s == DBX_SEC_SECURE && !weak) {
        int last = ldns_dname_label_count(owner) - (proper ? 1 : 0);
        s = known_cut_below(r, v, owner, last, &zone);
        if (s == DBX_SEC_SECURE && qtype == LDNS_RR_TYPE_TLSA && owner == cur &&
            last - 1 > ldns_dname_label_count(zone)) {
            /* probe the parent label of the TLSA owner */
            ldns_rdf *par = dbx_dname_ancestor(cur, last - 1);
            ldns_pkt *pp = NULL;
            dbx_cache_entry_t *e = par ? cache_get(r, par, v->now) : NULL;
            if (par == NULL) {
                s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            } else if (e != NULL) {
                r->cache_hits++; /* CUT_NONE: known_cut_below saw the others */
            } else {
                s = fetch(r, v, par, LDNS_RR_TYPE_DS, &pp);
                if (s == DBX_SEC_SECURE) {
                    int sseen = 0;
                    const ldns_rdf *ps = ds_signer(pp, par, &sseen);
                    if (ps != NULL && ldns_dname_compare(ps, zone) != 0 && dbx_dname_under(ps, zone)) {
                        /* a zone between the signer and the owner answers */
                        ldns_rdf *z2 = NULL;
                        ldns_rr_list *k2 = NULL;
                        char nb[80], why[sizeof v->reason];
                        s = establish(r, v, ps, &z2, &k2);
                        if (s == DBX_SEC_SECURE) { /* (hidden by opt-out: insecure later) */
                            snprintf(why, sizeof why, "answer signed above the zone cut %.60s",
                                     name_str(z2, nb, sizeof nb));
                            s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
                        } else if (s == DBX_SEC_INSECURE) {
                            ldns_rdf_deep_free(zone);
                            zone = z2;
                            z2 = NULL;
                        }
                        ldns_rdf_deep_free(z2);
                        ldns_rr_list_deep_free(k2);
                    } else if (ps == NULL && !sseen) {
                        /* unsigned: an insecure cut may lie between (or the
                         * signatures were stripped): prove every label */
                        s = walk_down(r, v, cur, ldns_dname_label_count(zone) + 1, last - 1, last,
                                      &zone, &keys, NULL);
                    } else {
                        /* same zone (or forged: its proof fails as in the walk) */
                        s = walk_down(r, v, cur, last - 1, last - 1, last, &zone, &keys, &pp);
                    }
                }
                ldns_pkt_free(pp);
            }
            ldns_rdf_deep_free(par);
        }
    }
    if (s == DBX_SEC_SECURE || s == DBX_SEC_INSECURE) {
        *zone_out = zone;
        *keys_out = keys;
    } else {
        ldns_rdf_deep_free(zone);
        ldns_rr_list_deep_free(keys);
    }
    return s;
}

/* ---- results ---------------------------------------------------------------- */

void dbx_result_free(dbx_result_t *res)
{
    if (res == NULL) return;
    ldns_rdf_deep_free(res->qname);
    ldns_rdf_deep_free(res->final_name);
    ldns_rr_list_deep_free(res->answer);
    ldns_rr_list_deep_free(res->chain);
    res->qname = res->final_name = NULL;
    res->answer = res->chain = NULL;
}

static dbx_sec_t worse(dbx_sec_t a, dbx_sec_t b)
{
    static const int rank[] = {0, 1, 3, 2}; /* secure < insecure < indeterminate < bogus */
    return rank[b] > rank[a] ? b : a;
}

static int push_clone(ldns_rr_list *l, const ldns_rr *rr)
{
    ldns_rr *c = ldns_rr_clone(rr);
    if (c == NULL || !ldns_rr_list_push_rr(l, c)) {
        ldns_rr_free(c);
        return DBX_ERR_NOMEM;
    }
    return DBX_OK;
}

/* Validate one RRset from a response in @p zone (with wildcard proof). */
static dbx_sec_t check_rrset(dbx_vctx_t *v, const ldns_pkt *p, const ldns_rr_list *set,
                             const ldns_rdf *zone, const ldns_rr_list *keys, uint32_t *ttl,
                             int *wildcard)
{
    const ldns_rr *r0 = ldns_rr_list_rr(set, 0);
    ldns_rr_list *sigs = dbx_select(ldns_pkt_answer(p), ldns_rr_owner(r0), LDNS_RR_TYPE_RRSIG,
                                    ldns_rr_get_type(r0));
    int wild = -1;
    dbx_sec_t s;
    if (sigs == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = dbx_rrset_verify(v, set, sigs, keys, NULL, zone, ttl, &wild);
    ldns_rr_list_deep_free(sigs);
    if (s == DBX_SEC_SECURE && wild >= 0) {
        *wildcard = 1;
        s = dbx_denial_wildcard_answer(v, zone, keys, ldns_pkt_authority(p), ldns_rr_owner(r0),
                                       wild);
    }
    return s;
}

/* Synthesize the CNAME target of @p cur under DNAME @p d. */
static ldns_rdf *dname_subst(const ldns_rdf *cur, const ldns_rr *d)
{
    const ldns_rdf *owner = ldns_rr_owner(d), *target = ldns_rr_rdf(d, 0);
    size_t keep = ldns_rdf_size(cur) - ldns_rdf_size(owner);
    uint8_t buf[LDNS_MAX_DOMAINLEN + 1];
    if (target == NULL || keep + ldns_rdf_size(target) > LDNS_MAX_DOMAINLEN) return NULL;
    memcpy(buf, ldns_rdf_data(cur), keep);
    memcpy(buf + keep, ldns_rdf_data(target), ldns_rdf_size(target));
    return ldns_dname_new_frm_data((uint16_t)(keep + ldns_rdf_size(target)), buf);
}

int dbx_resolve_rdf(dbx_resolver_t *r, const ldns_rdf *name, uint16_t type, int64_t now,
                    dbx_result_t *res)
{
    dbx_vctx_t v;
    ldns_rdf *cur;
    dbx_sec_t overall = DBX_SEC_SECURE;
    uint32_t ttl_min = UINT32_MAX;
    int hops = 0, done = 0;

    DBX_ASSERT(r != NULL && name != NULL && res != NULL && r->anchor != NULL);
    memset(res, 0, sizeof *res);
    DBX_CHECK(ldns_rdf_get_type(name) == LDNS_RDF_TYPE_DNAME, DBX_ERR_INVAL);
    memset(&v, 0, sizeof v);
    v.now = now;
    v.skew = r->clock_skew;
    v.start_ms = hal_clock_ms();
    res->qname = ldns_rdf_clone(name);
    ldns_dname2canonical(res->qname);
    res->qtype = type;
    res->answer = ldns_rr_list_new();
    res->chain = ldns_rr_list_new();
    cur = ldns_rdf_clone(res->qname);
    if (res->qname == NULL || res->answer == NULL || res->chain == NULL || cur == NULL) {
        ldns_rdf_deep_free(cur);
        dbx_result_free(res);
        return DBX_ERR_NOMEM;
    }

    while (!done) {
        ldns_rdf *zone = NULL, *next = NULL;
        ldns_rr_list *keys = NULL, *set = NULL;
        ldns_pkt *p = NULL;
        uint32_t ttl = UINT32_MAX;
        /* the question first (DO+CD); its signer name says which zone to
         * build the chain of trust to */
        dbx_sec_t s, link = DBX_SEC_SECURE; /* this link's own verdict */
        int insecure;
        done = 1;
        v.weak = 0; /* a weak proof in one zone weakens only its own link */
        s = fetch(r, &v, cur, type, &p);
        if (s == DBX_SEC_SECURE) s = answer_zone(r, &v, p, cur, type, &zone, &keys);
        insecure = s == DBX_SEC_INSECURE;
        if (s != DBX_SEC_SECURE && !insecure) {
            link = worse(link, s);
            goto link_end;
        }
        res->rcode = (uint8_t)ldns_pkt_get_rcode(p);
        int dname_above = 0;
        for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
            const ldns_rr *d = ldns_rr_list_rr(ldns_pkt_answer(p), i);
            if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNAME && ldns_dname_is_subdomain(cur, ldns_rr_owner(d))) {
                dname_above = 1;
            }
        }
        /* 1. the RRset itself (a CNAME question under a DNAME: the
         *    synthesised CNAME is checked against the DNAME in 3.) */
        set = type == LDNS_RR_TYPE_CNAME && dname_above ? NULL
                                                         : dbx_select(ldns_pkt_answer(p), cur, type, 0);
        if (set != NULL && ldns_rr_list_rr_count(set) > 0) {
            if (!insecure) {
                int w = 0;
                s = check_rrset(&v, p, set, zone, keys, &ttl, &w);
                res->wildcard = w != 0;
            } else {
                ttl = ldns_rr_ttl(ldns_rr_list_rr(set, 0));
                s = DBX_SEC_INSECURE;
            }
            for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++) {
                if (push_clone(res->answer, ldns_rr_list_rr(set, i)) != DBX_OK) {
                    s = dbx_v_fail(&v, DBX_SEC_INDETERMINATE, "out of memory");
                }
            }
            res->kind = DBX_ANSWER_DATA;
            link = worse(link, s);
            goto link_end;
        }
        ldns_rr_list_deep_free(set);
        set = NULL;
        /* 2. CNAME at the name (unless a DNAME above it explains it) */
        if (type != LDNS_RR_TYPE_CNAME && !dname_above) {
            set = dbx_select(ldns_pkt_answer(p), cur, LDNS_RR_TYPE_CNAME, 0);
            const ldns_rdf *target =
                set != NULL && ldns_rr_list_rr_count(set) == 1 ? ldns_rr_rdf(ldns_rr_list_rr(set, 0), 0) : NULL;
            if (set != NULL && ldns_rr_list_rr_count(set) == 1 &&
                (target == NULL || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)) {
                /* no RDATA (RDLENGTH 0): ldns_rdf_clone(NULL) would abort */
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS, "malformed CNAME"));
                goto link_end;
            }
            if (set != NULL && ldns_rr_list_rr_count(set) == 1) {
                int w = 0;
                s = insecure ? DBX_SEC_INSECURE : check_rrset(&v, p, set, zone, keys, &ttl, &w);
                if (s == DBX_SEC_BOGUS) s = prefix_fail(&v, s, "CNAME");
                link = worse(link, s);
                push_clone(res->chain, ldns_rr_list_rr(set, 0));
                next = ldns_rdf_clone(ldns_rr_rdf(ldns_rr_list_rr(set, 0), 0));
                goto link_end;
            } else if (set != NULL && ldns_rr_list_rr_count(set) > 1) {
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS, "several CNAMEs at one name"));
                goto link_end;
            }
            ldns_rr_list_deep_free(set);
            set = NULL;
        }
        /* 3. DNAME at an ancestor */
        for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
            const ldns_rr *d = ldns_rr_list_rr(ldns_pkt_answer(p), i);
            if (ldns_rr_get_type(d) != LDNS_RR_TYPE_DNAME || !ldns_dname_is_subdomain(cur, ldns_rr_owner(d))) {
                continue;
            }
            set = dbx_select(ldns_pkt_answer(p), ldns_rr_owner(d), LDNS_RR_TYPE_DNAME, 0);
            if (set == NULL || ldns_rr_list_rr_count(set) != 1) {
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS, "malformed DNAME"));
                goto link_end;
            }
            if (!insecure && !dbx_dname_under(ldns_rr_owner(d), zone)) {
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS, "DNAME outside the zone"));
                goto link_end;
            }
            int w = 0;
            s = insecure ? DBX_SEC_INSECURE : check_rrset(&v, p, set, zone, keys, &ttl, &w);
            if (s == DBX_SEC_BOGUS) s = prefix_fail(&v, s, "DNAME");
            if (s == DBX_SEC_SECURE && w) s = dbx_v_fail(&v, DBX_SEC_BOGUS, "wildcard DNAME");
            link = worse(link, s);
            next = dname_subst(cur, d);
            if (next == NULL) {
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS, "DNAME substitution too long"));
                goto link_end;
            }
            /* the upstream's synthesized CNAME (unsigned) must agree */
            ldns_rr_list *syn = dbx_select(ldns_pkt_answer(p), cur, LDNS_RR_TYPE_CNAME, 0);
            if (syn != NULL && ldns_rr_list_rr_count(syn) > 0 &&
                ldns_dname_compare(ldns_rr_rdf(ldns_rr_list_rr(syn, 0), 0), next) != 0) {
                link = worse(link, dbx_v_fail(&v, DBX_SEC_BOGUS,
                                                    "synthesized CNAME does not match the DNAME"));
            }
            ldns_rr_list_deep_free(syn);
            push_clone(res->chain, d);
            {
                ldns_rr *c = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
                if (c != NULL) {
                    ldns_rr_set_owner(c, ldns_rdf_clone(cur));
                    ldns_rr_set_ttl(c, ldns_rr_ttl(d));
                    ldns_rr_set_class(c, LDNS_RR_CLASS_IN);
                    ldns_rr_set_rdf(c, ldns_rdf_clone(next), 0);
                    if (!ldns_rr_list_push_rr(type == LDNS_RR_TYPE_CNAME ? res->answer : res->chain, c)) {
                        ldns_rr_free(c);
                    }
                }
            }
            if (type == LDNS_RR_TYPE_CNAME) { /* the synthesised CNAME is the answer */
                res->kind = DBX_ANSWER_DATA;
                ldns_rdf_deep_free(next);
                next = NULL;
            }
            goto link_end;
        }
        /* 4. negative answer */
        {
            int nx = ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN;
            dbx_denial_t d = DBX_DENY_NONE;
            ttl = neg_ttl(p);
            if (ldns_pkt_ancount(p) > 0 && !nx) {
                /* answer without our RRset, CNAME or DNAME: unrelated data */
                s = dbx_v_fail(&v, DBX_SEC_BOGUS, "answer does not match the question");
            } else if (insecure) {
                s = DBX_SEC_INSECURE;
                d = nx ? DBX_DENY_NXDOMAIN : DBX_DENY_NODATA;
            } else {
                s = dbx_denial_prove(&v, zone, keys, ldns_pkt_authority(p), cur, type, nx, &d);
                if (s == DBX_SEC_BOGUS) s = prefix_fail(&v, s, nx ? "NXDOMAIN" : "NODATA");
            }
            res->kind = (d == DBX_DENY_NXDOMAIN || (d == DBX_DENY_OPTOUT && nx)) ? DBX_ANSWER_NXDOMAIN
                                                                                 : DBX_ANSWER_NODATA;
            link = worse(link, s);
        }
    link_end:
        if (v.weak && link == DBX_SEC_BOGUS) {
            link = dbx_v_fail(&v, DBX_SEC_INSECURE, v.weak_reason);
        }
        overall = worse(overall, link);
        if (ttl < ttl_min) ttl_min = ttl;
        ldns_rr_list_deep_free(set);
        ldns_rr_list_deep_free(keys);
        ldns_rdf_deep_free(zone);
        ldns_pkt_free(p);
        if (next != NULL && overall != DBX_SEC_BOGUS && overall != DBX_SEC_INDETERMINATE) {
            if (++hops > DBX_MAX_CNAME_HOPS) {
                overall = worse(overall, dbx_v_fail(&v, DBX_SEC_BOGUS, "CNAME chain too long (limit)"));
                ldns_rdf_deep_free(next);
            } else {
                ldns_dname2canonical(next);
                ldns_rdf_deep_free(cur);
                cur = next;
                done = 0;
            }
        } else {
            ldns_rdf_deep_free(next);
        }
    }
    res->final_name = cur;
    res->sec = overall;
    res->ttl = ttl_min == UINT32_MAX ? 0 : ttl_min;
    if (overall == DBX_SEC_SECURE && v.ent_unproven) {
        snprintf(res->reason, sizeof res->reason, "validated; warning: %.100s", v.ent_reason);
    } else if (overall == DBX_SEC_SECURE) {
        snprintf(res->reason, sizeof res->reason, "validated");
    } else if (v.ent_unproven) {
        snprintf(res->reason, sizeof res->reason, "%.60s; %.60s", v.reason, v.ent_reason);
    } else {
        memcpy(res->reason, v.reason, sizeof res->reason);
    }
    if (res->reason[0] == '\0') snprintf(res->reason, sizeof res->reason, "%s", dbx_sec_str(overall));
    res->queries = v.queries;
    res->sig_verifies = v.sigs;
    res->nsec3_hashes = v.hashes;
    if (overall != DBX_SEC_SECURE && overall != DBX_SEC_INSECURE) {
        /* never hand out unvalidated data as an answer */
        ldns_rr_list_deep_free(res->answer);
        res->answer = ldns_rr_list_new();
    }
    return DBX_OK;
}

int dbx_resolve(dbx_resolver_t *r, const char *name, uint16_t type, int64_t now,
                dbx_result_t *res)
{
    ldns_rdf *n = NULL;
    int st;
    DBX_ASSERT(r != NULL && name != NULL && res != NULL);
    memset(res, 0, sizeof *res);
    if (ldns_str2rdf_dname(&n, name) != LDNS_STATUS_OK || n == NULL) return DBX_ERR_INVAL;
    st = dbx_resolve_rdf(r, n, type, now, res);
    ldns_rdf_deep_free(n);
    return st;
}

/* ---- consumers' helpers ------------------------------------------------------ */

size_t dbx_result_count(const dbx_result_t *res)
{
    return (res && res->answer) ? ldns_rr_list_rr_count(res->answer) : 0;
}

static const ldns_rr *res_rr(const dbx_result_t *res, size_t i, ldns_rr_type t)
{
    const ldns_rr *rr;
    if (i >= dbx_result_count(res)) return NULL;
    rr = ldns_rr_list_rr(res->answer, i);
    return ldns_rr_get_type(rr) == t ? rr : NULL;
}

int dbx_result_mx(const dbx_result_t *res, size_t i, uint16_t *pref, const ldns_rdf **exchange)
{
    const ldns_rr *rr = res_rr(res, i, LDNS_RR_TYPE_MX);
    DBX_CHECK(rr != NULL, DBX_ERR_NOTFOUND);
    DBX_CHECK(ldns_rr_rd_count(rr) == 2 && ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 2, DBX_ERR_MALFORMED);
    *pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
    *exchange = ldns_rr_rdf(rr, 1);
    return DBX_OK;
}

int dbx_result_addr(const dbx_result_t *res, size_t i, uint16_t port, dbx_addr_t *out)
{
    const ldns_rr *rr;
    const ldns_rdf *f;
    DBX_CHECK(i < dbx_result_count(res), DBX_ERR_NOTFOUND);
    rr = ldns_rr_list_rr(res->answer, i);
    DBX_CHECK(ldns_rr_rd_count(rr) == 1, DBX_ERR_MALFORMED);
    f = ldns_rr_rdf(rr, 0);
    memset(out, 0, sizeof *out);
    out->port = port;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(f) == 4) {
        out->family = 4;
        memcpy(out->addr, ldns_rdf_data(f), 4);
        return DBX_OK;
    }
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(f) == 16) {
        out->family = 6;
        memcpy(out->addr, ldns_rdf_data(f), 16);
        return DBX_OK;
    }
    return DBX_ERR_NOTFOUND;
}

int dbx_result_tlsa(const dbx_result_t *res, size_t i, uint8_t *usage, uint8_t *selector,
                    uint8_t *mtype, const uint8_t **data, size_t *len)
{
    const ldns_rr *rr = res_rr(res, i, LDNS_RR_TYPE_TLSA);
    DBX_CHECK(rr != NULL, DBX_ERR_NOTFOUND);
    DBX_CHECK(ldns_rr_rd_count(rr) == 4, DBX_ERR_MALFORMED);
    for (int k = 0; k < 3; k++) DBX_CHECK(ldns_rdf_size(ldns_rr_rdf(rr, (size_t)k)) == 1, DBX_ERR_MALFORMED);
    *usage = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
    *selector = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0];
    *mtype = ldns_rdf_data(ldns_rr_rdf(rr, 2))[0];
    *data = ldns_rdf_data(ldns_rr_rdf(rr, 3));
    *len = ldns_rdf_size(ldns_rr_rdf(rr, 3));
    return DBX_OK;
}
