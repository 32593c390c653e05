/* mbedTLS 3.6 ECP hooks (MBEDTLS_ECP_INTERNAL_ALT, library/ecp_internal_alt.h)
 * that run mbedTLS' x/z Montgomery ladder for Curve25519 on our constant-time
 * field arithmetic (hal_x25519.h) instead of its generic bignum: the
 * double-and-add step, the coordinate blinding and the final normalization.
 * mbedTLS keeps the ladder itself (the scalar bits and its constant-time
 * swaps, ecp.c ecp_mul_mxz); every other curve stays on mbedTLS software
 * (mbedtls_internal_ecp_grp_capable() is true for Curve25519 only).
 *
 * Enabled by firmware/config/dbx_mbedtls_config.h (DBX_X25519_HAL, the
 * boards); without it this file compiles to nothing.  Stack only: the mpi
 * coordinates are grown to 256 bits once and then rewritten in place. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "hal_x25519.h"

#include "mbedtls/build_info.h"

#if defined(MBEDTLS_ECP_INTERNAL_ALT)

#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"
#include "mbedtls/platform_util.h"
#include "ecp_internal_alt.h"

#include <string.h>

#if !defined(MBEDTLS_ECP_DOUBLE_ADD_MXZ_ALT) || !defined(MBEDTLS_ECP_RANDOMIZE_MXZ_ALT) || \
    !defined(MBEDTLS_ECP_NORMALIZE_MXZ_ALT)
#error "hal_x25519_mbedtls.c implements the three MXZ hooks together"
#endif
#if defined(MBEDTLS_ECP_DOUBLE_JAC_ALT) || defined(MBEDTLS_ECP_ADD_MIXED_ALT) || \
    defined(MBEDTLS_ECP_NORMALIZE_JAC_ALT) || defined(MBEDTLS_ECP_NORMALIZE_JAC_MANY_ALT) || \
    defined(MBEDTLS_ECP_RANDOMIZE_JAC_ALT)
#error "hal_x25519_mbedtls.c has no short Weierstrass hooks"
#endif

#define WPL (sizeof(mbedtls_mpi_uint) / sizeof(uint32_t)) /* 32-bit words per limb */
#define LIMBS (8u / WPL)

/* a non-negative mpi < 2^256 -> field element; the limb count is public, the
 * value is read without branches on it (one check at the end: >= 2^256) */
static int mpi_to_fe(hal_x25519_fe r, const mbedtls_mpi *x)
{
    mbedtls_mpi_uint high = 0;
    if (WPL == 1 && x->n >= LIMBS) {
        memcpy(r, x->p, sizeof(hal_x25519_fe)); /* 32-bit limbs: the same words */
    } else {
        for (unsigned i = 0; i < 8; i++) {
            size_t limb = i / WPL;
            r[i] = limb < x->n ? (uint32_t)(x->p[limb] >> (32u * (i % WPL))) : 0u;
        }
    }
    for (size_t limb = LIMBS; limb < x->n; limb++) high |= x->p[limb];
    return (high != 0 || x->s != 1) ? MBEDTLS_ERR_ECP_BAD_INPUT_DATA : 0;
}

static int fe_to_mpi(mbedtls_mpi *x, const hal_x25519_fe a)
{
    int ret = mbedtls_mpi_grow(x, LIMBS);
    if (ret != 0) return ret;
    x->s = 1;
    if (x->n > LIMBS) memset(x->p + LIMBS, 0, (x->n - LIMBS) * sizeof(mbedtls_mpi_uint));
    if (WPL == 1) {
        memcpy(x->p, a, sizeof(hal_x25519_fe));
        return 0;
    }
    memset(x->p, 0, LIMBS * sizeof(mbedtls_mpi_uint));
    for (unsigned i = 0; i < 8; i++) {
        x->p[i / WPL] |= (mbedtls_mpi_uint)a[i] << (32u * (i % WPL));
    }
    return 0;
}

unsigned char mbedtls_internal_ecp_grp_capable(const mbedtls_ecp_group *grp)
{
    return grp != NULL && grp->id == MBEDTLS_ECP_DP_CURVE25519;
}

int mbedtls_internal_ecp_init(const mbedtls_ecp_group *grp)
{
    (void)grp;
    return 0;
}

