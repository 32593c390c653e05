/* Unit tests: TLS reporting (src/tlsrpt): the reason -> result-type table,
 * record lines, the hook over a session report, the aggregate and its JSON,
 * the _smtp._tls TXT parser, the UTC helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dbx_str.h"
#include "tlsrpt/dbx_tlsrpt_report.h"

#define DAY0 1796083200 /* 2026-12-01T00:00:00Z */

static void test_map(void **state)
{
    (void)state;
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_DANE_MATCH), DBX_TLSRPT_SUCCESS);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_TLSA_DENIED), DBX_TLSRPT_SUCCESS);
    /* a resumed DANE session is a successful session (the relay's second
     * delivery to a domain is usually one) */
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_DANE_RESUMED), DBX_TLSRPT_SUCCESS);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_RESUME_MISMATCH), DBX_TLSRPT_NONE);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_NO_STARTTLS), DBX_TLSRPT_STARTTLS_NOT_SUPPORTED);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_STARTTLS_REFUSED),
                     DBX_TLSRPT_STARTTLS_NOT_SUPPORTED);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_NO_MATCH), DBX_TLSRPT_CERT_NOT_TRUSTED);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_HANDSHAKE), DBX_TLSRPT_VALIDATION_FAILURE);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_TLSA_BOGUS), DBX_TLSRPT_DNSSEC_INVALID);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_MX_BOGUS), DBX_TLSRPT_DNSSEC_INVALID);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_DANE_REQUIRED), DBX_TLSRPT_DANE_REQUIRED);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_CONNECT_FAILED), DBX_TLSRPT_NONE);
    assert_int_equal(dbx_tlsrpt_map(DBX_REASON_PENDING), DBX_TLSRPT_NONE);
    assert_int_equal(dbx_tlsrpt_map((dbx_policy_reason_t)999), DBX_TLSRPT_NONE);
    /* every name parses back */
    for (unsigned r = DBX_TLSRPT_SUCCESS; r < DBX_TLSRPT_RESULT_COUNT; r++) {
        dbx_tlsrpt_result_t back;
        assert_int_equal(dbx_tlsrpt_result_parse(dbx_tlsrpt_result_str(r), &back), DBX_OK);
        assert_int_equal(back, r);
    }
    dbx_tlsrpt_result_t x;
    assert_int_equal(dbx_tlsrpt_result_parse("sts-webpki-invalid", &x), DBX_ERR_MALFORMED);
}

static void test_record_roundtrip(void **state)
{
    (void)state;
    static dbx_tlsrpt_rec_t r, b;
    char line[DBX_TLSRPT_LINE_MAX];
    memset(&r, 0, sizeof r);
    r.when = DAY0 + 5;
    strcpy(r.domain, "example.test");
    r.tlsa_policy = true;
    strcpy(r.mx, "mx1.example.test");
    strcpy(r.addr, "2001:db8::25");
    r.result = DBX_TLSRPT_CERT_NOT_TRUSTED;
    strcpy(r.tlsa[0], "3 1 1 ab12");
    strcpy(r.tlsa[1], "2 1 1 cd34");
    r.n_tlsa = 2;
    assert_int_equal(dbx_tlsrpt_rec_format(&r, line, sizeof line), DBX_OK);
    assert_string_equal(line, "T1\t1796083205\texample.test\ttlsa\tmx1.example.test\t"
                              "2001:db8::25\tcertificate-not-trusted\t3 1 1 ab12;2 1 1 cd34\n");
    assert_int_equal(dbx_tlsrpt_rec_parse(line, &b), DBX_OK);
    assert_int_equal(b.when, r.when);
    assert_string_equal(b.mx, r.mx);
    assert_string_equal(b.addr, r.addr);
    assert_int_equal(b.result, r.result);
    assert_int_equal(b.n_tlsa, 2);
    assert_string_equal(b.tlsa[1], "2 1 1 cd34");
    /* the longest names still round-trip (fuzz_tlsrpt: a 250-octet MX host
     * name used to be cut by the formatter) */
    memset(r.domain, 'd', 253);
    r.domain[253] = '\0';
    memset(r.mx, 'm', 253);
    r.mx[253] = '\0';
    assert_int_equal(dbx_tlsrpt_rec_format(&r, line, sizeof line), DBX_OK);
    assert_int_equal(dbx_tlsrpt_rec_parse(line, &b), DBX_OK);
    assert_string_equal(b.domain, r.domain);
    assert_string_equal(b.mx, r.mx);
    strcpy(r.domain, "example.test");
    /* hostile fields are refused, not written */
    strcpy(r.mx, "mx\t1");
    assert_int_equal(dbx_tlsrpt_rec_format(&r, line, sizeof line), DBX_ERR_MALFORMED);
    strcpy(r.mx, "");
    strcpy(r.tlsa[0], "3 1 1 a;b");
    assert_int_equal(dbx_tlsrpt_rec_format(&r, line, sizeof line), DBX_ERR_MALFORMED);
    /* malformed lines */
    assert_int_equal(dbx_tlsrpt_rec_parse("T2\t1\ta\ttlsa\t-\t-\tsuccess\t-\n", &b),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rec_parse("T1\t1\ta\tsts\t-\t-\tsuccess\t-\n", &b),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rec_parse("T1\t1x\ta\ttlsa\t-\t-\tsuccess\t-\n", &b),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rec_parse("T1\t1\ta\ttlsa\t-\t-\tsuccess\n", &b),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rec_parse("T1\t1\ta\ttlsa\t-\t-\tbogus\t-\n", &b),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rec_parse("T1\t1\ta\tno-policy-found\t-\t-\tsuccess\t-", &b),
                     DBX_OK);
    assert_string_equal(b.mx, "");
    assert_int_equal(b.n_tlsa, 0);
}

