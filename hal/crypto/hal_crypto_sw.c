/* danebox crypto HAL: the software backend, on mbedTLS.  Always linked. */
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "dbx_common.h"

#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/rsa.h"

/* RSA moduli accepted for DNSSEC and X.509 (bits). */
#define SW_RSA_MIN_BITS 1024u
#define SW_RSA_MAX_BITS 4096u

static mbedtls_md_type_t md_type(hal_hash_alg_t alg)
{
    switch (alg) {
    case HAL_HASH_SHA1: return MBEDTLS_MD_SHA1;
    case HAL_HASH_SHA256: return MBEDTLS_MD_SHA256;
    case HAL_HASH_SHA384: return MBEDTLS_MD_SHA384;
    case HAL_HASH_SHA512: return MBEDTLS_MD_SHA512;
    default: return MBEDTLS_MD_NONE;
    }
}

static int sw_hash(hal_hash_alg_t alg, const uint8_t *data, size_t len, uint8_t *out)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md_type(alg));
    DBX_CHECK(info != NULL, DBX_ERR_UNSUPPORTED);
    return mbedtls_md(info, data, len, out) == 0 ? DBX_OK : DBX_ERR_CRYPTO;
}

static int sw_rsa_verify(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                         hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                         size_t siglen)
{
    uint64_t ev = 0;
    size_t hlen = hal_hash_len(alg);

    /* strip leading zero bytes of the modulus before the size check */
    while (nlen > 0 && *n == 0) {
        n++;
        nlen--;
    }
    DBX_CHECK(hlen != 0, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(nlen * 8 >= SW_RSA_MIN_BITS - 7 && nlen * 8 <= SW_RSA_MAX_BITS, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(elen > 0 && elen <= 8, DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == nlen, DBX_ERR_CRYPTO);
    for (size_t i = 0; i < elen; i++) ev = (ev << 8) | e[i];
    /* square-and-multiply on mbedTLS' Montgomery core (hal_rsa_pub.c) */
    return hal_rsa_pkcs1_v15_verify(n, nlen, ev, digest, hlen, sig);
}

/* ECDSA verify (SEC 1 4.1.4) on mbedTLS' group arithmetic: 0 < r, s < n;
 * e = leftmost nbits of the digest; R = (e/s) G + (r/s) Q; valid iff R is
 * not infinity and x(R) mod n == r.  Written here rather than calling
 * mbedtls_ecdsa_verify() because with MBEDTLS_ECDSA_VERIFY_ALT that name is
 * the bridge into this HAL (hal_crypto_mbedtls.c), which must not loop back. */
int hal_mbedtls_ecdsa_math(mbedtls_ecp_group *grp, const uint8_t *digest, size_t dlen,
                           const mbedtls_ecp_point *q, const mbedtls_mpi *r, const mbedtls_mpi *s)
{
    mbedtls_mpi e, sinv, u1, u2;
    mbedtls_ecp_point rp;
    size_t nbytes = (grp->nbits + 7) / 8;
    int ok = 0;

    if (mbedtls_mpi_cmp_int(r, 1) < 0 || mbedtls_mpi_cmp_mpi(r, &grp->N) >= 0 ||
        mbedtls_mpi_cmp_int(s, 1) < 0 || mbedtls_mpi_cmp_mpi(s, &grp->N) >= 0) {
        return DBX_ERR_CRYPTO;
    }
    mbedtls_mpi_init(&e);
    mbedtls_mpi_init(&sinv);
    mbedtls_mpi_init(&u1);
    mbedtls_mpi_init(&u2);
    mbedtls_ecp_point_init(&rp);
    if (mbedtls_mpi_read_binary(&e, digest, dlen < nbytes ? dlen : nbytes) == 0 &&
        (dlen * 8 <= grp->nbits || mbedtls_mpi_shift_r(&e, nbytes * 8 - grp->nbits) == 0) &&
        mbedtls_mpi_inv_mod(&sinv, s, &grp->N) == 0 &&
        mbedtls_mpi_mul_mpi(&u1, &e, &sinv) == 0 && mbedtls_mpi_mod_mpi(&u1, &u1, &grp->N) == 0 &&
        mbedtls_mpi_mul_mpi(&u2, r, &sinv) == 0 && mbedtls_mpi_mod_mpi(&u2, &u2, &grp->N) == 0 &&
        mbedtls_ecp_muladd(grp, &rp, &u1, &grp->G, &u2, q) == 0 && !mbedtls_ecp_is_zero(&rp) &&
        mbedtls_mpi_mod_mpi(&rp.MBEDTLS_PRIVATE(X), &rp.MBEDTLS_PRIVATE(X), &grp->N) == 0 &&
        mbedtls_mpi_cmp_mpi(&rp.MBEDTLS_PRIVATE(X), r) == 0) {
        ok = 1;
    }
    mbedtls_ecp_point_free(&rp);
    mbedtls_mpi_free(&u2);
    mbedtls_mpi_free(&u1);
    mbedtls_mpi_free(&sinv);
    mbedtls_mpi_free(&e);
    return ok ? DBX_OK : DBX_ERR_CRYPTO;
}

static int sw_ecdsa_verify(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                           const uint8_t *digest, size_t dlen, const uint8_t *sig,
                           size_t siglen)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    uint8_t point[1 + 2 * 48];
    size_t clen = curve == HAL_EC_P256 ? 32 : curve == HAL_EC_P384 ? 48 : 0;
    int st = DBX_ERR_MALFORMED;

    DBX_CHECK(clen != 0, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(publen == 2 * clen, DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == 2 * clen, DBX_ERR_CRYPTO);
    DBX_CHECK(dlen > 0, DBX_ERR_CRYPTO);
    point[0] = 0x04;
    memcpy(point + 1, pub, publen);

    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_ecp_group_load(&grp, curve == HAL_EC_P256 ? MBEDTLS_ECP_DP_SECP256R1
                                                          : MBEDTLS_ECP_DP_SECP384R1) == 0 &&
        mbedtls_ecp_point_read_binary(&grp, &q, point, 1 + publen) == 0 &&
        mbedtls_ecp_check_pubkey(&grp, &q) == 0 &&
        mbedtls_mpi_read_binary(&r, sig, clen) == 0 &&
        mbedtls_mpi_read_binary(&s, sig + clen, clen) == 0) {
        st = hal_mbedtls_ecdsa_math(&grp, digest, dlen, &q, &r, &s);
    }
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return st;
}

static int sw_random(uint8_t *out, size_t len)
{
    return hal_entropy_get(out, len);
}

static const hal_crypto_vtable_t sw_vtable = {
    .name = "mbedtls-sw",
    .hash = sw_hash,
    .rsa_verify = sw_rsa_verify,
    .ecdsa_verify = sw_ecdsa_verify,
    .random = sw_random,
};

const hal_crypto_vtable_t *hal_crypto_sw_get(void)
{
    return &sw_vtable;
}
