/* Unit tests: NSEC3 proofs over several chains (parameter sets).  Each
 * record hashes names with its own chain's parameters, and a proof may take
 * its parts from different chains (as unbound and BIND).  The records are
 * those of unbound's val_nx_nsec3_params scenario for www.example.com.
 * (closest encloser hashed with 8 iterations, next closer with 123
 * iterations and a salt, wildcard with 0 iterations).  dbx_nsec3_prove() is
 * given the records as validated (signatures are dbx_rrset_verify's job). */
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

#define SALT "aabb00123456bbccdd"
/* chain 0 / -: H(example.com) onib..., H(www) mifd...uk, H(*) 4f3c...ub */
#define C0_CE "onib9mgub9h0rml3cdf5bgrj59dkjhvk.example.com. 3600 IN NSEC3 1 %d 0 - onib9mgub9h0rml3cdf5bgrj59dkjhvl SOA NS RRSIG DNSKEY NSEC3PARAM"
#define C0_NC "mifdndt3nff3od53o7tla1hrff95jkuj.example.com. 3600 IN NSEC3 1 %d 0 - mifdndt3nff3od53o7tla1hrff95jkul A RRSIG"
#define C0_WC "4f3cnt8cu22tngec382jj4gde4rb47ua.example.com. 3600 IN NSEC3 1 %d 0 - 4f3cnt8cu22tngec382jj4gde4rb47uc A RRSIG"
/* chain 8 / -: H(example.com) 6md8... */
#define C8_CE "6md8numosa4q9ugkffdo1bmm82t5j39s.example.com. 3600 IN NSEC3 1 %d 8 - 6md8numosa4q9ugkffdo1bmm82t5j49s SOA NS RRSIG DNSKEY"
/* chain 123 / SALT: H(www) s1unh...m3 */
#define C123_NC "s1unhcti19bkdr98fegs0v46mbu3t4m2.example.com. 3600 IN NSEC3 1 %d 123 " SALT " s1unhcti19bkdr98fegs0v46mbu3t4m4 A RRSIG"

static int setup(void **state)
{
    (void)state;
    hal_mbedtls_init();
    return 0;
}

/* Append the NSEC3 of @p fmt (one %d: the flags) to @p l. */
static void add(ldns_rr_list *l, const char *fmt, int flags)
{
    char text[300];
    ldns_rr *rr = NULL;
    snprintf(text, sizeof text, fmt, flags);
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
    assert_true(ldns_rr_list_push_rr(l, rr));
}

/* Append the complete chain 0 (closest encloser, next closer with flags
 * @p nc_flags, wildcard) to @p l. */
static void add_chain0(ldns_rr_list *l, int nc_flags)
{
    add(l, C0_CE, 0);
    add(l, C0_NC, nc_flags);
    add(l, C0_WC, 0);
}

/* Append the val_nx_nsec3_params records (one of each chain: closest
 * encloser in chain 8, wildcard in chain 0, next closer in chain 123), all
 * with flags @p flags, to @p l. */
static void add_mixed(ldns_rr_list *l, int flags)
{
    add(l, C8_CE, flags);
    add(l, C0_WC, flags);
    add(l, C123_NC, flags);
}

/* dbx_nsec3_prove for www.example.com. A (NXDOMAIN when @p nx) with the
 * NSEC3 iteration limit @p limit. */
static dbx_sec_t prove_lim(const ldns_rr_list *l, int nx, int wild_labels, dbx_denial_t *out, char *why,
                           unsigned limit)
{
    dbx_vctx_t v;
    ldns_rdf *zone = ldns_dname_new_frm_str("example.com.");
    ldns_rdf *q = ldns_dname_new_frm_str("www.example.com.");
    dbx_sec_t s;
    memset(&v, 0, sizeof v);
    v.nsec3_max_iter = (uint16_t)limit;
    s = dbx_nsec3_prove(&v, l, zone, q, LDNS_RR_TYPE_A, nx, wild_labels, out);
    printf("  %zu records -> %s (%s) out %d, %u hashes\n", ldns_rr_list_rr_count(l), dbx_sec_str(s), v.reason,
           *out, v.hashes);
    snprintf(why, 128, "%s", v.reason);
    ldns_rdf_deep_free(zone);
    ldns_rdf_deep_free(q);
    return s;
}

