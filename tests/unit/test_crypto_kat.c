/* Unit tests: every crypto HAL backend built on the host (mbedTLS, p256-m,
 * BearSSL m31/m15, our dbx-p256 for ECDSA, i31/i15/i62 for RSA) and the dispatcher against the same known-answer and
 * Wycheproof-style edge-case vectors (tests/crypto/kat_vectors.h, generated
 * by tests/crypto/mkkat.py): valid signatures (incl. high-S, digest >= n,
 * Q = +-G) must verify; r/s = 0 or >= n, off-curve or infinite keys,
 * padding/DigestInfo forgeries, values >= the modulus must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dbx_common.h"
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "../crypto/kat_vectors.h"

#include "mbedtls/ecdsa.h"

typedef struct {
    const char *name;
    const hal_crypto_vtable_t *(*get)(void);
} backend_t;

static const backend_t backends[] = {
    {"mbedtls-sw", hal_crypto_sw_get},
    {"dbx-p256", hal_crypto_dbx_p256_get},
    {"p256m", hal_crypto_p256m_get},
    {"bearssl-m31", hal_crypto_bearssl_m31_get},
    {"bearssl-m15", hal_crypto_bearssl_m15_get},
    {"bearssl-i31", hal_crypto_bearssl_i31_get},
    {"bearssl-i15", hal_crypto_bearssl_i15_get},
    {"bearssl-i62", hal_crypto_bearssl_i62_get},
};

/* @return failures of one backend over the ECDSA table (prints each) */
static int run_ecdsa(const char *who, const hal_crypto_vtable_t *vt)
{
    int fails = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(kat_ecdsa); i++) {
        const kat_ecdsa_t *c = &kat_ecdsa[i];
        int st = vt != NULL ? vt->ecdsa_verify(HAL_EC_P256, c->pub, 64, c->digest, c->digest_len,
                                               c->sig, 64)
                            : hal_crypto_ecdsa_verify(HAL_EC_P256, c->pub, 64, c->digest,
                                                      c->digest_len, c->sig, 64);
        if (c->valid == 2 && (st == DBX_OK || st == DBX_ERR_CRYPTO)) {
            printf("note: %s ecdsa #%zu %s: %s\n", who, i, c->name,
                   st == DBX_OK ? "verified" : "rejected (fail-safe)");
        } else if ((st == DBX_OK) != (c->valid == 1) || st == DBX_ERR_UNSUPPORTED) {
            printf("FAIL %s ecdsa #%zu %s: status %d, want %s\n", who, i, c->name, st,
                   c->valid ? "ok" : "rejected");
            fails++;
        }
    }
    return fails;
}

static int run_rsa(const char *who, const hal_crypto_vtable_t *vt)
{
    int fails = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(kat_rsa); i++) {
        const kat_rsa_t *c = &kat_rsa[i];
        int st = vt != NULL ? vt->rsa_verify(c->n, c->nlen, c->e, c->elen, (hal_hash_alg_t)c->hash,
                                             c->digest, c->sig, c->siglen)
                            : hal_crypto_rsa_verify(c->n, c->nlen, c->e, c->elen,
                                                    (hal_hash_alg_t)c->hash, c->digest, c->sig,
                                                    c->siglen);
        if ((st == DBX_OK) != (c->valid == 1) || st == DBX_ERR_UNSUPPORTED) {
            printf("FAIL %s rsa #%zu %s: status %d, want %s\n", who, i, c->name, st,
                   c->valid ? "ok" : "rejected");
            fails++;
        }
    }
    return fails;
}

static void test_every_backend_built(void **state)
{
    (void)state;
    /* the host builds every backend (board/host/board.mk BOARD_CRYPTO_ALL);
     * i62 needs a 64x64->128 multiply, which x86-64 and arm64 hosts have */
    for (size_t b = 0; b < DBX_ARRAY_LEN(backends); b++) {
        const hal_crypto_vtable_t *vt = backends[b].get();
        assert_non_null(vt);
        assert_string_equal(vt->name, backends[b].name);
    }
}

