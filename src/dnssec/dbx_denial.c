/* Authenticated denial of existence: the signed NSEC/NSEC3 records of a
 * response and the NSEC proofs (RFC 4035 s5.4, RFC 6840 s4); the NSEC3
 * proofs are in dbx_nsec3.c. */
#include "dnssec/dbx_dnssec_int.h"

#include <stdlib.h>
#include <string.h>

int dbx_v_bitmap_has(const ldns_rr *rr, size_t bm_idx, ldns_rr_type t)
{
    const ldns_rdf *bm = ldns_rr_rdf(rr, bm_idx);
    return bm != NULL && ldns_rdf_size(bm) > 0 && ldns_nsec_bitmap_covers_type(bm, t);
}

/* New name "*.<ce>". */
ldns_rdf *dbx_v_wildcard_of(const ldns_rdf *ce)
{
    size_t n = ldns_rdf_size(ce);
    uint8_t buf[LDNS_MAX_DOMAINLEN + 3];
    if (n + 2 > LDNS_MAX_DOMAINLEN) return NULL;
    buf[0] = 1;
    buf[1] = '*';
    memcpy(buf + 2, ldns_rdf_data(ce), n);
    return ldns_dname_new_frm_data((uint16_t)(n + 2), buf);
}


/* Validated NSEC RRs (one per owner) or NSEC3 RRs (at most DBX_V_N3_MAX_RECORDS)
 * of @p zone found in @p auth. */
static dbx_sec_t collect(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                         const ldns_rr_list *auth, ldns_rr_type t, ldns_rr_list *out)
{
    size_t nsets = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(auth, i);
        const ldns_rdf *owner = ldns_rr_owner(rr);
        int dup = 0;
        if (ldns_rr_get_type(rr) != t || !dbx_dname_under(owner, zone)) continue;
        for (size_t j = 0; j < ldns_rr_list_rr_count(out); j++) {
            if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(out, j)), owner) == 0) dup = 1;
        }
        if (dup) continue;
        if (nsets++ >= DBX_MAX_DENIAL_RRSETS) {
            return dbx_v_fail(v, DBX_SEC_BOGUS, "too many NSEC/NSEC3 records (limit)");
        }
        ldns_rr_list *set = dbx_select(auth, owner, t, 0);
        ldns_rr_list *sigs = dbx_select(auth, owner, LDNS_RR_TYPE_RRSIG, t);
        dbx_sec_t s = DBX_SEC_INDETERMINATE;
        int wild = -1;
        if (set != NULL && sigs != NULL) {
            s = dbx_rrset_verify(v, set, sigs, keys, NULL, zone, NULL, &wild);
        }
        if (s == DBX_SEC_SECURE &&
            (wild >= 0 || (t == LDNS_RR_TYPE_NSEC && ldns_rr_list_rr_count(set) == 1 &&
                           !dbx_dname_under(ldns_rr_rdf(ldns_rr_list_rr(set, 0), 0), zone)))) {
            /* Synthesised from a wildcard (CVE-2017-15105): it says nothing
             * about its owner name.  An NSEC whose next name leaves the zone
             * is no zone's NSEC chain (RFC 4034 s4.1.1).  Neither proves. */
            dbx_v_fail(v, s, wild >= 0 ? "wildcard-expanded NSEC/NSEC3 ignored"
                                       : "NSEC next name outside the zone ignored");
            ldns_rr_list_deep_free(set);
            ldns_rr_list_deep_free(sigs);
            continue;
        }
        if (s == DBX_SEC_SECURE && t == LDNS_RR_TYPE_NSEC3 &&
            ldns_rr_list_rr_count(out) + ldns_rr_list_rr_count(set) > DBX_V_N3_MAX_RECORDS) {
            s = dbx_v_fail(v, DBX_SEC_BOGUS, "too many NSEC3 records (limit)");
        } else if (s == DBX_SEC_SECURE && (ldns_rr_list_rr_count(set) == 1 || t == LDNS_RR_TYPE_NSEC3)) {
            /* NSEC3: one record per chain at a hashed owner (sorted into
             * their parameter sets by the proof) */
            for (size_t k = 0; k < ldns_rr_list_rr_count(set) && s == DBX_SEC_SECURE; k++) {
                ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(set, k));
                if (c == NULL || !ldns_rr_list_push_rr(out, c)) {
                    ldns_rr_free(c);
                    s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
                }
            }
        } else if (s == DBX_SEC_SECURE) {
            s = dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC RRset with several records");
        } else if (s == DBX_SEC_BOGUS) {
            char why[200];
            const char *pre = t == LDNS_RR_TYPE_NSEC ? "NSEC " : "NSEC3 ";
            size_t pl = strlen(pre);
            memcpy(why, pre, pl);
            strncpy(why + pl, v->reason, sizeof why - pl - 1);
            why[sizeof why - 1] = '\0';
            dbx_v_fail(v, s, why);
        }
        ldns_rr_list_deep_free(set);
        ldns_rr_list_deep_free(sigs);
        if (s != DBX_SEC_SECURE) return s;
    }
    return DBX_SEC_SECURE;
}

