/* DANE matching: reference-identifier checks and the certificate chain
 * against the usable TLSA records (dbx_tlsa.c), with the reason for the
 * verdict.  See dbx_dane.h for the decisions and the RFC sections behind them. */
#include "dbx_dane.h"

#include "dbx_str.h"
#include "hal_crypto.h"

#include <stdio.h>
#include <string.h>

#include "mbedtls/oid.h"
#include "mbedtls/pk.h"

#define MAX_SAN_ENTRIES 64   /* SAN entries examined per certificate */
#define MAX_NAME_ATTRS 32    /* subject attributes examined */

/* ---- small helpers ---------------------------------------------------- */

/* strnlen is POSIX, not C11: our own bounded length */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') {
        n++;
    }
    return n;
}

static void reason_cat(dbx_dane_result_t *res, const char *a)
{
    size_t n = bounded_len(res->reason, sizeof res->reason - 1);
    for (size_t i = 0; a != NULL && a[i] != '\0' && n + 1 < sizeof res->reason; i++) {
        res->reason[n++] = a[i];
    }
    res->reason[n] = '\0';
}

static void set_reason(dbx_dane_result_t *res, const char *a, const char *b)
{
    res->reason[0] = '\0';
    reason_cat(res, a);
    reason_cat(res, b);
}

static void reason_num(dbx_dane_result_t *res, size_t v)
{
    char d[24];
    (void)snprintf(d, sizeof d, "%lu", (unsigned long)v); /* newlib-nano: no %zu */
    reason_cat(res, d);
}

const char *dbx_dane_verdict_str(dbx_dane_verdict_t v)
{
    switch (v) {
    case DBX_DANE_MATCH: return "match";
    case DBX_DANE_NO_MATCH: return "no-match";
    case DBX_DANE_NO_USABLE: return "no-usable-records";
    case DBX_DANE_ERROR: return "error";
    }
    return "error";
}

/* ---- names -------------------------------------------------------------- */

bool dbx_dane_name_match(const char *pat, size_t plen, const char *ref)
{
    size_t rlen;
    if (pat == NULL || ref == NULL) {
        return false;
    }
    rlen = bounded_len(ref, DBX_DANE_MAX_NAME_LEN + 2);
    if (rlen > 0 && ref[rlen - 1] == '.') {
        rlen--;
    }
    if (plen > 0 && pat[plen - 1] == '.') {
        plen--;
    }
    if (rlen == 0 || plen == 0 || rlen > DBX_DANE_MAX_NAME_LEN || plen > DBX_DANE_MAX_NAME_LEN) {
        return false;
    }
    for (size_t i = 0; i < rlen; i++) {
        if (ref[i] == '*' || ref[i] == '\0') {
            return false;
        }
    }
    for (size_t i = 0; i < plen; i++) {
        if (pat[i] == '\0' || (pat[i] == '*' && i != 0)) {
            return false; /* embedded NUL, or '*' anywhere but a lone leftmost label */
        }
    }
    if (pat[0] == '*') {
        /* "*.rest": rest must hold at least two labels; the wildcard
         * stands for exactly one non-empty label of ref */
        const char *rest = pat + 2;
        size_t restlen = plen - 2, dot = 0;
        bool inner_dot = false;
        if (plen < 4 || pat[1] != '.') {
            return false;
        }
        for (size_t i = 0; i < restlen; i++) {
            inner_dot = inner_dot || (rest[i] == '.' && i > 0 && i + 1 < restlen);
        }
        if (!inner_dot) {
            return false;
        }
        while (dot < rlen && ref[dot] != '.') {
            dot++;
        }
        if (dot == 0 || dot >= rlen) {
            return false;
        }
        return rlen - dot - 1 == restlen && dbx_ascii_casecmp_n(ref + dot + 1, rest, restlen) == 0;
    }
    return rlen == plen && dbx_ascii_casecmp_n(ref, pat, plen) == 0;
}

static bool any_name(const char *pat, size_t plen, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < DBX_DANE_MAX_NAMES; i++) {
        if (dbx_dane_name_match(pat, plen, names[i])) {
            return true;
        }
    }
    return false;
}

