/* Unit tests: danebox's own X25519 (hal/crypto/hal_x25519.c).
 *  - RFC 7748 section 5.2: the two X25519 vectors and the iterated function
 *    after 1 and 1,000 iterations;
 *  - field: a*b and 1/a mod p, fully reduced by hal_x25519_fe_to_bytes(),
 *    against mbedTLS' bignum for random and edge operands (0, 1, p-1, p,
 *    p+1, 2^255-1, 2^256-1, ...);
 *  - differential: X25519 of random scalars and random u (top bit set or
 *    not, u >= p) against mbedTLS' own Curve25519 (mbedtls_ecp_mul, the host
 *    keeps mbedTLS' software ladder); low-order u give all zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hal_x25519.h"
#include "hal_x25519_vectors.h"
#include "support/test_util.h"

#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"

#define DIFF_ROUNDS 300
#define FIELD_ROUNDS 2000

static uint64_t rng_state = 0x7832353531392121ull;

static int rng_fill(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return dbx_test_rng_fill(&rng_state, out, len);
}

static void test_rfc7748_vectors(void **state)
{
    uint8_t got[32];
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        const uint8_t(*v)[32] = hal_x25519_rfc7748[i];
        hal_x25519(got, v[0], v[1]);
        assert_memory_equal(got, v[2], 32);
    }
}

static void test_rfc7748_iterated(void **state)
{
    static const uint8_t want1000[32] = {
        0x68, 0x4c, 0xf5, 0x9b, 0xa8, 0x33, 0x09, 0x55, 0x28, 0x00, 0xef, 0x56, 0x6f, 0x2f, 0x4d, 0x3c,
        0x1c, 0x38, 0x87, 0xc4, 0x93, 0x60, 0xe3, 0x87, 0x5f, 0x2e, 0xb9, 0x4d, 0x99, 0x53, 0x2c, 0x51};
    const uint8_t *want1 = hal_x25519_rfc7748[2][2];
    uint8_t k[32] = {9}, u[32] = {9}, r[32];
    (void)state;
    for (int i = 1; i <= 1000; i++) {
        hal_x25519(r, k, u);
        memcpy(u, k, 32);
        memcpy(k, r, 32);
        if (i == 1) assert_memory_equal(k, want1, 32);
    }
    assert_memory_equal(k, want1000, 32);
}

/* p = 2^255 - 19 as an mbedTLS bignum */
static void load_p(mbedtls_mpi *p)
{
    assert_int_equal(mbedtls_mpi_lset(p, 1), 0);
    assert_int_equal(mbedtls_mpi_shift_l(p, 255), 0);
    assert_int_equal(mbedtls_mpi_sub_int(p, p, 19), 0);
}

/* the value of 32 little-endian bytes, reduced mod p, as 32 bytes */
static void ref_reduce(uint8_t out[32], const mbedtls_mpi *x, const mbedtls_mpi *p)
{
    mbedtls_mpi r;
    mbedtls_mpi_init(&r);
    assert_int_equal(mbedtls_mpi_mod_mpi(&r, x, p), 0);
    assert_int_equal(mbedtls_mpi_write_binary_le(&r, out, 32), 0);
    mbedtls_mpi_free(&r);
}

static void edge_operand(uint8_t b[32], int which)
{
    /* 0, 1, p-1, p, p+1, 2p-1 (< 2^256), 2^255-1, 2^256-1, 2^255, 38 */
    static const uint8_t low[] = {0x00, 0x01, 0xec, 0xed, 0xee, 0xd9, 0xff, 0xff, 0x00, 0x26};
    static const uint8_t mid[] = {0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00};
    static const uint8_t top[] = {0x00, 0x00, 0x7f, 0x7f, 0x7f, 0xff, 0x7f, 0xff, 0x80, 0x00};
    memset(b, mid[which], 32);
    b[0] = low[which];
    b[31] = top[which];
}