/* ---- NSEC ------------------------------------------------------------------ */

static int nsec_covers(const ldns_rr *nsec, const ldns_rdf *name)
{
    const ldns_rdf *owner = ldns_rr_owner(nsec), *next = ldns_rr_rdf(nsec, 0);
    int c1, c2;
    if (next == NULL) return 0;
    c1 = ldns_dname_compare(owner, name);
    c2 = ldns_dname_compare(name, next);
    if (ldns_dname_compare(owner, next) < 0) return c1 < 0 && c2 < 0;
    return c1 < 0 || c2 < 0; /* last NSEC of the zone wraps to the apex */
}

static const ldns_rr *nsec_find(const ldns_rr_list *l, const ldns_rdf *name, int match)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (match ? ldns_dname_compare(ldns_rr_owner(rr), name) == 0 : nsec_covers(rr, name)) {
            return rr;
        }
    }
    return NULL;
}

/* An NSEC at a delegation (NS without SOA) or DNAME cannot deny names below it. */
static int nsec_blocks_below(const ldns_rr *rr, size_t bm, const ldns_rdf *name)
{
    if (!ldns_dname_is_subdomain(name, ldns_rr_owner(rr))) return 0;
    return (dbx_v_bitmap_has(rr, bm, LDNS_RR_TYPE_NS) && !dbx_v_bitmap_has(rr, bm, LDNS_RR_TYPE_SOA)) ||
           dbx_v_bitmap_has(rr, bm, LDNS_RR_TYPE_DNAME);
}

/* The type bitmap (field @p bm_idx) of @p rr lists a type other than RRSIG
 * and NSEC, i.e. the name holds data (a malformed bitmap counts as data). */
static int bitmap_has_data(const ldns_rr *rr, size_t bm_idx)
{
    const ldns_rdf *bm = ldns_rr_rdf(rr, bm_idx);
    const uint8_t *d = bm != NULL ? ldns_rdf_data(bm) : NULL;
    size_t n = bm != NULL ? ldns_rdf_size(bm) : 0, i = 0;
    while (i < n) {
        size_t len;
        if (i + 2 > n || d[i + 1] == 0 || d[i + 1] > 32 || i + 2 + d[i + 1] > n) return 1;
        len = d[i + 1];
        for (size_t k = 0; k < len; k++) {
            uint8_t b = d[i + 2 + k];
            if (d[i] == 0 && k == 5) b &= (uint8_t)~0x03; /* RRSIG (46), NSEC (47) */
            if (b != 0) return 1;
        }
        i += 2 + len;
    }
    return 0;
}