bool dbx_dane_name_check(const mbedtls_x509_crt *crt, const char *const *names, size_t n_names)
{
    const mbedtls_x509_sequence *s;
    const mbedtls_x509_name *a;
    bool have_dns = false;
    size_t k = 0;
    if (crt == NULL || names == NULL) {
        return false;
    }
    for (s = &crt->subject_alt_names; s != NULL && k < MAX_SAN_ENTRIES; s = s->next, k++) {
        if (s->buf.p == NULL || s->buf.tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                               MBEDTLS_X509_SAN_DNS_NAME)) {
            continue;
        }
        have_dns = true;
        if (any_name((const char *)s->buf.p, s->buf.len, names, n_names)) {
            return true;
        }
    }
    if (have_dns) {
        return false; /* RFC 6125 §6.4.4: CN only without DNS-ID */
    }
    k = 0;
    for (a = &crt->subject; a != NULL && k < MAX_NAME_ATTRS; a = a->next, k++) {
        if (a->oid.p != NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid) == 0 &&
            any_name((const char *)a->val.p, a->val.len, names, n_names)) {
            return true;
        }
    }
    return false;
}

/* ---- certificates ------------------------------------------------------- */

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2 ? 1 : 0;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t x509_time_unix(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 +
           (int64_t)t->min * 60 + t->sec;
}

/* 0 valid, 1 expired, -1 not yet valid */
static int validity(const mbedtls_x509_crt *c, int64_t now)
{
    if (now < x509_time_unix(&c->valid_from)) {
        return -1;
    }
    if (now > x509_time_unix(&c->valid_to)) {
        return 1;
    }
    return 0;
}

static const char *validity_str(int v)
{
    return v > 0 ? "expired" : "not yet valid";
}

static bool hash_alg(mbedtls_md_type_t md, hal_hash_alg_t *alg)
{
    switch (md) {
    case MBEDTLS_MD_SHA256: *alg = HAL_HASH_SHA256; return true;
    case MBEDTLS_MD_SHA384: *alg = HAL_HASH_SHA384; return true;
    case MBEDTLS_MD_SHA512: *alg = HAL_HASH_SHA512; return true;
    default: return false; /* SHA-1 and older signatures are refused */
    }
}

/* Does @p key verify the signature on @p child? */
static bool sig_ok(const mbedtls_x509_crt *child, mbedtls_pk_context *key)
{
    uint8_t h[HAL_HASH_MAX_LEN];
    hal_hash_alg_t alg;
    mbedtls_md_type_t md = child->MBEDTLS_PRIVATE(sig_md);
    if (!hash_alg(md, &alg) ||
        hal_crypto_hash(alg, child->tbs.p, child->tbs.len, h) != DBX_OK) {
        return false;
    }
    return mbedtls_pk_verify_ext(child->MBEDTLS_PRIVATE(sig_pk), child->MBEDTLS_PRIVATE(sig_opts),
                                 key, md, h, hal_hash_len(alg),
                                 child->MBEDTLS_PRIVATE(sig).p,
                                 child->MBEDTLS_PRIVATE(sig).len) == 0;
}

/* Is @p child issued by certificate @p parent?  NULL or a reason. */
static const char *link_fail(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
    if (child->issuer_raw.len != parent->subject_raw.len ||
        memcmp(child->issuer_raw.p, parent->subject_raw.p, child->issuer_raw.len) != 0) {
        return "issuer name differs from next certificate's subject";
    }
    if (!mbedtls_x509_crt_get_ca_istrue(parent)) {
        return "issuer is not a CA";
    }
    if (!sig_ok(child, (mbedtls_pk_context *)&parent->pk)) {
        return "signature does not verify";
    }
    return NULL;
}

static bool rec_matches(const dbx_tlsa_t *r, const mbedtls_x509_crt *c)
{
    return dbx_tlsa_matches_cert(r, c);
}

int64_t dbx_dane_not_after(const mbedtls_x509_crt *c)
{
    DBX_ASSERT(c != NULL);
    return x509_time_unix(&c->valid_to);
}

/* A TA from DNS ("2 0 0" / "2 1 0") signing @p child?  NULL when it does,
 * else a reason. */
