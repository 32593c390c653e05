/* Unit tests: TLSA record generation (src/dane/dbx_tlsa_gen.c) and the
 * matcher helpers it shares with dbx_dane_match().  Expected digests were
 * computed independently with openssl when the fixture was made:
 *   openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum
 *   openssl x509 -outform DER | sha256sum
 * The fixture: an ECDSA P-256 leaf (CN/SAN mx.unit.example) issued by a
 * self-signed root "unit root" (public certificates only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dane/dbx_tlsa_gen.h"
#include "hal_mbedtls.h"

static const char CHAIN_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBjTCCATSgAwIBAgIUYVB0vyWzagpPDdsxSccm8cX9Ki4wCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJdW5pdCByb290MB4XDTI2MTEzMDE3MTcyMVoXDTM2MTEyNzE3\n"
    "MTcyMVowGjEYMBYGA1UEAwwPbXgudW5pdC5leGFtcGxlMFkwEwYHKoZIzj0CAQYI\n"
    "KoZIzj0DAQcDQgAEGgSRhlj44J4iWdhQlG+8pkT2Cp5LQ943VWoFTfHtvBpqXtnZ\n"
    "OraymLnqEbmratpCkU3QKMX8KuT+y9MbvJBWmaNeMFwwGgYDVR0RBBMwEYIPbXgu\n"
    "dW5pdC5leGFtcGxlMB0GA1UdDgQWBBT5j5cKNa/OfKCfQAfZ+MTkVORL2jAfBgNV\n"
    "HSMEGDAWgBQxucotTmf4qHSj7tuk1oaBfx8AYDAKBggqhkjOPQQDAgNHADBEAiAE\n"
    "OL6O8ZyfiJmLMNL3eJCR9QDfsiyAZDC2h9KuM68d6AIgGOVFUMB6YKkjYb/X0mN0\n"
    "DEl9+pszGVhggVmZIEsvRkc=\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfDCCASOgAwIBAgIURTX6BifSf1cpXrKNBa/mj6fCzDYwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJdW5pdCByb290MB4XDTI2MTEzMDE3MTcyMVoXDTM2MTEyNzE3\n"
    "MTcyMVowFDESMBAGA1UEAwwJdW5pdCByb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAEY2cCTC2pAa7y7YVbjSzVUthbEQVYpfdp4CU4UJoHlAHyGDaFk8lRi41n\n"
    "jApbPY4RhR1PU/iXV4ZZRDluNaM3l6NTMFEwHQYDVR0OBBYEFDG5yi1OZ/iodKPu\n"
    "26TWhoF/HwBgMB8GA1UdIwQYMBaAFDG5yi1OZ/iodKPu26TWhoF/HwBgMA8GA1Ud\n"
    "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgR8n9bief0CcGESzCB8X/SmZY\n"
    "wyUbYfgftuWlWpTztK8CIG4LwVGcv7IKdTcQhyJ0m8MDRxDMeePDhVv5VUrzqEmS\n"
    "-----END CERTIFICATE-----\n"
    ;

static const char LEAF_SPKI256[] = "8ab731c0d448e0acd0f2bef661c2876fd32e11ec34969b39a1dba2d946cf7d5a";
static const char ROOT_SPKI256[] = "c9c3680ecf3d17f10b17267da5952b77030b0b54632aafa69bbcd5098b07906c";
static const char LEAF_CERT256[] = "7947dab4c050902873c14a93b5025f6009e63950351d67d479ab99b4b777c4db";
static const char LEAF_SPKI512[] =
    "2940bc4eb0c5c19cff922931b61634d6fe875bb44b853d1efa8b000347f3dea4"
    "6e54e1225678561232819a4495b5653dce86de3b08a5141d78a38157f5e73640";
static const int64_t LEAF_NOT_AFTER = 2111419041; /* Nov 27 17:17:21 2036 GMT */

static mbedtls_x509_crt chain;

static int setup(void **state)
{
    (void)state;
    hal_mbedtls_init();
    mbedtls_x509_crt_init(&chain);
    return mbedtls_x509_crt_parse(&chain, (const unsigned char *)CHAIN_PEM, sizeof CHAIN_PEM);
}

static int teardown(void **state)
{
    (void)state;
    mbedtls_x509_crt_free(&chain);
    return 0;
}

/* "U S M hex" of a generated record equals the expected text */
static void expect_text(const mbedtls_x509_crt *c, uint8_t u, uint8_t s, uint8_t m, const char *hex)
{
    uint8_t buf[64];
    char txt[DBX_TLSA_TEXT_DIGEST_MAX], want[DBX_TLSA_TEXT_DIGEST_MAX];
    dbx_tlsa_t t;
    assert_int_equal(dbx_tlsa_make(c, u, s, m, buf, sizeof buf, &t), DBX_OK);
    assert_int_equal(dbx_tlsa_to_text(&t, txt, sizeof txt), DBX_OK);
    snprintf(want, sizeof want, "%u %u %u %s", u, s, m, hex);
    assert_string_equal(txt, want);
    /* what we generate, the matcher accepts, for that certificate only */
    assert_true(dbx_tlsa_matches_cert(&t, c));
    assert_false(dbx_tlsa_matches_cert(&t, c == &chain ? chain.next : &chain));
}

