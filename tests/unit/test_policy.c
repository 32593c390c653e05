/* Unit tests: RFC 7672 policy decisions, one test per branch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "policy/dbx_policy.h"

/* a fully secure host that verified */
static dbx_policy_host_t good(void)
{
    dbx_policy_host_t h = {DBX_DNSSEC_SECURE, DBX_DNSSEC_SECURE, DBX_DNSSEC_SECURE, 1,
                           true, true, DBX_DANE_MATCH};
    return h;
}

static void expect(const dbx_policy_host_t *h, dbx_verdict_t v, dbx_defer_reason_t r)
{
    dbx_defer_reason_t why = (dbx_defer_reason_t)99;
    assert_int_equal(dbx_policy_host(h, &why), v);
    assert_int_equal(why, r);
    assert_int_equal(dbx_policy_host(h, NULL), v);
}

static void test_dane_verified(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    expect(&h, DBX_VERDICT_DANE_VERIFIED, DBX_DEFER_NONE);
    h.mx = DBX_DNSSEC_SECURE_DENIAL; /* implicit MX: still secure */
    expect(&h, DBX_VERDICT_DANE_VERIFIED, DBX_DEFER_NONE);
}

static void test_mx_bogus_indeterminate(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.mx = DBX_DNSSEC_BOGUS;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MX_BOGUS);
    h.mx = DBX_DNSSEC_INDETERMINATE;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MX_INDETERMINATE);
}

static void test_mx_insecure(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.mx = DBX_DNSSEC_INSECURE;
    h.tlsa = DBX_DNSSEC_BOGUS; /* not even looked at */
    h.starttls = false;
    expect(&h, DBX_VERDICT_OPPORTUNISTIC, DBX_DEFER_NONE);
}

static void test_addr(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.addr = DBX_DNSSEC_BOGUS;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_ADDR_BOGUS);
    h.addr = DBX_DNSSEC_INDETERMINATE;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_ADDR_INDETERMINATE);
    h.addr = DBX_DNSSEC_SECURE_DENIAL;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_ADDR_NONE);
    /* insecure addresses: no TLSA lookup, whatever it would say */
    h.addr = DBX_DNSSEC_INSECURE;
    h.tlsa = DBX_DNSSEC_BOGUS;
    h.match = DBX_DANE_NO_MATCH;
    expect(&h, DBX_VERDICT_OPPORTUNISTIC, DBX_DEFER_NONE);
    /* MX failure outranks address failure */
    h.mx = DBX_DNSSEC_BOGUS;
    h.addr = DBX_DNSSEC_BOGUS;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MX_BOGUS);
    /* insecure MX does not hide bogus addresses */
    h.mx = DBX_DNSSEC_INSECURE;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_ADDR_BOGUS);
}

static void test_tlsa_states(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.tlsa = DBX_DNSSEC_BOGUS;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_TLSA_BOGUS);
    h.tlsa = DBX_DNSSEC_INDETERMINATE;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_TLSA_INDETERMINATE);
    h.tlsa = DBX_DNSSEC_INSECURE;
    h.starttls = false;
    expect(&h, DBX_VERDICT_OPPORTUNISTIC, DBX_DEFER_NONE);
    h.tlsa = DBX_DNSSEC_SECURE_DENIAL;
    expect(&h, DBX_VERDICT_OPPORTUNISTIC, DBX_DEFER_NONE);
}

static void test_secure_unusable(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.usable_tlsa = 0;
    h.match = DBX_DANE_NO_USABLE;
    expect(&h, DBX_VERDICT_ENCRYPT_UNAUTH, DBX_DEFER_NONE);
    h.match = DBX_DANE_NO_MATCH; /* match result irrelevant without usable records */
    expect(&h, DBX_VERDICT_ENCRYPT_UNAUTH, DBX_DEFER_NONE);
    h.handshake_ok = false;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_HANDSHAKE);
    h.starttls = false;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_NO_STARTTLS);
}

static void test_secure_usable_failures(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    h.starttls = false;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_NO_STARTTLS);
    h = good();
    h.handshake_ok = false;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_HANDSHAKE);
    h = good();
    h.match = DBX_DANE_NO_MATCH;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_NO_MATCH);
    h.match = DBX_DANE_ERROR;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MATCH_ERROR);
    h.match = DBX_DANE_NO_USABLE; /* contradicts usable_tlsa = 1 */
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MATCH_ERROR);
    h.match = (dbx_dane_verdict_t)77;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_MATCH_ERROR);
}

static void test_bad_input(void **s)
{
    (void)s;
    dbx_policy_host_t h = good();
    expect(NULL, DBX_VERDICT_DEFER, DBX_DEFER_BAD_INPUT);
    h.mx = (dbx_dnssec_t)9;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_BAD_INPUT);
    h = good();
    h.addr = (dbx_dnssec_t)9;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_BAD_INPUT);
    h = good();
    h.tlsa = (dbx_dnssec_t)9;
    expect(&h, DBX_VERDICT_DEFER, DBX_DEFER_BAD_INPUT);
}

