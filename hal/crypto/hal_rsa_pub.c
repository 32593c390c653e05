/* danebox crypto HAL: RSA public-key operation for signature verification
 * (RSASSA-PKCS1-v1_5, RFC 8017 §8.2.2) on mbedTLS' Montgomery core.
 *
 * Why not mbedtls_rsa_pkcs1_verify(): mbedTLS 3.6 runs every exponentiation
 * through its fixed-window ladder, which for e = 65537 multiplies by the
 * table entry for each of the 17 exponent bits, 15 of them by 1 (34
 * Montgomery products where square-and-multiply on a public exponent needs
 * 19).  Everything here is public (key, signature, message digest), so the
 * variable-time square-and-multiply is fine.  Uses mbedTLS' internal bignum
 * core (library/bignum_core.h, the pinned 3.6 source; this file alone gets
 * that include path, see the Makefile); the known-answer and edge-case table
 * (tests/crypto) covers it like every backend. */
/* the limbs of an mbedtls_mpi, as mbedTLS' own library files see them */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "hal_mbedtls.h"
#include "dbx_common.h"

#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/platform.h"
#include "bignum_core.h"

/* DER DigestInfo prefixes, RFC 8017 §9.2 note 1 (NULL parameters). */
static const uint8_t di_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                  0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static const uint8_t *digest_info(size_t hlen, size_t *len)
{
    switch (hlen) {
    case 20: *len = sizeof di_sha1; return di_sha1;
    case 32: *len = sizeof di_sha256; return di_sha256;
    case 48: *len = sizeof di_sha384; return di_sha384;
    case 64: *len = sizeof di_sha512; return di_sha512;
    default: *len = 0; return NULL;
    }
}

/* X = S^e mod N (all limbs arrays of @p n limbs, S < N, N odd, e > 1). */
static int pub_exp(mbedtls_mpi_uint *x, const mbedtls_mpi *s, const mbedtls_mpi *nn, uint64_t e)
{
    size_t n = nn->n, tl = mbedtls_mpi_core_montmul_working_limbs(n);
    mbedtls_mpi rr;
    mbedtls_mpi_uint *t, *am, mm;
    int top = 63, st = DBX_ERR_NOMEM;

    mbedtls_mpi_init(&rr);
    t = mbedtls_calloc(tl + n, sizeof *t);
    if (t != NULL && mbedtls_mpi_core_get_mont_r2_unsafe(&rr, nn) == 0 && rr.n == n) {
        am = t + tl;
        mm = mbedtls_mpi_core_montmul_init(nn->p);
        mbedtls_mpi_core_to_mont_rep(am, s->p, nn->p, n, mm, rr.p, t);
        memcpy(x, am, n * sizeof *x);
        while (top > 0 && ((e >> top) & 1u) == 0) top--;
        for (int b = top - 1; b >= 0; b--) { /* public exponent: variable time */
            mbedtls_mpi_core_montmul(x, x, x, n, nn->p, n, mm, t);
            if ((e >> b) & 1u) mbedtls_mpi_core_montmul(x, x, am, n, nn->p, n, mm, t);
        }
        mbedtls_mpi_core_from_mont_rep(x, x, nn->p, n, mm, t);
        st = DBX_OK;
    }
    if (t != NULL) mbedtls_free(t);
    mbedtls_mpi_free(&rr);
    return st;
}

int hal_rsa_pkcs1_v15_verify(const uint8_t *n, size_t nlen, uint64_t e, const uint8_t *digest,
                             size_t hlen, const uint8_t *sig)
{
    mbedtls_mpi nn, s;
    mbedtls_mpi_uint *x = NULL;
    uint8_t *em = NULL;
    const uint8_t *di;
    size_t dil, ps;
    int st = DBX_ERR_CRYPTO;

    di = digest_info(hlen, &dil);
    DBX_CHECK(di != NULL, DBX_ERR_UNSUPPORTED);
    /* the caller checked the modulus size; e odd and > 1 (as mbedTLS'
     * public key check), N odd and without leading zero octets */
    DBX_CHECK(nlen > 0 && n[0] != 0 && (n[nlen - 1] & 1u) != 0, DBX_ERR_MALFORMED);
    DBX_CHECK(e > 1 && (e & 1u) != 0, DBX_ERR_MALFORMED);
    if (nlen < dil + hlen + 11) return DBX_ERR_CRYPTO; /* at least 8 octets of padding */
    mbedtls_mpi_init(&nn);
    mbedtls_mpi_init(&s);
    if (mbedtls_mpi_read_binary(&nn, n, nlen) != 0 || mbedtls_mpi_read_binary(&s, sig, nlen) != 0 ||
        mbedtls_mpi_grow(&s, nn.n) != 0 || s.n != nn.n) {
        st = DBX_ERR_NOMEM;
        goto out;
    }
    if (mbedtls_mpi_cmp_mpi(&s, &nn) >= 0) goto out; /* RFC 8017 §5.2.2: s < n */
    x = mbedtls_calloc(nn.n, sizeof *x);
    em = mbedtls_calloc(2, nlen);
    if (x == NULL || em == NULL) {
        st = DBX_ERR_NOMEM;
        goto out;
    }
    st = pub_exp(x, &s, &nn, e);
    if (st != DBX_OK || mbedtls_mpi_core_write_be(x, nn.n, em, nlen) != 0) {
        st = st != DBX_OK ? st : DBX_ERR_CRYPTO;
        goto out;
    }
    /* the one valid encoding, compared whole: 00 01 FF..FF 00 DigestInfo H */
    ps = nlen - dil - hlen - 3;
    em[nlen] = 0x00;
    em[nlen + 1] = 0x01;
    memset(em + nlen + 2, 0xff, ps);
    em[nlen + 2 + ps] = 0x00;
    memcpy(em + nlen + 3 + ps, di, dil);
    memcpy(em + nlen + 3 + ps + dil, digest, hlen);
    st = memcmp(em, em + nlen, nlen) == 0 ? DBX_OK : DBX_ERR_CRYPTO;
out:
    if (x != NULL) mbedtls_free(x);
    if (em != NULL) mbedtls_free(em);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&nn);
    return st;
}