void mbedtls_internal_ecp_free(const mbedtls_ecp_group *grp)
{
    (void)grp;
}

/* R = 2P, S = P + Q with d = X(P - Q) (affine); R may be P, S may be Q */
int mbedtls_internal_ecp_double_add_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                        mbedtls_ecp_point *S, const mbedtls_ecp_point *P,
                                        const mbedtls_ecp_point *Q, const mbedtls_mpi *d)
{
    hal_x25519_fe x2, z2, x3, z3, x1;
    int ret;
    (void)grp;
    if ((ret = mpi_to_fe(x2, &P->X)) != 0 || (ret = mpi_to_fe(z2, &P->Z)) != 0 ||
        (ret = mpi_to_fe(x3, &Q->X)) != 0 || (ret = mpi_to_fe(z3, &Q->Z)) != 0 ||
        (ret = mpi_to_fe(x1, d)) != 0) {
        goto out;
    }
    hal_x25519_ladder_step(x2, z2, x3, z3, x1);
    if ((ret = fe_to_mpi(&R->X, x2)) == 0 && (ret = fe_to_mpi(&R->Z, z2)) == 0 &&
        (ret = fe_to_mpi(&S->X, x3)) == 0) {
        ret = fe_to_mpi(&S->Z, z3);
    }
out:
    /* no wipe per step: the same values sit in R and S (mbedTLS frees, and
     * so zeroizes, them); normalize_mxz wipes its copies at the end */
    return ret;
}

/* (X, Z) -> (l X, l Z), l odd, random, 0 < l < 2^254 < p */
int mbedtls_internal_ecp_randomize_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *P,
                                       int (*f_rng)(void *, unsigned char *, size_t),
                                       void *p_rng)
{
    uint8_t b[32];
    hal_x25519_fe l, x, z;
    int ret;
    (void)grp;
    if (f_rng == NULL || f_rng(p_rng, b, sizeof b) != 0) return MBEDTLS_ERR_ECP_RANDOM_FAILED;
    hal_x25519_fe_from_bytes(l, b);
    l[7] &= 0x3fffffffu;
    l[0] |= 1u;
    if ((ret = mpi_to_fe(x, &P->X)) == 0 && (ret = mpi_to_fe(z, &P->Z)) == 0) {
        hal_x25519_fe_mul(x, x, l);
        hal_x25519_fe_mul(z, z, l);
        if ((ret = fe_to_mpi(&P->X, x)) == 0) ret = fe_to_mpi(&P->Z, z);
    }
    mbedtls_platform_zeroize(b, sizeof b);
    mbedtls_platform_zeroize(l, sizeof l);
    mbedtls_platform_zeroize(x, sizeof x);
    mbedtls_platform_zeroize(z, sizeof z);
    return ret;
}

/* X = X / Z fully reduced, Z = 1.  Z = 0 (the result is the point at
 * infinity: a low-order input) fails like mbedTLS' own inversion does, so
 * mbedtls_ecdh_compute_shared() / PSA refuse the key share as before. */
int mbedtls_internal_ecp_normalize_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *P)
{
    hal_x25519_fe x, z;
    uint8_t zb[32], xb[32];
    uint8_t nz = 0;
    int ret;
    (void)grp;
    if ((ret = mpi_to_fe(x, &P->X)) != 0 || (ret = mpi_to_fe(z, &P->Z)) != 0) goto out;
    hal_x25519_fe_to_bytes(zb, z);
    for (size_t i = 0; i < sizeof zb; i++) nz |= zb[i];
    if (nz == 0) {
        ret = MBEDTLS_ERR_MPI_NOT_ACCEPTABLE;
        goto out;
    }
    hal_x25519_fe_inv(z, z);
    hal_x25519_fe_mul(x, x, z);
    hal_x25519_fe_to_bytes(xb, x);
    hal_x25519_fe_from_bytes(x, xb);
    if ((ret = fe_to_mpi(&P->X, x)) == 0) ret = mbedtls_mpi_lset(&P->Z, 1);
out:
    mbedtls_platform_zeroize(x, sizeof x);
    mbedtls_platform_zeroize(z, sizeof z);
    mbedtls_platform_zeroize(xb, sizeof xb);
    mbedtls_platform_zeroize(zb, sizeof zb);
    return ret;
}

#endif /* MBEDTLS_ECP_INTERNAL_ALT */
