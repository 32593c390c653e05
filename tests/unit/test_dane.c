/* Unit tests: TLSA parsing, usability, digest agility, name matching and
 * the matcher's no-usable / empty-chain paths.  Chain matching proper is
 * covered by tests/rig/test_dane_match.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dane/dbx_dane.h"
#include "hal_mbedtls.h"

static const char H32[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static dbx_tlsa_t rec(uint8_t u, uint8_t s, uint8_t m, size_t len)
{
    static const uint8_t zero[64];
    dbx_tlsa_t r = {u, s, m, false, len ? zero : NULL, len};
    return r;
}

/* ---- parsing ---------------------------------------------------------- */

static void test_rdata(void **state)
{
    (void)state;
    const uint8_t w[] = {3, 1, 1, 0xaa, 0xbb};
    dbx_tlsa_t r;
    assert_int_equal(dbx_tlsa_from_rdata(w, sizeof w, &r), DBX_OK);
    assert_int_equal(r.usage, 3);
    assert_int_equal(r.selector, 1);
    assert_int_equal(r.mtype, 1);
    assert_int_equal(r.len, 2);
    assert_ptr_equal(r.data, w + 3);
    assert_false(r.truncated);
    /* exactly 3 octets: empty data, parses */
    assert_int_equal(dbx_tlsa_from_rdata(w, 3, &r), DBX_OK);
    assert_int_equal(r.len, 0);
    /* truncated: reported, still filled for the report */
    assert_int_equal(dbx_tlsa_from_rdata(w, 2, &r), DBX_ERR_MALFORMED);
    assert_true(r.truncated);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_TRUNCATED);
    assert_int_equal(dbx_tlsa_from_rdata(w, 0, &r), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsa_from_rdata(NULL, 0, &r), DBX_ERR_MALFORMED);
}

static void test_text_forms(void **state)
{
    (void)state;
    uint8_t buf[128];
    dbx_tlsa_t r;
    char line[256];
    const char *t = "3 1 1 0011AAbb";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.usage, 3);
    assert_int_equal(r.len, 4);
    assert_int_equal(buf[2], 0xaa);
    assert_int_equal(buf[3], 0xbb);
    /* zone line, blanks inside the hex, trailing comment */
    t = "_25._tcp.mx.example. 3600 IN TLSA 2 0 1 00 11 ( 22 33 ) ; comment ff";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.usage, 2);
    assert_int_equal(r.selector, 0);
    assert_int_equal(r.mtype, 1);
    assert_int_equal(r.len, 4);
    t = "_25._tcp.mx.example. tlsa 3 1 2 ab";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.mtype, 2);
    /* 32-byte digest round trip */
    strcpy(line, "3 1 1 ");
    strcat(line, H32);
    assert_int_equal(dbx_tlsa_from_text(line, strlen(line), buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.len, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_USABLE);
    /* the length argument bounds the parse */
    assert_int_equal(dbx_tlsa_from_text(line, 8, buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.len, 1);
}

static void test_text_errors(void **state)
{
    (void)state;
    uint8_t buf[4];
    dbx_tlsa_t r;
    const char *t;
    t = "   ; only a comment";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_NOTFOUND);
    assert_int_equal(dbx_tlsa_from_text("", 0, buf, sizeof buf, &r), DBX_ERR_NOTFOUND);
    t = "3 1";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_MALFORMED);
    t = "3 1 x 00";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_MALFORMED);
    t = "256 1 1 00";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_MALFORMED);
    t = "3 1 1 0g";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_MALFORMED);
    t = "3 1 1 0011223344";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_BUFFER);
    t = "mx. IN TLSA 3 1";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_ERR_MALFORMED);
    /* odd number of hex digits: parses, marked truncated -> unusable */
    t = "3 1 1 abc";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_OK);
    assert_true(r.truncated);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_TRUNCATED);
    /* no data at all */
    t = "3 1 0";
    assert_int_equal(dbx_tlsa_from_text(t, strlen(t), buf, sizeof buf, &r), DBX_OK);
    assert_int_equal(r.len, 0);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_EMPTY);
}

/* ---- usability --------------------------------------------------------------- */

static void test_usability(void **state)
{
    (void)state;
    dbx_tlsa_t r;
    r = rec(3, 1, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_USABLE);
    r = rec(2, 0, 2, 64);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_USABLE);
    r = rec(2, 1, 0, 10);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_USABLE);
    r = rec(0, 0, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_PKIX);
    r = rec(1, 1, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_PKIX);
    r = rec(4, 1, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_USAGE);
    r = rec(255, 1, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_USAGE);
    r = rec(3, 2, 1, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_SELECTOR);
    r = rec(3, 1, 3, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_UNUSABLE_MTYPE);
    r = rec(3, 1, 1, 31);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_LENGTH);
    r = rec(3, 1, 1, 64);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_LENGTH);
    r = rec(3, 1, 2, 32);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_LENGTH);
    r = rec(3, 1, 1, 0);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_LENGTH);
    r = rec(3, 0, 0, 0);
    assert_int_equal(dbx_tlsa_usability(&r, NULL), DBX_TLSA_MALFORMED_EMPTY);
    assert_int_equal(dbx_tlsa_usability(NULL, NULL), DBX_TLSA_MALFORMED_TRUNCATED);
    for (int u = 0; u <= (int)DBX_TLSA_IGNORED_LIMIT; u++) {
        assert_non_null(dbx_tlsa_use_str((dbx_tlsa_use_t)u));
    }
}