typedef struct {
    char text[4096];
    size_t n;
} sink_buf_t;

static void sink_append(void *user, const char *line, size_t len)
{
    sink_buf_t *b = user;
    assert_true(b->n + len < sizeof b->text);
    memcpy(b->text + b->n, line, len);
    b->n += len;
    b->text[b->n] = '\0';
}

static void set_addr(dbx_check_addr_t *a, const char *ip, dbx_policy_reason_t why)
{
    assert_int_equal(dbx_addr_parse(ip, 25, &a->addr), DBX_OK);
    a->why = why;
}

static void test_note(void **state)
{
    (void)state;
    static dbx_check_result_t rep;
    static sink_buf_t b;
    static dbx_tlsrpt_sink_t sink;
    sink.append = sink_append;
    sink.user = &b;
    memset(&rep, 0, sizeof rep);
    memset(&b, 0, sizeof b);
    rep.n_hosts = 3;
    /* host 0: DANE, IPv4 no match, IPv6 refused STARTTLS, then a success */
    dbx_check_host_t *h = &rep.hosts[0];
    strcpy(h->name, "mx1.d.test");
    h->tlsa.done = true;
    h->tlsa.sec = DBX_DNSSEC_SECURE;
    h->usable_tlsa = 1;
    h->n_tlsa = 2;
    strcpy(h->tlsa_rr[0].text, "3 1 1 00ff");
    strcpy(h->tlsa_rr[1].text, "2 1 1 aa");
    h->n_addrs = 4;
    h->why = DBX_REASON_NO_MATCH;
    set_addr(&h->addrs[0], "192.0.2.1", DBX_REASON_NO_MATCH);
    set_addr(&h->addrs[1], "2001:db8::1", DBX_REASON_NO_STARTTLS);
    set_addr(&h->addrs[2], "192.0.2.9", DBX_REASON_CONNECT_FAILED); /* not TLS */
    set_addr(&h->addrs[3], "192.0.2.3", DBX_REASON_DANE_MATCH);
    /* host 1: TLSA bogus -> one record, its addresses not listed */
    h = &rep.hosts[1];
    strcpy(h->name, "mx2.d.test");
    h->why = DBX_REASON_TLSA_BOGUS;
    h->n_addrs = 2;
    set_addr(&h->addrs[0], "192.0.2.4", DBX_REASON_TLSA_BOGUS);
    set_addr(&h->addrs[1], "192.0.2.5", DBX_REASON_TLSA_BOGUS);
    /* host 2: never reached (stop at first) */
    strcpy(rep.hosts[2].name, "mx3.d.test");
    assert_int_equal(dbx_tlsrpt_note(&sink, "d.test", &rep, DAY0), 4);
    assert_non_null(strstr(b.text, "\tmx1.d.test\t192.0.2.1\tcertificate-not-trusted\t2 1 1 aa;3 1 1 00ff\n"));
    assert_non_null(strstr(b.text, "\t2001:db8::1\tstarttls-not-supported\t"));
    assert_non_null(strstr(b.text, "\t192.0.2.3\tsuccess\t"));
    assert_non_null(strstr(b.text, "\tno-policy-found\tmx2.d.test\t-\tdnssec-invalid\t-\n"));
    assert_null(strstr(b.text, "192.0.2.9"));
    assert_null(strstr(b.text, "mx3"));
    /* MX stage failure: one record without a host */
    memset(&rep, 0, sizeof rep);
    memset(&b, 0, sizeof b);
    rep.why = DBX_REASON_MX_BOGUS;
    assert_int_equal(dbx_tlsrpt_note(&sink, "d.test", &rep, DAY0), 1);
    assert_string_equal(b.text, "T1\t1796083200\td.test\tno-policy-found\t-\t-\tdnssec-invalid\t-\n");
    rep.why = DBX_REASON_NULL_MX;
    assert_int_equal(dbx_tlsrpt_note(&sink, "d.test", &rep, DAY0), 0);
    assert_int_equal(dbx_tlsrpt_note(NULL, "d.test", &rep, DAY0), 0);
}

