/* Authenticated denial of existence: NSEC (RFC 4035 s5.4, RFC 6840 s4) and
 * NSEC3 (RFC 5155 s8, RFC 9276). */
#include "dnssec/dbx_dnssec_int.h"
#include "hal_crypto.h"

#include <stdlib.h>
#include <string.h>

static int has_type(const ldns_rr *rr, size_t bm_idx, ldns_rr_type t)
{
    const ldns_rdf *bm = ldns_rr_rdf(rr, bm_idx);
    return bm != NULL && ldns_rdf_size(bm) > 0 && ldns_nsec_bitmap_covers_type(bm, t);
}

/* New name "*.<ce>". */
static ldns_rdf *wildcard_of(const ldns_rdf *ce)
{
    size_t n = ldns_rdf_size(ce);
    uint8_t buf[LDNS_MAX_DOMAINLEN + 3];
    if (n + 2 > LDNS_MAX_DOMAINLEN) return NULL;
    buf[0] = 1;
    buf[1] = '*';
    memcpy(buf + 2, ldns_rdf_data(ce), n);
    return ldns_dname_new_frm_data((uint16_t)(n + 2), buf);
}


/* Validated NSEC or NSEC3 RRs (one per owner) of @p zone found in @p auth. */
static dbx_sec_t collect(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                         const ldns_rr_list *auth, ldns_rr_type t, ldns_rr_list *out)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(auth, i);
        const ldns_rdf *owner = ldns_rr_owner(rr);
        int dup = 0;
        if (ldns_rr_get_type(rr) != t || !dbx_dname_under(owner, zone)) continue;
        for (size_t j = 0; j < ldns_rr_list_rr_count(out); j++) {
            if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(out, j)), owner) == 0) dup = 1;
        }
        if (dup) continue;
        if (ldns_rr_list_rr_count(out) >= DBX_MAX_DENIAL_RRSETS) {
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
        if (s == DBX_SEC_SECURE && ldns_rr_list_rr_count(set) == 1) {
            ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(set, 0));
            if (c == NULL || !ldns_rr_list_push_rr(out, c)) {
                ldns_rr_free(c);
                s = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
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
    return (has_type(rr, bm, LDNS_RR_TYPE_NS) && !has_type(rr, bm, LDNS_RR_TYPE_SOA)) ||
           has_type(rr, bm, LDNS_RR_TYPE_DNAME);
}

static dbx_sec_t nodata_bits(dbx_vctx_t *v, const ldns_rr *m, size_t bm, ldns_rr_type qtype,
                             dbx_denial_t *out)
{
    if (has_type(m, bm, qtype)) return dbx_v_fail(v, DBX_SEC_BOGUS, "denial bitmap has the type");
    if (qtype != LDNS_RR_TYPE_CNAME && has_type(m, bm, LDNS_RR_TYPE_CNAME)) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "denial bitmap has CNAME");
    }
    int deleg = has_type(m, bm, LDNS_RR_TYPE_NS) && !has_type(m, bm, LDNS_RR_TYPE_SOA);
    if (qtype == LDNS_RR_TYPE_DS) {
        if (has_type(m, bm, LDNS_RR_TYPE_SOA)) {
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
        return nodata_bits(v, m, 1, qtype, out);
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
    wc = wildcard_of(ce);
    ldns_rdf_deep_free(ce);
    if (wc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    wm = nsec_find(ns, wc, 1);
    if (wm != NULL) {
        s = nodata_bits(v, wm, 1, qtype, out);
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

/* ---- NSEC3 ----------------------------------------------------------------- */

int dbx_nsec3_hash(dbx_vctx_t *v, const ldns_rdf *name, uint8_t alg, uint16_t iter,
                   const uint8_t *salt, size_t saltlen, uint8_t out[20])
{
    uint8_t buf[LDNS_MAX_DOMAINLEN + 1 + 255];
    size_t n = ldns_rdf_size(name);
    int st;
    DBX_CHECK(alg == 1, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(n <= LDNS_MAX_DOMAINLEN + 1 && saltlen <= 255, DBX_ERR_MALFORMED);
    if (v != NULL) {
        DBX_CHECK(v->hashes < DBX_MAX_NSEC3_HASHES, DBX_ERR_LIMIT);
        v->hashes++;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = ldns_rdf_data(name)[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
    }
    memcpy(buf + n, salt, saltlen);
    st = hal_crypto_hash(HAL_HASH_SHA1, buf, n + saltlen, out);
    for (uint32_t k = 0; st == DBX_OK && k < iter; k++) {
        memcpy(buf, out, 20);
        memcpy(buf + 20, salt, saltlen);
        st = hal_crypto_hash(HAL_HASH_SHA1, buf, 20 + saltlen, out);
    }
    return st;
}

int dbx_b32hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'v') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'V') d = c - 'A' + 10;
        else return -1;
        acc = (acc << 5) | (uint32_t)d;
        bits += 5;
        if (bits >= 8) {
            if (o >= cap) return -1;
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    *olen = o;
    return 0;
}

typedef struct {
    const ldns_rr *rr;
    uint8_t h[20];
    uint8_t next[20];
    uint8_t optout;
} n3_t;

typedef struct {
    n3_t r[DBX_MAX_DENIAL_RRSETS];
    size_t n;
    uint16_t iter;
    const uint8_t *salt;
    size_t saltlen;
    /* small memo of hashed names */
    ldns_rdf *mname[DBX_MAX_NSEC3_HASHES];
    uint8_t mhash[DBX_MAX_NSEC3_HASHES][20];
    size_t mn;
} n3set_t;

static int n3_hash(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *name, uint8_t out[20])
{
    for (size_t i = 0; i < s->mn; i++) {
        if (ldns_dname_compare(s->mname[i], name) == 0) {
            memcpy(out, s->mhash[i], 20);
            return DBX_OK;
        }
    }
    int st = dbx_nsec3_hash(v, name, 1, s->iter, s->salt, s->saltlen, out);
    if (st == DBX_OK && s->mn < DBX_MAX_NSEC3_HASHES) {
        s->mname[s->mn] = ldns_rdf_clone(name);
        if (s->mname[s->mn] != NULL) memcpy(s->mhash[s->mn++], out, 20);
    }
    return st;
}

static const n3_t *n3_find(const n3set_t *s, const uint8_t h[20], int match)
{
    for (size_t i = 0; i < s->n; i++) {
        const n3_t *r = &s->r[i];
        int c1 = memcmp(r->h, h, 20), c2 = memcmp(h, r->next, 20);
        if (match) {
            if (c1 == 0) return r;
        } else if (memcmp(r->h, r->next, 20) < 0 ? (c1 < 0 && c2 < 0) : (c1 < 0 || c2 < 0)) {
            return r;
        }
    }
    return NULL;
}

/* Parse validated NSEC3 RRs; fixes the parameter set from the first usable one. */
static dbx_sec_t n3_load(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone, n3set_t *s)
{
    int zl = ldns_dname_label_count(zone);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        const ldns_rdf *salt, *next;
        const uint8_t *o;
        size_t hl;
        uint16_t iter;
        n3_t *r = &s->r[s->n];
        if (ldns_rr_rd_count(rr) < 5) continue;
        if (ldns_rdf_data(ldns_rr_rdf(rr, 0))[0] != 1) continue;       /* hash alg */
        if (ldns_rdf_data(ldns_rr_rdf(rr, 1))[0] & 0xFE) continue;     /* unknown flags */
        if (ldns_dname_label_count(ldns_rr_owner(rr)) != zl + 1) continue;
        iter = (uint16_t)((ldns_rdf_data(ldns_rr_rdf(rr, 2))[0] << 8) |
                          ldns_rdf_data(ldns_rr_rdf(rr, 2))[1]);
        salt = ldns_rr_rdf(rr, 3);
        next = ldns_rr_rdf(rr, 4);
        if (ldns_rdf_size(salt) < 1 || ldns_rdf_size(next) != 21 || ldns_rdf_data(next)[0] != 20) {
            continue;
        }
        if (iter > DBX_NSEC3_MAX_ITERATIONS) {
            return dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 iterations above limit");
        }
        if (s->n > 0 && (iter != s->iter || s->saltlen != (size_t)ldns_rdf_data(salt)[0] ||
                         memcmp(s->salt, ldns_rdf_data(salt) + 1, s->saltlen) != 0)) {
            continue; /* other parameter set: ignore */
        }
        o = ldns_rdf_data(ldns_rr_owner(rr));
        if (dbx_b32hex_decode(o + 1, o[0], r->h, 20, &hl) != 0 || hl != 20) continue;
        memcpy(r->next, ldns_rdf_data(next) + 1, 20);
        r->optout = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0] & 1;
        r->rr = rr;
        s->iter = iter;
        s->salt = ldns_rdf_data(salt) + 1;
        s->saltlen = ldns_rdf_data(salt)[0];
        if ((size_t)ldns_rdf_size(salt) != s->saltlen + 1) continue;
        s->n++;
    }
    if (s->n == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, "no usable NSEC3 records");
    return DBX_SEC_SECURE;
}

static dbx_sec_t hash_fail(dbx_vctx_t *v, int st)
{
    if (st == DBX_ERR_LIMIT) {
        return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "NSEC3 hash limit reached");
    }
    return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 hash failed");
}

/* Closest encloser proof (RFC 5155 s8.3): *ce (clone), *ncov covering next closer. */
static dbx_sec_t n3_ce_proof(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *zone,
                             const ldns_rdf *qname, ldns_rdf **ce, const n3_t **ncov)
{
    int ql = ldns_dname_label_count(qname), zl = ldns_dname_label_count(zone);
    uint8_t h[20];
    *ce = NULL;
    for (int l = ql - 1; l >= zl; l--) {
        ldns_rdf *a = dbx_dname_ancestor(qname, l);
        const n3_t *m;
        int st;
        if (a == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        st = n3_hash(v, s, a, h);
        if (st != DBX_OK) {
            ldns_rdf_deep_free(a);
            return hash_fail(v, st);
        }
        m = n3_find(s, h, 1);
        if (m == NULL) {
            ldns_rdf_deep_free(a);
            continue;
        }
        if (has_type(m->rr, 5, LDNS_RR_TYPE_DNAME) ||
            (has_type(m->rr, 5, LDNS_RR_TYPE_NS) && !has_type(m->rr, 5, LDNS_RR_TYPE_SOA))) {
            ldns_rdf_deep_free(a);
            return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 closest encloser is a delegation");
        }
        ldns_rdf *nc = dbx_dname_ancestor(qname, l + 1);
        if (nc == NULL) {
            ldns_rdf_deep_free(a);
            return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        }
        st = n3_hash(v, s, nc, h);
        ldns_rdf_deep_free(nc);
        if (st != DBX_OK) {
            ldns_rdf_deep_free(a);
            return hash_fail(v, st);
        }
        *ncov = n3_find(s, h, 0);
        if (*ncov == NULL) {
            ldns_rdf_deep_free(a);
            return dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC3 covers the next closer name");
        }
        *ce = a;
        return DBX_SEC_SECURE;
    }
    return dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC3 closest encloser proof");
}

static void n3_free(n3set_t *s)
{
    for (size_t i = 0; i < s->mn; i++) ldns_rdf_deep_free(s->mname[i]);
    s->mn = 0;
}

static dbx_sec_t nsec3_prove(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *zone,
                             const ldns_rdf *qname, ldns_rr_type qtype, int want_nx,
                             dbx_denial_t *out)
{
    uint8_t h[20];
    const n3_t *m, *ncov = NULL;
    ldns_rdf *ce = NULL, *wc;
    int st = n3_hash(v, s, qname, h);
    dbx_sec_t r;
    if (st != DBX_OK) return hash_fail(v, st);
    m = n3_find(s, h, 1);
    if (m != NULL) {
        if (want_nx) return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 proves the name exists");
        return nodata_bits(v, m->rr, 5, qtype, out);
    }
    r = n3_ce_proof(v, s, zone, qname, &ce, &ncov);
    if (r != DBX_SEC_SECURE) return r;
    /* RFC 5155 s8.6, s9.2: an unsigned delegation may hide in an opt-out
     * span covering the next closer name: whatever the rest proves, the
     * answer is at best insecure (DBX_DENY_OPTOUT) -- but only once the rest
     * holds (NXDOMAIN: the wildcard proof; wildcard NODATA: its bitmap);
     * a plain NODATA or "no DS" the span alone explains */
    wc = wildcard_of(ce);
    ldns_rdf_deep_free(ce);
    if (wc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    st = n3_hash(v, s, wc, h);
    ldns_rdf_deep_free(wc);
    if (st != DBX_OK) return hash_fail(v, st);
    if ((m = n3_find(s, h, 1)) != NULL) {
        r = nodata_bits(v, m->rr, 5, qtype, out);
        if (r == DBX_SEC_SECURE) *out = ncov->optout ? DBX_DENY_OPTOUT : DBX_DENY_WILDCARD_NODATA;
        if (want_nx) r = dbx_v_fail(v, DBX_SEC_BOGUS, "NXDOMAIN but the wildcard exists");
        return r;
    }
    if (ncov->optout && !want_nx) {
        *out = DBX_DENY_OPTOUT;
        return DBX_SEC_SECURE;
    }
    if (n3_find(s, h, 0) != NULL) {
        *out = ncov->optout ? DBX_DENY_OPTOUT : DBX_DENY_NXDOMAIN;
        return want_nx ? DBX_SEC_SECURE
                       : dbx_v_fail(v, DBX_SEC_BOGUS, "NODATA response proves NXDOMAIN");
    }
    return dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC3 proof for the wildcard");
}

/* The signed denial records of @p auth: the validated NSEC RRs in @p l
 * (*n3 == NULL), or else the validated NSEC3 set loaded into *n3 (caller
 * frees with n3_free + free).  Neither present: bogus with @p none. */
static dbx_sec_t load_denial(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                             const ldns_rr_list *auth, ldns_rr_list *l, n3set_t **n3,
                             const char *none)
{
    dbx_sec_t s = collect(v, zone, keys, auth, LDNS_RR_TYPE_NSEC, l);
    *n3 = NULL;
    if (s != DBX_SEC_SECURE || ldns_rr_list_rr_count(l) > 0) return s;
    s = collect(v, zone, keys, auth, LDNS_RR_TYPE_NSEC3, l);
    if (s != DBX_SEC_SECURE) return s;
    if (ldns_rr_list_rr_count(l) == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, none);
    *n3 = calloc(1, sizeof **n3);
    if (*n3 == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    return n3_load(v, l, zone, *n3);
}

dbx_sec_t dbx_denial_prove(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *keys,
                           const ldns_rr_list *auth, const ldns_rdf *qname, ldns_rr_type qtype,
                           int want_nx, dbx_denial_t *out)
{
    ldns_rr_list *l = ldns_rr_list_new();
    n3set_t *n3 = NULL;
    dbx_sec_t s;
    *out = DBX_DENY_NONE;
    if (l == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = load_denial(v, zone, keys, auth, l, &n3, "no NSEC/NSEC3 denial proof");
    if (s == DBX_SEC_SECURE) {
        s = n3 == NULL ? nsec_prove(v, l, zone, qname, qtype, want_nx, out)
                       : nsec3_prove(v, n3, zone, qname, qtype, want_nx, out);
    }
    if (s == DBX_SEC_SECURE && *out == DBX_DENY_OPTOUT) {
        s = dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 opt-out");
    }
    if (n3 != NULL) {
        n3_free(n3);
        free(n3);
    }
    ldns_rr_list_deep_free(l);
    return s;
}

dbx_sec_t dbx_denial_wildcard_answer(dbx_vctx_t *v, const ldns_rdf *zone,
                                     const ldns_rr_list *keys, const ldns_rr_list *auth,
                                     const ldns_rdf *qname, int labels)
{
    ldns_rr_list *l = ldns_rr_list_new();
    n3set_t *n3 = NULL;
    dbx_sec_t s;
    if (l == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    s = load_denial(v, zone, keys, auth, l, &n3, "wildcard answer without NSEC proof");
    if (s == DBX_SEC_SECURE && n3 == NULL) {
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
        const n3_t *c3;
        uint8_t h[20];
        ldns_rdf *nc = dbx_dname_ancestor(qname, labels + 1);
        int st = nc ? n3_hash(v, n3, nc, h) : DBX_ERR_NOMEM;
        ldns_rdf_deep_free(nc);
        if (st != DBX_OK) {
            s = hash_fail(v, st);
        } else if ((c3 = n3_find(n3, h, 0)) == NULL) {
            s = dbx_v_fail(v, DBX_SEC_BOGUS, "wildcard answer without NSEC3 proof");
        } else if (c3->optout) {
            /* the expanded name may lie below an unsigned delegation */
            s = dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 opt-out");
        }
    }
    if (n3 != NULL) {
        n3_free(n3);
        free(n3);
    }
    ldns_rr_list_deep_free(l);
    return s;
}