static void test_usability_config(void **state)
{
    (void)state;
    dbx_dane_opts_t o;
    dbx_tlsa_t r = rec(3, 1, 2, 64);
    dbx_dane_opts_init(&o);
    o.digest_pref[0] = DBX_TLSA_MT_SHA256;
    o.n_digest_pref = 1; /* SHA-512 disabled */
    assert_int_equal(dbx_tlsa_usability(&r, &o), DBX_TLSA_UNUSABLE_MTYPE);
    r = rec(3, 1, 0, 5); /* Full(0) is not subject to the digest list */
    assert_int_equal(dbx_tlsa_usability(&r, &o), DBX_TLSA_USABLE);
}

/* ---- digest agility (RFC 7671 §9) ------------------------------------------ */

static void test_agility_default(void **state)
{
    (void)state;
    dbx_tlsa_t rs[6];
    dbx_tlsa_use_t u[6];
    rs[0] = rec(3, 1, 1, 32);
    rs[1] = rec(3, 1, 2, 64);
    rs[2] = rec(3, 1, 0, 10); /* Full(0) always kept */
    rs[3] = rec(3, 0, 1, 32); /* other selector: its own group */
    rs[4] = rec(2, 1, 1, 32); /* other usage: its own group */
    rs[5] = rec(3, 1, 2, 10); /* malformed 512 */
    assert_int_equal(dbx_tlsa_classify(rs, 6, NULL, u), 4);
    assert_int_equal(u[0], DBX_TLSA_IGNORED_AGILITY);
    assert_int_equal(u[1], DBX_TLSA_USABLE);
    assert_int_equal(u[2], DBX_TLSA_USABLE);
    assert_int_equal(u[3], DBX_TLSA_USABLE);
    assert_int_equal(u[4], DBX_TLSA_USABLE);
    assert_int_equal(u[5], DBX_TLSA_MALFORMED_LENGTH);
}

static void test_agility_malformed_not_present(void **state)
{
    (void)state;
    dbx_tlsa_t rs[2] = {rec(3, 1, 1, 32), rec(3, 1, 2, 32)};
    dbx_tlsa_use_t u[2];
    assert_int_equal(dbx_tlsa_classify(rs, 2, NULL, u), 1);
    assert_int_equal(u[0], DBX_TLSA_USABLE);
    assert_int_equal(u[1], DBX_TLSA_MALFORMED_LENGTH);
}

static void test_agility_custom_order(void **state)
{
    (void)state;
    dbx_dane_opts_t o;
    dbx_tlsa_t rs[2] = {rec(2, 0, 1, 32), rec(2, 0, 2, 64)};
    dbx_tlsa_use_t u[2];
    dbx_dane_opts_init(&o);
    o.digest_pref[0] = DBX_TLSA_MT_SHA256; /* prefer SHA-256 */
    o.digest_pref[1] = DBX_TLSA_MT_SHA512;
    assert_int_equal(dbx_tlsa_classify(rs, 2, &o, u), 1);
    assert_int_equal(u[0], DBX_TLSA_USABLE);
    assert_int_equal(u[1], DBX_TLSA_IGNORED_AGILITY);
}

static void test_record_limit(void **state)
{
    (void)state;
    dbx_dane_opts_t o;
    dbx_tlsa_t rs[4] = {rec(3, 1, 0, 3), rec(3, 1, 0, 3), rec(3, 1, 0, 3), rec(3, 1, 0, 3)};
    dbx_tlsa_use_t u[4];
    dbx_dane_opts_init(&o);
    o.max_records = 2;
    assert_int_equal(dbx_tlsa_classify(rs, 4, &o, u), 2);
    assert_int_equal(u[2], DBX_TLSA_IGNORED_LIMIT);
    assert_int_equal(u[3], DBX_TLSA_IGNORED_LIMIT);
    assert_int_equal(dbx_tlsa_classify(NULL, 0, NULL, NULL), 0);
}

/* ---- names (RFC 6125, RFC 7672 §3.2.3) -------------------------------------- */

#define NM(pat, ref) dbx_dane_name_match(pat, strlen(pat), ref)

static void test_names_exact(void **state)
{
    (void)state;
    assert_true(NM("mx.example", "mx.example"));
    assert_true(NM("MX.Example", "mx.EXAMPLE"));
    assert_true(NM("mx.example.", "mx.example"));
    assert_true(NM("mx.example", "mx.example."));
    assert_true(NM("mx.example.", "mx.example."));
    assert_false(NM("mx.example", "mx.example.."));
    assert_false(NM("mx.example", "mx.example.org"));
    assert_false(NM("mx.example", "x.example"));
    assert_false(NM("mx.example", "smx.example"));
    assert_false(NM("", "mx.example"));
    assert_false(NM("mx.example", ""));
    assert_false(NM(".", "."));
    assert_false(dbx_dane_name_match(NULL, 0, "a"));
    assert_false(dbx_dane_name_match("a", 1, NULL));
    /* embedded NUL in a certificate name */
    assert_false(dbx_dane_name_match("mx.example\0.evil", 16, "mx.example"));
}

