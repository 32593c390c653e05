/* Unit tests: crypto HAL dispatch, counters, digests, RSA/ECDSA verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dbx_common.h"
#include "dbx_selftest.h"
#include "check/dbx_check.h"

#include <stdlib.h>
#include "hal_crypto.h"
#include "hal_mbedtls.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/entropy.h"
#include "mbedtls/rsa.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_digests_known_answers(void **state)
{
    (void)state;
    uint8_t out[64], want[64];
    hal_crypto_counters_reset();
    assert_int_equal(hal_crypto_hash(HAL_HASH_SHA1, (const uint8_t *)"abc", 3, out), DBX_OK);
    hex("a9993e364706816aba3e25717850c26c9cd0d89d", want, 20);
    assert_memory_equal(out, want, 20);
    assert_int_equal(hal_crypto_hash(HAL_HASH_SHA384, (const uint8_t *)"abc", 3, out), DBX_OK);
    hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        "8086072ba1e7cc2358baeca134c825a7", want, 48);
    assert_memory_equal(out, want, 48);
    assert_int_equal(hal_crypto_hash(HAL_HASH_SHA512, (const uint8_t *)"abc", 3, out), DBX_OK);
    hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", want, 64);
    assert_memory_equal(out, want, 64);
    /* host has no accelerator: everything counted on the software backend */
    assert_null(hal_crypto_accel_get());
    assert_int_equal(hal_crypto_counters(0)->hash[HAL_HASH_SHA1], 1);
    assert_int_equal(hal_crypto_counters(0)->hash[HAL_HASH_SHA512], 1);
    assert_int_equal(hal_crypto_counters(1)->hash[HAL_HASH_SHA1], 0);
    assert_int_equal(hal_crypto_hash((hal_hash_alg_t)9, out, 0, out), DBX_ERR_UNSUPPORTED);
}

static int rng(void *p, unsigned char *out, size_t n)
{
    return hal_crypto_random(out, n) == DBX_OK ? 0 : -1;
    (void)p;
}

static void test_rsa_verify(void **state)
{
    (void)state;
    mbedtls_rsa_context rsa;
    uint8_t n[256], e[4], dig[32], sig[256];
    mbedtls_rsa_init(&rsa);
    assert_int_equal(mbedtls_rsa_gen_key(&rsa, rng, NULL, 2048, 65537), 0);
    assert_int_equal(mbedtls_rsa_export_raw(&rsa, n, sizeof n, NULL, 0, NULL, 0, NULL, 0, e, sizeof e), 0);
    hal_crypto_hash(HAL_HASH_SHA256, (const uint8_t *)"rrset", 5, dig);
    assert_int_equal(mbedtls_rsa_pkcs1_sign(&rsa, rng, NULL, MBEDTLS_MD_SHA256, 32, dig, sig), 0);
    assert_int_equal(hal_crypto_rsa_verify(n, 256, e, 4, HAL_HASH_SHA256, dig, sig, 256), DBX_OK);
    sig[100] ^= 1;
    assert_int_equal(hal_crypto_rsa_verify(n, 256, e, 4, HAL_HASH_SHA256, dig, sig, 256), DBX_ERR_CRYPTO);
    /* wrong signature length, tiny modulus */
    assert_int_equal(hal_crypto_rsa_verify(n, 256, e, 4, HAL_HASH_SHA256, dig, sig, 255), DBX_ERR_CRYPTO);
    assert_int_equal(hal_crypto_rsa_verify(n, 64, e, 4, HAL_HASH_SHA256, dig, sig, 64), DBX_ERR_UNSUPPORTED);
    mbedtls_rsa_free(&rsa);
}