static void test_ecdsa_kat_every_backend(void **state)
{
    (void)state;
    int fails = 0, ran = 0;
    for (size_t b = 0; b < DBX_ARRAY_LEN(backends); b++) {
        const hal_crypto_vtable_t *vt = backends[b].get();
        if (vt != NULL && vt->ecdsa_verify != NULL) {
            fails += run_ecdsa(backends[b].name, vt);
            ran++;
        }
    }
    fails += run_ecdsa("dispatcher", NULL);
    assert_int_equal(ran, 5); /* mbedtls, dbx-p256, p256m, bearssl-m31, bearssl-m15 */
    assert_int_equal(fails, 0);
}

static void test_rsa_kat_every_backend(void **state)
{
    (void)state;
    int fails = 0, ran = 0;
    for (size_t b = 0; b < DBX_ARRAY_LEN(backends); b++) {
        const hal_crypto_vtable_t *vt = backends[b].get();
        if (vt != NULL && vt->rsa_verify != NULL) {
            fails += run_rsa(backends[b].name, vt);
            ran++;
        }
    }
    fails += run_rsa("dispatcher", NULL);
    assert_int_equal(ran, 4); /* mbedtls, bearssl-i31, bearssl-i15, bearssl-i62 */
    assert_int_equal(fails, 0);
}

/* the table itself has both kinds, and a wrong length never verifies */
static void test_kat_shape_and_lengths(void **state)
{
    (void)state;
    int valid = 0, invalid = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(kat_ecdsa); i++) {
        kat_ecdsa[i].valid == 1 ? valid++ : kat_ecdsa[i].valid == 0 ? invalid++ : 0;
    }
    assert_true(valid >= 5 && invalid >= 15);
    for (size_t b = 0; b < DBX_ARRAY_LEN(backends); b++) {
        const hal_crypto_vtable_t *vt = backends[b].get();
        const kat_ecdsa_t *c = &kat_ecdsa[0];
        const kat_rsa_t *r = &kat_rsa[0];
        assert_int_equal(c->valid, 1);
        assert_int_equal(r->valid, 1);
        if (vt->ecdsa_verify != NULL) {
            assert_int_not_equal(vt->ecdsa_verify(HAL_EC_P256, c->pub, 63, c->digest, 32, c->sig, 64), DBX_OK);
            assert_int_not_equal(vt->ecdsa_verify(HAL_EC_P256, c->pub, 64, c->digest, 32, c->sig, 63), DBX_OK);
            assert_int_not_equal(vt->ecdsa_verify(HAL_EC_P256, c->pub, 64, c->digest, 32, c->sig, 65), DBX_OK);
            assert_int_equal(vt->ecdsa_verify(HAL_EC_P256, c->pub, 64, c->digest, 32, c->sig, 64), DBX_OK);
        }
        if (vt->rsa_verify != NULL) {
            assert_int_not_equal(vt->rsa_verify(r->n, r->nlen, r->e, r->elen, HAL_HASH_SHA256,
                                                r->digest, r->sig, r->siglen - 1), DBX_OK);
            /* the digest of another hash algorithm (same prefix bytes) */
            assert_int_not_equal(vt->rsa_verify(r->n, r->nlen, r->e, r->elen, HAL_HASH_SHA1,
                                                r->digest, r->sig, r->siglen), DBX_OK);
            assert_int_equal(vt->rsa_verify(r->n, r->nlen, r->e, r->elen, HAL_HASH_SHA256,
                                            r->digest, r->sig, r->siglen), DBX_OK);
        }
    }
}

