/* danebox crypto HAL: the p256-m backend (3rdparty/p256-m of the mbedTLS
 * source we build): ECDSA P-256 verify only, 32-bit limbs, small code.
 * hal_crypto_p256m_get() returns NULL when the Makefile did not build it
 * (HAL_CRYPTO_HAVE_p256m, from DBX_CRYPTO).  Other curves are declined with
 * DBX_ERR_UNSUPPORTED so the dispatcher passes them on (mbedTLS last). */
#include "hal_crypto.h"
#include "dbx_common.h"

#if defined(HAL_CRYPTO_HAVE_p256m)
#include "p256-m.h"

static int p256m_ecdsa(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                       const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen)
{
    DBX_CHECK(curve == HAL_EC_P256, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(publen == 64, DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == 64, DBX_ERR_CRYPTO);
    DBX_CHECK(dlen > 0, DBX_ERR_CRYPTO);
    /* checks 0 < r, s < n and that pub is on the curve (not the point at
     * infinity: it has no affine encoding), truncates the digest to 256 bits */
    switch (p256_ecdsa_verify(sig, pub, digest, dlen)) {
    case P256_SUCCESS: return DBX_OK;
    case P256_INVALID_PUBKEY: return DBX_ERR_MALFORMED;
    default: return DBX_ERR_CRYPTO;
    }
}

static const hal_crypto_vtable_t p256m_vtable = {
    .name = "p256m",
    .ecdsa_verify = p256m_ecdsa,
};
#endif

const hal_crypto_vtable_t *hal_crypto_p256m_get(void)
{
#if defined(HAL_CRYPTO_HAVE_p256m)
    return &p256m_vtable;
#else
    return NULL;
#endif
}
