/* RRSIG verification (RFC 4034 s3.1.8.1, s6), DS matching (RFC 4034 s5.1.4,
 * RFC 4509, RFC 6605), key tags, algorithm policy (RFC 8624). */
#include "dnssec/dbx_dnssec_int.h"
#include "hal_crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dbx_sec_t dbx_v_fail(dbx_vctx_t *v, dbx_sec_t sec, const char *reason)
{
    if (v != NULL && reason != NULL) {
        size_t n = strlen(reason);
        if (n >= sizeof v->reason) n = sizeof v->reason - 1;
        memmove(v->reason, reason, n);
        v->reason[n] = '\0';
    }
    return sec;
}

int dbx_alg_supported(uint8_t alg)
{
    /* RSASHA256, RSASHA512, ECDSAP256SHA256, ECDSAP384SHA384.  Ed25519/Ed448:
     * not in mbedTLS 3.6 -> unsupported (insecure when alone, RFC 6840 5.2). */
    return alg == 8 || alg == 10 || alg == 13 || alg == 14;
}

int dbx_digest_supported(uint8_t d)
{
    return d == 1 || d == 2 || d == 4;
}

uint16_t dbx_keytag(const ldns_rr *dnskey)
{
    return ldns_calc_keytag(dnskey);
}

static int rdf_u8(const ldns_rr *rr, size_t i, uint8_t *out)
{
    const ldns_rdf *f = ldns_rr_rdf(rr, i);
    DBX_CHECK(f != NULL && ldns_rdf_size(f) == 1, DBX_ERR_MALFORMED);
    *out = ldns_rdf_data(f)[0];
    return DBX_OK;
}

static int rdf_u16(const ldns_rr *rr, size_t i, uint16_t *out)
{
    const ldns_rdf *f = ldns_rr_rdf(rr, i);
    DBX_CHECK(f != NULL && ldns_rdf_size(f) == 2, DBX_ERR_MALFORMED);
    *out = (uint16_t)((ldns_rdf_data(f)[0] << 8) | ldns_rdf_data(f)[1]);
    return DBX_OK;
}

static int rdf_u32(const ldns_rr *rr, size_t i, uint32_t *out)
{
    const ldns_rdf *f = ldns_rr_rdf(rr, i);
    const uint8_t *d;
    DBX_CHECK(f != NULL && ldns_rdf_size(f) == 4, DBX_ERR_MALFORMED);
    d = ldns_rdf_data(f);
    *out = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
    return DBX_OK;
}

/* Output of the signed data and DS digest input: a sizing pass (d == NULL)
 * counts, then a pass into an exact-size allocation writes.  A write past
 * cap is never done, only counted, so a wrong size shows as n != cap. */
typedef struct {
    uint8_t *d;
    size_t n, cap;
} wbuf_t;

static void wb_put(wbuf_t *w, const void *p, size_t n)
{
    if (w->d != NULL && n <= w->cap - w->n) memcpy(w->d + w->n, p, n);
    w->n += n;
}

static void wb_u16(wbuf_t *w, uint16_t x)
{
    uint8_t b[2] = {(uint8_t)(x >> 8), (uint8_t)x};
    wb_put(w, b, 2);
}

/* Second pass: allocate what the first one counted (at most @p max). */
static int wb_alloc(wbuf_t *w, size_t max)
{
    DBX_CHECK(w->n <= max, DBX_ERR_LIMIT);
    w->cap = w->n;
    w->n = 0;
    w->d = malloc(w->cap ? w->cap : 1);
    return w->d != NULL ? DBX_OK : DBX_ERR_NOMEM;
}

/* Canonical (lower-case, uncompressed) wire form of a name, without its
 * first @p skip_labels labels, prefixed with "*" when @p star. */