dbx_sec_t dbx_v_nodata_bits(dbx_vctx_t *v, const ldns_rr *m, size_t bm, ldns_rr_type qtype,
                            dbx_denial_t *out)
{
    if (dbx_v_bitmap_has(m, bm, qtype)) return dbx_v_fail(v, DBX_SEC_BOGUS, "denial bitmap has the type");
    if (qtype == LDNS_RR_TYPE_ANY && bitmap_has_data(m, bm)) {
        /* "no data of any type" at a name whose record lists types */
        return dbx_v_fail(v, DBX_SEC_BOGUS, "denial bitmap has data (ANY)");
    }
    if (qtype != LDNS_RR_TYPE_CNAME && dbx_v_bitmap_has(m, bm, LDNS_RR_TYPE_CNAME)) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "denial bitmap has CNAME");
    }
    int deleg = dbx_v_bitmap_has(m, bm, LDNS_RR_TYPE_NS) && !dbx_v_bitmap_has(m, bm, LDNS_RR_TYPE_SOA);
    if (qtype == LDNS_RR_TYPE_DS) {
        if (dbx_v_bitmap_has(m, bm, LDNS_RR_TYPE_SOA)) {
            return dbx_v_fail(v, DBX_SEC_BOGUS, "DS denial from the child zone");
        }
        *out = deleg ? DBX_DENY_DELEGATION : DBX_DENY_NODATA;
        return DBX_SEC_SECURE;
    }
    if (deleg) return dbx_v_fail(v, DBX_SEC_BOGUS, "denial from the parent side of a delegation");
    *out = DBX_DENY_NODATA;
    return DBX_SEC_SECURE;
}

/* Closest encloser of @p qname that NSEC @p c (covering it) implies: the
 * deepest proper ancestor at or below @p zone that owner or next lie under.
 * A clone, or NULL (none, or out of memory: *@p nomem). */
static ldns_rdf *nsec_ce(const ldns_rr *c, const ldns_rdf *qname, const ldns_rdf *zone, int *nomem)
{
    *nomem = 0;
    for (int l = ldns_dname_label_count(qname) - 1; l >= ldns_dname_label_count(zone); l--) {
        ldns_rdf *ce = dbx_dname_ancestor(qname, l);
        if (ce == NULL) {
            *nomem = 1;
            return NULL;
        }
        if (dbx_dname_under(ldns_rr_owner(c), ce) || dbx_dname_under(ldns_rr_rdf(c, 0), ce)) return ce;
        ldns_rdf_deep_free(ce);
    }
    return NULL;
}

static dbx_sec_t nsec_prove(dbx_vctx_t *v, const ldns_rr_list *ns, const ldns_rdf *zone,
                            const ldns_rdf *qname, ldns_rr_type qtype, int want_nx,
                            dbx_denial_t *out)
{
    const ldns_rr *m = nsec_find(ns, qname, 1), *c, *wm;
    ldns_rdf *ce = NULL, *wc;
    dbx_sec_t s;
    if (m != NULL) {
        if (want_nx) return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC proves the name exists");
        return dbx_v_nodata_bits(v, m, 1, qtype, out);
    }
    c = nsec_find(ns, qname, 0);
    if (c == NULL) return dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC covers the name");
    if (nsec_blocks_below(c, 1, qname)) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC from above a delegation");
    }
    if (ldns_dname_is_subdomain(ldns_rr_rdf(c, 0), qname)) {
        /* an empty non-terminal: it exists without any type.  Some servers
         * answer NXDOMAIN for it; the proof shows NODATA, which is what is
         * true (as unbound: val_nodata_entnx) */
        *out = DBX_DENY_NODATA;
        return DBX_SEC_SECURE;
    }
    int nomem;
    ce = nsec_ce(c, qname, zone, &nomem);
    if (ce == NULL) {
        return dbx_v_fail(v, nomem ? DBX_SEC_INDETERMINATE : DBX_SEC_BOGUS,
                          nomem ? "out of memory" : "no closest encloser");
    }
    wc = dbx_v_wildcard_of(ce);
    ldns_rdf_deep_free(ce);
    if (wc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    wm = nsec_find(ns, wc, 1);
    if (wm != NULL) {
        s = dbx_v_nodata_bits(v, wm, 1, qtype, out);
        if (s == DBX_SEC_SECURE) *out = DBX_DENY_WILDCARD_NODATA;
        if (want_nx) s = dbx_v_fail(v, DBX_SEC_BOGUS, "NXDOMAIN but the wildcard exists");
    } else if (nsec_find(ns, wc, 0) != NULL) {
        *out = DBX_DENY_NXDOMAIN;
        s = want_nx ? DBX_SEC_SECURE
                    : dbx_v_fail(v, DBX_SEC_BOGUS, "NODATA response proves NXDOMAIN");
    } else {
        s = dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC proof for the wildcard");
    }
    ldns_rdf_deep_free(wc);
    return s;
}

