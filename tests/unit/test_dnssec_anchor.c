/* Unit tests: what a trust anchor covers.  With an anchor below the root
 * (example.test. of tests/dnssec/mkzones.sh), the DS RRset of the anchor's
 * own name lives in the parent zone, above the anchor: no anchor covers it,
 * so it is indeterminate like any name outside the anchor (RFC 4035 4.3;
 * unbound: val_qds_badanc, val_ds_afterprime), never insecure, and asking it
 * changes nothing for the names at and below the anchor. */
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

typedef struct fx {
    dbx_test_zones_t *z; /* the signed test tree (root anchor) */
    dbx_trust_t sub;    /* anchor: the DS RRset of example.test. from test. */
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    ldns_rdf *owner = ldns_dname_new_frm_str("example.test.");
    char *text = calloc(1, 4096);
    size_t len = 0;
    int rc = -1;
    if (fx != NULL && owner != NULL && text != NULL && dbx_test_zones_setup((void **)&fx->z) == 0) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(fx->z->mem.rrs); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(fx->z->mem.rrs, i);
            char *s;
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS || ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) {
                continue;
            }
            s = ldns_rr2str(rr);
            if (s != NULL && len + strlen(s) < 4096) {
                memcpy(text + len, s, strlen(s));
                len += strlen(s);
            }
            free(s);
        }
        rc = len > 0 && dbx_trust_from_text(&fx->sub, text) == DBX_OK ? 0 : -1;
        if (rc != 0) dbx_test_zones_teardown((void **)&fx->z);
    }
    ldns_rdf_deep_free(owner);
    free(text);
    if (rc != 0) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_test_zones_teardown((void **)&fx->z);
    dbx_trust_free(&fx->sub);
    free(fx);
    return 0;
}

static void expect(fx_t *fx, dbx_resolver_t *r, const char *name, ldns_rr_type t, dbx_sec_t sec, int kind,
                   const char *reason)
{
    dbx_result_t res;
    assert_int_equal(dbx_resolve(r, name, t, fx->z->now, &res), DBX_OK);
    printf("  %s %u -> %s (%s) kind %d count %zu\n", name, t, dbx_sec_str(res.sec), res.reason, res.kind,
           dbx_result_count(&res));
    if (res.sec != sec || (kind >= 0 && (int)res.kind != kind) ||
        (reason != NULL && strstr(res.reason, reason) == NULL)) {
        fail_msg("%s: %s (%s) kind %d, want %s kind %d [%s]", name, dbx_sec_str(res.sec), res.reason, res.kind,
                 dbx_sec_str(sec), kind, reason ? reason : "");
    }
    if (sec != DBX_SEC_SECURE && sec != DBX_SEC_INSECURE) assert_int_equal(dbx_result_count(&res), 0);
    dbx_result_free(&res);
}

static void test_anchor_own_ds(void **state)
{
    fx_t *fx = *state;
    dbx_resolver_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->z->mem), &fx->sub);
    /* names at and below the anchor validate from it */
    expect(fx, r, "mx.example.test", LDNS_RR_TYPE_A, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    /* the anchor's own DS: parent-side data, no anchor covers it */
    expect(fx, r, "example.test", LDNS_RR_TYPE_DS, DBX_SEC_INDETERMINATE, -1, "anchor's own name");
    expect(fx, r, "EXAMPLE.test", LDNS_RR_TYPE_DS, DBX_SEC_INDETERMINATE, -1, "anchor's own name");
    /* ...like a name outside the anchor; neither is asked upstream */
    expect(fx, r, "n3.test", LDNS_RR_TYPE_DS, DBX_SEC_INDETERMINATE, -1, "outside the trust anchor");
    uint32_t q0 = r->total_queries;
    expect(fx, r, "host.n3.test", LDNS_RR_TYPE_A, DBX_SEC_INDETERMINATE, -1, "outside the trust anchor");
    expect(fx, r, "example.test", LDNS_RR_TYPE_DS, DBX_SEC_INDETERMINATE, -1, "anchor's own name");
    assert_int_equal(r->total_queries, q0);
    /* other questions at the anchor name and DS questions below it are
     * still validated, and the DS question left nothing behind */
    expect(fx, r, "example.test", LDNS_RR_TYPE_DNSKEY, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    expect(fx, r, "mx.example.test", LDNS_RR_TYPE_DS, DBX_SEC_SECURE, DBX_ANSWER_NODATA, NULL);
    expect(fx, r, "_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    dbx_resolver_free(r);
    /* with the root anchor the same DS is covered and secure */
    dbx_resolver_init_source(r, dbx_memsrc_source(&fx->z->mem), &fx->z->trust);
    expect(fx, r, "example.test", LDNS_RR_TYPE_DS, DBX_SEC_SECURE, DBX_ANSWER_DATA, NULL);
    /* ...and the root's own DS exists nowhere: indeterminate */
    expect(fx, r, ".", LDNS_RR_TYPE_DS, DBX_SEC_INDETERMINATE, -1, "anchor's own name");
    dbx_resolver_free(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchor_own_ds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