static void rec(dbx_tlsrpt_agg_t *a, const char *line, bool counted)
{
    static dbx_tlsrpt_rec_t r;
    assert_int_equal(dbx_tlsrpt_rec_parse(line, &r), DBX_OK);
    assert_int_equal(dbx_tlsrpt_agg_add(a, &r), counted);
}

static void test_aggregate_json(void **state)
{
    (void)state;
    static dbx_tlsrpt_agg_t a;
    static char json[16384];
    size_t len = 0;
    dbx_tlsrpt_agg_init(&a, "D.test", DAY0, DAY0 + 86400);
    const char *ok = "T1\t1796083300\td.test\ttlsa\tmx1.d.test\t192.0.2.1\tsuccess\t3 1 1 00ff";
    const char *bad = "T1\t1796083400\td.test\ttlsa\tmx1.d.test\t192.0.2.1\tcertificate-not-trusted\t3 1 1 00ff";
    rec(&a, ok, true);
    rec(&a, ok, true);
    /* the same RRset in another order is the same policy */
    rec(&a, "T1\t1796083300\td.test\ttlsa\tmx2.d.test\t-\tsuccess\t3 1 1 00;2 1 1 11", true);
    rec(&a, "T1\t1796083300\td.test\ttlsa\tmx2.d.test\t-\tsuccess\t2 1 1 11;3 1 1 00", true);
    assert_int_equal(a.n_pol, 2);
    rec(&a, bad, true);
    rec(&a, bad, true);
    rec(&a, "T1\t1796083400\td.test\tno-policy-found\tmx2.d.test\t192.0.2.7\tstarttls-not-supported\t-", true);
    rec(&a, "T1\t1796083400\tother.test\ttlsa\tmx1.d.test\t192.0.2.1\tsuccess\t3 1 1 00ff", false);
    rec(&a, "T1\t1796169600\td.test\ttlsa\tmx1.d.test\t192.0.2.1\tsuccess\t3 1 1 00ff", false);
    assert_int_equal(a.n_pol, 3);
    assert_int_equal(dbx_tlsrpt_agg_total(&a), 7);
    dbx_tlsrpt_meta_t m = {"Org \"X\"", "mailto:ops@x.test", "2026-12-01_d.test@relay"};
    assert_int_equal(dbx_tlsrpt_json(&a, &m, json, sizeof json, &len), DBX_OK);
    assert_int_equal(len, strlen(json));
    assert_non_null(strstr(json, "{\"organization-name\":\"Org \\\"X\\\"\",\"date-range\":"
                                 "{\"start-datetime\":\"2026-12-01T00:00:00Z\","
                                 "\"end-datetime\":\"2026-12-01T23:59:59Z\"}"));
    assert_non_null(strstr(json, "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
                                 "[\"3 1 1 00ff\"],\"policy-domain\":\"D.test\",\"mx-host\":"
                                 "[\"mx1.d.test\"]},\"summary\":{\"total-successful-session-count\":2,"
                                 "\"total-failure-session-count\":2},\"failure-details\":"
                                 "[{\"result-type\":\"certificate-not-trusted\","
                                 "\"receiving-mx-hostname\":\"mx1.d.test\",\"receiving-ip\":"
                                 "\"192.0.2.1\",\"failed-session-count\":2}]}"));
    assert_non_null(strstr(json, "\"policy-type\":\"no-policy-found\",\"policy-domain\""));
    /* a small buffer is reported, not overrun */
    assert_int_equal(dbx_tlsrpt_json(&a, &m, json, 64, &len), DBX_ERR_BUFFER);
    assert_int_equal(strlen(json), 63);
    /* bounds: policies and rows */
    dbx_tlsrpt_agg_init(&a, "d.test", DAY0, DAY0 + 86400);
    char line[256];
    for (int i = 0; i < DBX_TLSRPT_MAX_POLICIES + 5; i++) {
        snprintf(line, sizeof line, "T1\t1796083400\td.test\ttlsa\tmx%d.d.test\t-\tsuccess\t-", i);
        rec(&a, line, i < DBX_TLSRPT_MAX_POLICIES);
    }
    assert_int_equal(a.n_pol, DBX_TLSRPT_MAX_POLICIES);
    assert_int_equal(a.dropped, 5);
    for (int i = 0; i < DBX_TLSRPT_MAX_DETAILS + 3; i++) {
        snprintf(line, sizeof line, "T1\t1796083400\td.test\ttlsa\tmx0.d.test\t192.0.2.%d\tdane-required\t-", i);
        rec(&a, line, true);
    }
    assert_int_equal(a.n_det, DBX_TLSRPT_MAX_DETAILS);
    assert_int_equal(a.dropped, 8);
    assert_int_equal(a.pol[0].failed, DBX_TLSRPT_MAX_DETAILS + 3); /* summary stays exact */
}

