/* NSEC3 denial of existence (RFC 5155 s8, RFC 9276): hashing, and proofs
 * over the records of a response, each hashed with its own chain's
 * parameters. */
#include "dnssec/dbx_dnssec_int.h"
#include "hal_crypto.h"

#include <stdlib.h>
#include <string.h>


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
    uint8_t set; /* its chain: index into n3set_t.par */
} n3_t;

/* One NSEC3 chain: the parameters its records share. */
typedef struct {
    uint16_t iter;
    const uint8_t *salt;
    size_t saltlen;
} n3par_t;

/* The usable records of a response sorted into their chains, and a memo of
 * the names hashed per chain. */
typedef struct {
    n3_t r[DBX_V_N3_MAX_RECORDS];
    size_t n;
    n3par_t par[DBX_V_N3_MAX_RECORDS]; /* a chain per record at most; the hash
                                        * budget bounds the work they cause */
    size_t np;
    ldns_rdf *mname[DBX_MAX_NSEC3_HASHES];
    uint8_t mset[DBX_MAX_NSEC3_HASHES];
    uint8_t mhash[DBX_MAX_NSEC3_HASHES][20];
    size_t mn;
} n3set_t;

/* H(@p name) with the parameters of chain @p k (memoised). */
static int n3_hash(dbx_vctx_t *v, n3set_t *s, size_t k, const ldns_rdf *name, uint8_t out[20])
{
    const n3par_t *p = &s->par[k];
    int st;
    for (size_t i = 0; i < s->mn; i++) {
        if (s->mset[i] == k && ldns_dname_compare(s->mname[i], name) == 0) {
            memcpy(out, s->mhash[i], 20);
            return DBX_OK;
        }
    }
    st = dbx_nsec3_hash(v, name, 1, p->iter, p->salt, p->saltlen, out);
    if (st == DBX_OK && s->mn < DBX_MAX_NSEC3_HASHES) {
        s->mname[s->mn] = ldns_rdf_clone(name);
        if (s->mname[s->mn] != NULL) {
            s->mset[s->mn] = (uint8_t)k;
            memcpy(s->mhash[s->mn++], out, 20);
        }
    }
    return st;
}

/* The record of chain @p k at hash @p h (@p match), or covering it. */
static const n3_t *n3_at(const n3set_t *s, size_t k, const uint8_t h[20], int match)
{
    const n3_t *optout = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const n3_t *r = &s->r[i];
        int c1 = memcmp(r->h, h, 20), c2 = memcmp(h, r->next, 20);
        if (r->set != k) continue;
        if (match) {
            if (c1 == 0) return r;
        } else if (memcmp(r->h, r->next, 20) < 0 ? (c1 < 0 && c2 < 0) : (c1 < 0 || c2 < 0)) {
            if (!r->optout) return r;
            if (optout == NULL) optout = r;
        }
    }
    return optout;
}

/* *@p out: a record matching @p name (@p match) or covering it, in any chain
 * (each hashes the name with its own parameters; a cover outside an opt-out
 * span is preferred).  Every chain of a zone enumerates all of its names
 * (RFC 5155 s7.1), so what one record says holds whichever chain it is
 * from, as in unbound and BIND.  @return DBX_OK, or the hash error. */
static int n3_find(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *name, int match, const n3_t **out)
{
    uint8_t h[20];
    *out = NULL;
    for (size_t k = 0; k < s->np; k++) {
        const n3_t *r;
        int st = n3_hash(v, s, k, name, h);
        if (st != DBX_OK) return st;
        r = n3_at(s, k, h, match);
        if (r != NULL && (match || !r->optout)) {
            *out = r;
            return DBX_OK;
        }
        if (r != NULL && *out == NULL) *out = r;
    }
    return DBX_OK;
}

/* Parameters of NSEC3 @p rr when it is usable in @p zone (hash algorithm 1,
 * no unknown flags, owner one label below the zone, well-formed): 0, else -1
 * (such records are ignored). */