static int put_name(wbuf_t *w, const ldns_rdf *name, int skip_labels, int star)
{
    const uint8_t *d = ldns_rdf_data(name);
    size_t n = ldns_rdf_size(name), pos = 0;
    for (int k = 0; k < skip_labels; k++) {
        DBX_CHECK(pos < n && d[pos] != 0, DBX_ERR_MALFORMED);
        pos += (size_t)d[pos] + 1;
    }
    DBX_CHECK(pos < n, DBX_ERR_MALFORMED);
    if (star) wb_put(w, "\001*", 2);
    for (; pos < n; pos++) {
        uint8_t c = d[pos];
        /* Length octets are < 64 so never in 'A'..'Z'. */
        if (c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
        wb_put(w, &c, 1);
    }
    return DBX_OK;
}

int dbx_ds_match(const ldns_rr *ds, const ldns_rr *key)
{
    uint16_t tag, flags;
    uint8_t alg, dt, kalg;
    hal_hash_alg_t h;
    uint8_t md[HAL_HASH_MAX_LEN];
    const ldns_rdf *dig;
    wbuf_t w = {NULL, 0, 0};
    int st;
    DBX_ASSERT(ds != NULL && key != NULL);
    DBX_CHECK(ldns_rr_rd_count(ds) == 4 && ldns_rr_rd_count(key) == 4, DBX_ERR_MALFORMED);
    DBX_CHECK(rdf_u16(ds, 0, &tag) == DBX_OK && rdf_u8(ds, 1, &alg) == DBX_OK &&
                  rdf_u8(ds, 2, &dt) == DBX_OK,
              DBX_ERR_MALFORMED);
    DBX_CHECK(rdf_u16(key, 0, &flags) == DBX_OK && rdf_u8(key, 2, &kalg) == DBX_OK,
              DBX_ERR_MALFORMED);
    if (alg != kalg || tag != dbx_keytag(key)) return DBX_ERR_CRYPTO;
    if (ldns_dname_compare(ldns_rr_owner(ds), ldns_rr_owner(key)) != 0) return DBX_ERR_CRYPTO;
    switch (dt) {
    case 1: h = HAL_HASH_SHA1; break;
    case 2: h = HAL_HASH_SHA256; break;
    case 4: h = HAL_HASH_SHA384; break;
    default: return DBX_ERR_UNSUPPORTED;
    }
    dig = ldns_rr_rdf(ds, 3);
    DBX_CHECK(dig != NULL && ldns_rdf_size(dig) == hal_hash_len(h), DBX_ERR_CRYPTO);
    st = DBX_OK;
    for (int pass = 0; pass < 2 && st == DBX_OK; pass++) {
        if (pass == 1) st = wb_alloc(&w, LDNS_MAX_DOMAINLEN + 1 + 65535);
        if (st == DBX_OK) st = put_name(&w, ldns_rr_owner(key), 0, 0);
        for (size_t i = 0; i < 4 && st == DBX_OK; i++) {
            wb_put(&w, ldns_rdf_data(ldns_rr_rdf(key, i)), ldns_rdf_size(ldns_rr_rdf(key, i)));
        }
    }
    if (st == DBX_OK && w.n != w.cap) st = DBX_ERR_MALFORMED;
    if (st == DBX_OK) st = hal_crypto_hash(h, w.d, w.n, md);
    free(w.d);
    if (st != DBX_OK) return st;
    return memcmp(md, ldns_rdf_data(dig), ldns_rdf_size(dig)) == 0 ? DBX_OK : DBX_ERR_CRYPTO;
}

ldns_rr_list *dbx_select(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type type,
                         ldns_rr_type covered)
{
    ldns_rr_list *out = ldns_rr_list_new();
    if (out == NULL || l == NULL) return out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
        if (owner != NULL && ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) continue;
        if (type == LDNS_RR_TYPE_RRSIG && covered != 0) {
            uint16_t tc;
            if (ldns_rr_rd_count(rr) != 9 || rdf_u16(rr, 0, &tc) != DBX_OK || tc != covered) {
                continue;
            }
        }
        ldns_rr *c = ldns_rr_clone(rr);
        if (c == NULL || !ldns_rr_list_push_rr(out, c)) {
            ldns_rr_free(c);
            ldns_rr_list_deep_free(out);
            return NULL;
        }
    }
    return out;
}

int dbx_sig_window(uint32_t inception, uint32_t expiration, int64_t now, uint32_t skew)
{
    uint32_t n32 = (uint32_t)now;
    int64_t to_exp = (int32_t)(expiration - n32);
    int64_t to_inc = (int32_t)(inception - n32);
    if (to_exp + (int64_t)skew < 0) return -1;
    if (to_inc - (int64_t)skew > 0) return 1;
    return 0;
}

