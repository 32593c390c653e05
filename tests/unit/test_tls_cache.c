/* Unit tests: the DANE-safe TLS session cache (src/smtp/dbx_tls_cache.h):
 * the canonical TLSA RRset digest, and that a saved session is offered
 * only to the same host and port under the same digest, within its
 * lifetime, never stored from an unverified session, in bounded room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/dbx_tls_cache.h"

static const uint8_t d1[32] = {1, 2, 3};
static const uint8_t blob[] = "a saved session";

static void recs3(dbx_tlsa_t r[3], uint8_t a[32], uint8_t b[32], uint8_t c[32])
{
    memset(r, 0, 3 * sizeof r[0]);
    memset(a, 0x11, 32);
    memset(b, 0x22, 32);
    memset(c, 0x33, 32);
    r[0] = (dbx_tlsa_t){3, 1, 1, false, a, 32};
    r[1] = (dbx_tlsa_t){3, 1, 1, false, b, 32};
    r[2] = (dbx_tlsa_t){2, 0, 1, false, c, 32};
}

static void test_digest(void **state)
{
    dbx_tlsa_t r[3], p[3];
    uint8_t a[32], b[32], c[32], x[32], y[32];
    (void)state;
    recs3(r, a, b, c);
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, x), DBX_OK);
    /* any answer order, any case of the base name: same digest */
    p[0] = r[2];
    p[1] = r[0];
    p[2] = r[1];
    assert_int_equal(dbx_tls_cache_tlsa_digest("MX.Example", p, 3, y), DBX_OK);
    assert_memory_equal(x, y, 32);
    p[0] = r[1];
    p[1] = r[2];
    p[2] = r[0];
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", p, 3, y), DBX_OK);
    assert_memory_equal(x, y, 32);
    /* removed record */
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 2, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    /* changed data, changed parameters, shorter data */
    b[31] ^= 1;
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    b[31] ^= 1;
    r[2].selector = 1;
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    r[2].selector = 0;
    r[2].len = 31;
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    r[2].len = 32;
    /* added record (a duplicate of one is still a change of the count) */
    p[0] = r[0];
    p[1] = r[1];
    p[2] = r[0];
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", p, 3, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    /* another base name */
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx2.example", r, 3, y), DBX_OK);
    assert_memory_not_equal(x, y, 32);
    /* back to the original: equal again (the test can fail) */
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, y), DBX_OK);
    assert_memory_equal(x, y, 32);
    /* bad input */
    r[1].truncated = true;
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx.example", r, 3, y), DBX_ERR_INVAL);
    assert_int_equal(dbx_tls_cache_tlsa_digest(NULL, r, 1, y), DBX_ERR_INVAL);
    assert_int_equal(dbx_tls_cache_tlsa_digest("mx", r, DBX_DANE_MAX_RECORDS + 1, y), DBX_ERR_INVAL);
}

static void test_same_host_port_digest(void **state)
{
    dbx_tls_cache_t *c = calloc(1, sizeof *c);
    uint8_t d2[32];
    const dbx_tls_cache_entry_t *e;
    (void)state;
    assert_non_null(c);
    memcpy(d2, d1, 32);
    d2[5] = 9;
    dbx_tls_cache_init(c);
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, true, blob, sizeof blob, 0, 1000),
                     DBX_OK);
    e = dbx_tls_cache_find(c, "MX.EXAMPLE", 25, d1, 2000);
    assert_non_null(e);
    assert_int_equal(e->len, sizeof blob);
    assert_memory_equal(e->blob, blob, sizeof blob);
    /* another host, another port: nothing, and the entry stays */
    assert_null(dbx_tls_cache_find(c, "mx2.example", 25, d1, 2000));
    assert_null(dbx_tls_cache_find(c, "mx.example", 587, d1, 2000));
    assert_null(dbx_tls_cache_find(c, "mx.example.other", 25, d1, 2000));
    assert_int_equal(dbx_tls_cache_count(c), 1);
    /* the TLSA RRset changed: not offered, and dropped for good */
    assert_null(dbx_tls_cache_find(c, "mx.example", 25, d2, 2000));
    assert_int_equal(c->stats.invalidated, 1);
    assert_int_equal(dbx_tls_cache_count(c), 0);
    assert_null(dbx_tls_cache_find(c, "mx.example", 25, d1, 2000));
    assert_int_equal(c->stats.offered, 1);
    free(c);
}

