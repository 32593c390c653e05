/* TLSA association data: the data selection and digests shared by the
 * matcher (dbx_dane.c) and the record generator, plus the generator's
 * printer and issuer choice.  See dbx_tlsa_gen.h and dbx_dane.h. */
#include "dbx_tlsa_gen.h"

#include "hal_crypto.h"

#include <stdio.h>
#include <string.h>

int dbx_tlsa_selected(const mbedtls_x509_crt *c, uint8_t selector, const uint8_t **data,
                      size_t *len)
{
    DBX_ASSERT(c != NULL && data != NULL && len != NULL);
    switch (selector) {
    case DBX_TLSA_SEL_CERT: *data = c->raw.p; *len = c->raw.len; break;
    case DBX_TLSA_SEL_SPKI: *data = c->pk_raw.p; *len = c->pk_raw.len; break;
    default: return DBX_ERR_UNSUPPORTED;
    }
    return *data != NULL && *len > 0 ? DBX_OK : DBX_ERR_MALFORMED;
}

int dbx_tlsa_digest(uint8_t mtype, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                    size_t *outlen)
{
    hal_hash_alg_t alg;
    DBX_ASSERT(in != NULL && out != NULL && outlen != NULL);
    switch (mtype) {
    case DBX_TLSA_MT_FULL:
        DBX_CHECK(len <= cap, DBX_ERR_BUFFER);
        memcpy(out, in, len);
        *outlen = len;
        return DBX_OK;
    case DBX_TLSA_MT_SHA256: alg = HAL_HASH_SHA256; break;
    case DBX_TLSA_MT_SHA512: alg = HAL_HASH_SHA512; break;
    default: return DBX_ERR_UNSUPPORTED;
    }
    DBX_CHECK(hal_hash_len(alg) <= cap, DBX_ERR_BUFFER);
    DBX_CHECK(hal_crypto_hash(alg, in, len, out) == DBX_OK, DBX_ERR_CRYPTO);
    *outlen = hal_hash_len(alg);
    return DBX_OK;
}

bool dbx_tlsa_matches_cert(const dbx_tlsa_t *r, const mbedtls_x509_crt *c)
{
    uint8_t h[HAL_HASH_MAX_LEN];
    const uint8_t *p;
    size_t len, n;
    if (r == NULL || c == NULL || dbx_tlsa_selected(c, r->selector, &p, &len) != DBX_OK) {
        return false;
    }
    if (r->mtype == DBX_TLSA_MT_FULL) { /* no copy: compare in place */
        return len == r->len && memcmp(p, r->data, len) == 0;
    }
    if (dbx_tlsa_digest(r->mtype, p, len, h, sizeof h, &n) != DBX_OK) {
        return false;
    }
    return n == r->len && memcmp(h, r->data, n) == 0;
}

static int make_from(const uint8_t *p, size_t len, uint8_t usage, uint8_t selector,
                     uint8_t mtype, uint8_t *buf, size_t cap, dbx_tlsa_t *out)
{
    size_t n;
    int st = dbx_tlsa_digest(mtype, p, len, buf, cap, &n);
    if (st != DBX_OK) {
        return st;
    }
    memset(out, 0, sizeof *out);
    out->usage = usage;
    out->selector = selector;
    out->mtype = mtype;
    out->data = buf;
    out->len = n;
    return DBX_OK;
}

int dbx_tlsa_make(const mbedtls_x509_crt *c, uint8_t usage, uint8_t selector, uint8_t mtype,
                  uint8_t *buf, size_t cap, dbx_tlsa_t *out)
{
    const uint8_t *p;
    size_t len;
    int st;
    DBX_ASSERT(c != NULL && buf != NULL && out != NULL);
    st = dbx_tlsa_selected(c, selector, &p, &len);
    if (st != DBX_OK) {
        return st;
    }
    return make_from(p, len, usage, selector, mtype, buf, cap, out);
}

int dbx_tlsa_make_spki(const uint8_t *spki, size_t spki_len, uint8_t usage, uint8_t mtype,
                       uint8_t *buf, size_t cap, dbx_tlsa_t *out)
{
    DBX_ASSERT(spki != NULL && buf != NULL && out != NULL);
    DBX_CHECK(spki_len > 0, DBX_ERR_MALFORMED);
    return make_from(spki, spki_len, usage, DBX_TLSA_SEL_SPKI, mtype, buf, cap, out);
}

int dbx_tlsa_to_text(const dbx_tlsa_t *t, char *out, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    int n;
    size_t o;
    DBX_ASSERT(t != NULL && out != NULL && cap > 0);
    n = snprintf(out, cap, "%u %u %u ", t->usage, t->selector, t->mtype);
    if (n < 0 || (size_t)n >= cap) {
        return DBX_ERR_BUFFER;
    }
    o = (size_t)n;
    if (t->truncated || t->len == 0 || t->data == NULL) {
        n = snprintf(out + o, cap - o, "%s", t->truncated ? "(truncated)" : "(empty)");
        return n >= 0 && (size_t)n < cap - o ? DBX_OK : DBX_ERR_BUFFER;
    }
    for (size_t i = 0; i < t->len; i++) {
        if (o + 2 + 4 >= cap) { /* room for "..." and the NUL */
            (void)snprintf(out + o, cap - o, "...");
            return DBX_ERR_BUFFER;
        }
        out[o++] = hx[t->data[i] >> 4];
        out[o++] = hx[t->data[i] & 15];
    }
    out[o] = '\0';
    return DBX_OK;
}

bool dbx_tlsa_equal(const dbx_tlsa_t *a, const dbx_tlsa_t *b)
{
    if (a == NULL || b == NULL || a->truncated || b->truncated) {
        return false;
    }
    return a->usage == b->usage && a->selector == b->selector && a->mtype == b->mtype &&
           a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

const mbedtls_x509_crt *dbx_tlsa_chain_at(const mbedtls_x509_crt *chain, int depth)
{
    const mbedtls_x509_crt *c = chain;
    for (int d = 0; c != NULL && c->raw.p != NULL && d < depth; d++) {
        c = c->next;
    }
    return c != NULL && c->raw.p != NULL && depth >= 0 ? c : NULL;
}

int dbx_tlsa_issuer_depth(const mbedtls_x509_crt *chain, int want)
{
    int n = 0;
    DBX_ASSERT(chain != NULL);
    while (n < DBX_DANE_MAX_CHAIN && dbx_tlsa_chain_at(chain, n) != NULL) {
        n++;
    }
    if (want > 0) {
        return want < n ? want : DBX_ERR_NOTFOUND;
    }
    return n >= 2 ? n - 1 : DBX_ERR_NOTFOUND;
}