static int n3_params(const ldns_rr *rr, int zl, n3par_t *par)
{
    const ldns_rdf *salt, *next;
    if (ldns_rr_rd_count(rr) < 5) return -1;
    if (ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 1 || ldns_rdf_data(ldns_rr_rdf(rr, 0))[0] != 1) return -1;
    if (ldns_rdf_size(ldns_rr_rdf(rr, 1)) != 1 || (ldns_rdf_data(ldns_rr_rdf(rr, 1))[0] & 0xFE)) return -1;
    if (ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2) return -1;
    if (ldns_dname_label_count(ldns_rr_owner(rr)) != zl + 1) return -1;
    salt = ldns_rr_rdf(rr, 3);
    next = ldns_rr_rdf(rr, 4);
    if (ldns_rdf_size(salt) < 1 || (size_t)ldns_rdf_size(salt) != (size_t)ldns_rdf_data(salt)[0] + 1 ||
        ldns_rdf_size(next) != 21 || ldns_rdf_data(next)[0] != 20) {
        return -1;
    }
    par->iter = (uint16_t)((ldns_rdf_data(ldns_rr_rdf(rr, 2))[0] << 8) | ldns_rdf_data(ldns_rr_rdf(rr, 2))[1]);
    par->salt = ldns_rdf_data(salt) + 1;
    par->saltlen = ldns_rdf_data(salt)[0];
    return 0;
}

static int n3par_eq(const n3par_t *a, const n3par_t *b)
{
    return a->iter == b->iter && a->saltlen == b->saltlen && memcmp(a->salt, b->salt, a->saltlen) == 0;
}

/* Load the usable validated NSEC3 RRs of @p l into @p s (at most
 * DBX_V_N3_MAX_RECORDS, later ones are ignored), sorted into their chains in
 * order of appearance.  A usable record above the iteration limit (the
 * resolver's, at most DBX_NSEC3_MAX_ITERATIONS) makes the answer insecure,
 * as unbound (RFC 9276 s3.2, val_nsec3_iter_high); two records of one chain
 * at one hashed owner contradict each other: bogus. */
static dbx_sec_t n3_load(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone, n3set_t *s)
{
    int zl = ldns_dname_label_count(zone);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        const uint8_t *o = ldns_rdf_data(ldns_rr_owner(rr));
        n3_t *r = &s->r[s->n];
        n3par_t p;
        size_t k = 0, hl;
        if (n3_params(rr, zl, &p) != 0) continue;
        if (p.iter > v->nsec3_max_iter) {
            return dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 iterations above limit");
        }
        if (s->n == DBX_V_N3_MAX_RECORDS) continue;
        while (k < s->np && !n3par_eq(&s->par[k], &p)) k++;
        if (k == s->np) s->par[s->np++] = p;
        if (dbx_b32hex_decode(o + 1, o[0], r->h, 20, &hl) != 0 || hl != 20) continue;
        if (n3_at(s, k, r->h, 1) != NULL) {
            return dbx_v_fail(v, DBX_SEC_BOGUS, "several NSEC3 records of one chain at one owner");
        }
        memcpy(r->next, ldns_rdf_data(ldns_rr_rdf(rr, 4)) + 1, 20);
        r->optout = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0] & 1;
        r->set = (uint8_t)k;
        r->rr = rr;
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
    if (st == DBX_ERR_NOMEM) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 hash failed");
}

/* *@p out: the record covering the ancestor of @p qname with @p labels
 * labels (the next closer name).  @return DBX_OK, or an error. */
static int n3_cover_ancestor(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *qname, int labels, const n3_t **out)
{
    ldns_rdf *nc = dbx_dname_ancestor(qname, labels);
    int st = nc != NULL ? n3_find(v, s, nc, 0, out) : DBX_ERR_NOMEM;
    ldns_rdf_deep_free(nc);
    return st;
}

