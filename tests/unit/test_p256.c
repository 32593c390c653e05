/* Unit tests: danebox's own P-256 backend (hal/crypto/hal_p256_*.c,
 * DBX_CRYPTO tag dbx-p256) against mbedTLS.
 *  - field: a*b, a+b, a-b, a^-1 mod p against mbedTLS' bignum for random and
 *    edge operands (0, 1, p-1, p-2, 2^255, values near the reduction's carry
 *    boundaries);
 *  - ECDSA: a randomized differential test (deterministic seed, printed):
 *    random keys and digests signed by mbedTLS, each verified by dbx-p256
 *    and by the mbedTLS software backend, valid, high-S and corrupted
 *    (a bit flipped in r, s, the digest or the key; random r/s), with
 *    digests of 20..64 bytes: both must give the same verdict, and every
 *    valid signature must verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dbx_common.h"
#include "hal_crypto.h"
#include "hal_p256.h"
#include "support/test_util.h"

#include "mbedtls/bignum.h"
#include "mbedtls/ecdsa.h"

#define DIFF_KEYS 200
#define FIELD_ROUNDS 2000

static uint64_t rng_state = 0x64616e65626f78ull;

static uint64_t rng64(void)
{
    return dbx_test_rng64(&rng_state);
}

static int rng_fill(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return dbx_test_rng_fill(&rng_state, out, len);
}

static void words_to_mpi(mbedtls_mpi *x, const uint32_t w[8])
{
    uint8_t b[32];
    for (int i = 0; i < 8; i++) {
        b[28 - 4 * i] = (uint8_t)(w[i] >> 24);
        b[29 - 4 * i] = (uint8_t)(w[i] >> 16);
        b[30 - 4 * i] = (uint8_t)(w[i] >> 8);
        b[31 - 4 * i] = (uint8_t)w[i];
    }
    assert_int_equal(mbedtls_mpi_read_binary(x, b, 32), 0);
}

/* a field element < p: random, or one of the edge values */
static void pick_fe(uint32_t a[8], const mbedtls_mpi *p)
{
    static const char *edges[] = {
        "0", "1", "2", "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFE",
        "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFD",
        "8000000000000000000000000000000000000000000000000000000000000000",
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "00000000FFFFFFFFFFFFFFFFFFFFFFFF00000000000000000000000000000000",
        "FFFFFFFF0000000000000000000000000000000000000000000000000000FFFF",
    };
    uint64_t pick = rng64() % 4;
    mbedtls_mpi t;
    mbedtls_mpi_init(&t);
    if (pick == 0) {
        assert_int_equal(mbedtls_mpi_read_string(&t, 16, edges[rng64() % DBX_ARRAY_LEN(edges)]), 0);
    } else {
        uint8_t b[32];
        rng_fill(NULL, b, sizeof b);
        if (pick == 1) {
            memset(b + 4, (rng64() & 1) ? 0xff : 0, 24); /* long runs of 0/1 */
        }
        assert_int_equal(mbedtls_mpi_read_binary(&t, b, 32), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&t, &t, p), 0);
    }
    uint8_t out[32];
    assert_int_equal(mbedtls_mpi_write_binary(&t, out, 32), 0);
    hal_p256_from_bytes(a, out);
    mbedtls_mpi_free(&t);
}

static void test_field_against_bignum(void **state)
{
    (void)state;
    mbedtls_mpi p, a, b, want, got;
    mbedtls_mpi_init(&p); mbedtls_mpi_init(&a); mbedtls_mpi_init(&b);
    mbedtls_mpi_init(&want); mbedtls_mpi_init(&got);
    assert_int_equal(mbedtls_mpi_read_string(&p, 16, "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF"), 0);
    for (int i = 0; i < FIELD_ROUNDS; i++) {
        uint32_t x[8], y[8], r[8];
        pick_fe(x, &p);
        pick_fe(y, &p);
        words_to_mpi(&a, x);
        words_to_mpi(&b, y);
        hal_p256_fe_mul(r, x, y);
        assert_true(hal_p256_fe_valid(r));
        words_to_mpi(&got, r);
        assert_int_equal(mbedtls_mpi_mul_mpi(&want, &a, &b), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&want, &want, &p), 0);
        assert_int_equal(mbedtls_mpi_cmp_mpi(&got, &want), 0);
        hal_p256_fe_add(r, x, y);
        words_to_mpi(&got, r);
        assert_int_equal(mbedtls_mpi_add_mpi(&want, &a, &b), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&want, &want, &p), 0);
        assert_int_equal(mbedtls_mpi_cmp_mpi(&got, &want), 0);
        hal_p256_fe_sub(r, x, y);
        words_to_mpi(&got, r);
        assert_int_equal(mbedtls_mpi_sub_mpi(&want, &a, &b), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&want, &want, &p), 0);
        assert_int_equal(mbedtls_mpi_cmp_mpi(&got, &want), 0);
        if (i % 50 == 0 && !hal_p256_is_zero(x)) {
            hal_p256_fe_inv(r, x);
            words_to_mpi(&got, r);
            assert_int_equal(mbedtls_mpi_inv_mod(&want, &a, &p), 0);
            assert_int_equal(mbedtls_mpi_cmp_mpi(&got, &want), 0);
        }
    }
    mbedtls_mpi_free(&p); mbedtls_mpi_free(&a); mbedtls_mpi_free(&b);
    mbedtls_mpi_free(&want); mbedtls_mpi_free(&got);
}

