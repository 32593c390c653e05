/* Answers: the zone of an answer, RRset validation, CNAME/DNAME links
 * and dbx_resolve() itself (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first DNAME in @p ans whose owner is an ancestor of @p cur, or NULL. */
static const ldns_rr *dname_above(const ldns_rr_list *ans, const ldns_rdf *cur)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *d = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNAME && ldns_dname_is_subdomain(cur, ldns_rr_owner(d))) {
            return d;
        }
    }
    return NULL;
}

/* Which RRset the link will validate (in link_answer's order): the signer
 * name of its RRSIGs in @p sigs, or NULL (*seen: one was there but names
 * no ancestor); *owner and *proper say where its zone cut may lie. */
static const ldns_rdf *answer_signer(const ldns_pkt *p, const ldns_rr_list *sigs, const ldns_rdf *cur,
                                     ldns_rr_type qtype, const ldns_rdf **owner, int *proper, int *seen)
{
    static const ldns_rr_type cn[] = {LDNS_RR_TYPE_CNAME};
    static const ldns_rr_type dn[] = {LDNS_RR_TYPE_DNAME};
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    const ldns_rr *d = dname_above(ans, cur);
    ldns_rr_type qt = qtype;

    *owner = cur;
    if (qtype == LDNS_RR_TYPE_ANY && d == NULL && dbx_v_has_data(ans, cur)) {
        /* every RRset at the name, one zone signs them all */
        return dbx_v_pick_signer(sigs, cur, NULL, 0, cur, 0, seen);
    }
    if (dbx_v_has_rr(ans, cur, qtype) && !(qtype == LDNS_RR_TYPE_CNAME && d != NULL)) {
        return dbx_v_pick_signer(sigs, cur, &qt, 1, cur, *proper, seen);
    }
    if (qtype != LDNS_RR_TYPE_CNAME && d == NULL && dbx_v_has_rr(ans, cur, LDNS_RR_TYPE_CNAME)) {
        *proper = 0;
        return dbx_v_pick_signer(sigs, cur, cn, 1, cur, 0, seen);
    }
    if (d != NULL) {
        *owner = ldns_rr_owner(d);
        *proper = 0;
        return dbx_v_pick_signer(sigs, *owner, dn, 1, *owner, 0, seen);
    }
    return dbx_v_pick_signer(ldns_pkt_authority(p), NULL, dbx_v_neg_types,
                             DBX_ARRAY_LEN(dbx_v_neg_types), cur, *proper, seen);
}

/* The DS answer *@p pp for the TLSA owner's parent label @p par decides:
 * signed by a zone below *zone, bogus unless that zone is insecure (then it
 * is the zone); unsigned, every label is proven; else that label's cut. */
static dbx_sec_t parent_ds_verdict(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *cur,
                                   const ldns_rdf *par, int last, ldns_pkt **pp, ldns_rdf **zone,
                                   ldns_rr_list **keys)
{
    int sseen = 0;
    const ldns_rdf *ps = dbx_v_ds_signer(*pp, par, &sseen);
    dbx_sec_t s;
    if (ps != NULL && ldns_dname_compare(ps, *zone) != 0 && dbx_dname_under(ps, *zone)) {
        /* a zone between the signer and the owner answers */
        ldns_rdf *z2 = NULL;
        ldns_rr_list *k2 = NULL;
        char nb[80], why[sizeof v->reason];
        s = dbx_v_establish(r, v, ps, &z2, &k2);
        if (s == DBX_SEC_SECURE) { /* (hidden by opt-out: insecure later) */
            snprintf(why, sizeof why, "answer signed above the zone cut %.60s",
                     dbx_v_name_str(z2, nb, sizeof nb));
            s = dbx_v_fail(v, DBX_SEC_BOGUS, why);
        } else if (s == DBX_SEC_INSECURE) {
            ldns_rdf_deep_free(*zone);
            *zone = z2;
            z2 = NULL;
        }
        ldns_rdf_deep_free(z2);
        ldns_rr_list_deep_free(k2);
        return s;
    }
    if (ps == NULL && !sseen) {
        /* unsigned: an insecure cut may lie between (or the signatures
         * were stripped): prove every label */
        return dbx_v_walk_down(r, v, cur, ldns_dname_label_count(*zone) + 1, last - 1, last, zone, keys,
                               NULL);
    }
    /* same zone (or forged: its proof fails as in the walk) */
    return dbx_v_walk_down(r, v, cur, last - 1, last - 1, last, zone, keys, pp);
}

