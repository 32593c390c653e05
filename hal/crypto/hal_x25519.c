/* X25519 (RFC 7748) in constant time: arithmetic mod p = 2^255 - 19 on
 * 8 x 32-bit words and the Montgomery ladder (hal_x25519.h).
 *
 * Representation: any value < 2^256; since 2^256 = 38 (mod p), a carry out of
 * the top word folds back as 38 times the carry into word 0.  Every loop runs
 * a fixed number of times and every conditional is a mask. */
#include "hal_x25519.h"
#include "hal_p256.h" /* the 8-word helpers: umaal, add/sub, the 512-bit product */

#include "mbedtls/platform_util.h" /* mbedtls_platform_zeroize() */

#include <string.h>

/* r += 38 * c with full carry propagation, then the (at most 1) carry out of
 * that folded once more into word 0.  A carry out means r wrapped to a value
 * below 38 * c, so the last addition cannot overflow for c < 2^26. */
static void fe_fold(hal_x25519_fe r, uint32_t c)
{
    uint64_t acc = (uint64_t)c * 38u;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        acc += r[i];
        r[i] = (uint32_t)acc;
        acc >>= 32;
    }
    r[0] += (uint32_t)acc * 38u;
}

static void fe_add(hal_x25519_fe r, const hal_x25519_fe a, const hal_x25519_fe b)
{
    fe_fold(r, hal_p256_add_words(r, a, b));
}

/* r -= 38 * b (b = 0 or 1) with borrow propagation; @return the borrow out */
static uint32_t fe_sub38(hal_x25519_fe r, uint32_t b)
{
    uint32_t borrow = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        uint64_t d = (uint64_t)r[i] - (i == 0 ? 38u * b : 0u) - borrow;
        r[i] = (uint32_t)d;
        borrow = (uint32_t)(d >> 63);
    }
    return borrow;
}

/* r = a - b: a borrow out means 2^256 = 38 too much was added, so 38 comes
 * off; a second borrow (r was < 38) likewise, and then r is >= 2^256 - 38,
 * so the last subtraction from word 0 cannot borrow. */
static void fe_sub(hal_x25519_fe r, const hal_x25519_fe a, const hal_x25519_fe b)
{
    uint32_t borrow = hal_p256_sub_words(r, a, b);
    borrow = fe_sub38(r, borrow);
    r[0] -= 38u * borrow;
}

/* r = t mod p for a 512-bit t: t = lo + 2^256 hi = lo + 38 hi (mod p) */
static void fe_reduce(hal_x25519_fe r, const uint32_t t[16])
{
    uint32_t c = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        uint32_t lo = t[i];
        hal_p256_umaal(&lo, &c, t[i + 8], 38u);
        r[i] = lo;
    }
    fe_fold(r, c);
}

void hal_x25519_fe_mul(hal_x25519_fe r, const hal_x25519_fe a, const hal_x25519_fe b)
{
    uint32_t t[16];
    hal_p256_mul_words(t, a, b);
    fe_reduce(r, t);
}

/* r = a^2 (a dedicated squaring, 36 products instead of 64, measured
 * slower on the M4 at -Os: its extra passes over the 16-word product) */
static void fe_sq(hal_x25519_fe r, const hal_x25519_fe a)
{
    hal_x25519_fe_mul(r, a, a);
}

/* r = a * k for a small constant k (< 2^26) */
static void fe_mul_small(hal_x25519_fe r, const hal_x25519_fe a, uint32_t k)
{
    uint32_t c = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        uint32_t lo = 0;
        hal_p256_umaal(&lo, &c, a[i], k);
        r[i] = lo;
    }
    fe_fold(r, c);
}

/* r = a^(2^n) */
static void fe_sqn(hal_x25519_fe r, const hal_x25519_fe a, int n)
{
    memcpy(r, a, sizeof(hal_x25519_fe));
    for (int i = 0; i < n; i++) fe_sq(r, r);
}

/* a^(p-2), p - 2 = 2^255 - 21, by the addition chain
 * a^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250, then
 * (a^(2^250 - 1))^(2^5) * a^11 = a^(2^255 - 32 + 11).  The exponent is
 * public: the sequence of operations is fixed. */
void hal_x25519_fe_inv(hal_x25519_fe r, const hal_x25519_fe a)
{
    hal_x25519_fe a2, a9, a11, e5, e10, e20, e50, e100, t;
    fe_sq(a2, a);                 /* a^2 */
    fe_sqn(t, a2, 2);             /* a^8 */
    hal_x25519_fe_mul(a9, t, a);  /* a^9 */
    hal_x25519_fe_mul(a11, a9, a2);
    fe_sq(t, a11);                /* a^22 */
    hal_x25519_fe_mul(e5, t, a9); /* a^31 = a^(2^5 - 1) */
    fe_sqn(t, e5, 5);
    hal_x25519_fe_mul(e10, t, e5);
    fe_sqn(t, e10, 10);
    hal_x25519_fe_mul(e20, t, e10);
    fe_sqn(t, e20, 20);
    hal_x25519_fe_mul(t, t, e20); /* 2^40 - 1 */
    fe_sqn(t, t, 10);
    hal_x25519_fe_mul(e50, t, e10);
    fe_sqn(t, e50, 50);
    hal_x25519_fe_mul(e100, t, e50);
    fe_sqn(t, e100, 100);
    hal_x25519_fe_mul(t, t, e100); /* 2^200 - 1 */
    fe_sqn(t, t, 50);
    hal_x25519_fe_mul(t, t, e50);  /* 2^250 - 1 */
    fe_sqn(t, t, 5);
    hal_x25519_fe_mul(r, t, a11);
}