typedef struct {
    uint8_t *d;
    size_t n;
} blob_t;

static int blob_cmp(const blob_t *a, const blob_t *b)
{
    size_t m = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->d, b->d, m);
    if (c != 0) return c;
    return a->n < b->n ? -1 : (a->n > b->n ? 1 : 0);
}

/* Signed data of RFC 4034 s3.1.8.1 for @p sig over @p rrset into *@p w
 * (allocated to the exact size, at most DBX_MAX_SIGNED_DATA; caller frees
 * w->d). */
static int signed_data(const ldns_rr_list *rrset, const ldns_rr *sig, uint8_t labels,
                       uint32_t orig_ttl, wbuf_t *w)
{
    size_t n = ldns_rr_list_rr_count(rrset);
    blob_t rd[DBX_MAX_RRSET_RRS];
    const ldns_rr *r0 = ldns_rr_list_rr(rrset, 0);
    int olab = ldns_dname_label_count(ldns_rr_owner(r0));
    int st = DBX_OK;
    size_t k = 0;

    DBX_CHECK(n <= DBX_MAX_RRSET_RRS, DBX_ERR_LIMIT);
    for (k = 0; k < n && st == DBX_OK; k++) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(rrset, k));
        ldns_buffer *t = ldns_buffer_new(256);
        rd[k].d = NULL;
        if (c == NULL || t == NULL) {
            st = DBX_ERR_NOMEM;
        } else {
            ldns_rr2canonical(c);
            if (ldns_rr_rdata2buffer_wire(t, c) != LDNS_STATUS_OK || ldns_buffer_position(t) > 65535) {
                st = DBX_ERR_MALFORMED;
            } else {
                rd[k].n = ldns_buffer_position(t);
                rd[k].d = ldns_buffer_export(t);
            }
        }
        ldns_rr_free(c);
        ldns_buffer_free(t);
    }
    /* insertion sort into canonical order (RFC 4034 s6.3) */
    for (size_t i = 1; st == DBX_OK && i < n; i++) {
        blob_t x = rd[i];
        size_t j = i;
        while (j > 0 && blob_cmp(&rd[j - 1], &x) > 0) {
            rd[j] = rd[j - 1];
            j--;
        }
        rd[j] = x;
    }
    for (int pass = 0; pass < 2 && st == DBX_OK; pass++) {
        if (pass == 1) st = wb_alloc(w, DBX_MAX_SIGNED_DATA);
        /* RRSIG RDATA without the signature, signer name canonical */
        for (size_t i = 0; i < 7 && st == DBX_OK; i++) {
            wb_put(w, ldns_rdf_data(ldns_rr_rdf(sig, i)), ldns_rdf_size(ldns_rr_rdf(sig, i)));
        }
        if (st == DBX_OK) st = put_name(w, ldns_rr_rdf(sig, 7), 0, 0);
        for (size_t i = 0; i < n && st == DBX_OK; i++) {
            uint8_t f[8];
            if (i > 0 && blob_cmp(&rd[i - 1], &rd[i]) == 0) continue; /* duplicate */
            st = put_name(w, ldns_rr_owner(r0), olab - labels, labels < olab);
            wb_u16(w, (uint16_t)ldns_rr_get_type(r0));
            wb_u16(w, (uint16_t)ldns_rr_get_class(r0));
            f[0] = (uint8_t)(orig_ttl >> 24);
            f[1] = (uint8_t)(orig_ttl >> 16);
            f[2] = (uint8_t)(orig_ttl >> 8);
            f[3] = (uint8_t)orig_ttl;
            wb_put(w, f, 4);
            wb_u16(w, (uint16_t)rd[i].n);
            wb_put(w, rd[i].d, rd[i].n);
        }
    }
    if (st == DBX_OK && w->n != w->cap) st = DBX_ERR_MALFORMED; /* sizing bug: never sign */
    for (size_t i = 0; i < k; i++) free(rd[i].d);
    return st;
}