static void test_ecdsa_verify(void **state)
{
    (void)state;
    mbedtls_ecdsa_context k;
    mbedtls_mpi r, s;
    uint8_t pub[65], dig[32], sig[64];
    size_t olen;
    mbedtls_ecdsa_init(&k);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(mbedtls_ecdsa_genkey(&k, MBEDTLS_ECP_DP_SECP256R1, rng, NULL), 0);
    assert_int_equal(mbedtls_ecp_point_write_binary(&k.MBEDTLS_PRIVATE(grp), &k.MBEDTLS_PRIVATE(Q),
                     MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof pub), 0);
    hal_crypto_hash(HAL_HASH_SHA256, (const uint8_t *)"rrset", 5, dig);
    assert_int_equal(mbedtls_ecdsa_sign(&k.MBEDTLS_PRIVATE(grp), &r, &s, &k.MBEDTLS_PRIVATE(d), dig, 32, rng, NULL), 0);
    mbedtls_mpi_write_binary(&r, sig, 32);
    mbedtls_mpi_write_binary(&s, sig + 32, 32);
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub + 1, 64, dig, 32, sig, 64), DBX_OK);
    dig[0] ^= 1;
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub + 1, 64, dig, 32, sig, 64), DBX_ERR_CRYPTO);
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub + 1, 63, dig, 32, sig, 64), DBX_ERR_MALFORMED);
    pub[10] ^= 0x55; /* point no longer on the curve */
    assert_int_not_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub + 1, 64, dig, 32, sig, 64), DBX_OK);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecdsa_free(&k);
}

static void test_selftest_and_anchor(void **state)
{
    (void)state;
    char line[160];
    assert_int_equal(dbx_selftest(line, sizeof line), DBX_OK);
    assert_non_null(strstr(line, "20326:ok"));
    assert_non_null(strstr(line, "38696:ok"));
}

/* ---- accelerator test backends ------------------------------------------- */

static unsigned acc_calls;

static int acc_hash(hal_hash_alg_t a, const uint8_t *d, size_t l, uint8_t *o)
{
    acc_calls++;
    return hal_crypto_sw_get()->hash(a, d, l, o);
}
static int acc_rsa(const uint8_t *n, size_t nl, const uint8_t *e, size_t el, hal_hash_alg_t a,
                   const uint8_t *d, const uint8_t *s, size_t sl)
{
    acc_calls++;
    return hal_crypto_sw_get()->rsa_verify(n, nl, e, el, a, d, s, sl);
}
static int acc_ecdsa(hal_ec_curve_t c, const uint8_t *p, size_t pl, const uint8_t *d, size_t dl,
                     const uint8_t *s, size_t sl)
{
    acc_calls++;
    return hal_crypto_sw_get()->ecdsa_verify(c, p, pl, d, dl, s, sl);
}
/* the lying one: every signature "verifies" */
static int liar_rsa(const uint8_t *n, size_t nl, const uint8_t *e, size_t el, hal_hash_alg_t a,
                    const uint8_t *d, const uint8_t *s, size_t sl)
{
    (void)n; (void)nl; (void)e; (void)el; (void)a; (void)d; (void)s; (void)sl;
    acc_calls++;
    return DBX_OK;
}
static int liar_ecdsa(hal_ec_curve_t c, const uint8_t *p, size_t pl, const uint8_t *d, size_t dl,
                      const uint8_t *s, size_t sl)
{
    (void)c; (void)p; (void)pl; (void)d; (void)dl; (void)s; (void)sl;
    acc_calls++;
    return DBX_OK;
}

static const hal_crypto_vtable_t delegating = {"test-delegate", acc_hash, acc_rsa, acc_ecdsa, NULL};
static const hal_crypto_vtable_t liar = {"test-liar", NULL, liar_rsa, liar_ecdsa, NULL};

/* the accelerator's answers are used and counted as the accelerator's */
static void test_accel_delegating(void **state)
{
    char line[160];
    (void)state;
    hal_crypto_counters_reset();
    acc_calls = 0;
    hal_crypto_accel_override(&delegating);
    assert_string_equal(hal_crypto_accel_name(), "test-delegate");
    assert_int_equal(dbx_selftest(line, sizeof line), DBX_OK);
    assert_non_null(strstr(line, "rsa ok, ecdsa ok, accel test-delegate"));
    assert_int_equal(hal_crypto_counters(1)->rsa_verify, 2);   /* good + bad */
    assert_int_equal(hal_crypto_counters(1)->ecdsa_verify, 2);
    assert_true(hal_crypto_counters(1)->hash[HAL_HASH_SHA256] >= 3);
    assert_int_equal(hal_crypto_counters(0)->rsa_verify, 0);   /* software not asked */
    assert_int_equal(acc_calls, hal_crypto_counters(1)->rsa_verify + hal_crypto_counters(1)->ecdsa_verify +
                                    hal_crypto_counters(1)->hash[HAL_HASH_SHA256] +
                                    hal_crypto_counters(1)->hash[HAL_HASH_SHA384]);
    assert_false(hal_crypto_refusing());
    assert_int_equal(dbx_crypto_counters_line(line, sizeof line), DBX_OK);
    assert_non_null(strstr(line, "crypto: accel test-delegate; sw hash=0 rsa=0 ecdsa=0"));
    assert_non_null(strstr(strstr(line, "; accel hash="), " rsa=2 ecdsa=2 random=0"));
    hal_crypto_accel_override(NULL);
    assert_string_equal(hal_crypto_accel_name(), "none");
}