/* a backend declines what it does not take; the dispatcher passes it on */
static void test_chain_declines_to_mbedtls(void **state)
{
    (void)state;
    uint8_t pub[96] = {0}, dig[48] = {0}, sig[96] = {0};
    const hal_crypto_vtable_t *p = hal_crypto_p256m_get();
    assert_int_equal(p->ecdsa_verify(HAL_EC_P384, pub, 96, dig, 48, sig, 96), DBX_ERR_UNSUPPORTED);
    assert_int_equal(hal_crypto_bearssl_m31_get()->ecdsa_verify(HAL_EC_P384, pub, 96, dig, 48, sig, 96),
                     DBX_ERR_UNSUPPORTED);
    assert_int_equal(hal_crypto_dbx_p256_get()->ecdsa_verify(HAL_EC_P384, pub, 96, dig, 48, sig, 96),
                     DBX_ERR_UNSUPPORTED);
    hal_crypto_counters_reset();
    /* an all-zero P-384 key is not a point: rejected by mbedTLS, not declined */
    assert_int_not_equal(hal_crypto_ecdsa_verify(HAL_EC_P384, pub, 96, dig, 48, sig, 96), DBX_OK);
    assert_int_equal(hal_crypto_counters(HAL_CRYPTO_TIER_SW)->ecdsa_verify, 1);
    assert_int_equal(hal_crypto_counters(HAL_CRYPTO_TIER_CHAIN)->ecdsa_verify, 0);
    /* P-256 goes to the host chain's first backend */
    assert_non_null(hal_crypto_chain_get(0));
    assert_int_equal(hal_crypto_ecdsa_verify(HAL_EC_P256, kat_ecdsa[0].pub, 64, kat_ecdsa[0].digest,
                                             32, kat_ecdsa[0].sig, 64), DBX_OK);
    assert_int_equal(hal_crypto_counters(HAL_CRYPTO_TIER_CHAIN)->ecdsa_verify, 1);
}

/* With an ECDSA backend in the chain, mbedTLS' own mbedtls_ecdsa_verify()
 * (what X.509 and the TLS handshakes call) is the bridge into the HAL
 * (MBEDTLS_ECDSA_VERIFY_ALT): same verdicts on the table, answered by the
 * chain, not by mbedTLS' ECP code. */
static void test_tls_ecdsa_routed_through_hal(void **state)
{
    (void)state;
#if defined(MBEDTLS_ECDSA_VERIFY_ALT)
    int fails = 0;
    hal_crypto_counters_reset();
    for (size_t i = 0; i < DBX_ARRAY_LEN(kat_ecdsa); i++) {
        const kat_ecdsa_t *c = &kat_ecdsa[i];
        mbedtls_ecp_group grp;
        mbedtls_ecp_point q;
        mbedtls_mpi r, s;
        uint8_t pt[65] = {0x04};
        int ret;
        memcpy(pt + 1, c->pub, 64);
        mbedtls_ecp_group_init(&grp);
        mbedtls_ecp_point_init(&q);
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&s);
        assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
        assert_int_equal(mbedtls_mpi_read_binary(&r, c->sig, 32), 0);
        assert_int_equal(mbedtls_mpi_read_binary(&s, c->sig + 32, 32), 0);
        /* off-curve points load (no check here); the backend must refuse them */
        assert_int_equal(mbedtls_ecp_point_read_binary(&grp, &q, pt, sizeof pt), 0);
        ret = mbedtls_ecdsa_verify(&grp, c->digest, c->digest_len, &q, &r, &s);
        if (c->valid != 2 && (ret == 0) != (c->valid == 1)) {
            printf("FAIL mbedtls_ecdsa_verify #%zu %s: %d\n", i, c->name, ret);
            fails++;
        }
        mbedtls_mpi_free(&s);
        mbedtls_mpi_free(&r);
        mbedtls_ecp_point_free(&q);
        mbedtls_ecp_group_free(&grp);
    }
    assert_int_equal(fails, 0);
    assert_int_equal(hal_crypto_counters(HAL_CRYPTO_TIER_CHAIN)->ecdsa_verify,
                     DBX_ARRAY_LEN(kat_ecdsa));
    assert_int_equal(hal_crypto_counters(HAL_CRYPTO_TIER_SW)->ecdsa_verify, 0);
#else
    skip(); /* this build's chain has no ECDSA backend: mbedTLS verifies itself */
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_backend_built),
        cmocka_unit_test(test_ecdsa_kat_every_backend),
        cmocka_unit_test(test_rsa_kat_every_backend),
        cmocka_unit_test(test_kat_shape_and_lengths),
        cmocka_unit_test(test_chain_declines_to_mbedtls),
        cmocka_unit_test(test_tls_ecdsa_routed_through_hal),
    };
    hal_mbedtls_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
