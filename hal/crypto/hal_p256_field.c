/* danebox P-256: arithmetic mod p = 2^256 - 2^224 + 2^192 + 2^96 - 1 on
 * 8 x 32-bit words (hal_p256.h).  Multiplication: operand scanning with
 * 32x32->64 multiply-accumulate (UMULL/UMAAL on the Cortex-M4), then P-256's
 * special (Solinas) reduction of the 512-bit product: the word sums of
 * FIPS 186-4 D.2 / Solinas' method, folded with 2^256 = 2^224 - 2^192 -
 * 2^96 + 1 (mod p).  Results are fully reduced.  Variable time (verify only). */
#include <string.h>

#include "hal_p256.h"

static const uint32_t p256_p[8] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0u,
                                   0u,          0u,          1u,          0xffffffffu};

void hal_p256_from_bytes(uint32_t r[8], const uint8_t in[32])
{
    for (int i = 0; i < 8; i++) {
        const uint8_t *b = in + 28 - 4 * i;
        r[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
}

int hal_p256_cmp(const uint32_t a[8], const uint32_t b[8])
{
    for (int i = 7; i >= 0; i--) {
        if (a[i] != b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }
    return 0;
}

uint32_t hal_p256_sub_words(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    int64_t c = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        c += (int64_t)a[i] - b[i];
        r[i] = (uint32_t)c;
        c >>= 32; /* arithmetic (GCC): floor */
    }
    return (uint32_t)-c;
}

uint32_t hal_p256_add_words(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    uint64_t c = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        c += (uint64_t)a[i] + b[i];
        r[i] = (uint32_t)c;
        c >>= 32;
    }
    return (uint32_t)c;
}

int hal_p256_is_zero(const uint32_t a[8])
{
    uint32_t acc = 0;
    for (int i = 0; i < 8; i++) {
        acc |= a[i];
    }
    return acc == 0;
}

int hal_p256_fe_valid(const uint32_t a[8])
{
    return hal_p256_cmp(a, p256_p) < 0;
}

/* r (8 words) + c 2^256, c small and signed, reduced into [0, p): c 2^256
 * is folded back as c (2^224 - 2^192 - 2^96 + 1) until no carry is left
 * (each fold moves the value by a multiple of p towards [0, 2^256)), then p
 * is subtracted once if needed. */
static void fe_fold(uint32_t r[8], int64_t c)
{
    while (c != 0) {
        int64_t f = c;
        c = 0;
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            c += r[i];
            c += i == 0 || i == 7 ? f : i == 3 || i == 6 ? -f : 0;
            r[i] = (uint32_t)c;
            c >>= 32; /* arithmetic (GCC): floor */
        }
    }
    if (hal_p256_cmp(r, p256_p) >= 0) {
        (void)hal_p256_sub_words(r, r, p256_p);
    }
}

/* r = c mod p for a 512-bit c[16]: s1 + 2 s2 + 2 s3 + s4 + s5 - d1 - d2 -
 * d3 - d4 of the NIST routine, summed per output word and carried in one
 * pass (|carry| < 2^35), the carry out of word 7 folded by fe_fold() */
static void fe_solinas(uint32_t r[8], const uint32_t c[16])
{
#define C(i) ((int64_t)c[i])
#define OUT(i, sum) (acc += (sum), r[i] = (uint32_t)acc, acc >>= 32)
    int64_t acc = 0;
    OUT(0, C(0) + C(8) + C(9) - C(11) - C(12) - C(13) - C(14));
    OUT(1, C(1) + C(9) + C(10) - C(12) - C(13) - C(14) - C(15));
    OUT(2, C(2) + C(10) + C(11) - C(13) - C(14) - C(15));
    OUT(3, C(3) + 2 * (C(11) + C(12)) + C(13) - C(15) - C(8) - C(9));
    OUT(4, C(4) + 2 * (C(12) + C(13)) + C(14) - C(9) - C(10));
    OUT(5, C(5) + 2 * (C(13) + C(14)) + C(15) - C(10) - C(11));
    OUT(6, C(6) + 3 * C(14) + 2 * C(15) + C(13) - C(8) - C(9));
    OUT(7, C(7) + 3 * C(15) + C(8) - C(10) - C(11) - C(12) - C(13));
#undef OUT
#undef C
    fe_fold(r, acc);
}

void hal_p256_fe_mul(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    uint32_t c[16];
    hal_p256_mul_words(c, a, b);
    fe_solinas(r, c);
}

void hal_p256_fe_sqr(uint32_t r[8], const uint32_t a[8])
{
    hal_p256_fe_mul(r, a, a);
}

void hal_p256_fe_add(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    /* a + b < 2p: one subtraction of p at most */
    if (hal_p256_add_words(r, a, b) != 0 || hal_p256_cmp(r, p256_p) >= 0) {
        (void)hal_p256_sub_words(r, r, p256_p);
    }
}

void hal_p256_fe_sub(uint32_t r[8], const uint32_t a[8], const uint32_t b[8])
{
    if (hal_p256_sub_words(r, a, b) != 0) {
        (void)hal_p256_add_words(r, r, p256_p); /* a - b + 2^256 + p: the carry out drops 2^256 */
    }
}

void hal_p256_fe_inv(uint32_t r[8], const uint32_t a[8])
{
    /* p - 2, little-endian words; square-and-multiply from the top bit */
    static const uint32_t e[8] = {0xfffffffdu, 0xffffffffu, 0xffffffffu, 0u,
                                  0u,          0u,          1u,          0xffffffffu};
    hal_p256_fe acc = {1};
    for (int i = 255; i >= 0; i--) {
        hal_p256_fe_sqr(acc, acc);
        if ((e[i / 32] >> (i % 32)) & 1u) {
            hal_p256_fe_mul(acc, acc, a);
        }
    }
    for (int i = 0; i < 8; i++) {
        r[i] = acc[i];
    }
}

int hal_p256_on_curve(const uint32_t x[8], const uint32_t y[8])
{
    hal_p256_fe lhs, rhs, t;
    hal_p256_fe_sqr(lhs, y);
    hal_p256_fe_sqr(t, x);
    hal_p256_fe_mul(rhs, t, x);        /* x^3 */
    hal_p256_fe_add(t, x, x);
    hal_p256_fe_add(t, t, x);          /* 3x */
    hal_p256_fe_sub(rhs, rhs, t);
    hal_p256_fe_add(rhs, rhs, hal_p256_b);
    return hal_p256_cmp(lhs, rhs) == 0;
}