/* The signed denial records of @p auth: the validated NSEC RRs in @p l
 * (*@p is_n3 == 0), or else the validated NSEC3 RRs (*@p is_n3 == 1).
 * Neither present: bogus with @p none. */
static dbx_sec_t load_denial(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                             const ldns_rr_list *auth, ldns_rr_list *l, int *is_n3, const char *none)
{
    dbx_sec_t s = collect(v, zone, keys, auth, LDNS_RR_TYPE_NSEC, l);
    *is_n3 = 0;
    if (s != DBX_SEC_SECURE || ldns_rr_list_rr_count(l) > 0) return s;
    s = collect(v, zone, keys, auth, LDNS_RR_TYPE_NSEC3, l);
    if (s != DBX_SEC_SECURE) return s;
    if (ldns_rr_list_rr_count(l) == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, none);
    *is_n3 = 1;
    return DBX_SEC_SECURE;
}

dbx_sec_t dbx_denial_prove(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                           const ldns_rr_list *auth, const ldns_rdf *qname, ldns_rr_type qtype,
                           int want_nx, dbx_denial_t *out)
{
    ldns_rr_list *l = ldns_rr_list_new();
    int is_n3 = 0;
    dbx_sec_t s;
    *out = DBX_DENY_NONE;
    if (l == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = load_denial(v, zone, keys, auth, l, &is_n3, "no NSEC/NSEC3 denial proof");
    if (s == DBX_SEC_SECURE && !is_n3) {
        s = nsec_prove(v, l, zone, qname, qtype, want_nx, out);
    } else if (s == DBX_SEC_SECURE) {
        s = dbx_nsec3_prove(v, l, zone, qname, qtype, want_nx, -1, out);
    }
    if (s == DBX_SEC_SECURE && *out == DBX_DENY_OPTOUT) {
        s = dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 opt-out");
    }
    ldns_rr_list_deep_free(l);
    return s;
}

dbx_sec_t dbx_denial_wildcard_answer(dbx_vctx_t *v, const ldns_rdf *zone,
                                     const ldns_rr_list *keys, const ldns_rr_list *auth,
                                     const ldns_rdf *qname, int labels)
{
    ldns_rr_list *l = ldns_rr_list_new();
    int is_n3 = 0;
    dbx_sec_t s;
    if (l == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = load_denial(v, zone, keys, auth, l, &is_n3, "wildcard answer without NSEC proof");
    if (s == DBX_SEC_SECURE && !is_n3) {
        /* RFC 4035 s5.3.4, RFC 4592 s4: an NSEC covers the name, and the
         * closest encloser it implies is the wildcard's parent (a replayed
         * wildcard answer for a name below an existing one fails here) */
        const ldns_rr *c = nsec_find(l, qname, 0);
        int nomem = 0;
        ldns_rdf *ce = c != NULL && !nsec_blocks_below(c, 1, qname) &&
                               !dbx_dname_under(ldns_rr_rdf(c, 0), qname)
                           ? nsec_ce(c, qname, zone, &nomem)
                           : NULL;
        if (nomem) {
            s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        } else if (ce == NULL || ldns_dname_label_count(ce) != (size_t)labels) {
            s = dbx_v_fail(v, DBX_SEC_BOGUS, "wildcard answer without NSEC proof");
        }
        ldns_rdf_deep_free(ce);
    } else if (s == DBX_SEC_SECURE) {
        dbx_denial_t o = DBX_DENY_NONE;
        s = dbx_nsec3_prove(v, l, zone, qname, 0, 0, labels, &o);
        if (s == DBX_SEC_SECURE && o == DBX_DENY_OPTOUT) {
            /* the expanded name may lie below an unsigned delegation */
            s = dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 opt-out");
        }
    }
    ldns_rr_list_deep_free(l);
    return s;
}