void hal_x25519_fe_from_bytes(hal_x25519_fe r, const uint8_t in[32])
{
    for (int i = 0; i < 8; i++) {
        r[i] = (uint32_t)in[4 * i] | (uint32_t)in[4 * i + 1] << 8 |
               (uint32_t)in[4 * i + 2] << 16 | (uint32_t)in[4 * i + 3] << 24;
    }
}

/* a < 2^256 -> t = a with bit 255 folded (t < 2^255 + 19 < 2p) -> t - p when
 * t + 19 reaches 2^255, else t (selected by mask) */
void hal_x25519_fe_to_bytes(uint8_t out[32], const hal_x25519_fe a)
{
    hal_x25519_fe t, u;
    uint64_t acc = (uint64_t)(a[7] >> 31) * 19u;
    memcpy(t, a, sizeof t);
    t[7] &= 0x7fffffffu;
    for (int i = 0; i < 8; i++) {
        acc += t[i];
        t[i] = (uint32_t)acc;
        acc >>= 32;
    }
    acc = 19u;
    for (int i = 0; i < 8; i++) {
        acc += t[i];
        u[i] = (uint32_t)acc;
        acc >>= 32;
    }
    uint32_t mask = 0u - (u[7] >> 31);
    u[7] &= 0x7fffffffu;
    for (int i = 0; i < 8; i++) {
        uint32_t w = (u[i] & mask) | (t[i] & ~mask);
        out[4 * i] = (uint8_t)w;
        out[4 * i + 1] = (uint8_t)(w >> 8);
        out[4 * i + 2] = (uint8_t)(w >> 16);
        out[4 * i + 3] = (uint8_t)(w >> 24);
    }
}

void hal_x25519_ladder_step(hal_x25519_fe x2, hal_x25519_fe z2, hal_x25519_fe x3,
                            hal_x25519_fe z3, const hal_x25519_fe x1)
{
    hal_x25519_fe a, aa, b, bb, e, c, d, da, cb;
    fe_add(a, x2, z2);
    fe_sq(aa, a);
    fe_sub(b, x2, z2);
    fe_sq(bb, b);
    fe_sub(e, aa, bb);
    fe_add(c, x3, z3);
    fe_sub(d, x3, z3);
    hal_x25519_fe_mul(da, d, a);
    hal_x25519_fe_mul(cb, c, b);
    fe_add(x3, da, cb);
    fe_sq(x3, x3);
    fe_sub(z3, da, cb);
    fe_sq(z3, z3);
    hal_x25519_fe_mul(z3, z3, x1);
    hal_x25519_fe_mul(x2, aa, bb);
    fe_mul_small(z2, e, 121665u); /* a24 = (486662 - 2) / 4 */
    fe_add(z2, z2, aa);
    hal_x25519_fe_mul(z2, z2, e);
}

/* swap a and b when mask is all ones, keep them when it is zero */
static void fe_cswap(hal_x25519_fe a, hal_x25519_fe b, uint32_t mask)
{
    for (int i = 0; i < 8; i++) {
        uint32_t x = mask & (a[i] ^ b[i]);
        a[i] ^= x;
        b[i] ^= x;
    }
}

void hal_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32])
{
    uint8_t k[32];
    hal_x25519_fe x1, x2 = {1}, z2 = {0}, x3, z3 = {1};
    uint32_t swap = 0;
    memcpy(k, scalar, sizeof k);
    k[0] &= 248u;
    k[31] = (uint8_t)((k[31] & 127u) | 64u);
    hal_x25519_fe_from_bytes(x1, u);
    x1[7] &= 0x7fffffffu;
    memcpy(x3, x1, sizeof x3);
    for (int t = 254; t >= 0; t--) {
        uint32_t bit = (k[t >> 3] >> (t & 7)) & 1u;
        swap ^= bit;
        fe_cswap(x2, x3, 0u - swap);
        fe_cswap(z2, z3, 0u - swap);
        swap = bit;
        hal_x25519_ladder_step(x2, z2, x3, z3, x1);
    }
    fe_cswap(x2, x3, 0u - swap);
    fe_cswap(z2, z3, 0u - swap);
    hal_x25519_fe_inv(z2, z2);
    hal_x25519_fe_mul(x2, x2, z2);
    hal_x25519_fe_to_bytes(out, x2);
    mbedtls_platform_zeroize(k, sizeof k);
    mbedtls_platform_zeroize(x2, sizeof x2);
    mbedtls_platform_zeroize(z2, sizeof z2);
    mbedtls_platform_zeroize(x3, sizeof x3);
    mbedtls_platform_zeroize(z3, sizeof z3);
}