static const char *dns_ta_fail(const dbx_tlsa_t *r, const mbedtls_x509_crt *child, int64_t now)
{
    const char *why = NULL;
    if (r->selector == DBX_TLSA_SEL_CERT) {
        mbedtls_x509_crt ta;
        mbedtls_x509_crt_init(&ta);
        if (mbedtls_x509_crt_parse_der(&ta, r->data, r->len) != 0) {
            why = "TA certificate in DNS does not parse";
        } else if (validity(&ta, now) != 0) {
            why = "TA certificate from DNS outside its validity period";
        } else {
            why = link_fail(child, &ta);
        }
        mbedtls_x509_crt_free(&ta);
    } else {
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        if (mbedtls_pk_parse_public_key(&pk, r->data, r->len) != 0) {
            why = "TA public key in DNS does not parse";
        } else if (!sig_ok(child, &pk)) {
            why = "signature does not verify under TA key from DNS";
        }
        mbedtls_pk_free(&pk);
    }
    return why;
}

static void found(dbx_dane_result_t *res, const dbx_tlsa_t *recs, size_t i, int depth,
                  bool dns)
{
    res->verdict = DBX_DANE_MATCH;
    res->record = (int)i;
    res->depth = depth;
    res->usage = recs[i].usage;
    res->ta_from_dns = dns;
}

/* The caller's options (or the defaults) with the limits clamped to the build's. */
static void match_opts(const dbx_dane_opts_t *opts, dbx_dane_opts_t *o)
{
    if (opts != NULL) {
        *o = *opts;
    } else {
        dbx_dane_opts_init(o);
    }
    if (o->max_records == 0 || o->max_records > DBX_DANE_MAX_RECORDS) {
        o->max_records = DBX_DANE_MAX_RECORDS;
    }
    if (o->max_chain == 0 || o->max_chain > DBX_DANE_MAX_CHAIN) {
        o->max_chain = DBX_DANE_MAX_CHAIN;
    }
}

/* The reason for DBX_DANE_NO_USABLE: why each of the n records is unusable. */
static void no_usable_reason(dbx_dane_result_t *res, size_t n)
{
    set_reason(res, "no usable TLSA records", n == 0 ? " (empty RRset)" : "");
    for (size_t i = 0; i < n; i++) {
        reason_cat(res, i == 0 ? ": #" : "; #");
        reason_num(res, i);
        reason_cat(res, " ");
        reason_cat(res, dbx_tlsa_use_str(res->use[i]));
    }
}

/* DANE-EE(3): the leaf only; no names, no dates (RFC 7672 §3.1.1).  True on a
 * match (res filled in); *have_ta tells whether a usable DANE-TA record was seen. */
static bool match_ee(const dbx_tlsa_t *recs, size_t n, const mbedtls_x509_crt *leaf,
                     dbx_dane_result_t *res, bool *have_ta)
{
    for (size_t i = 0; i < n; i++) {
        if (res->use[i] != DBX_TLSA_USABLE) {
            continue;
        }
        if (recs[i].usage == DBX_TLSA_DANE_EE) {
            if (rec_matches(&recs[i], leaf)) {
                found(res, recs, i, 0, false);
                set_reason(res, "DANE-EE match at depth 0", NULL);
                return true;
            }
        } else {
            *have_ta = true;
        }
    }
    return false;
}

/* DANE-TA(2): walk up from the leaf c[0] (valid at now); a match marks res.
 * Returns path_end, the deepest certificate such that c[0..path_end] is a
 * valid path at now; *fail is why the path stopped there (NULL if it did not). */