/* a lying accelerator: its (wrong) answer is what the HAL returns, counted;
 * the self test catches it and latches the refusal */
static void test_accel_liar_caught(void **state)
{
    char line[160];
    uint8_t dig[32] = {1}, sig[64] = {2}, pub[64] = {3};
    dbx_check_config_t cfg;
    dbx_resolver_t r;
    dbx_check_work_t *w = calloc(1, sizeof *w);
    dbx_check_result_t *res = calloc(1, sizeof *res);
    dbx_transport_t tr = {0};
    (void)state;
    assert_non_null(w);
    assert_non_null(res);
    hal_crypto_counters_reset();
    hal_crypto_accel_override(&liar);
    /* a forged signature "verifies": the accelerator's answer, counted */
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub, 64, dig, 32, sig, 64), DBX_OK);
    assert_int_equal(hal_crypto_counters(1)->ecdsa_verify, 1);
    assert_int_equal(dbx_selftest(line, sizeof line), DBX_ERR_CRYPTO);
    assert_non_null(strstr(line, "rsa FAIL, ecdsa FAIL, accel test-liar"));
    assert_non_null(strstr(line, "sha256 ok")); /* hashing fell back to software */
    assert_true(hal_crypto_refusing());
    /* refused from now on: even the liar is not asked */
    acc_calls = 0;
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, pub, 64, dig, 32, sig, 64), DBX_ERR_CRYPTO);
    assert_int_equal(hal_crypto_rsa_verify(pub, 64, pub, 3, HAL_HASH_SHA256, dig, sig, 64), DBX_ERR_CRYPTO);
    assert_int_equal(acc_calls, 0);
    assert_int_equal(hal_crypto_counters(0)->refused, 2);
    /* and check refuses to validate */
    dbx_check_config_defaults(&cfg);
    cfg.now = 1767225600;
    memset(&r, 0, sizeof r);
    tr.ctx = NULL;
    assert_int_equal(dbx_check_run(&cfg, &r, &tr, w, "example.test", res), DBX_ERR_CRYPTO);
    hal_crypto_accel_override(NULL);
    hal_crypto_refuse_clear();
    assert_int_equal(dbx_selftest(line, sizeof line), DBX_OK);
    free(w);
    free(res);
}

static void test_mbedtls_heap_cap(void **state)
{
    (void)state;
    size_t cur, peak;
    mbedtls_rsa_context rsa;
    hal_mbedtls_heap_reset_peak();
    hal_mbedtls_heap_set_cap(64); /* far too small for a 2048-bit key */
    mbedtls_rsa_init(&rsa);
    assert_int_not_equal(mbedtls_rsa_gen_key(&rsa, rng, NULL, 2048, 65537), 0);
    mbedtls_rsa_free(&rsa);
    hal_mbedtls_heap_stats(&cur, &peak);
    assert_int_equal(cur, 0);
    assert_true(peak <= 64);
    hal_mbedtls_heap_set_cap(HAL_MBEDTLS_HEAP_DEFAULT_CAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digests_known_answers),
        cmocka_unit_test(test_rsa_verify),
        cmocka_unit_test(test_ecdsa_verify),
        cmocka_unit_test(test_selftest_and_anchor),
        cmocka_unit_test(test_accel_delegating),
        cmocka_unit_test(test_accel_liar_caught),
        cmocka_unit_test(test_mbedtls_heap_cap),
    };
    hal_mbedtls_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