static void test_never_unverified(void **state)
{
    dbx_tls_cache_t *c = calloc(1, sizeof *c);
    static uint8_t big[DBX_TLS_CACHE_BLOB_MAX + 1];
    (void)state;
    assert_non_null(c);
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, false, blob, sizeof blob, 0, 0),
                     DBX_ERR_INVAL);
    assert_null(dbx_tls_cache_find(c, "mx.example", 25, d1, 0));
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, true, big, sizeof big, 0, 0),
                     DBX_ERR_LIMIT);
    assert_int_equal(dbx_tls_cache_store(c, "", 25, d1, true, blob, sizeof blob, 0, 0),
                     DBX_ERR_INVAL);
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, true, blob, 0, 0, 0),
                     DBX_ERR_INVAL);
    assert_int_equal(c->stats.refused, 4);
    assert_int_equal(c->stats.stored, 0);
    assert_int_equal(dbx_tls_cache_count(c), 0);
    /* a verified one replaces; a later unverified store does not remove it
     * nor replace it */
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, true, blob, sizeof blob, 0, 0),
                     DBX_OK);
    assert_int_equal(dbx_tls_cache_store(c, "mx.example", 25, d1, false, (const uint8_t *)"x", 1,
                                         0, 0),
                     DBX_ERR_INVAL);
    assert_int_equal(dbx_tls_cache_find(c, "mx.example", 25, d1, 0)->len, sizeof blob);
    /* drop (a resumed session that failed) */
    dbx_tls_cache_drop(c, "mx.example", 25);
    assert_null(dbx_tls_cache_find(c, "mx.example", 25, d1, 0));
    free(c);
}

static void test_lifetime(void **state)
{
    dbx_tls_cache_t *c = calloc(1, sizeof *c);
    const uint32_t t0 = 0xfffff000u; /* the clock wraps in between */
    (void)state;
    assert_non_null(c);
    /* server hint 60 s */
    assert_int_equal(dbx_tls_cache_store(c, "a.example", 25, d1, true, blob, sizeof blob, 60, t0),
                     DBX_OK);
    assert_non_null(dbx_tls_cache_find(c, "a.example", 25, d1, t0 + 59999u));
    assert_null(dbx_tls_cache_find(c, "a.example", 25, d1, t0 + 60000u));
    assert_int_equal(c->stats.expired, 1);
    /* no hint, or a longer one: our own bound */
    assert_int_equal(dbx_tls_cache_store(c, "b.example", 25, d1, true, blob, sizeof blob, 0, t0),
                     DBX_OK);
    assert_int_equal(dbx_tls_cache_store(c, "c.example", 25, d1, true, blob, sizeof blob,
                                         7u * 86400u, t0),
                     DBX_OK);
    assert_non_null(dbx_tls_cache_find(c, "b.example", 25, d1, t0 + DBX_TLS_CACHE_MAX_AGE_S * 1000u - 1u));
    assert_non_null(dbx_tls_cache_find(c, "c.example", 25, d1, t0 + DBX_TLS_CACHE_MAX_AGE_S * 1000u - 1u));
    assert_null(dbx_tls_cache_find(c, "c.example", 25, d1, t0 + DBX_TLS_CACHE_MAX_AGE_S * 1000u));
    assert_null(dbx_tls_cache_find(c, "b.example", 25, d1, t0 + DBX_TLS_CACHE_MAX_AGE_S * 1000u));
    assert_int_equal(dbx_tls_cache_count(c), 0);
    free(c);
}