/* one signature through both backends: same verdict; @return the verdict */
static int both(const uint8_t pub[64], const uint8_t *dg, size_t dlen, const uint8_t sig[64],
                int *disagree)
{
    int a = hal_crypto_dbx_p256_get()->ecdsa_verify(HAL_EC_P256, pub, 64, dg, dlen, sig, 64);
    int b = hal_crypto_sw_get()->ecdsa_verify(HAL_EC_P256, pub, 64, dg, dlen, sig, 64);
    if ((a == DBX_OK) != (b == DBX_OK)) {
        printf("disagree: dbx-p256 %d, mbedtls %d\n", a, b);
        (*disagree)++;
    }
    return a == DBX_OK;
}

static void test_ecdsa_differential(void **state)
{
    (void)state;
    static const size_t dlens[] = {32, 20, 48, 64, 32, 31};
    mbedtls_ecp_group grp;
    mbedtls_mpi d, r, s;
    mbedtls_ecp_point q;
    int disagree = 0, valid_ok = 0, corrupt_ok = 0, runs = 0;
    const uint64_t seed = rng_state;

    assert_non_null(hal_crypto_dbx_p256_get());
    mbedtls_ecp_group_init(&grp); mbedtls_mpi_init(&d); mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s); mbedtls_ecp_point_init(&q);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    for (int k = 0; k < DIFF_KEYS; k++) {
        uint8_t pub[65], dg[64], sig[64], bad[64], badpub[64];
        size_t olen, dlen = dlens[k % DBX_ARRAY_LEN(dlens)];
        assert_int_equal(mbedtls_ecp_gen_keypair(&grp, &d, &q, rng_fill, NULL), 0);
        assert_int_equal(mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                        &olen, pub, sizeof pub), 0);
        rng_fill(NULL, dg, dlen);
        assert_int_equal(mbedtls_ecdsa_sign(&grp, &r, &s, &d, dg, dlen, rng_fill, NULL), 0);
        assert_int_equal(mbedtls_mpi_write_binary(&r, sig, 32), 0);
        assert_int_equal(mbedtls_mpi_write_binary(&s, sig + 32, 32), 0);
        valid_ok += both(pub + 1, dg, dlen, sig, &disagree);
        /* high-S: n - s is as valid */
        assert_int_equal(mbedtls_mpi_sub_mpi(&s, &grp.N, &s), 0);
        memcpy(bad, sig, 32);
        assert_int_equal(mbedtls_mpi_write_binary(&s, bad + 32, 32), 0);
        valid_ok += both(pub + 1, dg, dlen, bad, &disagree);
        runs += 2;
        /* corrupted: one bit of r, s or the digest; the key; random r, s */
        for (int c = 0; c < 4; c++) {
            uint8_t dg2[64];
            memcpy(bad, sig, 64);
            memcpy(dg2, dg, dlen);
            memcpy(badpub, pub + 1, 64);
            size_t bit = (size_t)(rng64() % 512);
            switch (c) {
            case 0: bad[bit / 8] ^= (uint8_t)(1u << (bit % 8)); break;
            case 1: /* within the leftmost 256 bits (the rest is truncated) */
                dg2[(bit / 8) % (dlen < 32 ? dlen : 32)] ^= (uint8_t)(1u << (bit % 8));
                break;
            case 2: badpub[bit / 8] ^= (uint8_t)(1u << (bit % 8)); break;
            default: rng_fill(NULL, bad, 64); break;
            }
            corrupt_ok += both(badpub, dg2, dlen, bad, &disagree);
            runs++;
        }
    }
    printf("p256 differential (seed %#llx): %d signatures, %d valid verified, %d corrupted "
           "verified, %d disagreements\n",
           (unsigned long long)seed, runs, valid_ok, corrupt_ok, disagree);
    mbedtls_ecp_group_free(&grp); mbedtls_mpi_free(&d); mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s); mbedtls_ecp_point_free(&q);
    assert_int_equal(disagree, 0);
    assert_int_equal(valid_ok, 2 * DIFF_KEYS);
    assert_int_equal(corrupt_ok, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_against_bignum),
        cmocka_unit_test(test_ecdsa_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