static void test_make_known_answers(void **state)
{
    (void)state;
    expect_text(&chain, 3, 1, 1, LEAF_SPKI256);
    expect_text(&chain, 3, 0, 1, LEAF_CERT256);
    expect_text(&chain, 3, 1, 2, LEAF_SPKI512);
    expect_text(chain.next, 2, 1, 1, ROOT_SPKI256);
}

static void test_make_errors(void **state)
{
    (void)state;
    uint8_t buf[64], small[16];
    dbx_tlsa_t t;
    assert_int_equal(dbx_tlsa_make(&chain, 3, 2, 1, buf, sizeof buf, &t), DBX_ERR_UNSUPPORTED);
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 3, buf, sizeof buf, &t), DBX_ERR_UNSUPPORTED);
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 1, small, sizeof small, &t), DBX_ERR_BUFFER);
    /* full data (3 1 0) does not fit 64 bytes either: the SPKI is 91 */
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 0, buf, sizeof buf, &t), DBX_ERR_BUFFER);
}

static void test_make_spki_equals_cert(void **state)
{
    (void)state;
    const uint8_t *spki;
    size_t len;
    uint8_t b1[64], b2[64];
    dbx_tlsa_t a, b;
    assert_int_equal(dbx_tlsa_selected(&chain, 1, &spki, &len), DBX_OK);
    assert_int_equal(dbx_tlsa_make_spki(spki, len, 3, 1, b1, sizeof b1, &a), DBX_OK);
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 1, b2, sizeof b2, &b), DBX_OK);
    assert_true(dbx_tlsa_equal(&a, &b));
    b.usage = 2;
    assert_false(dbx_tlsa_equal(&a, &b));
    b.usage = 3;
    b2[31] ^= 1;
    assert_false(dbx_tlsa_equal(&a, &b));
    assert_false(dbx_tlsa_matches_cert(&b, &chain));
    assert_int_equal(dbx_tlsa_make_spki(spki, 0, 3, 1, b1, sizeof b1, &a), DBX_ERR_MALFORMED);
}

static void test_text_cut(void **state)
{
    (void)state;
    uint8_t buf[64];
    char txt[20];
    dbx_tlsa_t t;
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 1, buf, sizeof buf, &t), DBX_OK);
    assert_int_equal(dbx_tlsa_to_text(&t, txt, sizeof txt), DBX_ERR_BUFFER);
    assert_true(strlen(txt) < sizeof txt);
    assert_memory_equal(txt, "3 1 1 8ab731", 12);
    assert_string_equal(txt + strlen(txt) - 3, "...");
    t.truncated = true;
    assert_int_equal(dbx_tlsa_to_text(&t, txt, sizeof txt), DBX_OK);
    assert_string_equal(txt, "3 1 1 (truncated)");
}

static void test_issuer_depth(void **state)
{
    (void)state;
    assert_int_equal(dbx_tlsa_issuer_depth(&chain, 0), 1);  /* the root: topmost */
    assert_int_equal(dbx_tlsa_issuer_depth(&chain, 1), 1);
    assert_int_equal(dbx_tlsa_issuer_depth(&chain, 2), DBX_ERR_NOTFOUND);
    assert_int_equal(dbx_tlsa_issuer_depth(chain.next, 0), DBX_ERR_NOTFOUND); /* leaf only */
    assert_ptr_equal(dbx_tlsa_chain_at(&chain, 1), chain.next);
    assert_null(dbx_tlsa_chain_at(&chain, 2));
}

static void test_not_after(void **state)
{
    (void)state;
    assert_int_equal(dbx_dane_not_after(&chain), LEAF_NOT_AFTER);
}

/* the matcher, fed the generated records, matches at the expected depth */
static void test_generated_records_match(void **state)
{
    (void)state;
    uint8_t b1[64], b2[64];
    dbx_tlsa_t recs[2];
    dbx_dane_result_t res;
    const char *names[] = {"mx.unit.example"};
    assert_int_equal(dbx_tlsa_make(&chain, 3, 1, 1, b1, sizeof b1, &recs[0]), DBX_OK);
    assert_int_equal(dbx_tlsa_make(chain.next, 2, 1, 1, b2, sizeof b2, &recs[1]), DBX_OK);
    assert_int_equal(dbx_dane_match(recs, 2, &chain, names, 1, 1800000000, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_MATCH);
    assert_int_equal(res.depth, 0);
    /* issuer record alone: DANE-TA at depth 1 */
    assert_int_equal(dbx_dane_match(&recs[1], 1, &chain, names, 1, 1800000000, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_MATCH);
    assert_int_equal(res.depth, 1);
    assert_int_equal(res.usage, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_known_answers),
        cmocka_unit_test(test_make_errors),
        cmocka_unit_test(test_make_spki_equals_cert),
        cmocka_unit_test(test_text_cut),
        cmocka_unit_test(test_issuer_depth),
        cmocka_unit_test(test_not_after),
        cmocka_unit_test(test_generated_records_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
