/* Answers: the zone of an answer, RRset validation, CNAME/DNAME links
 * and dbx_resolve() itself (see dbx_resolver.h). */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dbx_sec_t answer_zone(dbx_resolver_t *r, dbx_vctx_t *v, const ldns_pkt *p,
                             const ldns_rdf *cur, ldns_rr_type qtype, ldns_rdf **zone_out,
                             ldns_rr_list **keys_out)
{
    static const ldns_rr_type cn[] = {LDNS_RR_TYPE_CNAME};
    static const ldns_rr_type dn[] = {LDNS_RR_TYPE_DNAME};
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    ldns_rr_list *sigs = NULL; /* RRSIGs of every section (dbx_v_pkt_sigs) */
    const ldns_rdf *owner = cur, *sn = NULL;
    ldns_rr_type qt = qtype;
    int seen = 0, proper = qtype == LDNS_RR_TYPE_DS, dname_above = 0, weak0, weak;
    ldns_rdf *zone = NULL;
    ldns_rr_list *keys = NULL;
    dbx_sec_t s;

    *zone_out = NULL;
    *keys_out = NULL;
    /* the caller asked only after dbx_v_covered(): cur is under the anchor */
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *d = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNAME && ldns_dname_is_subdomain(cur, ldns_rr_owner(d))) {
            if (!dname_above) owner = ldns_rr_owner(d);
            dname_above = 1;
        }
    }
    sigs = dbx_v_pkt_sigs(p, NULL, 0);
    if (sigs == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    /* which RRset the main loop will validate (same order as there) */
    if (qtype == LDNS_RR_TYPE_ANY && !dname_above && dbx_v_has_data(ans, cur)) {
        /* every RRset at the name, one zone signs them all */
        owner = cur;
        sn = dbx_v_pick_signer(sigs, cur, NULL, 0, cur, 0, &seen);
    } else if (dbx_v_has_rr(ans, cur, qtype) && !(qtype == LDNS_RR_TYPE_CNAME && dname_above)) {
        owner = cur;
        sn = dbx_v_pick_signer(sigs, cur, &qt, 1, cur, proper, &seen);
    } else if (qtype != LDNS_RR_TYPE_CNAME && !dname_above && dbx_v_has_rr(ans, cur, LDNS_RR_TYPE_CNAME)) {
        owner = cur;
        proper = 0;
        sn = dbx_v_pick_signer(sigs, cur, cn, 1, cur, 0, &seen);
    } else if (dname_above) {
        proper = 0;
        sn = dbx_v_pick_signer(sigs, owner, dn, 1, owner, 0, &seen);
    } else {
        owner = cur;
        sn = dbx_v_pick_signer(ldns_pkt_authority(p), NULL, dbx_v_neg_types, DBX_ARRAY_LEN(dbx_v_neg_types), cur,
                         proper, &seen);
    }
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
            /* probe the parent label of the TLSA owner */
            ldns_rdf *par = dbx_dname_ancestor(cur, last - 1);
            ldns_pkt *pp = NULL;
            dbx_cache_entry_t *e = par ? dbx_v_cache_get(r, par, v->now) : NULL;
            if (par == NULL) {
                s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            } else if (e != NULL) {
                r->cache_hits++; /* DBX_V_CUT_NONE: known_cut_below saw the others */
            } else {
                s = dbx_v_fetch(r, v, par, LDNS_RR_TYPE_DS, &pp);
                if (s == DBX_SEC_SECURE) {
                    int sseen = 0;
                    const ldns_rdf *ps = dbx_v_ds_signer(pp, par, &sseen);
                    if (ps != NULL && ldns_dname_compare(ps, zone) != 0 && dbx_dname_under(ps, zone)) {
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
                            ldns_rdf_deep_free(zone);
                            zone = z2;
                            z2 = NULL;
                        }
                        ldns_rdf_deep_free(z2);
                        ldns_rr_list_deep_free(k2);
                    } else if (ps == NULL && !sseen) {
                        /* unsigned: an insecure cut may lie between (or the
                         * signatures were stripped): prove every label */
                        s = dbx_v_walk_down(r, v, cur, ldns_dname_label_count(zone) + 1, last - 1, last,
                                      &zone, &keys, NULL);
                    } else {
                        /* same zone (or forged: its proof fails as in the walk) */
                        s = dbx_v_walk_down(r, v, cur, last - 1, last - 1, last, &zone, &keys, &pp);
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
    v.nsec3_max_iter = r->nsec3_max_iter;
    v.start_ms = hal_clock_ms();
    if (r->pf_debt > 0) { /* the prefetch round asked for this resolution */
        v.queries = r->pf_debt;
        v.start_ms = r->pf_start_ms;
        r->pf_debt = 0;
    }
    v.valid_from = INT64_MIN;
    v.valid_until = INT64_MAX;
    r->cut_sig_min = INT64_MAX;
    res->qname = ldns_rdf_clone(name);
    if (res->qname == NULL) return DBX_ERR_NOMEM;
    ldns_dname2canonical(res->qname);
    res->qtype = type;
    {
        int st = dbx_acache_get(r, type, now, res);
        if (st == DBX_OK) return DBX_OK; /* no question, no signature */
        if (st != DBX_ERR_NOTFOUND) {
            dbx_result_free(res);
            return st;
        }
    }
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
        s = dbx_v_covered(r, &v, cur, type); /* no question for data no anchor covers */
        if (s == DBX_SEC_SECURE) s = dbx_v_fetch(r, &v, cur, type, &p);
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
        /* 1. ANY: every RRset at the name */
        if (type == LDNS_RR_TYPE_ANY && !dname_above && dbx_v_has_data(ldns_pkt_answer(p), cur)) {
            link = worse(link, check_any(&v, p, cur, insecure, zone, keys, &ttl, res));
            res->kind = DBX_ANSWER_DATA;
            goto link_end;
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
                if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(&v, s, "CNAME");
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
            if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(&v, s, "DNAME");
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
            ttl = dbx_v_neg_ttl(p);
            if (ldns_pkt_ancount(p) > 0 && !nx) {
                /* answer without our RRset, CNAME or DNAME: unrelated data */
                s = dbx_v_fail(&v, DBX_SEC_BOGUS, "answer does not match the question");
            } else if (insecure) {
                s = DBX_SEC_INSECURE;
                d = nx ? DBX_DENY_NXDOMAIN : DBX_DENY_NODATA;
            } else {
                s = dbx_denial_prove(&v, zone, keys, ldns_pkt_authority(p), cur, type, nx, &d);
                if (s == DBX_SEC_BOGUS) s = dbx_v_prefix_fail(&v, s, nx ? "NXDOMAIN" : "NODATA");
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
    if (res->answer != NULL) dbx_acache_put(r, &v, res, now);
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
