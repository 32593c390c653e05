/* Unit tests: report formatting shared by the CLI and the firmware
 * (src/report) and the wire-form root anchor (dbx_trust_from_ds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbx_anchor.h"
#include "hal_mbedtls.h"
#include "report/dbx_report.h"

static ldns_rr *rr_from(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL), LDNS_STATUS_OK);
    return rr;
}

/* dbx_rr_text == ldns_rr2str() (64 KB buffer) with the CLI's normalisation */
static void test_rr_text_matches_ldns(void **state)
{
    static const char *const rrs[] = {
        "_25._tcp.mx.rsa.test. 300 IN TLSA 3 1 1 "
        "0d6fce3400000000000000000000000000000000000000000000000000000000",
        "rsa.test. 300 IN MX 10 mx.rsa.test.",
        "big.test. 300 IN TXT \"a\\\"b\" \"tab\\009x\" \"" /* long string */
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        ". 3600 IN DNSKEY 257 3 13 "
        "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
        "x.test. 300 IN NSEC3 1 0 5 c0ffee 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A RRSIG",
    };
    (void)state;
    for (size_t i = 0; i < sizeof rrs / sizeof rrs[0]; i++) {
        ldns_rr *rr = rr_from(rrs[i]);
        char *want = ldns_rr2str(rr), *got = dbx_rr_text(rr);
        size_t n = strlen(want);
        while (n > 0 && (want[n - 1] == '\n' || want[n - 1] == ' ')) want[--n] = '\0';
        for (char *p = want; *p; p++) {
            if (*p == '\t') *p = ' ';
        }
        assert_non_null(got);
        assert_string_equal(got, want);
        free(want);
        free(got);
        ldns_rr_free(rr);
    }
}

/* SVCB/HTTPS: ldns writes SvcParamKey names without growing the buffer;
 * every text length around the initial buffer size must still print. */
static void test_rr_text_svcb(void **state)
{
    (void)state;
    for (size_t len = 1; len <= 200; len++) {
        char txt[512], label[64];
        size_t k = 0;
        int n = snprintf(txt, sizeof txt, "s.test. 300 IN %s 1 ", len % 2 ? "SVCB" : "HTTPS");
        for (size_t left = len; left > 0;) { /* target of about len characters */
            size_t l = left > 60 ? 60 : left;
            memset(label, 'a' + (int)(k++ % 26), l);
            label[l] = '\0';
            n += snprintf(txt + n, sizeof txt - (size_t)n, "%s.", label);
            left -= l;
        }
        snprintf(txt + n, sizeof txt - (size_t)n,
                 " mandatory=alpn,port,ipv4hint,ipv6hint alpn=h2,h3 port=443 no-default-alpn "
                 "ipv4hint=192.0.2.1 ipv6hint=2001:db8::1");
        ldns_rr *rr = rr_from(txt);
        char *want = ldns_rr2str(rr), *got = dbx_rr_text(rr);
        size_t w = strlen(want);
        while (w > 0 && (want[w - 1] == '\n' || want[w - 1] == ' ')) want[--w] = '\0';
        for (char *p = want; *p; p++) {
            if (*p == '\t') *p = ' ';
        }
        assert_non_null(got);
        assert_string_equal(got, want);
        free(want);
        free(got);
        ldns_rr_free(rr);
    }
}

static void test_rdf_text(void **state)
{
    ldns_rdf *d = ldns_dname_new_frm_str("Mail.Example.");
    char *s = dbx_rdf_text(d);
    (void)state;
    assert_string_equal(s, "Mail.Example.");
    free(s);
    ldns_rdf_deep_free(d);
    assert_null(dbx_rdf_text(NULL));
}

static char *capture(void (*fn)(FILE *f, void *u), void *u)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, u);
    fclose(f);
    return buf;
}

static void emit_str(FILE *f, void *u)
{
    dbx_json_str(f, (const char *)u);
}

static void test_json_str(void **state)
{
    char *s;
    (void)state;
    /* the one escaper (src/base/dbx_str.h): \t \n as such, other controls
     * and non-ASCII as \u00XX */
    s = capture(emit_str, "a\"b\\c\td\ne\x01\xc3");
    assert_string_equal(s, "\"a\\\"b\\\\c\\td\\ne\\u0001\\u00c3\"");
    free(s);
}

static void emit_result(FILE *f, void *u)
{
    assert_int_equal(dbx_report_resolve_json(f, "rsa.test.", "MX", (const dbx_result_t *)u, 7),
                     DBX_OK);
}

static void test_resolve_json(void **state)
{
    dbx_result_t res;
    char *s;
    (void)state;
    memset(&res, 0, sizeof res);
    res.sec = DBX_SEC_SECURE;
    strcpy(res.reason, "validated");
    res.kind = DBX_ANSWER_DATA;
    res.final_name = ldns_dname_new_frm_str("rsa.test.");
    res.answer = ldns_rr_list_new();
    res.chain = ldns_rr_list_new();
    ldns_rr_list_push_rr(res.answer, rr_from("rsa.test. 300 IN MX 10 mx.rsa.test."));
    res.ttl = 300;
    res.queries = 3;
    res.sig_verifies = 4;
    s = capture(emit_result, &res);
    assert_string_equal(s, "{\"name\":\"rsa.test.\",\"type\":\"MX\",\"status\":\"secure\",\"reason\":"
                           "\"validated\",\"rcode\":\"NOERROR\",\"kind\":\"data\",\"wildcard\":false,"
                           "\"final_name\":\"rsa.test.\",\"ttl\":300,\"answer\":[\"rsa.test. 300 IN MX "
                           "10 mx.rsa.test.\"],\"chain\":[],\"queries\":3,\"total_queries\":7,"
                           "\"sig_verifies\":4,\"nsec3_hashes\":0}\n");
    free(s);
    ldns_rdf_deep_free(res.final_name);
    ldns_rr_list_deep_free(res.answer);
    ldns_rr_list_free(res.chain);
}

static void test_trust_from_ds(void **state)
{
    static const uint8_t dig[4] = {0x09, 0x43, 0xc0, 0x1d};
    const dbx_anchor_ds_t ds = {29986, 8, 2, dig, sizeof dig};
    dbx_trust_t t;
    char *s;
    (void)state;
    assert_int_equal(dbx_trust_from_ds(&t, &ds, 1), DBX_OK);
    assert_int_equal(ldns_rr_list_rr_count(t.ds), 1);
    assert_int_equal(ldns_rr_list_rr_count(t.keys), 0);
    s = dbx_rr_text(ldns_rr_list_rr(t.ds, 0));
    assert_string_equal(s, ". 86400 IN DS 29986 8 2 0943c01d");
    free(s);
    dbx_trust_free(&t);
    assert_int_equal(dbx_trust_from_ds(&t, &ds, 0), DBX_ERR_MALFORMED);
    /* the built-in anchor goes through the same path */
    assert_int_equal(dbx_trust_builtin(&t), DBX_OK);
    assert_int_equal(ldns_rr_list_rr_count(t.ds), dbx_root_anchor.ds_count);
    dbx_trust_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rr_text_matches_ldns), cmocka_unit_test(test_rr_text_svcb),
        cmocka_unit_test(test_rdf_text),
        cmocka_unit_test(test_json_str),             cmocka_unit_test(test_resolve_json),
        cmocka_unit_test(test_trust_from_ds),
    };
    hal_mbedtls_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