/* Verify the raw signature with one key. */
static int crypto_verify(uint8_t alg, const ldns_rr *key, const ldns_rr *sig,
                         const uint8_t *data, size_t len)
{
    const ldns_rdf *kf = ldns_rr_rdf(key, 3), *sf = ldns_rr_rdf(sig, 8);
    const uint8_t *k, *s;
    size_t klen, slen;
    uint8_t md[HAL_HASH_MAX_LEN];
    hal_hash_alg_t h;
    int st;
    DBX_CHECK(kf != NULL && sf != NULL, DBX_ERR_MALFORMED);
    k = ldns_rdf_data(kf);
    klen = ldns_rdf_size(kf);
    s = ldns_rdf_data(sf);
    slen = ldns_rdf_size(sf);
    switch (alg) {
    case 8: case 13: h = HAL_HASH_SHA256; break;
    case 10: h = HAL_HASH_SHA512; break;
    case 14: h = HAL_HASH_SHA384; break;
    default: return DBX_ERR_UNSUPPORTED;
    }
    st = hal_crypto_hash(h, data, len, md);
    if (st != DBX_OK) return st;
    if (alg == 8 || alg == 10) {
        /* RFC 3110 s2: exponent length (1 octet, or 0 + 2 octets), e, n */
        size_t off, elen;
        DBX_CHECK(klen >= 3, DBX_ERR_MALFORMED);
        if (k[0] != 0) {
            elen = k[0];
            off = 1;
        } else {
            elen = ((size_t)k[1] << 8) | k[2];
            off = 3;
        }
        DBX_CHECK(elen > 0 && off + elen < klen, DBX_ERR_MALFORMED);
        return hal_crypto_rsa_verify(k + off + elen, klen - off - elen, k + off, elen, h, md, s,
                                     slen);
    }
    /* RFC 6605: key X||Y, signature r||s */
    {
        size_t c = alg == 13 ? 32 : 48;
        DBX_CHECK(klen == 2 * c && slen == 2 * c, DBX_ERR_MALFORMED);
        return hal_crypto_ecdsa_verify(alg == 13 ? HAL_EC_P256 : HAL_EC_P384, k, klen, md,
                                       hal_hash_len(h), s, slen);
    }
}

/* The RRSIG fields dbx_rrset_verify looks at. */
typedef struct {
    uint16_t tc, tag;
    uint8_t alg, labels;
    uint32_t ottl, exp, inc;
} sig_fields_t;

/* What the RRSIGs of one RRset came to so far: keys tried, and whether one
 * was expired, not yet valid, did not verify, or had no matching key. */
typedef struct {
    uint32_t tried;
    int exp, ny, bad, nokey;
} sig_tally_t;

/* @p rrset is one RRset (owner, type, class) within the size limit: SECURE,
 * else bogus with the reason. */
static dbx_sec_t rrset_shape(dbx_vctx_t *v, const ldns_rr_list *rrset)
{
    size_t n = ldns_rr_list_rr_count(rrset);
    const ldns_rr *r0;
    if (n == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, "empty RRset");
    if (n > DBX_MAX_RRSET_RRS) return dbx_v_fail(v, DBX_SEC_BOGUS, "RRset too large (limit)");
    r0 = ldns_rr_list_rr(rrset, 0);
    for (size_t i = 1; i < n; i++) {
        const ldns_rr *r = ldns_rr_list_rr(rrset, i);
        if (ldns_rr_get_type(r) != ldns_rr_get_type(r0) ||
            ldns_rr_get_class(r) != ldns_rr_get_class(r0) ||
            ldns_dname_compare(ldns_rr_owner(r), ldns_rr_owner(r0)) != 0) {
            return dbx_v_fail(v, DBX_SEC_BOGUS, "malformed RRset");
        }
    }
    return DBX_SEC_SECURE;
}

/* RRSIG @p sig (parsed into *@p f) can sign the RRset of @p r0 (@p olab
 * labels): its type and owner, signer @p zone, an algorithm we validate,
 * no more labels than the owner.  Else it is ignored. */
