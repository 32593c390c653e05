/* Unit tests: the DNSSEC primitives and limits, table-driven: key tags and
 * DS digests, canonical order, KeyTrap caps, signature windows, NSEC3
 * hashes, algorithms and the zone text parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnssec/dbx_dnssec_int.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"

#define ZDIR DBX_TEST_ZONES_DIR

/* The signed test tree (trust, memsrc, now) from the shared test support. */
typedef dbx_test_zones_t fx_t;

/* ---- primitives ------------------------------------------------------------------ */

static void test_keytag_ds(void **state)
{
    fx_t *fx = *state;
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, fx->trust.owner, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr *ds = ldns_rr_list_rr(fx->trust.ds, 0);
    int matched = 0;
    assert_non_null(keys);
    assert_int_equal(ldns_rr_list_rr_count(keys), 2);
    for (size_t i = 0; i < 2; i++) {
        ldns_rr *k = ldns_rr_list_rr(keys, i);
        if (dbx_keytag(k) == ldns_rdf2native_int16(ldns_rr_rdf(ds, 0))) {
            assert_int_equal(dbx_ds_match(ds, k), DBX_OK);
            matched++;
            ldns_rdf_data(ldns_rr_rdf(ds, 3))[0] ^= 1;
            assert_int_equal(dbx_ds_match(ds, k), DBX_ERR_CRYPTO);
            ldns_rdf_data(ldns_rr_rdf(ds, 3))[0] ^= 1;
        } else {
            assert_int_equal(dbx_ds_match(ds, k), DBX_ERR_CRYPTO);
        }
    }
    assert_int_equal(matched, 1);
    ldns_rr_list_deep_free(keys);
}

static void test_canonical_order(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *o = ldns_dname_new_frm_str("multi.example.test.");
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *set = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_MX, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, o, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_MX);
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *rev = ldns_rr_list_new();
    uint32_t ttl = 0;
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    /* reversed order, upper-case owner, a duplicate: all canonicalised away */
    for (size_t i = ldns_rr_list_rr_count(set); i > 0; i--) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(set, i - 1));
        uint8_t *d = ldns_rdf_data(ldns_rr_owner(c));
        d[1] = 'M';
        ldns_rr_set_ttl(c, 60);
        ldns_rr_list_push_rr(rev, c);
    }
    ldns_rr_list_push_rr(rev, ldns_rr_clone(ldns_rr_list_rr(rev, 0)));
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_SECURE);
    assert_int_equal(ttl, 60); /* capped by the RR TTL */
    /* changing one RDATA byte breaks it */
    ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(rev, 0), 0))[1] ^= 1;
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_BOGUS);
    /* budgets: a spent signature budget is indeterminate, not a crash */
    ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(rev, 0), 0))[1] ^= 1;
    v.sigs = DBX_MAX_SIG_VERIFY;
    assert_int_equal(dbx_rrset_verify(&v, rev, sig, keys, NULL, z, &ttl, NULL), DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(v.reason, "limit"));
    ldns_rr_list_deep_free(set);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(rev);
    ldns_rdf_deep_free(o);
    ldns_rdf_deep_free(z);
}

static void test_keytrap_caps(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DS, 0);
    ldns_rr_list *many = ldns_rr_list_clone(keys);
    uint32_t ttl;
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, keys, sig, &ttl), DBX_SEC_SECURE);
    while (ldns_rr_list_rr_count(many) <= DBX_MAX_DNSKEYS) {
        ldns_rr_list_push_rr(many, ldns_rr_clone(ldns_rr_list_rr(keys, 0)));
    }
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, many, sig, &ttl), DBX_SEC_BOGUS);
    assert_non_null(strstr(v.reason, "too many DNSKEYs"));
    /* many signatures with the right tag but wrong bits: per-RRset cap */
    ldns_rr_list *sigs = ldns_rr_list_new();
    for (int i = 0; i < 3 * DBX_MAX_SIG_PER_RRSET; i++) {
        ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(sig, 0));
        ldns_rdf_data(ldns_rr_rdf(c, 8))[3] ^= 0x40;
        ldns_rr_list_push_rr(sigs, c);
    }
    v.sigs = 0;
    assert_int_equal(dbx_dnskey_verify(&v, z, ds, NULL, keys, sigs, &ttl), DBX_SEC_INDETERMINATE);
    assert_int_equal(v.sigs, DBX_MAX_SIG_PER_RRSET);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(many);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(ds);
    ldns_rdf_deep_free(z);
}

