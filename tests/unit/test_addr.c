/* Unit tests: address parsing and formatting (table-driven). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dbx_transport.h"

typedef struct {
    const char *in;
    int status;
    int family;
    uint16_t port;
    const char *canon;
} addr_case_t;

static const addr_case_t cases[] = {
    {"192.0.2.1", DBX_OK, 4, 53, "192.0.2.1"},
    {"192.0.2.1:5353", DBX_OK, 4, 5353, "192.0.2.1"},
    {"2001:db8::1", DBX_OK, 6, 53, "2001:db8::1"},
    {"[2001:db8::1]:25", DBX_OK, 6, 25, "2001:db8::1"},
    {"::1", DBX_OK, 6, 53, "::1"},
    {"::", DBX_OK, 6, 53, "::"},
    {"2001:DB8:0:0:1:0:0:1", DBX_OK, 6, 53, "2001:db8::1:0:0:1"},
    {"::ffff:192.0.2.7", DBX_OK, 6, 53, "::ffff:c000:207"},
    {"1:2:3:4:5:6:7:8", DBX_OK, 6, 53, "1:2:3:4:5:6:7:8"},
    {"256.0.0.1", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"192.0.2", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"192.0.2.1:0", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"192.0.2.1:70000", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"2001:db8:::1", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"1:2:3:4:5:6:7:8:9", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"[2001:db8::1", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"example.com", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"", DBX_ERR_MALFORMED, 0, 0, NULL},
    {":1", DBX_ERR_MALFORMED, 0, 0, NULL},
    {"1::2:", DBX_ERR_MALFORMED, 0, 0, NULL},
};

static void test_addr_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbx_addr_t a;
        char buf[64];
        int st = dbx_addr_parse(cases[i].in, 53, &a);
        if (st != cases[i].status) {
            fail_msg("case '%s': status %d, want %d", cases[i].in, st, cases[i].status);
        }
        if (st != DBX_OK) continue;
        assert_int_equal(a.family, cases[i].family);
        assert_int_equal(a.port, cases[i].port);
        assert_string_equal(dbx_addr_format(&a, buf, sizeof buf), cases[i].canon);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_addr_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