static int sig_applies(const ldns_rr *sig, const ldns_rr *r0, int olab, const ldns_rdf *zone,
                       sig_fields_t *f)
{
    if (ldns_rr_rd_count(sig) != 9 || rdf_u16(sig, 0, &f->tc) != DBX_OK ||
        rdf_u8(sig, 1, &f->alg) != DBX_OK || rdf_u8(sig, 2, &f->labels) != DBX_OK ||
        rdf_u32(sig, 3, &f->ottl) != DBX_OK || rdf_u32(sig, 4, &f->exp) != DBX_OK ||
        rdf_u32(sig, 5, &f->inc) != DBX_OK || rdf_u16(sig, 6, &f->tag) != DBX_OK) {
        return 0;
    }
    if (f->tc != ldns_rr_get_type(r0)) return 0;
    if (ldns_dname_compare(ldns_rr_owner(sig), ldns_rr_owner(r0)) != 0) return 0;
    if (ldns_dname_compare(ldns_rr_rdf(sig, 7), zone) != 0) return 0;
    if (!dbx_alg_supported(f->alg)) return 0;
    if (f->labels > olab) return 0;
    return 1;
}

/* DNSKEY @p key can have made the RRSIG of *@p f: a zone key (protocol 3,
 * not revoked) of @p zone with its algorithm and key tag. */
static int key_matches(const ldns_rr *key, const sig_fields_t *f, const ldns_rdf *zone)
{
    uint16_t flags;
    uint8_t proto, kalg;
    if (ldns_rr_get_type(key) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(key) != 4) return 0;
    if (rdf_u16(key, 0, &flags) != DBX_OK || rdf_u8(key, 1, &proto) != DBX_OK ||
        rdf_u8(key, 2, &kalg) != DBX_OK) {
        return 0;
    }
    if (!(flags & 0x0100) || proto != 3 || kalg != f->alg || (flags & 0x0080)) return 0;
    if (ldns_dname_compare(ldns_rr_owner(key), zone) != 0) return 0;
    if (dbx_keytag(key) != f->tag) return 0;
    return 1;
}

/* RRSIG @p sig tried with every matching usable key, within the per-RRset
 * and per-resolution limits (KeyTrap guard): 1 when that decides, the
 * verdict in *@p out (SECURE: it verified; a limit or out of memory), else
 * 0 with @p t updated. */
static int sig_try_keys(dbx_vctx_t *v, const ldns_rr_list *rrset, const ldns_rr *sig,
                        const sig_fields_t *f, const ldns_rr_list *keys, const uint8_t *usable,
                        const ldns_rdf *zone, sig_tally_t *t, dbx_sec_t *out)
{
    int found = 0;
    for (size_t ki = 0; ki < ldns_rr_list_rr_count(keys); ki++) {
        const ldns_rr *key = ldns_rr_list_rr(keys, ki);
        if (usable != NULL && !usable[ki]) continue;
        if (!key_matches(key, f, zone)) continue;
        found = 1;
        if (t->tried >= DBX_MAX_SIG_PER_RRSET || v->sigs >= DBX_MAX_SIG_VERIFY) {
            *out = dbx_v_fail(v, DBX_SEC_INDETERMINATE,
                              "signature validation limit reached (KeyTrap guard)");
            return 1;
        }
        t->tried++;
        v->sigs++;
        wbuf_t b = {NULL, 0, 0};
        int st = signed_data(rrset, sig, f->labels, f->ottl, &b);
        if (st == DBX_OK) st = crypto_verify(f->alg, key, sig, b.d, b.n);
        free(b.d);
        if (st == DBX_ERR_NOMEM) {
            *out = dbx_v_fail(v, DBX_SEC_INDETERMINATE, "out of memory");
            return 1;
        }
        if (st == DBX_ERR_LIMIT) {
            *out = dbx_v_fail(v, DBX_SEC_BOGUS, "RRset too large (limit)");
            return 1;
        }
        if (st == DBX_OK) {
            *out = DBX_SEC_SECURE;
            return 1;
        }
        t->bad = 1;
    }
    if (!found) t->nokey = 1;
    return 0;
}

/* What a verified RRSIG (*@p f) grants: *@p ttl, the least of its original
 * TTL, the RRs' and the time it has left; the window this verification
 * holds for (answer cache); *@p wild, its labels when a wildcard expanded. */
