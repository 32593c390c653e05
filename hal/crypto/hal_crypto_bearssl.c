/* danebox crypto HAL: BearSSL backends (Debian source package `bearssl`,
 * pinned in tools/deps.sh), verify only, one operation each (BearSSL's own
 * names: m31/m15 = the P-256 implementation, i31/i15/i62 = big integers):
 *   bearssl-m31  ECDSA P-256: br_ecdsa_i31_vrfy_raw on br_ec_p256_m31;
 *   bearssl-m15  ECDSA P-256: br_ecdsa_i15_vrfy_raw on br_ec_p256_m15 (for
 *                cores without a fast 32x32->64 multiply);
 *   bearssl-i31, bearssl-i15  RSA PKCS#1 v1.5: br_rsa_i31/i15_pkcs1_vrfy;
 *   bearssl-i62  RSA, where the compiler has a 64x64->128 multiply (64-bit
 *                hosts): NULL elsewhere.
 * Each getter returns NULL when the Makefile did not build that backend
 * (HAL_CRYPTO_HAVE_bearssl_*, from DBX_CRYPTO).  A curve or key size a
 * backend does not take is declined with DBX_ERR_UNSUPPORTED: the dispatcher
 * then asks the next backend (mbedTLS last). */
#include "hal_crypto.h"
#include "dbx_common.h"

#if defined(HAL_CRYPTO_HAVE_bearssl_m31) || defined(HAL_CRYPTO_HAVE_bearssl_m15)
#define BR_HAVE_EC 1
#endif
#if defined(HAL_CRYPTO_HAVE_bearssl_i31) || defined(HAL_CRYPTO_HAVE_bearssl_i15) ||             \
    defined(HAL_CRYPTO_HAVE_bearssl_i62)
#define BR_HAVE_RSA 1
#endif

#if defined(BR_HAVE_EC) || defined(BR_HAVE_RSA)
#include <string.h>

#include "bearssl_ec.h"
#include "bearssl_rsa.h"
#endif

#if defined(BR_HAVE_EC)

typedef uint32_t (*br_vrfy_fn)(const br_ec_impl *, const void *, size_t,
                               const br_ec_public_key *, const void *, size_t);

