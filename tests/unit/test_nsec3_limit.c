/* Unit tests: the runtime NSEC3 iteration limit of a resolver
 * (dbx_resolver_set_nsec3_limit): it can only be lowered, never above
 * DBX_NSEC3_MAX_ITERATIONS; denials whose NSEC3 records use more iterations
 * become insecure (RFC 9276 s3.2), positive answers are untouched, and
 * answers cached under the old limit do not survive a change.  Offline
 * against the zones of tests/dnssec/mkzones.sh (n3.test.: NSEC3 with 5
 * iterations and a salt; test.: 0 iterations). */
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

/* Resolve @p name/@p t on @p r and check the verdict (and @p reason, if
 * set, in the result's reason). */
static void expect(dbx_test_zones_t *fx, dbx_resolver_t *r, const char *name, ldns_rr_type t, dbx_sec_t sec,
                   int kind, const char *reason)
{
    dbx_result_t res;
    assert_int_equal(dbx_resolve(r, name, t, fx->now, &res), DBX_OK);
    printf("  limit %u: %s %u -> %s (%s) kind %d\n", r->nsec3_max_iter, name, t, dbx_sec_str(res.sec),
           res.reason, res.kind);
    if (res.sec != sec || (int)res.kind != kind || (reason != NULL && strstr(res.reason, reason) == NULL)) {
        fail_msg("%s: %s (%s) kind %d, want %s kind %d [%s]", name, dbx_sec_str(res.sec), res.reason, res.kind,
                 dbx_sec_str(sec), kind, reason ? reason : "");
    }
    dbx_result_free(&res);
}

static void test_only_lowered(void **state)
{
    dbx_test_zones_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    assert_int_equal(r->nsec3_max_iter, DBX_NSEC3_MAX_ITERATIONS);
    /* above the compiled maximum: refused, nothing changes */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, DBX_NSEC3_MAX_ITERATIONS + 1), DBX_ERR_INVAL);
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, 100000), DBX_ERR_INVAL);
    assert_int_equal(r->nsec3_max_iter, DBX_NSEC3_MAX_ITERATIONS);
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, 4), DBX_OK);
    assert_int_equal(r->nsec3_max_iter, 4);
    /* a refused raise keeps the lowered limit */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, DBX_NSEC3_MAX_ITERATIONS + 1), DBX_ERR_INVAL);
    assert_int_equal(r->nsec3_max_iter, 4);
    /* back up to the compiled maximum is allowed (it is the default) */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, DBX_NSEC3_MAX_ITERATIONS), DBX_OK);
    assert_int_equal(r->nsec3_max_iter, DBX_NSEC3_MAX_ITERATIONS);
    dbx_resolver_free(r);
    free(r);
}

static void test_limit_applies(void **state)
{
    dbx_test_zones_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->mem), &fx->trust);
    /* n3.test. uses 5 iterations: a NODATA there is secure by default... */
    expect(fx, r, "host.n3.test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    /* ...and insecure below 5, on the same resolver (the cached answer
     * was validated under the old limit and must not be returned) */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, 4), DBX_OK);
    expect(fx, r, "host.n3.test", LDNS_RR_TYPE_TXT, DBX_SEC_INSECURE, DBX_ANSWER_NODATA, "iterations");
    /* positive answers need no denial: untouched */
    expect(fx, r, "_25._tcp.mx.n3.test", LDNS_RR_TYPE_TLSA, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    /* a zone of 0 iterations stays secure under the lowest limit */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, 0), DBX_OK);
    expect(fx, r, "test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    /* exactly at the zone's count: secure again */
    assert_int_equal(dbx_resolver_set_nsec3_limit(r, 5), DBX_OK);
    expect(fx, r, "host.n3.test", LDNS_RR_TYPE_TXT, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    dbx_resolver_free(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_lowered),
        cmocka_unit_test(test_limit_applies),
    };
    return cmocka_run_group_tests(tests, dbx_test_zones_setup, dbx_test_zones_teardown);
}