static void sig_verified(dbx_vctx_t *v, const ldns_rr_list *rrset, const sig_fields_t *f, int olab,
                         uint32_t *ttl, int *wild)
{
    uint32_t t = f->ottl;
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrset); i++) {
        uint32_t rt = ldns_rr_ttl(ldns_rr_list_rr(rrset, i));
        if (rt < t) t = rt;
    }
    int64_t left = (int32_t)(f->exp - (uint32_t)v->now);
    if (left < 0) left = 0;
    if ((int64_t)t > left) t = (uint32_t)left;
    if (ttl) *ttl = t;
    /* the times this verification holds for (answer cache) */
    int64_t from = v->now + (int32_t)(f->inc - (uint32_t)v->now) - (int64_t)v->skew;
    if (from > v->valid_from) v->valid_from = from;
    if (v->now + left < v->valid_until) v->valid_until = v->now + left;
    if (wild) {
        /* expanded from a wildcard: fewer labels than the owner has
         * besides a leading "*" (a literal "*" owner is the wildcard
         * itself, RFC 4034 s3.1.3) */
        const uint8_t *od = ldns_rdf_data(ldns_rr_owner(ldns_rr_list_rr(rrset, 0)));
        int star = od[0] == 1 && od[1] == '*';
        *wild = f->labels < olab - star ? f->labels : -1;
    }
}

dbx_sec_t dbx_rrset_verify(dbx_vctx_t *v, const ldns_rr_list *rrset, const ldns_rr_list *sigs,
                           const ldns_rr_list *keys, const uint8_t *usable,
                           const ldns_rdf *zone, uint32_t *ttl, int *wild)
{
    const ldns_rr *r0;
    int olab;
    sig_tally_t t = {0, 0, 0, 0, 0};
    dbx_sec_t s = rrset_shape(v, rrset);

    if (s != DBX_SEC_SECURE) return s;
    r0 = ldns_rr_list_rr(rrset, 0);
    olab = ldns_dname_label_count(ldns_rr_owner(r0));
    for (size_t si = 0; si < ldns_rr_list_rr_count(sigs); si++) {
        const ldns_rr *sig = ldns_rr_list_rr(sigs, si);
        sig_fields_t f;
        if (!sig_applies(sig, r0, olab, zone, &f)) continue;
        int w = dbx_sig_window(f.inc, f.exp, v->now, v->skew);
        if (w < 0) {
            t.exp = 1;
            continue;
        }
        if (w > 0) {
            t.ny = 1;
            continue;
        }
        if (sig_try_keys(v, rrset, sig, &f, keys, usable, zone, &t, &s)) {
            if (s == DBX_SEC_SECURE) sig_verified(v, rrset, &f, olab, ttl, wild);
            return s;
        }
    }
    /* none verified: the most telling reason */
    if (t.bad) return dbx_v_fail(v, DBX_SEC_BOGUS, "signature does not verify");
    if (t.exp) return dbx_v_fail(v, DBX_SEC_BOGUS, "signature expired");
    if (t.ny) return dbx_v_fail(v, DBX_SEC_BOGUS, "signature not yet valid");
    if (t.nokey) return dbx_v_fail(v, DBX_SEC_BOGUS, "no DNSKEY matches RRSIG");
    return dbx_v_fail(v, DBX_SEC_BOGUS, "missing RRSIG");
}