static void test_bounded_lru(void **state)
{
    dbx_tls_cache_t *c = calloc(1, sizeof *c);
    char host[32];
    (void)state;
    assert_non_null(c);
    for (unsigned i = 0; i < DBX_TLS_CACHE_ENTRIES; i++) {
        snprintf(host, sizeof host, "mx%u.example", i);
        assert_int_equal(dbx_tls_cache_store(c, host, 25, d1, true, blob, sizeof blob, 0, 0), DBX_OK);
    }
    assert_int_equal(dbx_tls_cache_count(c), DBX_TLS_CACHE_ENTRIES);
    /* use mx0: mx1 becomes the least recently used (mx0 only with 1 entry) */
    assert_non_null(dbx_tls_cache_find(c, "mx0.example", 25, d1, 0));
    assert_int_equal(dbx_tls_cache_store(c, "new.example", 25, d1, true, blob, sizeof blob, 0, 0),
                     DBX_OK);
    assert_int_equal(dbx_tls_cache_count(c), DBX_TLS_CACHE_ENTRIES);
    assert_int_equal(c->stats.evicted, 1);
    assert_non_null(dbx_tls_cache_find(c, "new.example", 25, d1, 0));
    if (DBX_TLS_CACHE_ENTRIES > 1) {
        assert_non_null(dbx_tls_cache_find(c, "mx0.example", 25, d1, 0));
        assert_null(dbx_tls_cache_find(c, "mx1.example", 25, d1, 0));
    }
    /* re-storing a host replaces its entry, no eviction */
    assert_int_equal(dbx_tls_cache_store(c, "new.example", 25, d1, true, blob, 3, 0, 0), DBX_OK);
    assert_int_equal(c->stats.evicted, 1);
    assert_int_equal(dbx_tls_cache_find(c, "new.example", 25, d1, 0)->len, 3);
    dbx_tls_cache_init(c);
    assert_int_equal(dbx_tls_cache_count(c), 0);
    free(c);
}

/* a cache read back from a file: impossible entries are dropped */
static void test_sanitize(void **state)
{
    dbx_tls_cache_t *c = calloc(1, sizeof *c);
    (void)state;
    assert_non_null(c);
    assert_int_equal(dbx_tls_cache_store(c, "a.example[192.0.2.1]", 25, d1, true, blob, sizeof blob,
                                         0, 0), DBX_OK);
    assert_int_equal(dbx_tls_cache_store(c, "b.example[192.0.2.2]", 25, d1, true, blob, sizeof blob,
                                         0, 0), DBX_OK);
    if (DBX_TLS_CACHE_ENTRIES < 4) {
        assert_int_equal(dbx_tls_cache_sanitize(c), 2);
        free(c);
        return;
    }
    assert_int_equal(dbx_tls_cache_store(c, "c.example[192.0.2.3]", 25, d1, true, blob, sizeof blob,
                                         0, 0), DBX_OK);
    assert_int_equal(dbx_tls_cache_store(c, "d.example[192.0.2.4]", 25, d1, true, blob, sizeof blob,
                                         0, 0), DBX_OK);
    c->e[0].len = DBX_TLS_CACHE_BLOB_MAX + 1;                /* impossible length */
    memset(c->e[1].host, 'x', sizeof c->e[1].host);           /* unterminated key */
    c->e[2].max_age_ms = DBX_TLS_CACHE_MAX_AGE_S * 1000u + 1; /* beyond our bound */
    c->e[5].used = 7;                                         /* garbage flag */
    assert_int_equal(dbx_tls_cache_sanitize(c), 1);
    assert_int_equal(c->stats.stored, 0);
    assert_non_null(dbx_tls_cache_find(c, "d.example[192.0.2.4]", 25, d1, 0));
    assert_null(dbx_tls_cache_find(c, "a.example[192.0.2.1]", 25, d1, 0));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_same_host_port_digest),
        cmocka_unit_test(test_never_unverified),
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_bounded_lru),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