static size_t match_ta(const dbx_tlsa_t *recs, size_t n, const mbedtls_x509_crt *const *c, size_t len,
                       int64_t now, dbx_dane_result_t *res, const char **fail)
{
    size_t path_end = 0;
    for (size_t d = 1; d <= len && path_end == d - 1; d++) {
        /* a sent certificate at depth d matching a record */
        if (d < len) {
            const char *lf = link_fail(c[d - 1], c[d]);
            int v = validity(c[d], now);
            if (lf == NULL && v == 0) {
                path_end = d;
                for (size_t i = 0; i < n; i++) {
                    if (res->use[i] == DBX_TLSA_USABLE && recs[i].usage == DBX_TLSA_DANE_TA &&
                        rec_matches(&recs[i], c[d])) {
                        found(res, recs, i, (int)d, false);
                        break;
                    }
                }
            } else if (*fail == NULL) {
                *fail = lf != NULL ? lf : validity_str(v);
            }
        }
        /* a full certificate / key from DNS issuing c[d-1] */
        for (size_t i = 0; i < n && res->verdict != DBX_DANE_MATCH; i++) {
            if (res->use[i] == DBX_TLSA_USABLE && recs[i].usage == DBX_TLSA_DANE_TA &&
                recs[i].mtype == DBX_TLSA_MT_FULL && dns_ta_fail(&recs[i], c[d - 1], now) == NULL) {
                found(res, recs, i, (int)d, true);
            }
        }
        if (res->verdict == DBX_DANE_MATCH) {
            break;
        }
    }
    return path_end;
}

int dbx_dane_match(const dbx_tlsa_t *recs, size_t n_recs, const mbedtls_x509_crt *chain,
                   const char *const *names, size_t n_names, int64_t now,
                   const dbx_dane_opts_t *opts, dbx_dane_result_t *res)
{
    dbx_dane_opts_t o;
    const mbedtls_x509_crt *c[DBX_DANE_MAX_CHAIN];
    const mbedtls_x509_crt *p;
    size_t n, len = 0, path_end;
    bool have_ta = false;
    const char *fail = NULL;
    int usable, v;

    DBX_ASSERT(res != NULL && (recs != NULL || n_recs == 0) && (names != NULL || n_names == 0));
    memset(res, 0, sizeof *res);
    res->verdict = DBX_DANE_NO_MATCH;
    res->record = -1;
    res->depth = -1;
    match_opts(opts, &o);
    for (p = chain; p != NULL && p->raw.p != NULL && len < o.max_chain; p = p->next) {
        c[len++] = p;
    }
    res->chain_len = len;
    res->chain_limited = p != NULL && p->raw.p != NULL;
    n = n_recs < o.max_records ? n_recs : o.max_records;
    res->records_limited = n_recs > n;
    usable = dbx_tlsa_classify(recs, n, &o, res->use);
    DBX_ASSERT(usable >= 0);
    res->n_usable = (size_t)usable;
    if (usable == 0) {
        res->verdict = DBX_DANE_NO_USABLE;
        no_usable_reason(res, n);
        return DBX_OK;
    }
    if (len == 0) {
        res->verdict = DBX_DANE_ERROR;
        res->status = DBX_ERR_MALFORMED;
        set_reason(res, "empty certificate chain", NULL);
        return DBX_OK;
    }
    if (match_ee(recs, n, c[0], res, &have_ta)) {
        return DBX_OK;
    }
    if (!have_ta) {
        res->verdict = DBX_DANE_NO_MATCH;
        set_reason(res, "leaf matches no DANE-EE record", NULL);
        return DBX_OK;
    }
    v = validity(c[0], now);
    if (v != 0) {
        res->verdict = DBX_DANE_NO_MATCH;
        set_reason(res, "DANE-TA: leaf ", validity_str(v));
        return DBX_OK;
    }
    path_end = match_ta(recs, n, c, len, now, res, &fail);
    if (res->verdict != DBX_DANE_MATCH) {
        res->verdict = DBX_DANE_NO_MATCH;
        if (fail != NULL) {
            set_reason(res, "no DANE-EE/DANE-TA match; chain broken above depth ", NULL);
            reason_num(res, path_end);
            reason_cat(res, ": ");
            reason_cat(res, fail);
        } else {
            set_reason(res, "no DANE-EE or DANE-TA record matches the chain", NULL);
        }
        return DBX_OK;
    }
    /* RFC 7672 §3.2.3: name checks for DANE-TA */
    if (!dbx_dane_name_check(c[0], names, n_names)) {
        res->verdict = DBX_DANE_NO_MATCH;
        res->record = -1;
        res->depth = -1;
        set_reason(res, "DANE-TA chain valid but leaf name matches no reference identifier",
                   NULL);
        return DBX_OK;
    }
    set_reason(res, res->ta_from_dns ? "DANE-TA match, TA from DNS" : "DANE-TA match", NULL);
    return DBX_OK;
}
