/* The chain of trust: anchor keys, DS steps, the label walk and the zone
 * cuts named by signers (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validated DNSKEY RRset of the anchor zone (cached). */
static dbx_sec_t anchor_keys(dbx_resolver_t *r, dbx_vctx_t *v, ldns_rr_list **keys)
{
    const dbx_trust_t *t = r->anchor;
    dbx_cache_entry_t *e = dbx_v_cache_get(r, t->owner, v->now);
    ldns_pkt *p;
    ldns_rr_list *k, *sig;
    uint32_t ttl = 0;
    dbx_sec_t s;
    if (e != NULL) {
        r->cache_hits++;
        if (e->kind != DBX_V_CUT_SECURE) return dbx_v_fail(v, DBX_SEC_INSECURE, "trust anchor unusable");
        *keys = ldns_rr_list_clone(e->keys);
        return *keys ? DBX_SEC_SECURE : dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    }
    s = dbx_v_fetch(r, v, t->owner, LDNS_RR_TYPE_DNSKEY, &p);
    if (s != DBX_SEC_SECURE) return s;
    k = dbx_select(ldns_pkt_answer(p), t->owner, LDNS_RR_TYPE_DNSKEY, 0);
    sig = dbx_select(ldns_pkt_answer(p), t->owner, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_pkt_free(p);
    if (k == NULL || sig == NULL) {
        s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    } else {
        s = dbx_dnskey_verify(v, t->owner, t->ds, t->keys, k, sig, &ttl);
        if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(v, s, "trust anchor");
    }
    ldns_rr_list_deep_free(sig);
    if (s == DBX_SEC_SECURE) {
        *keys = ldns_rr_list_clone(k);
        dbx_v_cache_put(r, v, t->owner, DBX_V_CUT_SECURE, k, ttl);
        if (*keys == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    } else {
        ldns_rr_list_deep_free(k);
    }
    return s;
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
        if (s != DBX_SEC_SECURE) s = dbx_v_prefix_fail(v, s, "DS");
        if (s == DBX_SEC_SECURE) s = dbx_v_fetch(r, v, n, LDNS_RR_TYPE_DNSKEY, &kp);
        if (s == DBX_SEC_SECURE) {
            dk = dbx_select(ldns_pkt_answer(kp), n, LDNS_RR_TYPE_DNSKEY, 0);
            ksig = dbx_select(ldns_pkt_answer(kp), n, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
            s = (dk && ksig) ? dbx_dnskey_verify(v, n, ds, NULL, dk, ksig, &ttl_k)
                             : dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            if (s == DBX_SEC_SECURE) {
                ldns_rr_list *kc = ldns_rr_list_clone(dk);
                dbx_v_cache_put(r, v, n, DBX_V_CUT_SECURE, kc, ttl_ds < ttl_k ? ttl_ds : ttl_k);
                ldns_rr_list_deep_free(*keys);
                *keys = dk;
                dk = NULL;
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                *out = DS_CUT;
            } else if (s == DBX_SEC_INSECURE) {
                dbx_v_cache_put(r, v, n, DBX_V_CUT_INSECURE, NULL, ttl_ds);
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                *out = DS_INSECURE;
            }
        }
    } else if (dbx_v_has_rr(ldns_pkt_answer(p), n, LDNS_RR_TYPE_CNAME)) {
        /* a CNAME owner is never a zone cut */
        s = DBX_SEC_SECURE;
        *out = DS_CNAME;
    } else {
        dbx_denial_t d;
        int nx = ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN;
        s = dbx_denial_prove(v, *zone, *keys, ldns_pkt_authority(p), n, LDNS_RR_TYPE_DS, nx, &d);
        if (s == DBX_SEC_SECURE) {
            if (d == DBX_DENY_DELEGATION) {
                dbx_v_cache_put(r, v, n, DBX_V_CUT_INSECURE, NULL, dbx_v_neg_ttl(p));
                ldns_rdf_deep_free(*zone);
                *zone = ldns_rdf_clone(n);
                s = dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
                *out = DS_INSECURE;
            } else if (d == DBX_DENY_NXDOMAIN) {
                *out = DS_NXDOMAIN;
            } else {
                dbx_v_cache_put(r, v, n, DBX_V_CUT_NONE, NULL, dbx_v_neg_ttl(p));
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
dbx_sec_t dbx_v_walk_down(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname, int first,
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
        e = dbx_v_cache_get(r, n, v->now);
        if (e != NULL) {
            r->cache_hits++;
            if (e->kind == DBX_V_CUT_SECURE) {
                ldns_rr_list *kc = ldns_rr_list_clone(e->keys);
                ldns_rr_list_deep_free(*keys);
                ldns_rdf_deep_free(*zone);
                *keys = kc;
                *zone = n;
                if (kc == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            } else if (e->kind == DBX_V_CUT_INSECURE) {
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
            s = dbx_v_fetch(r, v, n, LDNS_RR_TYPE_DS, &p);
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
                     dbx_v_name_str(n, namebuf, sizeof namebuf), v->reason);
            v->reason[0] = '\0';
            s = DBX_SEC_SECURE;
            stop = 1;
        } else if (out == DS_BADPROOF) {
            s = dbx_v_prefix_fail(v, s, "no DS proof");
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

dbx_sec_t dbx_v_covered(const dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                        ldns_rr_type qtype)
{
    if (!dbx_dname_under(qname, r->anchor->owner)) {
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "name outside the trust anchor");
    }
    if (qtype == LDNS_RR_TYPE_DS && ldns_dname_compare(qname, r->anchor->owner) == 0) {
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE,
                          "DS of the trust anchor's own name: parent-side data, above the anchor");
    }
    return DBX_SEC_SECURE;
}

/* Classic discovery: walk from the anchor down to @p qname (its parent for
 * DS) asking DS at every label not cached.  Out: deepest zone and keys. */
dbx_sec_t dbx_v_find_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *qname,
                          ldns_rr_type qtype, ldns_rdf **zone_out, ldns_rr_list **keys_out)
{
    ldns_rdf *zone = NULL;
    ldns_rr_list *keys = NULL;
    dbx_sec_t s;
    *zone_out = NULL;
    *keys_out = NULL;
    s = dbx_v_covered(r, v, qname, qtype);
    if (s != DBX_SEC_SECURE) return s;
    s = start_chain(r, v, &zone, &keys);
    if (s == DBX_SEC_SECURE) {
        int last = ldns_dname_label_count(qname) - (qtype == LDNS_RR_TYPE_DS ? 1 : 0);
        s = dbx_v_walk_down(r, v, qname, ldns_dname_label_count(zone) + 1, last, last, &zone, &keys, NULL);
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
 * and a type in @p types (@p nt of them; 0: any type): the deepest one that is an
 * ancestor of (or, unless @p proper, equal to) @p below.  *@p seen: some
 * RRSIG was considered at all.  Returns a borrowed rdf or NULL. */
const ldns_rdf *dbx_v_pick_signer(const ldns_rr_list *l, const ldns_rdf *owner,
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
        if (nt > 0 && !want) continue;
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

const ldns_rr_type dbx_v_neg_types[3] = {LDNS_RR_TYPE_NSEC, LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_SOA};

/* Signer of a DS answer for @p n: over the DS RRset, else over the denial. */
const ldns_rdf *dbx_v_ds_signer(const ldns_pkt *p, const ldns_rdf *n, int *seen)
{
    static const ldns_rr_type dst[] = {LDNS_RR_TYPE_DS};
    const ldns_rdf *sn;
    *seen = 0;
    if (dbx_v_has_rr(ldns_pkt_answer(p), n, LDNS_RR_TYPE_DS)) {
        return dbx_v_pick_signer(ldns_pkt_answer(p), n, dst, 1, n, 1, seen);
    }
    sn = dbx_v_pick_signer(ldns_pkt_authority(p), NULL, dbx_v_neg_types, DBX_ARRAY_LEN(dbx_v_neg_types), n, 1, seen);
    return sn;
}

/* The deepest cached cut between *@p zone (the anchor) and @p target:
 * SECURE with *zone and *keys moved down to it, INSECURE at a cached insecure
 * delegation (*zone is that cut), else INDETERMINATE. */
static dbx_sec_t cached_cut(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *target, ldns_rdf **zone,
                            ldns_rr_list **keys)
{
    for (int l = ldns_dname_label_count(*zone) + 1; l <= ldns_dname_label_count(target); l++) {
        ldns_rdf *n = dbx_dname_ancestor(target, l);
        dbx_cache_entry_t *e = n ? dbx_v_cache_get(r, n, v->now) : NULL;
        if (n == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        if (e != NULL && e->kind == DBX_V_CUT_SECURE) {
            ldns_rr_list *kc = ldns_rr_list_clone(e->keys);
            r->cache_hits++;
            ldns_rr_list_deep_free(*keys);
            ldns_rdf_deep_free(*zone);
            *keys = kc;
            *zone = n;
            if (kc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        } else if (e != NULL && e->kind == DBX_V_CUT_INSECURE) {
            r->cache_hits++;
            ldns_rdf_deep_free(*zone);
            *zone = n;
            return dbx_v_fail(v, DBX_SEC_INSECURE, "insecure delegation");
        } else {
            if (e != NULL) r->cache_hits++;
            ldns_rdf_deep_free(n);
        }
    }
    return DBX_SEC_SECURE;
}

/* Bogus, the reason naming @p n between @p pre and @p post. */
static dbx_sec_t fail_name(dbx_vctx_t *v, const char *pre, const ldns_rdf *n, const char *post)
{
    char nb[80], why[sizeof v->reason];
    snprintf(why, sizeof why, "%s%.60s%s", pre, dbx_v_name_str(n, nb, sizeof nb), post);
    return dbx_v_fail(v, DBX_SEC_BOGUS, why);
}

/* The pending DS names of dbx_v_establish (bounded), each with its answer. */
typedef struct {
    ldns_rdf *name[DBX_MAX_CUT_STACK];
    ldns_pkt *pkt[DBX_MAX_CUT_STACK];
    size_t n;
} cut_stack_t;

static void cut_stack_clear(cut_stack_t *st)
{
    while (st->n > 0) {
        st->n--;
        ldns_rdf_deep_free(st->name[st->n]);
        ldns_pkt_free(st->pkt[st->n]);
    }
}

/* An unsigned DS answer (an insecure delegation may lie between; prove it)
 * or a full stack: the label walk to @p t (a copy of the target, taken
 * over; NULL: out of memory) decides, and a secure end must be @p t
 * itself, a zone cut. */
static dbx_sec_t establish_by_walk(dbx_resolver_t *r, dbx_vctx_t *v, ldns_rdf *t, ldns_rdf **zone,
                                   ldns_rr_list **keys)
{
    dbx_sec_t s;
    if (t == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = dbx_v_walk_down(r, v, t, ldns_dname_label_count(*zone) + 1, ldns_dname_label_count(t),
                        ldns_dname_label_count(t), zone, keys, NULL);
    if (s == DBX_SEC_SECURE && !v->weak && ldns_dname_compare(*zone, t) != 0) {
        s = fail_name(v, "signer ", t, " is not a zone cut");
    }
    ldns_rdf_deep_free(t);
    return s;
}

/* DS @p n signed by the known *@p zone: a step down that must be a zone
 * cut; *weak when opt-out hides the cut (stay in this zone, secure). */
static dbx_sec_t establish_step(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *n, const ldns_pkt *p,
                                ldns_rdf **zone, ldns_rr_list **keys, int *weak)
{
    int out = DS_FAIL;
    dbx_sec_t s = ds_step(r, v, n, p, zone, keys, &out);
    *weak = 0;
    if (out == DS_WEAK) {
        set_weak(v); /* opt-out hides the cut: stay in this zone */
        *weak = 1;
        return DBX_SEC_SECURE;
    }
    if (s == DBX_SEC_SECURE && out != DS_CUT) {
        s = fail_name(v, "signer ", n, " is not a zone cut");
    } else if (out == DS_BADPROOF) {
        s = dbx_v_prefix_fail(v, s, "no DS proof");
    }
    /* DS_CUT: *zone == n now, popped next round; INSECURE: done */
    return s;
}

/* One round of dbx_v_establish on the top of @p st: reached, or its DS
 * answer's signer decides: no ancestor (bogus), none (the label walk ends
 * it), the known zone (a step down), a zone between (pushed first), or
 * above the known zone (bogus).  An empty stack ends the climb. */
static dbx_sec_t establish_round(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *target, cut_stack_t *st,
                                 ldns_rdf **zone, ldns_rr_list **keys)
{
    ldns_rdf *n = st->name[st->n - 1];
    const ldns_rdf *sn;
    int seen = 0, weak = 0;
    dbx_sec_t s = DBX_SEC_SECURE;
    if (ldns_dname_compare(n, *zone) == 0) { /* reached (cache or an earlier step) */
        ldns_rdf_deep_free(n);
        ldns_pkt_free(st->pkt[st->n - 1]);
        st->n--;
        return DBX_SEC_SECURE;
    }
    if (st->pkt[st->n - 1] == NULL) {
        s = dbx_v_fetch(r, v, n, LDNS_RR_TYPE_DS, &st->pkt[st->n - 1]);
        if (s != DBX_SEC_SECURE) return s;
    }
    sn = dbx_v_ds_signer(st->pkt[st->n - 1], n, &seen);
    if (sn != NULL && ldns_dname_compare(sn, *zone) != 0 && dbx_dname_under(sn, *zone) &&
        st->n >= DBX_MAX_CUT_STACK) {
        sn = NULL; /* too many unknown cuts pending: prove them label by label */
        seen = 0;
    }
    if (sn == NULL && seen) {
        s = fail_name(v, "DS for ", n, " signed by a name that is not its ancestor");
    } else if (sn == NULL) {
        ldns_rdf *t = ldns_rdf_clone(target);
        cut_stack_clear(st);
        s = establish_by_walk(r, v, t, zone, keys);
    } else if (ldns_dname_compare(sn, *zone) == 0) {
        s = establish_step(r, v, n, st->pkt[st->n - 1], zone, keys, &weak);
        if (weak) cut_stack_clear(st);
    } else if (dbx_dname_under(sn, *zone)) {
        /* the parent is a zone below the known one: establish it first */
        st->name[st->n] = ldns_rdf_clone(sn);
        st->pkt[st->n] = NULL;
        if (st->name[st->n] == NULL) s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        else st->n++;
    } else {
        s = fail_name(v, "DS for ", n, " signed above the zone cut");
    }
    return s;
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
dbx_sec_t dbx_v_establish(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *target,
                          ldns_rdf **zone, ldns_rr_list **keys)
{
    cut_stack_t st;
    dbx_sec_t s;

    if (!dbx_dname_under(target, r->anchor->owner)) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "signer name above the trust anchor");
    }
    s = start_chain(r, v, zone, keys);
    if (s != DBX_SEC_SECURE) return s;
    s = cached_cut(r, v, target, zone, keys); /* deepest cached cut on the way */
    if (s != DBX_SEC_SECURE) return s;
    st.name[0] = ldns_rdf_clone(target);
    st.pkt[0] = NULL;
    if (st.name[0] == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    st.n = 1;
    while (st.n > 0 && s == DBX_SEC_SECURE) {
        s = establish_round(r, v, target, &st, zone, keys);
    }
    cut_stack_clear(&st);
    return s;
}

/* A cut known (cached) strictly below the signer @p zone and at or above
 * @p owner: an answer signed by @p zone there is not from the zone that holds
 * the name.  BOGUS for a secure cut, INSECURE (with *zone moved) for an
 * insecure one, else SECURE. */
dbx_sec_t dbx_v_known_cut_below(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *owner,
                                int last, ldns_rdf **zone)
{
    char nb[80], why[sizeof v->reason];
    for (int l = ldns_dname_label_count(*zone) + 1; l <= last; l++) {
        ldns_rdf *n = dbx_dname_ancestor(owner, l);
        dbx_cache_entry_t *e;
        if (n == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        e = dbx_v_cache_get(r, n, v->now);
        if (e != NULL && e->kind == DBX_V_CUT_SECURE) {
            snprintf(why, sizeof why, "answer signed above the zone cut %.60s",
                     dbx_v_name_str(n, nb, sizeof nb));
            ldns_rdf_deep_free(n);
            return dbx_v_fail(v, DBX_SEC_BOGUS, why);
        }
        if (e != NULL && e->kind == DBX_V_CUT_INSECURE) {
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