/* ...with the default limit (DBX_NSEC3_MAX_ITERATIONS) */
static dbx_sec_t prove(const ldns_rr_list *l, int nx, int wild_labels, dbx_denial_t *out, char *why)
{
    return prove_lim(l, nx, wild_labels, out, why, DBX_NSEC3_MAX_ITERATIONS);
}

static void test_mixed_chains(void **state)
{
    ldns_rr_list *l = ldns_rr_list_new();
    dbx_denial_t out;
    char why[128];
    (void)state;
    /* the val_nx_nsec3_params records without opt-out: closest encloser
     * from chain 8, next closer from chain 123, wildcard from chain 0 make
     * one secure NXDOMAIN */
    add_mixed(l, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_NXDOMAIN);
    /* ...but never a NODATA: the name does not exist */
    assert_int_equal(prove(l, 0, -1, &out, why), DBX_SEC_BOGUS);
    assert_non_null(strstr(why, "NXDOMAIN"));
    /* ...and a wildcard answer's proof: chain 123 covers the next closer */
    assert_int_equal(prove(l, 0, 2, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_NXDOMAIN);
    ldns_rr_list_deep_free(l);
    /* as in the scenario, all opt-out: the NXDOMAIN holds, insecure at best
     * (unbound: no AD) */
    l = ldns_rr_list_new();
    add_mixed(l, 1);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_OPTOUT);
    ldns_rr_list_deep_free(l);
    /* every part is still needed: without the wildcard's record (chain 0)
     * no chain covers H(*.example.com) */
    l = ldns_rr_list_new();
    add(l, C8_CE, 0);
    add(l, C123_NC, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_BOGUS);
    assert_non_null(strstr(why, "wildcard"));
    ldns_rr_list_deep_free(l);
    /* ...without the next closer's (chain 123): chain 8's record at the
     * apex hashes www to another value it does not cover */
    l = ldns_rr_list_new();
    add(l, C8_CE, 0);
    add(l, C0_WC, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_BOGUS);
    assert_non_null(strstr(why, "next closer"));
    ldns_rr_list_deep_free(l);
}

static void test_one_complete_chain(void **state)
{
    ldns_rr_list *l = ldns_rr_list_new();
    dbx_denial_t out;
    char why[128];
    (void)state;
    /* a complete chain beside a record of another chain at the next closer
     * that is opt-out: a cover outside an opt-out span is preferred, so the
     * NXDOMAIN is secure */
    add(l, C123_NC, 1);
    add(l, C8_CE, 0);
    add_chain0(l, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_NXDOMAIN);
    /* the complete chain alone, its next closer in an opt-out span: the
     * NXDOMAIN stands, insecure at best (the caller turns OPTOUT into it) */
    ldns_rr_list_deep_free(l);
    l = ldns_rr_list_new();
    add_chain0(l, 1);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_OPTOUT);
    /* without its wildcard record: nothing proves NXDOMAIN */
    ldns_rr_list_deep_free(l);
    l = ldns_rr_list_new();
    add(l, C0_CE, 0);
    add(l, C0_NC, 0);
    add(l, C8_CE, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_BOGUS);
    ldns_rr_list_deep_free(l);
}

/* Append one record each of @p n chains (k iterations, k = 1..n) at one
 * owner, proving nothing about www.example.com, to @p l. */
static void add_decoys(ldns_rr_list *l, int n)
{
    for (int k = 1; k <= n; k++) {
        char text[300];
        snprintf(text, sizeof text,
                 "00000000000000000000000000000000.example.com. 3600 IN NSEC3 1 %%d %d - "
                 "00000000000000000000000000000001 A",
                 k);
        add(l, text, 0);
    }
}