static void test_rua(void **state)
{
    (void)state;
    static dbx_tlsrpt_rua_t r;
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv1; rua=mailto:a@b.test", &r), DBX_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.uri[0], "mailto:a@b.test");
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv1;rua = mailto:a@b.test, https://r.test/x ,"
                                          "ftp://no.test/; x=y", &r), DBX_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.uri[1], "https://r.test/x");
    assert_int_equal(r.ignored, 1);
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv1;rua=mailto:1@t,mailto:2@t,mailto:3@t,"
                                          "mailto:4@t,mailto:5@t", &r), DBX_OK);
    assert_int_equal(r.n, DBX_TLSRPT_MAX_RUA);
    assert_int_equal(r.ignored, 1);
    assert_int_equal(dbx_tlsrpt_rua_parse("v=STSv1; rua=mailto:a@b.test", &r), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv1", &r), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv1; rua=ftp://x", &r), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_tlsrpt_rua_parse("v=TLSRPTv10; rua=mailto:a@b", &r), DBX_ERR_MALFORMED);
}

static void test_utc(void **state)
{
    (void)state;
    char b[21];
    dbx_utc_t u;
    assert_string_equal(dbx_utc_iso(0, b), "1970-01-01T00:00:00Z");
    assert_string_equal(dbx_utc_iso(DAY0 - 1, b), "2026-11-30T23:59:59Z");
    assert_string_equal(dbx_utc_iso(951825600, b), "2000-02-29T12:00:00Z");
    dbx_utc_from_unix(DAY0, &u);
    assert_int_equal(u.wday, 5); /* 2026-12-01 is a Tuesday: Thu + 5 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_note),
        cmocka_unit_test(test_aggregate_json),
        cmocka_unit_test(test_rua),
        cmocka_unit_test(test_utc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
