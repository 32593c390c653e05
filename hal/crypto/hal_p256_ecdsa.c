/* danebox crypto HAL: our own ECDSA P-256 verify backend ("dbx-p256",
 * hal_p256.h): strict input checks (r, s in [1, n-1], Q's coordinates < p
 * and Q on the curve), w = s^-1 mod n by Fermat in Montgomery arithmetic mod
 * n, u1 = e w, u2 = r w, R = u1 G + u2 Q (hal_p256_mul2), and the test
 * x(R) mod n == r done projectively (X == r Z^2 or, when r + n < p,
 * X == (r + n) Z^2) so no field inversion is needed.  No heap, ~1.8 KB of
 * stack.  Public data only (verify): variable time.
 * hal_crypto_dbx_p256_get() returns NULL when the Makefile did not build it
 * (HAL_CRYPTO_HAVE_dbx_p256, from DBX_CRYPTO); other curves are declined
 * with DBX_ERR_UNSUPPORTED. */
#include "hal_crypto.h"
#include "dbx_common.h"

#if defined(HAL_CRYPTO_HAVE_dbx_p256)
#include <string.h>

#include "hal_p256.h"

/* r = a b R^-1 mod n (R = 2^256), CIOS; a b < n 2^256 keeps r < 2n before
 * the final subtraction */
static void mn_mul(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    uint32_t t[10] = {0};
    for (int i = 0; i < 8; i++) {
        uint32_t carry = 0, bi = b[i], m;
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            hal_p256_umaal(&t[j], &carry, a[j], bi);
        }
        uint64_t x = (uint64_t)t[8] + carry;
        t[8] = (uint32_t)x;
        t[9] = (uint32_t)(x >> 32);
        m = t[0] * hal_p256_n0;
        carry = 0;
        hal_p256_umaal(&t[0], &carry, m, hal_p256_n[0]); /* t[0] becomes 0 */
#pragma GCC unroll 7
        for (int j = 1; j < 8; j++) {
            hal_p256_umaal(&t[j], &carry, m, hal_p256_n[j]);
            t[j - 1] = t[j];
        }
        x = (uint64_t)t[8] + carry;
        t[7] = (uint32_t)x;
        t[8] = t[9] + (uint32_t)(x >> 32);
    }
    if (t[8] != 0 || hal_p256_cmp(t, hal_p256_n) >= 0) {
        (void)hal_p256_sub_words(t, t, hal_p256_n);
    }
    memcpy(r, t, 32);
}

/* r = s^-1 R mod n (Montgomery form) for 0 < s < n: s^(n-2) */
static void mn_inv_mont(uint32_t r[8], const uint32_t s[8])
{
    hal_p256_fe sm, acc;
    mn_mul(sm, s, hal_p256_rr_n); /* s R */
    memcpy(acc, sm, sizeof acc);  /* the top bit of n - 2 */
    for (int i = 254; i >= 0; i--) {
        uint32_t w = hal_p256_n[i / 32] - (i < 32 ? 2u : 0u); /* n is odd: no borrow */
        mn_mul(acc, acc, acc);
        if ((w >> (i % 32)) & 1u) {
            mn_mul(acc, acc, sm);
        }
    }
    memcpy(r, acc, sizeof acc);
}

/* e: the leftmost 256 bits of the digest as an integer, reduced mod n */
static void p256_digest(uint32_t e[8], const uint8_t *digest, size_t dlen)
{
    uint8_t buf[32] = {0};
    size_t take = dlen < 32 ? dlen : 32;
    memcpy(buf + 32 - take, digest, take);
    hal_p256_from_bytes(e, buf);
    if (hal_p256_cmp(e, hal_p256_n) >= 0) {
        (void)hal_p256_sub_words(e, e, hal_p256_n);
    }
}

/* 1 when X == v Z^2 (mod p) */
static int p256_x_is(const hal_p256_jac_t *pt, const uint32_t zz[8], const uint32_t v[8])
{
    hal_p256_fe t;
    hal_p256_fe_mul(t, v, zz);
    return hal_p256_cmp(t, pt->x) == 0;
}

static int dbx_p256_ecdsa(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                          const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen)
{
    hal_p256_fe qx, qy, r, s, e, w, u1, u2;
    hal_p256_jac_t pt;

    DBX_CHECK(curve == HAL_EC_P256, DBX_ERR_UNSUPPORTED);
    DBX_CHECK(publen == 64, DBX_ERR_MALFORMED);
    DBX_CHECK(siglen == 64, DBX_ERR_CRYPTO);
    DBX_CHECK(dlen > 0, DBX_ERR_CRYPTO);
    hal_p256_from_bytes(qx, pub);
    hal_p256_from_bytes(qy, pub + 32);
    /* Q: coordinates < p and on the curve (the point at infinity has no
     * affine encoding and (0, 0) is not on the curve) */
    DBX_CHECK(hal_p256_fe_valid(qx) && hal_p256_fe_valid(qy), DBX_ERR_MALFORMED);
    DBX_CHECK(hal_p256_on_curve(qx, qy), DBX_ERR_MALFORMED);
    hal_p256_from_bytes(r, sig);
    hal_p256_from_bytes(s, sig + 32);
    DBX_CHECK(!hal_p256_is_zero(r) && hal_p256_cmp(r, hal_p256_n) < 0, DBX_ERR_CRYPTO);
    DBX_CHECK(!hal_p256_is_zero(s) && hal_p256_cmp(s, hal_p256_n) < 0, DBX_ERR_CRYPTO);
    p256_digest(e, digest, dlen);
    mn_inv_mont(w, s);  /* s^-1 R */
    mn_mul(u1, e, w);   /* e s^-1 */
    mn_mul(u2, r, w);   /* r s^-1 */
    if (hal_p256_mul2(&pt, u1, u2, qx, qy) != 0) {
        return DBX_ERR_CRYPTO; /* u1 G + u2 Q = infinity */
    }
    /* x(R) = X / Z^2 in [0, p); x(R) mod n == r  <=>  x(R) == r or
     * x(R) == r + n (only possible when r + n < p) */
    hal_p256_fe zz, rn;
    hal_p256_fe_sqr(zz, pt.z);
    if (p256_x_is(&pt, zz, r)) {
        return DBX_OK;
    }
    uint64_t c = 0;
    for (int j = 0; j < 8; j++) {
        c += (uint64_t)r[j] + hal_p256_n[j];
        rn[j] = (uint32_t)c;
        c >>= 32;
    }
    if (c == 0 && hal_p256_fe_valid(rn) && p256_x_is(&pt, zz, rn)) {
        return DBX_OK;
    }
    return DBX_ERR_CRYPTO;
}

static const hal_crypto_vtable_t dbx_p256_vtable = {
    .name = "dbx-p256",
    .ecdsa_verify = dbx_p256_ecdsa,
};
#endif

const hal_crypto_vtable_t *hal_crypto_dbx_p256_get(void)
{
#if defined(HAL_CRYPTO_HAVE_dbx_p256)
    return &dbx_p256_vtable;
#else
    return NULL;
#endif
}