static void test_domain_first_non_defer(void **s)
{
    (void)s;
    dbx_policy_host_t hs[3] = {good(), good(), good()};
    dbx_policy_domain_t d;
    char buf[128];
    hs[0].match = DBX_DANE_NO_MATCH;
    hs[1].tlsa = DBX_DNSSEC_SECURE_DENIAL;
    assert_int_equal(dbx_policy_domain(hs, 3, &d), DBX_OK);
    assert_int_equal(d.verdict, DBX_VERDICT_OPPORTUNISTIC);
    assert_int_equal(d.host, 1);
    assert_int_equal(d.n_hosts, 2); /* host 2 never tried */
    assert_int_equal(d.verdicts[0], DBX_VERDICT_DEFER);
    assert_int_equal(d.reasons[0], DBX_DEFER_NO_MATCH);
    assert_int_equal(dbx_policy_domain_str(&d, buf, sizeof buf), DBX_OK);
    assert_string_equal(buf, "opportunistic (host 1)");
}

static void test_domain_first_host_wins(void **s)
{
    (void)s;
    dbx_policy_host_t hs[2] = {good(), good()};
    dbx_policy_domain_t d;
    hs[1].match = DBX_DANE_NO_MATCH;
    assert_int_equal(dbx_policy_domain(hs, 2, &d), DBX_OK);
    assert_int_equal(d.verdict, DBX_VERDICT_DANE_VERIFIED);
    assert_int_equal(d.host, 0);
}

static void test_domain_all_defer(void **s)
{
    (void)s;
    dbx_policy_host_t hs[3] = {good(), good(), good()};
    dbx_policy_domain_t d;
    char buf[128], small[12];
    hs[0].tlsa = DBX_DNSSEC_BOGUS;
    hs[1].match = DBX_DANE_NO_MATCH;
    hs[2].starttls = false;
    assert_int_equal(dbx_policy_domain(hs, 3, &d), DBX_OK);
    assert_int_equal(d.verdict, DBX_VERDICT_DEFER);
    assert_int_equal(d.host, -1);
    assert_int_equal(d.n_hosts, 3);
    assert_int_equal(dbx_policy_domain_str(&d, buf, sizeof buf), DBX_OK);
    assert_string_equal(buf, "defer: #0 tlsa-bogus; #1 tlsa-no-match; #2 starttls-not-offered");
    assert_int_equal(dbx_policy_domain_str(&d, small, sizeof small), DBX_ERR_BUFFER);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_domain_edges(void **s)
{
    (void)s;
    dbx_policy_host_t hs[DBX_POLICY_MAX_HOSTS + 2];
    dbx_policy_domain_t d;
    char buf[64];
    assert_int_equal(dbx_policy_domain(NULL, 0, &d), DBX_OK);
    assert_int_equal(d.verdict, DBX_VERDICT_DEFER);
    assert_int_equal(d.host, -1);
    assert_int_equal(dbx_policy_domain_str(&d, buf, sizeof buf), DBX_OK);
    assert_string_equal(buf, "defer: no MX hosts");
    assert_int_equal(dbx_policy_domain(NULL, 1, &d), DBX_ERR_INVAL);
    assert_int_equal(dbx_policy_domain(hs, 1, NULL), DBX_ERR_INVAL);
    assert_int_equal(dbx_policy_domain_str(NULL, buf, sizeof buf), DBX_ERR_INVAL);
    /* only DBX_POLICY_MAX_HOSTS hosts are considered */
    for (size_t i = 0; i < DBX_ARRAY_LEN(hs); i++) {
        hs[i] = good();
        hs[i].mx = DBX_DNSSEC_BOGUS;
    }
    hs[DBX_POLICY_MAX_HOSTS].mx = DBX_DNSSEC_SECURE;
    assert_int_equal(dbx_policy_domain(hs, DBX_ARRAY_LEN(hs), &d), DBX_OK);
    assert_int_equal(d.verdict, DBX_VERDICT_DEFER);
    assert_int_equal(d.n_hosts, DBX_POLICY_MAX_HOSTS);
}

static void test_strings(void **s)
{
    (void)s;
    assert_string_equal(dbx_verdict_str(DBX_VERDICT_DANE_VERIFIED), "dane-verified");
    assert_string_equal(dbx_verdict_str(DBX_VERDICT_ENCRYPT_UNAUTH), "encrypt-unauthenticated");
    assert_string_equal(dbx_verdict_str(DBX_VERDICT_OPPORTUNISTIC), "opportunistic");
    assert_string_equal(dbx_verdict_str(DBX_VERDICT_DEFER), "defer");
    assert_string_equal(dbx_verdict_str((dbx_verdict_t)42), "invalid");
    assert_string_equal(dbx_dnssec_str(DBX_DNSSEC_SECURE_DENIAL), "secure-denial");
    assert_string_equal(dbx_dnssec_str((dbx_dnssec_t)42), "invalid");
    for (int r = 0; r <= (int)DBX_DEFER_BAD_INPUT; r++) {
        assert_string_not_equal(dbx_defer_reason_str((dbx_defer_reason_t)r), "invalid");
    }
    assert_string_equal(dbx_defer_reason_str((dbx_defer_reason_t)42), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dane_verified),
        cmocka_unit_test(test_mx_bogus_indeterminate),
        cmocka_unit_test(test_mx_insecure),
        cmocka_unit_test(test_addr),
        cmocka_unit_test(test_tlsa_states),
        cmocka_unit_test(test_secure_unusable),
        cmocka_unit_test(test_secure_usable_failures),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_domain_first_non_defer),
        cmocka_unit_test(test_domain_first_host_wins),
        cmocka_unit_test(test_domain_all_defer),
        cmocka_unit_test(test_domain_edges),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