static void test_ds_digest_policy(void **state)
{
    fx_t *fx = *state;
    dbx_vctx_t v;
    ldns_rdf *z = ldns_dname_new_frm_str("example.test.");
    ldns_rr_list *keys = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DNSKEY, 0);
    ldns_rr_list *sig = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = dbx_select(fx->mem.rrs, z, LDNS_RR_TYPE_DS, 0); /* SHA-384 */
    ldns_rr *ksk = NULL, *sha1 = NULL;
    uint32_t ttl;
    for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++) {
        ldns_rr *k = ldns_rr_list_rr(keys, i);
        if (dbx_keytag(k) == ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(ds, 0), 0))) ksk = k;
    }
    assert_non_null(ksk);
    sha1 = ldns_key_rr2ds(ksk, LDNS_SHA1);
    assert_non_null(sha1);
    memset(&v, 0, sizeof v);
    v.now = fx->now;
    struct { int with_sha1, with_good, with_bad, with_gost; dbx_sec_t want; } t[] = {
        {1, 0, 0, 0, DBX_SEC_SECURE},   /* SHA-1 alone: accepted */
        {1, 1, 0, 0, DBX_SEC_SECURE},
        {1, 0, 1, 0, DBX_SEC_BOGUS},    /* SHA-1 ignored next to a (wrong) SHA-384 */
        {0, 0, 0, 1, DBX_SEC_INSECURE}, /* only an unsupported digest: insecure */
        {1, 0, 0, 1, DBX_SEC_SECURE},   /* unsupported digest is not "stronger" */
    };
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rr_list *set = ldns_rr_list_new();
        if (t[i].with_sha1) ldns_rr_list_push_rr(set, ldns_rr_clone(sha1));
        if (t[i].with_good) ldns_rr_list_push_rr(set, ldns_rr_clone(ldns_rr_list_rr(ds, 0)));
        if (t[i].with_bad) {
            ldns_rr *b = ldns_rr_clone(ldns_rr_list_rr(ds, 0));
            ldns_rdf_data(ldns_rr_rdf(b, 3))[0] ^= 1;
            ldns_rr_list_push_rr(set, b);
        }
        if (t[i].with_gost) {
            ldns_rr *g = ldns_rr_clone(ldns_rr_list_rr(ds, 0));
            ldns_rdf_data(ldns_rr_rdf(g, 2))[0] = 3;
            ldns_rr_list_push_rr(set, g);
        }
        dbx_sec_t s = dbx_dnskey_verify(&v, z, set, NULL, keys, sig, &ttl);
        if (s != t[i].want) fail_msg("DS policy case %zu: %s (%s)", i, dbx_sec_str(s), v.reason);
        ldns_rr_list_deep_free(set);
    }
    ldns_rr_free(sha1);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sig);
    ldns_rr_list_deep_free(ds);
    ldns_rdf_deep_free(z);
}

static void test_sig_window(void **state)
{
    static const struct { uint32_t inc, exp; int64_t now; uint32_t skew; int want; } t[] = {
        {100, 200, 150, 0, 0},   {100, 200, 201, 0, -1}, {100, 200, 201, 5, 0},
        {100, 200, 99, 0, 1},    {100, 200, 95, 5, 0},   {100, 200, 94, 5, 1},
        /* serial arithmetic across 2^32 (year 2106) */
        {0xFFFFFF00u, 0x00000100u, 0x100000000LL, 0, 0},
        {0xFFFFFF00u, 0x00000100u, 0x100000200LL, 0, -1},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        assert_int_equal(dbx_sig_window(t[i].inc, t[i].exp, t[i].now, t[i].skew), t[i].want);
    }
}