static void test_names_wildcard(void **state)
{
    (void)state;
    assert_true(NM("*.mx.example", "smtp.mx.example"));
    assert_true(NM("*.MX.example", "SMTP.mx.Example."));
    assert_true(NM("*.mx.example.", "a.mx.example"));
    assert_false(NM("*.mx.example", "mx.example"));      /* exactly one label */
    assert_false(NM("*.mx.example", "a.b.mx.example"));
    assert_false(NM("*.mx.example", ".mx.example"));
    assert_false(NM("f*.mx.example", "foo.mx.example"));  /* partial label */
    assert_false(NM("*o.mx.example", "foo.mx.example"));
    assert_false(NM("a.*.example", "a.b.example"));       /* not leftmost */
    assert_false(NM("*", "example"));
    assert_false(NM("*.example", "mx.example"));          /* needs 2 labels after */
    assert_false(NM("*.example.", "mx.example"));
    assert_false(NM("**.mx.example", "a.mx.example"));
    assert_false(NM("*.mx.example", "*.mx.example"));     /* '*' in reference */
    assert_false(NM("mx.example", "*.example"));
}

static void test_name_check_null(void **state)
{
    (void)state;
    const char *n[] = {"mx.example"};
    assert_false(dbx_dane_name_check(NULL, n, 1));
}

/* ---- matcher paths that need no certificate ------------------------------------- */

static void test_match_no_usable(void **state)
{
    (void)state;
    dbx_tlsa_t rs[3] = {rec(1, 1, 1, 32), rec(3, 1, 1, 5), rec(3, 1, 0, 0)};
    dbx_dane_result_t res;
    const char *n[] = {"mx.example"};
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    assert_int_equal(dbx_dane_match(rs, 3, &chain, n, 1, 0, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_NO_USABLE);
    assert_int_equal(res.record, -1);
    assert_int_equal(res.depth, -1);
    assert_int_equal(res.n_usable, 0);
    assert_int_equal(res.use[0], DBX_TLSA_UNUSABLE_PKIX);
    assert_int_equal(res.use[1], DBX_TLSA_MALFORMED_LENGTH);
    assert_int_equal(res.use[2], DBX_TLSA_MALFORMED_EMPTY);
    assert_non_null(strstr(res.reason, "no usable"));
    assert_string_equal(dbx_dane_verdict_str(res.verdict), "no-usable-records");
    /* empty RRset */
    assert_int_equal(dbx_dane_match(NULL, 0, &chain, n, 1, 0, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_NO_USABLE);
    assert_non_null(strstr(res.reason, "empty"));
}

static void test_match_empty_chain(void **state)
{
    (void)state;
    dbx_tlsa_t rs[1] = {rec(3, 1, 1, 32)};
    dbx_dane_result_t res;
    const char *n[] = {"mx.example"};
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    assert_int_equal(dbx_dane_match(rs, 1, &chain, n, 1, 0, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_ERROR);
    assert_int_equal(res.status, DBX_ERR_MALFORMED);
    assert_int_equal(dbx_dane_match(rs, 1, NULL, n, 1, 0, NULL, &res), DBX_OK);
    assert_int_equal(res.verdict, DBX_DANE_ERROR);
    assert_string_equal(dbx_dane_verdict_str(DBX_DANE_MATCH), "match");
    assert_string_equal(dbx_dane_verdict_str(DBX_DANE_NO_MATCH), "no-match");
    assert_string_equal(dbx_dane_verdict_str(DBX_DANE_ERROR), "error");
}

static void test_match_records_limited(void **state)
{
    (void)state;
    dbx_tlsa_t rs[DBX_DANE_MAX_RECORDS + 3];
    dbx_dane_result_t res;
    const char *n[] = {"mx.example"};
    for (size_t i = 0; i < DBX_ARRAY_LEN(rs); i++) {
        rs[i] = rec(0, 0, 1, 32);
    }
    assert_int_equal(dbx_dane_match(rs, DBX_ARRAY_LEN(rs), NULL, n, 1, 0, NULL, &res), DBX_OK);
    assert_true(res.records_limited);
    assert_int_equal(res.verdict, DBX_DANE_NO_USABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rdata),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_usability),
        cmocka_unit_test(test_usability_config),
        cmocka_unit_test(test_agility_default),
        cmocka_unit_test(test_agility_malformed_not_present),
        cmocka_unit_test(test_agility_custom_order),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_names_exact),
        cmocka_unit_test(test_names_wildcard),
        cmocka_unit_test(test_name_check_null),
        cmocka_unit_test(test_match_no_usable),
        cmocka_unit_test(test_match_empty_chain),
        cmocka_unit_test(test_match_records_limited),
    };
    hal_mbedtls_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