static void test_chain_limit(void **state)
{
    ldns_rr_list *l = ldns_rr_list_new();
    dbx_denial_t out;
    char why[128];
    dbx_vctx_t v;
    ldns_rdf *zone = ldns_dname_new_frm_str("example.com.");
    ldns_rdf *q = ldns_dname_new_frm_str("www.example.com.");
    (void)state;
    /* records of 13 other chains first, then the complete chain 0: every
     * name is hashed once per chain until one answers, so the proof runs
     * out of the hash budget before chain 0 gives it: indeterminate, and
     * never more than DBX_MAX_NSEC3_HASHES hashes */
    add_decoys(l, 13);
    add_chain0(l, 0);
    memset(&v, 0, sizeof v);
    v.nsec3_max_iter = DBX_NSEC3_MAX_ITERATIONS;
    assert_int_equal(dbx_nsec3_prove(&v, l, zone, q, LDNS_RR_TYPE_A, 1, -1, &out), DBX_SEC_INDETERMINATE);
    assert_non_null(strstr(v.reason, "hash limit"));
    assert_int_equal(v.hashes, DBX_MAX_NSEC3_HASHES);
    /* chain 0 first: the same records prove NXDOMAIN (each name matches
     * or is covered in the first chain tried) */
    ldns_rr_list_deep_free(l);
    l = ldns_rr_list_new();
    add_chain0(l, 0);
    add_decoys(l, 13);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_NXDOMAIN);
    ldns_rr_list_deep_free(l);
    ldns_rdf_deep_free(zone);
    ldns_rdf_deep_free(q);
}

static void test_chain_rules(void **state)
{
    ldns_rr_list *l = ldns_rr_list_new();
    dbx_denial_t out;
    char why[128];
    (void)state;
    /* two records of one chain at one owner contradict each other */
    add_chain0(l, 0);
    add(l, "onib9mgub9h0rml3cdf5bgrj59dkjhvk.example.com. 3600 IN NSEC3 1 %d 0 - onib9mgub9h0rml3cdf5bgrj59dkjhvm A", 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_BOGUS);
    assert_non_null(strstr(why, "one owner"));
    ldns_rr_list_deep_free(l);
    /* a complete chain of an unknown hash algorithm / with unknown flags
     * is ignored: nothing usable */
    l = ldns_rr_list_new();
    add(l, "onib9mgub9h0rml3cdf5bgrj59dkjhvk.example.com. 3600 IN NSEC3 2 %d 0 - onib9mgub9h0rml3cdf5bgrj59dkjhvl A", 0);
    add(l, C0_NC, 2);
    add(l, C0_WC, 4);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_BOGUS);
    assert_non_null(strstr(why, "no usable"));
    ldns_rr_list_deep_free(l);
    /* any usable record above the iteration limit: insecure, as before */
    l = ldns_rr_list_new();
    add_chain0(l, 0);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    {
        char high[300];
        snprintf(high, sizeof high,
                 "s1unhcti19bkdr98fegs0v46mbu3t4m2.example.com. 3600 IN NSEC3 1 %%d %d - "
                 "s1unhcti19bkdr98fegs0v46mbu3t4m4 A",
                 DBX_NSEC3_MAX_ITERATIONS + 1);
        add(l, high, 0);
    }
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_INSECURE);
    assert_non_null(strstr(why, "iterations"));
    ldns_rr_list_deep_free(l);
}

static void test_runtime_limit(void **state)
{
    ldns_rr_list *l = ldns_rr_list_new();
    dbx_denial_t out;
    char why[128];
    (void)state;
    /* val_nsec3_iter_high: the val_nx_nsec3_params records with a limit of
     * 100 (the scenario's val-nsec3-keysize-iterations): the 123-iteration
     * record is usable and above the limit, so the answer is insecure
     * before any proof is tried; at 123 and above the chains together
     * prove an opt-out NXDOMAIN */
    add_mixed(l, 1);
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 100), DBX_SEC_INSECURE);
    assert_non_null(strstr(why, "iterations"));
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 122), DBX_SEC_INSECURE);
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 123), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_OPTOUT);
    assert_int_equal(prove(l, 1, -1, &out, why), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_OPTOUT);
    ldns_rr_list_deep_free(l);
    /* a complete chain of 0 iterations holds under any limit, even 0 */
    l = ldns_rr_list_new();
    add_chain0(l, 0);
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 0), DBX_SEC_SECURE);
    assert_int_equal(out, DBX_DENY_NXDOMAIN);
    /* ...and a usable 8-iteration record beside it trips a limit of 7 */
    add(l, C8_CE, 0);
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 8), DBX_SEC_SECURE);
    assert_int_equal(prove_lim(l, 1, -1, &out, why, 7), DBX_SEC_INSECURE);
    ldns_rr_list_deep_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_chains),
        cmocka_unit_test(test_one_complete_chain),
        cmocka_unit_test(test_chain_limit),
        cmocka_unit_test(test_chain_rules),
        cmocka_unit_test(test_runtime_limit),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