static int br_ecdsa(const br_ec_impl *impl, br_vrfy_fn vrfy, hal_ec_curve_t curve,
                    const uint8_t *pub, size_t publen, const uint8_t *digest, size_t dlen,
                    const uint8_t *sig, size_t siglen)
{
    uint8_t q[65];
    br_ec_public_key pk = {.curve = BR_EC_secp256r1, .q = q, .qlen = sizeof q};

    DBX_CHECK(curve == HAL_EC_P256, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(publen == 64, DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == 64, DBX_ERR_CRYPTO);
    DBX_CHECK(dlen > 0, DBX_ERR_CRYPTO);
    q[0] = 0x04;
    memcpy(q + 1, pub, 64);
    /* vrfy checks 0 < r, s < n, decodes (and checks on-curve) Q, computes
     * u1 G + u2 Q and compares its x mod n with r; 1 = valid */
    return vrfy(impl, digest, dlen, &pk, sig, siglen) == 1 ? DBX_OK : DBX_ERR_CRYPTO;
}

#endif

#if defined(BR_HAVE_RSA)
/* RSA moduli accepted for DNSSEC and X.509 (bits), as the mbedTLS backend */
#define BR_RSA_MIN_BITS 1024u
#define BR_RSA_MAX_BITS 4096u

static const unsigned char *br_oid(hal_hash_alg_t alg)
{
    switch (alg) {
    case HAL_HASH_SHA1: return BR_HASH_OID_SHA1;
    case HAL_HASH_SHA256: return BR_HASH_OID_SHA256;
    case HAL_HASH_SHA384: return BR_HASH_OID_SHA384;
    case HAL_HASH_SHA512: return BR_HASH_OID_SHA512;
    default: return NULL;
    }
}

static int br_rsa(br_rsa_pkcs1_vrfy vrfy, const uint8_t *n, size_t nlen, const uint8_t *e,
                  size_t elen, hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                  size_t siglen)
{
    uint8_t out[HAL_HASH_MAX_LEN];
    size_t hlen = hal_hash_len(alg);
    br_rsa_public_key pk;

    while (nlen > 0 && *n == 0) {
        n++;
        nlen--;
    }
    while (elen > 0 && *e == 0) {
        e++;
        elen--;
    }
    DBX_CHECK(vrfy != NULL, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(hlen != 0 && br_oid(alg) != NULL, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(nlen * 8 >= BR_RSA_MIN_BITS - 7 && nlen * 8 <= BR_RSA_MAX_BITS, DBX_ERR_UNSUPPORTED);
    /* the modulus must be odd (BearSSL's Montgomery code needs it), e odd and
     * > 1, as mbedtls_rsa_check_pubkey() asks */
    DBX_CHECK((n[nlen - 1] & 1u) != 0, DBX_ERR_MALFORMED);
    DBX_CHECK(elen > 0 && elen <= 8 && !(elen == 1 && e[0] < 3) && (e[elen - 1] & 1u) != 0,
              DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == nlen, DBX_ERR_CRYPTO);
    pk = (br_rsa_public_key){.n = (unsigned char *)(uintptr_t)n, .nlen = nlen,
                             .e = (unsigned char *)(uintptr_t)e, .elen = elen};
    /* vrfy: s^e mod n, checks s < n and the PKCS#1 v1.5 type-1 padding with
     * the DigestInfo of this OID, and returns the digest inside */
    if (vrfy(sig, siglen, br_oid(alg), hlen, &pk, out) != 1) {
        return DBX_ERR_CRYPTO;
    }
    return memcmp(out, digest, hlen) == 0 ? DBX_OK : DBX_ERR_CRYPTO;
}
#endif

/* One backend: its slot function and vtable (NAME = the DBX_CRYPTO name
 * with '_' for '-'), and its getter returning NULL when not built. */
#define BR_ECDSA_BACKEND(tag, impl, vrfy)                                      \
    static int tag##_ecdsa(hal_ec_curve_t curve, const uint8_t *pub, size_t publen, \
                           const uint8_t *digest, size_t dlen, const uint8_t *sig, \
                           size_t siglen)                                      \
    {                                                                          \
        return br_ecdsa(&impl, vrfy, curve, pub, publen, digest, dlen, sig, siglen); \
    }                                                                          \
    static const hal_crypto_vtable_t tag##_vtable = {                          \
        .name = "bearssl-" #tag, .ecdsa_verify = tag##_ecdsa};
#define BR_RSA_BACKEND(tag, vrfy)                                              \
    static int tag##_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen, \
                         hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig, \
                         size_t siglen)                                        \
    {                                                                          \
        return br_rsa(vrfy, n, nlen, e, elen, alg, digest, sig, siglen);       \
    }                                                                          \
    static const hal_crypto_vtable_t tag##_vtable = {                          \
        .name = "bearssl-" #tag, .rsa_verify = tag##_rsa};

#if defined(HAL_CRYPTO_HAVE_bearssl_m31)
BR_ECDSA_BACKEND(m31, br_ec_p256_m31, br_ecdsa_i31_vrfy_raw)
#endif
#if defined(HAL_CRYPTO_HAVE_bearssl_m15)
BR_ECDSA_BACKEND(m15, br_ec_p256_m15, br_ecdsa_i15_vrfy_raw)
#endif
#if defined(HAL_CRYPTO_HAVE_bearssl_i31)
BR_RSA_BACKEND(i31, br_rsa_i31_pkcs1_vrfy)
#endif
#if defined(HAL_CRYPTO_HAVE_bearssl_i15)
BR_RSA_BACKEND(i15, br_rsa_i15_pkcs1_vrfy)
#endif
#if defined(HAL_CRYPTO_HAVE_bearssl_i62)
BR_RSA_BACKEND(i62, br_rsa_i62_pkcs1_vrfy_get())
#endif

const hal_crypto_vtable_t *hal_crypto_bearssl_m31_get(void)
{
#if defined(HAL_CRYPTO_HAVE_bearssl_m31)
    return &m31_vtable;
#else
    return NULL;
#endif
}

const hal_crypto_vtable_t *hal_crypto_bearssl_m15_get(void)
{
#if defined(HAL_CRYPTO_HAVE_bearssl_m15)
    return &m15_vtable;
#else
    return NULL;
#endif
}

const hal_crypto_vtable_t *hal_crypto_bearssl_i31_get(void)
{
#if defined(HAL_CRYPTO_HAVE_bearssl_i31)
    return &i31_vtable;
#else
    return NULL;
#endif
}

const hal_crypto_vtable_t *hal_crypto_bearssl_i15_get(void)
{
#if defined(HAL_CRYPTO_HAVE_bearssl_i15)
    return &i15_vtable;
#else
    return NULL;
#endif
}

const hal_crypto_vtable_t *hal_crypto_bearssl_i62_get(void)
{
#if defined(HAL_CRYPTO_HAVE_bearssl_i62)
    /* NULL when this compiler/CPU has no 64x64->128 multiply */
    return br_rsa_i62_pkcs1_vrfy_get() != NULL ? &i62_vtable : NULL;
#else
    return NULL;
#endif
}
