/* Unit tests: the one string toolkit (src/base/dbx_str.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dbx_str.h"

static void test_copy_fmt(void **state)
{
    char b[6];
    (void)state;
    assert_false(dbx_str_copy(b, sizeof b, "abc"));
    assert_string_equal(b, "abc");
    assert_true(dbx_str_copy(b, sizeof b, "abcdefgh"));
    assert_string_equal(b, "abcde");
    assert_false(dbx_str_copy(b, sizeof b, NULL));
    assert_string_equal(b, "");
    assert_false(dbx_str_fmt(b, sizeof b, "%d", 1234));
    assert_string_equal(b, "1234");
    assert_true(dbx_str_fmt(b, sizeof b, "%d", 1234567));
    assert_string_equal(b, "12345");
}

static void test_case(void **state)
{
    (void)state;
    assert_int_equal(dbx_ascii_lower('Q'), 'q');
    assert_int_equal(dbx_ascii_lower('\xc4'), '\xc4'); /* no locale folding */
    assert_int_equal(dbx_ascii_casecmp_n("STARTTLS", "starttls", 8), 0);
    assert_true(dbx_ascii_casecmp_n("SIZE", "SIZF", 4) < 0);
    assert_true(dbx_ascii_eq("Mail.Example.TEST", "mail.example.test"));
    assert_false(dbx_ascii_eq("mail.example", "mail.example.test"));
    assert_false(dbx_ascii_eq("a", NULL));
}

static void test_hex(void **state)
{
    const uint8_t d[3] = {0x00, 0xab, 0xff};
    char b[7], small[6];
    (void)state;
    assert_int_equal(dbx_hex_encode(d, 3, b, sizeof b), DBX_OK);
    assert_string_equal(b, "00abff");
    assert_int_equal(dbx_hex_encode(d, 3, small, sizeof small), DBX_ERR_BUFFER);
    assert_string_equal(small, "");
    assert_int_equal(dbx_hex_encode(d, 0, small, sizeof small), DBX_OK);
}

static void test_sbuf_json(void **state)
{
    char b[64], tiny[8];
    dbx_sbuf_t s;
    (void)state;
    dbx_sbuf_init(&s, b, sizeof b);
    dbx_sbuf_puts(&s, "k=");
    dbx_sbuf_json_str(&s, "a\"b\\c\td\ne\r\x01\x7f\xc3z");
    assert_false(s.cut);
    assert_string_equal(b, "k=\"a\\\"b\\\\c\\td\\ne\\r\\u0001\\u007f\\u00c3z\"");
    dbx_sbuf_init(&s, tiny, sizeof tiny);
    dbx_sbuf_printf(&s, "%s", "0123456789");
    assert_true(s.cut);
    assert_string_equal(tiny, "0123456");
    assert_int_equal(dbx_json_escape(NULL, tiny, sizeof tiny), DBX_OK);
    assert_string_equal(tiny, "\"\"");
    assert_int_equal(dbx_json_escape("abcdefgh", tiny, sizeof tiny), DBX_ERR_BUFFER);
}

static void test_dec64(void **state)
{
    char b[24];
    (void)state;
    assert_string_equal(dbx_dec64(0, b), "0");
    assert_string_equal(dbx_dec64(7, b), "7");
    assert_string_equal(dbx_dec64(-42, b), "-42");
    assert_string_equal(dbx_dec64(1764525600, b), "1764525600");
    assert_string_equal(dbx_dec64(INT64_MAX, b), "9223372036854775807");
    assert_string_equal(dbx_dec64(INT64_MIN, b), "-9223372036854775808");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_fmt),
        cmocka_unit_test(test_case),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_sbuf_json),
        cmocka_unit_test(test_dec64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