/* Closest encloser proof (RFC 5155 s8.3): *ce (clone), *ncov covering next closer. */
static dbx_sec_t n3_ce_proof(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *zone,
                             const ldns_rdf *qname, ldns_rdf **ce, const n3_t **ncov)
{
    int ql = ldns_dname_label_count(qname), zl = ldns_dname_label_count(zone);
    *ce = NULL;
    for (int l = ql - 1; l >= zl; l--) {
        ldns_rdf *a = dbx_dname_ancestor(qname, l);
        const n3_t *m;
        int st = a != NULL ? n3_find(v, s, a, 1, &m) : DBX_ERR_NOMEM;
        if (st != DBX_OK || m == NULL) {
            ldns_rdf_deep_free(a);
            if (st != DBX_OK) return hash_fail(v, st);
            continue;
        }
        if (dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_DNAME) ||
            (dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_NS) && !dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_SOA))) {
            ldns_rdf_deep_free(a);
            return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 closest encloser is a delegation");
        }
        st = n3_cover_ancestor(v, s, qname, l + 1, ncov);
        if (st != DBX_OK || *ncov == NULL) {
            ldns_rdf_deep_free(a);
            if (st != DBX_OK) return hash_fail(v, st);
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
    const n3_t *m, *c = NULL, *ncov = NULL;
    ldns_rdf *ce = NULL, *wc;
    int st = n3_find(v, s, qname, 1, &m);
    dbx_sec_t r;
    if (st != DBX_OK) return hash_fail(v, st);
    if (m != NULL) {
        if (want_nx) return dbx_v_fail(v, DBX_SEC_BOGUS, "NSEC3 proves the name exists");
        return dbx_v_nodata_bits(v, m->rr, 5, qtype, out);
    }
    r = n3_ce_proof(v, s, zone, qname, &ce, &ncov);
    if (r != DBX_SEC_SECURE) return r;
    /* RFC 5155 s8.6, s9.2: an unsigned delegation may hide in an opt-out
     * span covering the next closer name: whatever the rest proves, the
     * answer is at best insecure (DBX_DENY_OPTOUT) -- but only once the rest
     * holds (NXDOMAIN: the wildcard proof; wildcard NODATA: its bitmap);
     * a plain NODATA or "no DS" the span alone explains */
    wc = dbx_v_wildcard_of(ce);
    ldns_rdf_deep_free(ce);
    if (wc == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    /* the wildcard's match, else its cover (no new hash: the match looked
     * it up in every chain) */
    st = n3_find(v, s, wc, 1, &m);
    if (st == DBX_OK && m == NULL) st = n3_find(v, s, wc, 0, &c);
    ldns_rdf_deep_free(wc);
    if (st != DBX_OK) return hash_fail(v, st);
    if (m != NULL) {
        r = dbx_v_nodata_bits(v, m->rr, 5, qtype, out);
        if (r == DBX_SEC_SECURE) *out = ncov->optout ? DBX_DENY_OPTOUT : DBX_DENY_WILDCARD_NODATA;
        if (want_nx) r = dbx_v_fail(v, DBX_SEC_BOGUS, "NXDOMAIN but the wildcard exists");
        return r;
    }
    if (ncov->optout && !want_nx) {
        *out = DBX_DENY_OPTOUT;
        return DBX_SEC_SECURE;
    }
    if (c != NULL) {
        *out = ncov->optout ? DBX_DENY_OPTOUT : DBX_DENY_NXDOMAIN;
        return want_nx ? DBX_SEC_SECURE
                       : dbx_v_fail(v, DBX_SEC_BOGUS, "NODATA response proves NXDOMAIN");
    }
    return dbx_v_fail(v, DBX_SEC_BOGUS, "no NSEC3 proof for the wildcard");
}

/* Wildcard answer (RFC 5155 s8.8): the next closer name of the expansion is
 * covered; *@p out OPTOUT when by an opt-out span, else NXDOMAIN. */
static dbx_sec_t n3_wild_prove(dbx_vctx_t *v, n3set_t *s, const ldns_rdf *qname, int wild_labels,
                               dbx_denial_t *out)
{
    const n3_t *c3;
    int st = n3_cover_ancestor(v, s, qname, wild_labels + 1, &c3);
    if (st != DBX_OK) return hash_fail(v, st);
    if (c3 == NULL) return dbx_v_fail(v, DBX_SEC_BOGUS, "wildcard answer without NSEC3 proof");
    *out = c3->optout ? DBX_DENY_OPTOUT : DBX_DENY_NXDOMAIN;
    return DBX_SEC_SECURE;
}

dbx_sec_t dbx_nsec3_prove(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone,
                          const ldns_rdf *qname, ldns_rr_type qtype, int want_nx, int wild_labels,
                          dbx_denial_t *out)
{
    n3set_t *s = calloc(1, sizeof *s);
    dbx_sec_t r;
    *out = DBX_DENY_NONE;
    if (s == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    r = n3_load(v, l, zone, s);
    if (r == DBX_SEC_SECURE) {
        r = wild_labels >= 0 ? n3_wild_prove(v, s, qname, wild_labels, out)
                             : nsec3_prove(v, s, zone, qname, qtype, want_nx, out);
    }
    n3_free(s);
    free(s);
    return r;
}