static void test_nsec3_hash_rfc5155(void **state)
{
    /* RFC 5155 Appendix A: salt aabbccdd, 12 iterations */
    static const struct { const char *name, *hash; } t[] = {
        {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
        {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
        {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
        {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
        {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
    };
    static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
    dbx_vctx_t v;
    (void)state;
    memset(&v, 0, sizeof v);
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rdf *n = ldns_dname_new_frm_str(t[i].name);
        uint8_t h[20], want[20];
        size_t wl;
        assert_int_equal(dbx_nsec3_hash(&v, n, 1, 12, salt, sizeof salt, h), DBX_OK);
        assert_int_equal(dbx_b32hex_decode((const uint8_t *)t[i].hash, 32, want, 20, &wl), 0);
        assert_int_equal(wl, 20);
        assert_memory_equal(h, want, 20);
        ldns_rdf_deep_free(n);
    }
    assert_int_equal(v.hashes, DBX_ARRAY_LEN(t));
    /* the per-resolution hash budget */
    v.hashes = DBX_MAX_NSEC3_HASHES;
    {
        ldns_rdf *n = ldns_dname_new_frm_str("example.");
        uint8_t h[20];
        assert_int_equal(dbx_nsec3_hash(&v, n, 1, 12, salt, sizeof salt, h), DBX_ERR_LIMIT);
        assert_int_equal(dbx_nsec3_hash(NULL, n, 2, 12, salt, sizeof salt, h), DBX_ERR_UNSUPPORTED);
        ldns_rdf_deep_free(n);
    }
}

static void test_algorithms(void **state)
{
    static const struct { uint8_t v; int alg, dig; } t[] = {
        {1, 0, 1}, {2, 0, 1}, {3, 0, 0}, {4, 0, 1}, {5, 0, 0}, {7, 0, 0},
        {8, 1, 0}, {10, 1, 0}, {13, 1, 0}, {14, 1, 0}, {15, 0, 0}, {16, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        assert_int_equal(dbx_alg_supported(t[i].v), t[i].alg);
        assert_int_equal(dbx_digest_supported(t[i].v), t[i].dig);
    }
}

static void test_zone_text(void **state)
{
    static const struct { const char *text; int st; size_t n; } t[] = {
        {"$ORIGIN example.\n$TTL 60\n@ IN SOA ns hm ( 1 2\n 3 4 5 ) ; c\nwww A 192.0.2.1\n  AAAA ::1\n", DBX_OK, 3},
        {";; dig output\n;example. IN A\nexample. 60 IN A 192.0.2.1\n\n", DBX_OK, 1},
        {"example. 60 IN TXT \"a;b(c\"\n", DBX_OK, 1},
        {"example. 60 IN A 999.0.0.1\n", DBX_ERR_MALFORMED, 0},
        {"example. 60 IN SOA ( ns hm 1 2 3 4 5\n", DBX_ERR_MALFORMED, 0},
        {"$INCLUDE /etc/passwd\n", DBX_ERR_MALFORMED, 0},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        ldns_rr_list *l = ldns_rr_list_new();
        int st = dbx_zone_text_parse(t[i].text, 10, l, NULL);
        if (st != t[i].st) fail_msg("case %zu: %d want %d", i, st, t[i].st);
        if (st == DBX_OK) assert_int_equal(ldns_rr_list_rr_count(l), t[i].n);
        ldns_rr_list_deep_free(l);
    }
    {
        ldns_rr_list *l = ldns_rr_list_new();
        assert_int_equal(dbx_zone_text_parse("a. A 192.0.2.1\nb. A 192.0.2.1\n", 1, l, NULL), DBX_ERR_LIMIT);
        ldns_rr_list_deep_free(l);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_window),
        cmocka_unit_test(test_nsec3_hash_rfc5155),
        cmocka_unit_test(test_algorithms),
        cmocka_unit_test(test_zone_text),
        cmocka_unit_test(test_keytag_ds),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_keytrap_caps),
        cmocka_unit_test(test_ds_digest_policy),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