static void test_field_against_bignum(void **state)
{
    mbedtls_mpi p, a, b, t;
    (void)state;
    mbedtls_mpi_init(&p); mbedtls_mpi_init(&a); mbedtls_mpi_init(&b); mbedtls_mpi_init(&t);
    load_p(&p);
    for (int round = 0; round < FIELD_ROUNDS; round++) {
        uint8_t ab[32], bb[32], got[32], want[32];
        hal_x25519_fe x, y, r;
        if (round < 100) {
            edge_operand(ab, round % 10);
            edge_operand(bb, round / 10);
        } else {
            rng_fill(NULL, ab, 32);
            rng_fill(NULL, bb, 32);
        }
        hal_x25519_fe_from_bytes(x, ab);
        hal_x25519_fe_from_bytes(y, bb);
        assert_int_equal(mbedtls_mpi_read_binary_le(&a, ab, 32), 0);
        assert_int_equal(mbedtls_mpi_read_binary_le(&b, bb, 32), 0);
        /* to_bytes alone: full reduction */
        hal_x25519_fe_to_bytes(got, x);
        ref_reduce(want, &a, &p);
        assert_memory_equal(got, want, 32);
        /* a * b */
        hal_x25519_fe_mul(r, x, y);
        hal_x25519_fe_to_bytes(got, r);
        assert_int_equal(mbedtls_mpi_mul_mpi(&t, &a, &b), 0);
        ref_reduce(want, &t, &p);
        assert_memory_equal(got, want, 32);
        /* 1 / a (0 for a = 0 mod p) */
        hal_x25519_fe_inv(r, x);
        hal_x25519_fe_to_bytes(got, r);
        assert_int_equal(mbedtls_mpi_mod_mpi(&t, &a, &p), 0);
        if (mbedtls_mpi_cmp_int(&t, 0) == 0) {
            memset(want, 0, 32);
        } else {
            assert_int_equal(mbedtls_mpi_inv_mod(&t, &t, &p), 0);
            assert_int_equal(mbedtls_mpi_write_binary_le(&t, want, 32), 0);
        }
        assert_memory_equal(got, want, 32);
    }
    mbedtls_mpi_free(&p); mbedtls_mpi_free(&a); mbedtls_mpi_free(&b); mbedtls_mpi_free(&t);
}

/* mbedTLS' X25519 of (k, u): clamp k, mask u's top bit (ecp_point_read_binary
 * does that for Curve25519).  @return 0, or -1 when mbedTLS refuses. */
static int ref_x25519(mbedtls_ecp_group *grp, uint8_t out[32], const uint8_t k[32],
                      const uint8_t u[32])
{
    uint8_t kc[32];
    mbedtls_mpi d;
    mbedtls_ecp_point pt, r;
    size_t olen = 0;
    int rc = -1;
    memcpy(kc, k, 32);
    kc[0] &= 248u;
    kc[31] = (uint8_t)((kc[31] & 127u) | 64u);
    mbedtls_mpi_init(&d); mbedtls_ecp_point_init(&pt); mbedtls_ecp_point_init(&r);
    if (mbedtls_mpi_read_binary_le(&d, kc, 32) == 0 &&
        mbedtls_ecp_point_read_binary(grp, &pt, u, 32) == 0 &&
        mbedtls_ecp_mul(grp, &r, &d, &pt, rng_fill, NULL) == 0 &&
        mbedtls_ecp_point_write_binary(grp, &r, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out, 32) ==
            0 &&
        olen == 32) {
        rc = 0;
    }
    mbedtls_mpi_free(&d); mbedtls_ecp_point_free(&pt); mbedtls_ecp_point_free(&r);
    return rc;
}

static void test_differential(void **state)
{
    mbedtls_ecp_group grp;
    int same = 0, refused = 0;
    (void)state;
    mbedtls_ecp_group_init(&grp);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519), 0);
    for (int round = 0; round < DIFF_ROUNDS; round++) {
        uint8_t k[32], u[32], got[32], want[32];
        rng_fill(NULL, k, 32);
        rng_fill(NULL, u, 32);
        if (round < 10) {
            edge_operand(u, round); /* u >= p, top bit set, 0, 1 (the last two low order) */
        } else if (round < 20) {
            u[0] = 9; /* the base point's u with junk in the top bit or not */
            memset(u + 1, 0, 31);
            u[31] = (uint8_t)(round & 1 ? 0x80 : 0);
        }
        hal_x25519(got, k, u);
        if (ref_x25519(&grp, want, k, u) != 0) {
            /* mbedTLS refuses only a result at infinity (low-order u) */
            static const uint8_t zero[32];
            assert_memory_equal(got, zero, 32);
            refused++;
            continue;
        }
        assert_memory_equal(got, want, 32);
        same++;
    }
    printf("x25519 differential: %d equal to mbedTLS, %d low-order (all zero)\n", same, refused);
    assert_int_equal(same + refused, DIFF_ROUNDS);
    assert_true(same >= DIFF_ROUNDS - 10);
    mbedtls_ecp_group_free(&grp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7748_vectors),
        cmocka_unit_test(test_rfc7748_iterated),
        cmocka_unit_test(test_field_against_bignum),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