/* A zone cut at the parent label of TLSA owner @p cur (label @p last - 1),
 * below the zone found, is probed with a DS question unless cached. */
static dbx_sec_t tlsa_parent_probe(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_rdf *cur, int last,
                                   ldns_rdf **zone, ldns_rr_list **keys)
{
    ldns_rdf *par = dbx_dname_ancestor(cur, last - 1);
    ldns_pkt *pp = NULL;
    dbx_cache_entry_t *e = par ? dbx_v_cache_get(r, par, v->now) : NULL;
    dbx_sec_t s = DBX_SEC_SECURE;
    if (par == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    if (e != NULL) {
        r->cache_hits++; /* DBX_V_CUT_NONE: known_cut_below saw the others */
    } else {
        s = dbx_v_fetch(r, v, par, LDNS_RR_TYPE_DS, &pp);
        if (s == DBX_SEC_SECURE) s = parent_ds_verdict(r, v, cur, par, last, &pp, zone, keys);
        ldns_pkt_free(pp);
    }
    ldns_rdf_deep_free(par);
    return s;
}

/* The zone and keys a link's answer is judged in: the chain of trust to
 * its RRSIGs' signer, with no unknown zone cut between it and the owner
 * (SECURE or INSECURE hand them over in *zone_out and *keys_out). */
static dbx_sec_t answer_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_pkt *p,
                             const ldns_rdf *cur, ldns_rr_type qtype, ldns_rdf **zone_out,
                             ldns_rr_list **keys_out)
{
    ldns_rr_list *sigs = NULL; /* RRSIGs of every section (dbx_v_pkt_sigs) */
    const ldns_rdf *owner = cur, *sn = NULL;
    int seen = 0, proper = qtype == LDNS_RR_TYPE_DS, weak0, weak;
    ldns_rdf *zone = NULL;
    ldns_rr_list *keys = NULL;
    dbx_sec_t s;

    *zone_out = NULL;
    *keys_out = NULL;
    /* the caller asked only after dbx_v_covered(): cur is under the anchor */
    sigs = dbx_v_pkt_sigs(p, NULL, 0);
    if (sigs == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    sn = answer_signer(p, sigs, cur, qtype, &owner, &proper, &seen);
    if (sn == NULL) {
        ldns_rr_list_deep_free(sigs);
        if (seen) return dbx_v_fail(v, DBX_SEC_BOGUS, "RRSIG signer name is not an ancestor of the name");
        return dbx_v_find_zone(r, v, cur, qtype, zone_out, keys_out);
    }

    weak0 = v->weak;
    v->weak = 0;
    s = dbx_v_establish(r, v, sn, &zone, &keys);
    ldns_rr_list_deep_free(sigs); /* sn is not used below */
    weak = v->weak;
    v->weak |= weak0;
    if (s == DBX_SEC_SECURE && !weak) {
        int last = ldns_dname_label_count(owner) - (proper ? 1 : 0);
        s = dbx_v_known_cut_below(r, v, owner, last, &zone);
        if (s == DBX_SEC_SECURE && qtype == LDNS_RR_TYPE_TLSA && owner == cur &&
            last - 1 > ldns_dname_label_count(zone)) {
            s = tlsa_parent_probe(r, v, cur, last, &zone, &keys);
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
    /* its RRSIGs from any section: verified over the RRset all the same */
    ldns_rr_list *sigs = dbx_v_pkt_sigs(p, ldns_rr_owner(r0), ldns_rr_get_type(r0));
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

/* An ANY answer: every RRset at @p cur in the answer section (a CNAME is one
 * of them and is not followed, as unbound), each validated on its own with
 * its signature and wildcard proof (or insecure with the zone), appended to
 * res->answer.  The verdict is the worst RRset's: secure only if all are. */
static dbx_sec_t check_any(dbx_vctx_t *v, const ldns_pkt *p, const ldns_rdf *cur, int insecure,
                           const ldns_rdf *zone, const ldns_rr_list *keys, uint32_t *ttl,
                           dbx_result_t *res)
{
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    ldns_rr_type seen[DBX_MAX_ANY_RRSETS];
    size_t nseen = 0;
    dbx_sec_t worst = DBX_SEC_SECURE;
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        size_t k = 0;
        if (t == LDNS_RR_TYPE_RRSIG || ldns_dname_compare(ldns_rr_owner(rr), cur) != 0) continue;
        while (k < nseen && seen[k] != t) k++;
        if (k < nseen) continue; /* that RRset is done */
        if (nseen == DBX_MAX_ANY_RRSETS) {
            return worse(worst, dbx_v_fail(v, DBX_SEC_BOGUS, "too many RRsets in an ANY answer (limit)"));
        }
        seen[nseen++] = t;
        ldns_rr_list *set = dbx_select(ans, cur, t, 0);
        uint32_t t1 = UINT32_MAX;
        int w = 0;
        dbx_sec_t s;
        if (set == NULL || ldns_rr_list_rr_count(set) == 0) {
            ldns_rr_list_deep_free(set);
            return worse(worst, dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory"));
        }
        if (insecure) {
            s = DBX_SEC_INSECURE;
            t1 = ldns_rr_ttl(ldns_rr_list_rr(set, 0));
        } else {
            s = check_rrset(v, p, set, zone, keys, &t1, &w);
            if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(v, s, "ANY");
        }
        if (t1 < *ttl) *ttl = t1;
        if (w) res->wildcard = 1;
        for (size_t j = 0; j < ldns_rr_list_rr_count(set); j++) {
            if (push_clone(res->answer, ldns_rr_list_rr(set, j)) != DBX_OK) {
                s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            }
        }
        ldns_rr_list_deep_free(set);
        worst = worse(worst, s);
    }
    return worst;
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

/* One link of the CNAME/DNAME chain: its question, the answer and the zone
 * it is judged in, what it yields. */
typedef struct {
    const ldns_rdf *cur; /* the link's name */
    uint16_t type;       /* the question's type */
    ldns_pkt *p;
    ldns_rdf *zone;
    ldns_rr_list *keys;
    int insecure;        /* the zone is insecure: no signature to check */
    uint32_t ttl;
    ldns_rdf *next;      /* the name the chain goes on with, or NULL */
} link_t;

/* 1. The RRset asked for decides by its signature and wildcard proof (a
 * CNAME question under DNAME @p d: no, link_dname checks the synthesised
 * CNAME against the DNAME).  Returns 1 when the answer has the RRset. */
static int link_rrset(dbx_vctx_t *v, link_t *l, const ldns_rr *d, dbx_result_t *res, dbx_sec_t *link)
{
    ldns_rr_list *set = l->type == LDNS_RR_TYPE_CNAME && d != NULL
                            ? NULL
                            : dbx_select(ldns_pkt_answer(l->p), l->cur, l->type, 0);
    dbx_sec_t s;
    if (set == NULL || ldns_rr_list_rr_count(set) == 0) {
        ldns_rr_list_deep_free(set);
        return 0;
    }
    if (!l->insecure) {
        int w = 0;
        s = check_rrset(v, l->p, set, l->zone, l->keys, &l->ttl, &w);
        res->wildcard = w != 0;
    } else {
        l->ttl = ldns_rr_ttl(ldns_rr_list_rr(set, 0));
        s = DBX_SEC_INSECURE;
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++) {
        if (push_clone(res->answer, ldns_rr_list_rr(set, i)) != DBX_OK) {
            s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        }
    }
    ldns_rr_list_deep_free(set);
    res->kind = DBX_ANSWER_DATA;
    *link = s;
    return 1;
}

/* 2. A CNAME at the name: exactly one, with a name as RDATA, validated; its
 * target is the next link.  Returns 1 when the answer has one. */
static int link_cname(dbx_vctx_t *v, link_t *l, dbx_result_t *res, dbx_sec_t *link)
{
    ldns_rr_list *set = dbx_select(ldns_pkt_answer(l->p), l->cur, LDNS_RR_TYPE_CNAME, 0);
    size_t n = set != NULL ? ldns_rr_list_rr_count(set) : 0;
    const ldns_rdf *target = n == 1 ? ldns_rr_rdf(ldns_rr_list_rr(set, 0), 0) : NULL;
    if (n == 0) {
        ldns_rr_list_deep_free(set);
        return 0;
    }
    if (n == 1 && (target == NULL || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)) {
        /* no RDATA (RDLENGTH 0): ldns_rdf_clone(NULL) would abort */
        *link = dbx_v_fail(v, DBX_SEC_BOGUS, "malformed CNAME");
    } else if (n == 1) {
        int w = 0;
        dbx_sec_t s = l->insecure ? DBX_SEC_INSECURE
                                  : check_rrset(v, l->p, set, l->zone, l->keys, &l->ttl, &w);
        if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(v, s, "CNAME");
        *link = s;
        push_clone(res->chain, ldns_rr_list_rr(set, 0));
        l->next = ldns_rdf_clone(target);
    } else {
        *link = dbx_v_fail(v, DBX_SEC_BOGUS, "several CNAMEs at one name");
    }
    ldns_rr_list_deep_free(set);
    return 1;
}

/* The CNAME DNAME @p d synthesises for the link (target l->next): the
 * upstream's own (unsigned) one must agree, else bogus; the DNAME and the
 * synthesised CNAME go to the chain (to the answer for a CNAME question). */
static dbx_sec_t dname_synth(dbx_vctx_t *v, link_t *l, const ldns_rr *d, dbx_result_t *res)
{
    dbx_sec_t s = DBX_SEC_SECURE;
    ldns_rr_list *syn = dbx_select(ldns_pkt_answer(l->p), l->cur, LDNS_RR_TYPE_CNAME, 0);
    ldns_rr *c;
    if (syn != NULL && ldns_rr_list_rr_count(syn) > 0 &&
        ldns_dname_compare(ldns_rr_rdf(ldns_rr_list_rr(syn, 0), 0), l->next) != 0) {
        s = dbx_v_fail(v, DBX_SEC_BOGUS, "synthesized CNAME does not match the DNAME");
    }
    ldns_rr_list_deep_free(syn);
    push_clone(res->chain, d);
    c = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
    if (c != NULL) {
        ldns_rr_set_owner(c, ldns_rdf_clone(l->cur));
        ldns_rr_set_ttl(c, ldns_rr_ttl(d));
        ldns_rr_set_class(c, LDNS_RR_CLASS_IN);
        ldns_rr_set_rdf(c, ldns_rdf_clone(l->next), 0);
        if (!ldns_rr_list_push_rr(l->type == LDNS_RR_TYPE_CNAME ? res->answer : res->chain, c)) {
            ldns_rr_free(c);
        }
    }
    if (l->type == LDNS_RR_TYPE_CNAME) { /* the synthesised CNAME is the answer */
        res->kind = DBX_ANSWER_DATA;
        ldns_rdf_deep_free(l->next);
        l->next = NULL;
    }
    return s;
}

/* 3. DNAME @p d at an ancestor: the only one at its owner, in the zone,
 * validated, not from a wildcard; the substituted name is the next link. */
static dbx_sec_t link_dname(dbx_vctx_t *v, link_t *l, const ldns_rr *d, dbx_result_t *res)
{
    ldns_rr_list *set = dbx_select(ldns_pkt_answer(l->p), ldns_rr_owner(d), LDNS_RR_TYPE_DNAME, 0);
    dbx_sec_t s, link = DBX_SEC_SECURE;
    int w = 0;
    if (set == NULL || ldns_rr_list_rr_count(set) != 1) {
        link = worse(link, dbx_v_fail(v, DBX_SEC_BOGUS, "malformed DNAME"));
    } else if (!l->insecure && !dbx_dname_under(ldns_rr_owner(d), l->zone)) {
        link = worse(link, dbx_v_fail(v, DBX_SEC_BOGUS, "DNAME outside the zone"));
    } else {
        s = l->insecure ? DBX_SEC_INSECURE : check_rrset(v, l->p, set, l->zone, l->keys, &l->ttl, &w);
        if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(v, s, "DNAME");
        if (s == DBX_SEC_SECURE && w) s = dbx_v_fail(v, DBX_SEC_BOGUS, "wildcard DNAME");
        link = worse(link, s);
        l->next = dname_subst(l->cur, d);
        if (l->next == NULL) {
            link = worse(link, dbx_v_fail(v, DBX_SEC_BOGUS, "DNAME substitution too long"));
        } else {
            link = worse(link, dname_synth(v, l, d, res));
        }
    }
    ldns_rr_list_deep_free(set);
    return link;
}

/* 4. No RRset, CNAME or DNAME: a negative answer, its denial proven (an
 * answer section with unrelated data is bogus). */
static dbx_sec_t link_negative(dbx_vctx_t *v, link_t *l, dbx_result_t *res)
{
    int nx = ldns_pkt_get_rcode(l->p) == LDNS_RCODE_NXDOMAIN;
    dbx_denial_t d = DBX_DENY_NONE;
    dbx_sec_t s;
    l->ttl = dbx_v_neg_ttl(l->p);
    if (ldns_pkt_ancount(l->p) > 0 && !nx) {
        /* answer without our RRset, CNAME or DNAME: unrelated data */
        s = dbx_v_fail(v, DBX_SEC_BOGUS, "answer does not match the question");
    } else if (l->insecure) {
        s = DBX_SEC_INSECURE;
        d = nx ? DBX_DENY_NXDOMAIN : DBX_DENY_NODATA;
    } else {
        s = dbx_denial_prove(v, l->zone, l->keys, ldns_pkt_authority(l->p), l->cur, l->type, nx, &d);
        if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(v, s, nx ? "NXDOMAIN" : "NODATA");
    }
    res->kind = (d == DBX_DENY_NXDOMAIN || (d == DBX_DENY_OPTOUT && nx)) ? DBX_ANSWER_NXDOMAIN
                                                                         : DBX_ANSWER_NODATA;
    return s;
}

/* The link's verdict on its answer, the first that applies: ANY, the RRset,
 * a CNAME at the name (unless a DNAME above explains it), a DNAME above, a
 * denial. */
static dbx_sec_t link_answer(dbx_vctx_t *v, link_t *l, dbx_result_t *res)
{
    const ldns_rr *d = dname_above(ldns_pkt_answer(l->p), l->cur);
    dbx_sec_t link = DBX_SEC_SECURE;
    res->rcode = (uint8_t)ldns_pkt_get_rcode(l->p);
    if (l->type == LDNS_RR_TYPE_ANY && d == NULL && dbx_v_has_data(ldns_pkt_answer(l->p), l->cur)) {
        link = worse(link, check_any(v, l->p, l->cur, l->insecure, l->zone, l->keys, &l->ttl, res));
        res->kind = DBX_ANSWER_DATA;
        return link;
    }
    if (link_rrset(v, l, d, res, &link)) return link;
    if (l->type != LDNS_RR_TYPE_CNAME && d == NULL && link_cname(v, l, res, &link)) return link;
    if (d != NULL) return link_dname(v, l, d, res);
    return link_negative(v, l, res);
}

/* One link: the question for l->cur first (DO+CD), its signer name says
 * which zone to build the chain of trust to, then the answer's verdict; a
 * weak proof in this link's zone can only turn this link's bogus insecure. */
static dbx_sec_t resolve_link(dbx_resolver_t *r, dbx_vctx_t *v, link_t *l, dbx_result_t *res)
{
    dbx_sec_t s, link;
    v->weak = 0; /* a weak proof in one zone weakens only its own link */
    s = dbx_v_covered(r, v, l->cur, l->type); /* no question for data no anchor covers */
    if (s == DBX_SEC_SECURE) s = dbx_v_fetch(r, v, l->cur, l->type, &l->p);
    if (s == DBX_SEC_SECURE) s = answer_zone(r, v, l->p, l->cur, l->type, &l->zone, &l->keys);
    l->insecure = s == DBX_SEC_INSECURE;
    if (s != DBX_SEC_SECURE && !l->insecure) {
        link = worse(DBX_SEC_SECURE, s);
    } else {
        link = link_answer(v, l, res);
    }
    if (v->weak && link == DBX_SEC_BOGUS) {
        link = dbx_v_fail(v, DBX_SEC_INSECURE, v->weak_reason);
    }
    ldns_rr_list_deep_free(l->keys);
    ldns_rdf_deep_free(l->zone);
    ldns_pkt_free(l->p);
    return link;
}

/* The resolution's budgets: its clock (or the prefetch round's, with the
 * queries it already spent) and an open validity window. */
static void vctx_begin(dbx_resolver_t *r, dbx_vctx_t *v, int64_t now)
{
    memset(v, 0, sizeof *v);
    v->now = now;
    v->skew = r->clock_skew;
    v->nsec3_max_iter = r->nsec3_max_iter;
    v->start_ms = hal_clock_ms();
    if (r->pf_debt > 0) { /* the prefetch round asked for this resolution */
        v->queries = r->pf_debt;
        v->start_ms = r->pf_start_ms;
        r->pf_debt = 0;
    }
    v->valid_from = INT64_MIN;
    v->valid_until = INT64_MAX;
    r->cut_sig_min = INT64_MAX;
}

/* The question in @p res (canonical name), then the answer cache: a hit
 * needs no question and no signature (DBX_OK, *cur NULL); else the lists an
 * answer fills and the first link's name in *cur.  On error res is freed. */
static int question_begin(dbx_resolver_t *r, const ldns_rdf *name, uint16_t type, int64_t now,
                          dbx_result_t *res, ldns_rdf **cur)
{
    int st;
    *cur = NULL;
    res->qname = ldns_rdf_clone(name);
    if (res->qname == NULL) return DBX_ERR_NOMEM;
    ldns_dname2canonical(res->qname);
    res->qtype = type;
    st = dbx_acache_get(r, type, now, res);
    if (st == DBX_OK) return DBX_OK; /* no question, no signature */
    if (st != DBX_ERR_NOTFOUND) {
        dbx_result_free(res);
        return st;
    }
    res->answer = ldns_rr_list_new();
    res->chain = ldns_rr_list_new();
    *cur = ldns_rdf_clone(res->qname);
    if (res->qname == NULL || res->answer == NULL || res->chain == NULL || *cur == NULL) {
        ldns_rdf_deep_free(*cur);
        *cur = NULL;
        dbx_result_free(res);
        return DBX_ERR_NOMEM;
    }
    return DBX_OK;
}

/* The result: the chain's last name, the worst link's verdict, the least
 * TTL, the reason (a warning kept on secure) and the counters; data only
 * when secure or insecure, which the answer cache keeps. */
static void result_finish(dbx_resolver_t *r, const dbx_vctx_t *v, dbx_result_t *res, ldns_rdf *cur,
                          dbx_sec_t overall, uint32_t ttl_min, int64_t now)
{
    res->final_name = cur;
    res->sec = overall;
    res->ttl = ttl_min == UINT32_MAX ? 0 : ttl_min;
    if (overall == DBX_SEC_SECURE && v->ent_unproven) {
        snprintf(res->reason, sizeof res->reason, "validated; warning: %.100s", v->ent_reason);
    } else if (overall == DBX_SEC_SECURE) {
        snprintf(res->reason, sizeof res->reason, "validated");
    } else if (v->ent_unproven) {
        snprintf(res->reason, sizeof res->reason, "%.60s; %.60s", v->reason, v->ent_reason);
    } else {
        memcpy(res->reason, v->reason, sizeof res->reason);
    }
    if (res->reason[0] == '\0') snprintf(res->reason, sizeof res->reason, "%s", dbx_sec_str(overall));
    res->queries = v->queries;
    res->sig_verifies = v->sigs;
    res->nsec3_hashes = v->hashes;
    if (overall != DBX_SEC_SECURE && overall != DBX_SEC_INSECURE) {
        /* never hand out unvalidated data as an answer */
        ldns_rr_list_deep_free(res->answer);
        res->answer = ldns_rr_list_new();
    }
    if (res->answer != NULL) dbx_acache_put(r, v, res, now);
}

int dbx_resolve_rdf(dbx_resolver_t *r, const ldns_rdf *name, uint16_t type, int64_t now,
                    dbx_result_t *res)
{
    dbx_vctx_t v;
    ldns_rdf *cur = NULL;
    dbx_sec_t overall = DBX_SEC_SECURE;
    uint32_t ttl_min = UINT32_MAX;
    int hops = 0, done = 0, st;

    DBX_ASSERT(r != NULL && name != NULL && res != NULL && r->anchor != NULL);
    memset(res, 0, sizeof *res);
    DBX_CHECK(ldns_rdf_get_type(name) == LDNS_RDF_TYPE_DNAME, DBX_ERR_INVAL);
    vctx_begin(r, &v, now);
    st = question_begin(r, name, type, now, res, &cur);
    if (st != DBX_OK || cur == NULL) return st; /* an error, or the answer cache's */
    /* the chain: each link's verdict on its own, the worst one counts */
    while (!done) {
        link_t l = {cur, type, NULL, NULL, NULL, 0, UINT32_MAX, NULL};
        done = 1;
        overall = worse(overall, resolve_link(r, &v, &l, res));
        if (l.ttl < ttl_min) ttl_min = l.ttl;
        if (l.next != NULL && overall != DBX_SEC_BOGUS && overall != DBX_SEC_INDETERMINATE) {
            if (++hops > DBX_MAX_CNAME_HOPS) {
                overall = worse(overall, dbx_v_fail(&v, DBX_SEC_BOGUS, "CNAME chain too long (limit)"));
                ldns_rdf_deep_free(l.next);
            } else {
                ldns_dname2canonical(l.next);
                ldns_rdf_deep_free(cur);
                cur = l.next;
                done = 0;
            }
        } else {
            ldns_rdf_deep_free(l.next);
        }
    }
    result_finish(r, &v, res, cur, overall, ttl_min, now);
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