dbx_sec_t dbx_dnskey_verify(dbx_vctx_t *v, const ldns_rdf *zone, const ldns_rr_list *ds,
                            const ldns_rr_list *anchor_keys, const ldns_rr_list *keys,
                            const ldns_rr_list *sigs, uint32_t *ttl)
{
    size_t nds = ds ? ldns_rr_list_rr_count(ds) : 0;
    size_t nk = keys ? ldns_rr_list_rr_count(keys) : 0;
    uint8_t usable[DBX_MAX_DNSKEYS];
    int any_usable = 0, any_supported = 0, strong = 0;
    dbx_sec_t sec;
    char why[256];

    if (nds > DBX_MAX_DS) return dbx_v_fail(v, DBX_SEC_BOGUS, "too many DS records (limit)");
    if (nk == 0) return dbx_v_fail(v, DBX_SEC_BOGUS, "no DNSKEY records");
    if (nk > DBX_MAX_DNSKEYS) return dbx_v_fail(v, DBX_SEC_BOGUS, "too many DNSKEYs (limit)");
    memset(usable, 0, sizeof usable);
    if (nds > 0) {
        for (size_t i = 0; i < nds; i++) {
            uint8_t alg, dt;
            const ldns_rr *d = ldns_rr_list_rr(ds, i);
            if (ldns_rr_rd_count(d) == 4 && rdf_u8(d, 1, &alg) == DBX_OK &&
                rdf_u8(d, 2, &dt) == DBX_OK && dbx_alg_supported(alg) && (dt == 2 || dt == 4)) {
                strong = 1;
            }
        }
        for (size_t i = 0; i < nds; i++) {
            uint8_t alg, dt;
            const ldns_rr *d = ldns_rr_list_rr(ds, i);
            if (ldns_rr_rd_count(d) != 4 || rdf_u8(d, 1, &alg) != DBX_OK ||
                rdf_u8(d, 2, &dt) != DBX_OK) {
                continue;
            }
            if (!dbx_alg_supported(alg) || !dbx_digest_supported(dt)) continue;
            if (strong && dt == 1) continue; /* SHA-1 only without a stronger DS */
            any_supported = 1;
            for (size_t k = 0; k < nk; k++) {
                if (dbx_ds_match(d, ldns_rr_list_rr(keys, k)) == DBX_OK) {
                    usable[k] = 1;
                    any_usable = 1;
                }
            }
        }
        if (!any_supported) {
            return dbx_v_fail(v, DBX_SEC_INSECURE, "no supported DS algorithm/digest");
        }
        if (!any_usable) return dbx_v_fail(v, DBX_SEC_BOGUS, "no DNSKEY matches DS");
    } else {
        size_t na = anchor_keys ? ldns_rr_list_rr_count(anchor_keys) : 0;
        for (size_t a = 0; a < na; a++) {
            const ldns_rr *ak = ldns_rr_list_rr(anchor_keys, a);
            uint8_t alg;
            if (ldns_rr_rd_count(ak) != 4 || rdf_u8(ak, 2, &alg) != DBX_OK) continue;
            if (!dbx_alg_supported(alg)) continue;
            any_supported = 1;
            for (size_t k = 0; k < nk; k++) {
                const ldns_rr *kk = ldns_rr_list_rr(keys, k);
                if (ldns_rr_rd_count(kk) == 4 &&
                    ldns_rdf_compare(ldns_rr_rdf(kk, 2), ldns_rr_rdf(ak, 2)) == 0 &&
                    ldns_rdf_compare(ldns_rr_rdf(kk, 3), ldns_rr_rdf(ak, 3)) == 0) {
                    usable[k] = 1;
                    any_usable = 1;
                }
            }
        }
        if (!any_supported) return dbx_v_fail(v, DBX_SEC_INSECURE, "no supported anchor algorithm");
        if (!any_usable) return dbx_v_fail(v, DBX_SEC_BOGUS, "no DNSKEY matches trust anchor");
    }
    sec = dbx_rrset_verify(v, keys, sigs, keys, usable, zone, ttl, NULL);
    if (sec == DBX_SEC_BOGUS) {
        snprintf(why, sizeof why, "DNSKEY not signed by DS key: %s", v->reason);
        return dbx_v_fail(v, sec, why);
    }
    return sec;
}

int dbx_dname_under(const ldns_rdf *a, const ldns_rdf *b)
{
    return ldns_dname_compare(a, b) == 0 || ldns_dname_is_subdomain(a, b);
}

ldns_rdf *dbx_dname_ancestor(const ldns_rdf *name, int labels)
{
    ldns_rdf *cur = ldns_rdf_clone(name);
    while (cur != NULL && ldns_dname_label_count(cur) > labels) {
        ldns_rdf *up = ldns_dname_left_chop(cur);
        ldns_rdf_deep_free(cur);
        cur = up;
    }
    return cur;
}
