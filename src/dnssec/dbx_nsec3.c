/* NSEC3 denial of existence (RFC 5155 s8, RFC 9276): hashing, and proofs run
 * in each chain (parameter set) of a response on its own. */
#include "dnssec/dbx_dnssec_int.h"
#include "hal_crypto.h"

#include <stdlib.h>
#include <string.h>

/* NSEC3 parameter sets (chains) tried per proof, in order of appearance. */
#define N3_MAX_SETS 4

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

/* One NSEC3 chain: the parameters every record of a proof shares. */
typedef struct {
    uint16_t iter;
    const uint8_t *salt;
    size_t saltlen;
} n3par_t;

typedef struct {
    n3_t r[DBX_V_N3_MAX_RECORDS];
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

/* The distinct parameter sets of the usable validated NSEC3 RRs in @p l, in
 * order of appearance (at most N3_MAX_SETS; later chains are not tried).  A
 * usable record above the iteration limit (the resolver's, at most
 * DBX_NSEC3_MAX_ITERATIONS) makes the answer insecure, as unbound (RFC 9276
 * s3.2, val_nsec3_iter_high). */
static dbx_sec_t n3_sets(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone, n3par_t *par,
                         size_t *np)
{
    int zl = ldns_dname_label_count(zone);
    *np = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        n3par_t p;
        size_t k = 0;
        if (n3_params(ldns_rr_list_rr(l, i), zl, &p) != 0) continue;
        if (p.iter > v->nsec3_max_iter) {
            return dbx_v_fail(v, DBX_SEC_INSECURE, "NSEC3 iterations above limit");
        }
        while (k < *np && !n3par_eq(&par[k], &p)) k++;
        if (k == *np && *np < N3_MAX_SETS) par[(*np)++] = p;
    }
    if (*np == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, "no usable NSEC3 records");
    return DBX_SEC_SECURE;
}

/* Load the records of @p l in chain @p par into @p s: one record per hashed
 * owner (two of one chain at one owner contradict each other: bogus). */
static dbx_sec_t n3_load(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone, const n3par_t *par,
                         n3set_t *s)
{
    int zl = ldns_dname_label_count(zone);
    s->iter = par->iter;
    s->salt = par->salt;
    s->saltlen = par->saltlen;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l) && s->n < DBX_V_N3_MAX_RECORDS; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        const uint8_t *o = ldns_rdf_data(ldns_rr_owner(rr));
        n3_t *r = &s->r[s->n];
        n3par_t p;
        size_t hl;
        if (n3_params(rr, zl, &p) != 0 || !n3par_eq(&p, par)) continue;
        if (dbx_b32hex_decode(o + 1, o[0], r->h, 20, &hl) != 0 || hl != 20) continue;
        if (n3_find(s, r->h, 1) != NULL) {
            return dbx_v_fail(v, DBX_SEC_BOGUS, "several NSEC3 records of one chain at one owner");
        }
        memcpy(r->next, ldns_rdf_data(ldns_rr_rdf(rr, 4)) + 1, 20);
        r->optout = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0] & 1;
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
        if (dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_DNAME) ||
            (dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_NS) && !dbx_v_bitmap_has(m->rr, 5, LDNS_RR_TYPE_SOA))) {
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
    st = n3_hash(v, s, wc, h);
    ldns_rdf_deep_free(wc);
    if (st != DBX_OK) return hash_fail(v, st);
    if ((m = n3_find(s, h, 1)) != NULL) {
        r = dbx_v_nodata_bits(v, m->rr, 5, qtype, out);
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

/* A proof asked of the NSEC3 chains (n3_each_chain). */
typedef struct {
    const ldns_rdf *zone, *qname;
    ldns_rr_type qtype;
    int want_nx;
    int wild_labels; /* >= 0: a wildcard answer's proof, RRSIG labels */
} n3q_t;

/* Wildcard answer (RFC 5155 s8.8): the next closer name of the expansion is
 * covered; *@p out OPTOUT when by an opt-out span, else NXDOMAIN. */
static dbx_sec_t n3_wild_prove(dbx_vctx_t *v, n3set_t *s, const n3q_t *q, dbx_denial_t *out)
{
    const n3_t *c3;
    uint8_t h[20];
    ldns_rdf *nc = dbx_dname_ancestor(q->qname, q->wild_labels + 1);
    int st = nc ? n3_hash(v, s, nc, h) : DBX_ERR_NOMEM;
    ldns_rdf_deep_free(nc);
    if (st == DBX_ERR_NOMEM) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
    if (st != DBX_OK) return hash_fail(v, st);
    if ((c3 = n3_find(s, h, 0)) == NULL) {
        return dbx_v_fail(v, DBX_SEC_BOGUS, "wildcard answer without NSEC3 proof");
    }
    *out = c3->optout ? DBX_DENY_OPTOUT : DBX_DENY_NXDOMAIN;
    return DBX_SEC_SECURE;
}

/* Run proof @p q in each NSEC3 chain (parameter set) of @p l on its own
 * (RFC 5155 s7.1: a chain has one set of parameters): records of several
 * chains never combine into a proof that no single chain gives.  The first
 * chain that proves it without opt-out wins, else one that proves it with
 * opt-out (*@p out OPTOUT), else the first chain's failure. */
static dbx_sec_t n3_each_chain(dbx_vctx_t *v, const ldns_rr_list *l, const n3q_t *q, dbx_denial_t *out)
{
    n3par_t par[N3_MAX_SETS];
    size_t np = 0;
    char first[sizeof v->reason], before[sizeof v->reason];
    dbx_denial_t bout = DBX_DENY_NONE;
    int proven = 0;
    dbx_sec_t s = n3_sets(v, l, q->zone, par, &np);
    first[0] = '\0';
    memcpy(before, v->reason, sizeof before); /* a chain that proves leaves no reason */
    if (s != DBX_SEC_SECURE) return s;
    for (size_t i = 0; i < np; i++) {
        n3set_t *set = calloc(1, sizeof *set);
        dbx_denial_t o = DBX_DENY_NONE;
        if (set == NULL) return dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
        s = n3_load(v, l, q->zone, &par[i], set);
        if (s == DBX_SEC_SECURE) {
            s = q->wild_labels >= 0 ? n3_wild_prove(v, set, q, &o)
                                    : nsec3_prove(v, set, q->zone, q->qname, q->qtype, q->want_nx, &o);
        }
        n3_free(set);
        free(set);
        if (s == DBX_SEC_SECURE && o != DBX_DENY_OPTOUT) {
            *out = o;
            memcpy(v->reason, before, sizeof before);
            return s;
        }
        if (s == DBX_SEC_SECURE) {
            proven = 1;
            bout = o;
        } else if (s == DBX_SEC_INDETERMINATE) {
            if (!proven) return s;
            break; /* budget spent: the opt-out proof stands on its own */
        } else if (first[0] == '\0') {
            memcpy(first, v->reason, sizeof first);
        }
    }
    if (proven) {
        *out = bout;
        memcpy(v->reason, before, sizeof before);
        return DBX_SEC_SECURE;
    }
    return dbx_v_fail(v, DBX_SEC_BOGUS, first);
}

dbx_sec_t dbx_nsec3_prove(dbx_vctx_t *v, const ldns_rr_list *l, const ldns_rdf *zone,
                          const ldns_rdf *qname, ldns_rr_type qtype, int want_nx, int wild_labels,
                          dbx_denial_t *out)
{
    n3q_t q = {zone, qname, qtype, want_nx, wild_labels};
    *out = DBX_DENY_NONE;
    return n3_each_chain(v, l, &q, out);
}
