/* Unit tests: the SMTP client state machine over a scripted fake transport
 * (table-driven: server chunks -> expected status / outcome / state). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal_mbedtls.h"
#include "smtp/dbx_smtp.h"

/* ---- scripted transport ---------------------------------------------------------- */

#define CH_DATA 0
#define CH_EOF 1
#define CH_ERR 2

typedef struct {
    int kind;
    const char *data; /* CH_DATA */
    size_t len;       /* 0: strlen(data) */
    int st;           /* CH_ERR */
} chunk_t;

#define S(x) {CH_DATA, (x), 0, 0}
#define SN(x, n) {CH_DATA, (x), (n), 0}
#define EOFC {CH_EOF, NULL, 0, 0}
#define TMO {CH_ERR, NULL, 0, DBX_ERR_TIMEOUT}
#define END {-1, NULL, 0, 0}

typedef struct {
    const chunk_t *script;
    size_t next;
    size_t off; /* within the current chunk (when cap < chunk) */
    char sent[4096];
    size_t sent_len;
    int opened, closed;
    int sock_token;
} fake_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **sock)
{
    fake_t *f = ctx;
    (void)peer;
    (void)ms;
    assert_int_equal(type, DBX_SOCK_TCP);
    f->opened++;
    *sock = &f->sock_token;
    return DBX_OK;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    fake_t *f = ctx;
    (void)sock;
    size_t n = len < sizeof f->sent - 1 - f->sent_len ? len : sizeof f->sent - 1 - f->sent_len;
    memcpy(f->sent + f->sent_len, buf, n);
    f->sent_len += n;
    f->sent[f->sent_len] = '\0';
    return DBX_OK;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t ms)
{
    fake_t *f = ctx;
    const chunk_t *c = &f->script[f->next];
    (void)sock;
    (void)ms;
    *got = 0;
    if (c->kind == -1) return DBX_ERR_TIMEOUT; /* script exhausted: server silent */
    if (c->kind == CH_EOF) return DBX_OK;
    if (c->kind == CH_ERR) {
        f->next++;
        return c->st;
    }
    size_t len = c->len ? c->len : strlen(c->data);
    size_t n = len - f->off < cap ? len - f->off : cap;
    memcpy(buf, c->data + f->off, n);
    f->off += n;
    if (f->off == len) {
        f->off = 0;
        f->next++;
    }
    *got = n;
    return DBX_OK;
}

static void f_close(void *ctx, void *sock)
{
    fake_t *f = ctx;
    (void)sock;
    f->closed++;
}

/* ---- the table ------------------------------------------------------------------------ */

#define EHLO_NO_TLS "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
#define EHLO_TLS "250-mx.example\r\n250-PIPELINING\r\n250-size 52428800\r\n250-starttls\r\n250 8BITMIME\r\n"

typedef struct {
    const char *name;
    chunk_t script[12];
    int status;
    dbx_smtp_outcome_t outcome;
    dbx_smtp_state_t state;
    const char *must_send;     /* substring of what the client sent, or NULL */
    const char *must_not_send; /* substring that must be absent, or NULL */
    int round_trips;           /* -1: don't check */
} smtp_case_t;

static char long_line[1100], exact_line[1100], many_lines[1024], big_reply[20 * 1000 + 1];

static const smtp_case_t cases[] = {
    {"multi-line banner, EHLO without STARTTLS",
     {S("220-mx.example ESMTP\r\n220-second line\r\n220 ready\r\n"), S(EHLO_NO_TLS), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_NO_STARTTLS, DBX_SMTP_S_DONE, "QUIT\r\n", "STARTTLS", 3},
    {"banner split over many reads",
     {S("2"), S("20 mx"), S(".example\r"), S("\n"), S(EHLO_NO_TLS), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_NO_STARTTLS, DBX_SMTP_S_DONE, "EHLO ", NULL, 3},
    {"554 banner",
     {S("554 no service for you\r\n"), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_BANNER_REJECTED, DBX_SMTP_S_DONE, "QUIT\r\n", "EHLO", 2},
    {"554 multi-line banner",
     {S("554-go away\r\n554 really\r\n"), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_BANNER_REJECTED, DBX_SMTP_S_DONE, "QUIT", "EHLO", 2},
    {"421 banner is rejected too",
     {S("421 busy\r\n"), EOFC},
     DBX_OK, DBX_SMTP_BANNER_REJECTED, DBX_SMTP_S_DONE, NULL, "EHLO", -1},
    {"EHLO refused: no HELO fallback",
     {S("220 mx\r\n"), S("502 5.5.1 EHLO not implemented\r\n"), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_EHLO_REJECTED, DBX_SMTP_S_DONE, "QUIT", "HELO", 3},
    {"STARTTLS refused 454",
     {S("220 mx\r\n"), S(EHLO_TLS), S("454 4.7.0 TLS not available\r\n"), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_STARTTLS_REFUSED, DBX_SMTP_S_DONE, "STARTTLS\r\n", NULL, 4},
    {"STARTTLS 220 followed by injected plaintext",
     {S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n250 injected\r\n"), END},
     DBX_ERR_PROTO, DBX_SMTP_FAILED, DBX_SMTP_S_STARTTLS, NULL, NULL, 3},
    {"STARTTLS 220 then garbage instead of ServerHello",
     {S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), S("HTTP/1.0 400 nonsense\r\n\r\n"), EOFC},
     DBX_ERR_TLS, DBX_SMTP_TLS_FAILED, DBX_SMTP_S_TLS, NULL, NULL, 3},
    {"STARTTLS 220 then silence",
     {S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), TMO},
     DBX_ERR_TIMEOUT, DBX_SMTP_TLS_FAILED, DBX_SMTP_S_TLS, NULL, NULL, 3},
    {"overlong line (no CRLF within 1000 octets)",
     {SN(long_line, 1001), END},
     DBX_ERR_LIMIT, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, "EHLO", 1},
    {"line of exactly 1000 octets incl. CRLF is accepted",
     {SN(exact_line, 1000), S(EHLO_NO_TLS), S("221 bye\r\n"), END},
     DBX_OK, DBX_SMTP_NO_STARTTLS, DBX_SMTP_S_DONE, NULL, NULL, 3},
    {"too many lines in one reply",
     {S("220 mx\r\n"), S(many_lines), END},
     DBX_ERR_LIMIT, DBX_SMTP_FAILED, DBX_SMTP_S_EHLO, NULL, NULL, 2},
    {"reply larger than 16 KiB",
     {S("220 mx\r\n"), S(big_reply), END},
     DBX_ERR_LIMIT, DBX_SMTP_FAILED, DBX_SMTP_S_EHLO, NULL, NULL, 2},
    {"timeout waiting for the banner",
     {TMO},
     DBX_ERR_TIMEOUT, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, "EHLO", 1},
    {"timeout waiting for the EHLO reply",
     {S("220 mx\r\n"), S("250-mx\r\n"), TMO},
     DBX_ERR_TIMEOUT, DBX_SMTP_FAILED, DBX_SMTP_S_EHLO, NULL, NULL, 2},
    {"garbage banner",
     {S("hello there\r\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"bad code 600",
     {S("600 what\r\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"bad separator 220x",
     {S("220x\r\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"bare LF",
     {S("220 mx\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"bare CR inside a line",
     {S("220 m\rx\r\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"NUL byte",
     {SN("220 m\0x\r\n", 9), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"mixed codes in a multi-line reply",
     {S("220 mx\r\n"), S("250-mx\r\n251 STARTTLS\r\n"), END},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_EHLO, NULL, "STARTTLS", 2},
    {"connection closed before the banner",
     {EOFC},
     DBX_ERR_IO, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"connection closed inside a line (missing CRLF)",
     {S("220 mx"), EOFC},
     DBX_ERR_MALFORMED, DBX_SMTP_FAILED, DBX_SMTP_S_BANNER, NULL, NULL, 1},
    {"code-only lines are valid",
     {S("220\r\n"), S("250\r\n"), S("221\r\n"), END},
     DBX_OK, DBX_SMTP_NO_STARTTLS, DBX_SMTP_S_DONE, "QUIT", NULL, 3},
    {"QUIT reply missing does not change the outcome",
     {S("220 mx\r\n"), S(EHLO_NO_TLS), TMO},
     DBX_OK, DBX_SMTP_NO_STARTTLS, DBX_SMTP_S_DONE, "QUIT", NULL, 3},
};

static void build_fixtures(void)
{
    size_t p = 0;
    memset(long_line, 'a', sizeof long_line);
    memcpy(long_line, "220 ", 4);
    memset(exact_line, 'b', sizeof exact_line);
    memcpy(exact_line, "220 ", 4);
    exact_line[998] = '\r';
    exact_line[999] = '\n';
    for (int i = 0; i < 65; i++) {
        p += (size_t)snprintf(many_lines + p, sizeof many_lines - p, "250-X%02d\r\n", i);
    }
    snprintf(many_lines + p, sizeof many_lines - p, "250 end\r\n");
    p = 0;
    for (int i = 0; i < 20; i++) {
        memset(big_reply + p, 'c', 1000);
        memcpy(big_reply + p, i == 19 ? "250 " : "250-", 4);
        big_reply[p + 998] = '\r';
        big_reply[p + 999] = '\n';
        p += 1000;
    }
    big_reply[p] = '\0';
}

static int group_setup(void **state)
{
    (void)state;
    hal_mbedtls_init();
    build_fixtures();
    return 0;
}

static void run_case(const smtp_case_t *c)
{
    static dbx_smtp_t s;
    static char transcript[512];
    dbx_smtp_config_t cfg;
    dbx_smtp_result_t r;
    dbx_transport_t tr = {0};
    fake_t f = {0};
    size_t cur = 1;

    f.script = c->script;
    tr.ctx = &f;
    tr.open = f_open;
    tr.send = f_send;
    tr.recv = f_recv;
    tr.close = f_close;
    dbx_smtp_config_defaults(&cfg);
    dbx_addr_parse("192.0.2.25", 25, &cfg.peer);
    cfg.tls.sni = "mx.example";
    cfg.banner_ms = cfg.command_ms = cfg.quit_ms = 200;
    cfg.tls.handshake_ms = 500;
    cfg.transcript = transcript;
    cfg.transcript_cap = sizeof transcript;

    dbx_smtp_init(&s);
    int st = dbx_smtp_run(&s, &cfg, &tr, &r);
    dbx_smtp_free(&s);
    dbx_tls_global_free();
    hal_mbedtls_heap_stats(&cur, NULL);

    if (getenv("SMTP_TEST_TX")) print_message("%s\n", transcript);
    print_message("case: %s -> %s/%s/%s (%s)\n", c->name, dbx_strerror(st),
                  dbx_smtp_outcome_name(r.outcome), dbx_smtp_state_name(r.state), r.reason);
    assert_int_equal(st, c->status);
    assert_int_equal(r.status, c->status);
    assert_int_equal(r.outcome, c->outcome);
    assert_int_equal(r.state, c->state);
    assert_non_null(r.reason);
    if (c->must_send) assert_non_null(strstr(f.sent, c->must_send));
    if (c->must_not_send) assert_null(strstr(f.sent, c->must_not_send));
    if (c->round_trips >= 0) assert_int_equal(r.round_trips, c->round_trips);
    assert_int_equal(f.opened, 1);
    assert_int_equal(f.closed, 1);   /* socket always released */
    assert_int_equal(cur, 0);        /* no mbedTLS leak */
    assert_true(r.transcript_len < sizeof transcript);
    assert_int_equal(strlen(transcript), r.transcript_len);
}

static void test_case(void **state)
{
    run_case((const smtp_case_t *)*state);
}

/* Capabilities: case-insensitive keywords, SIZE value. */
static void test_caps(void **state)
{
    static dbx_smtp_t s;
    static const chunk_t script[] = {S("220 mx\r\n"),
                                     S("250-mx greets you\r\n250-pipelining\r\n250-SIZE 52428800\r\n"
                                       "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n"
                                       "250-SMTPUTF8\r\n250 DSN\r\n"),
                                     S("221 bye\r\n"), END};
    dbx_smtp_config_t cfg;
    dbx_smtp_result_t r;
    dbx_transport_t tr = {0};
    fake_t f = {0};
    (void)state;
    f.script = script;
    tr = (dbx_transport_t){&f, f_open, f_send, f_recv, f_close};
    dbx_smtp_config_defaults(&cfg);
    cfg.tls.sni = "mx.example";
    dbx_smtp_init(&s);
    dbx_smtp_run(&s, &cfg, &tr, &r);
    dbx_smtp_free(&s);
    assert_int_equal(r.outcome, DBX_SMTP_NO_STARTTLS);
    assert_int_equal(r.caps, DBX_SMTP_CAP_PIPELINING | DBX_SMTP_CAP_SIZE | DBX_SMTP_CAP_8BITMIME |
                                 DBX_SMTP_CAP_ENHANCEDSTATUSCODES | DBX_SMTP_CAP_CHUNKING |
                                 DBX_SMTP_CAP_SMTPUTF8 | DBX_SMTP_CAP_DSN);
    assert_true(r.size_limit == 52428800u);
    assert_int_equal(r.last_code, 221);
    assert_null(dbx_smtp_chain(&s));
}

static void test_no_sni(void **state)
{
    static dbx_smtp_t s;
    static const chunk_t script[] = {END};
    dbx_smtp_config_t cfg;
    dbx_smtp_result_t r;
    fake_t f = {0};
    dbx_transport_t tr = {&f, f_open, f_send, f_recv, f_close};
    (void)state;
    f.script = script;
    dbx_smtp_config_defaults(&cfg);
    dbx_smtp_init(&s);
    assert_int_equal(dbx_smtp_run(&s, &cfg, &tr, &r), DBX_ERR_INVAL);
    assert_int_equal(r.outcome, DBX_SMTP_FAILED);
    assert_int_equal(f.opened, 0);
    dbx_smtp_free(&s);
}

/* The line parser on its own. */
static void test_parse_line(void **state)
{
    static const struct {
        const char *in;
        int st, code, last;
    } t[] = {
        {"250 ok", DBX_OK, 250, 1},  {"250-more", DBX_OK, 250, 0}, {"220", DBX_OK, 220, 1},
        {"559 x", DBX_OK, 559, 1},   {"199 x", DBX_ERR_MALFORMED, 0, 0},
        {"560 x", DBX_ERR_MALFORMED, 0, 0}, {"25", DBX_ERR_MALFORMED, 0, 0},
        {"2a0 x", DBX_ERR_MALFORMED, 0, 0}, {"250_x", DBX_ERR_MALFORMED, 0, 0},
        {"250 a\x01", DBX_ERR_MALFORMED, 0, 0}, {"250 tab\tok", DBX_OK, 250, 1},
        {"", DBX_ERR_MALFORMED, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(t); i++) {
        dbx_smtp_line_t l;
        int st = dbx_smtp_parse_line((const uint8_t *)t[i].in, strlen(t[i].in), &l);
        assert_int_equal(st, t[i].st);
        if (st == DBX_OK) {
            assert_int_equal(l.code, t[i].code);
            assert_int_equal(l.last, t[i].last);
        }
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(dbx_smtp_outcome_name(DBX_SMTP_NO_STARTTLS), "no-starttls");
    assert_string_equal(dbx_smtp_outcome_name(DBX_SMTP_TLS_VERIFIED), "tls-verified");
    assert_string_equal(dbx_smtp_state_name(DBX_SMTP_S_DONE), "done");
    assert_string_equal(dbx_smtp_outcome_name((dbx_smtp_outcome_t)99), "?");
}

/* Why a session failed, as the report shows it: STARTTLS refusals by reply
 * code, and handshake failures named by the TLS layer (a server alert after
 * our ClientHello goes through mbedTLS itself here). */
static const char *session_reason(const chunk_t *script, dbx_smtp_outcome_t *outcome)
{
    static dbx_smtp_t s;
    dbx_smtp_config_t cfg;
    static dbx_smtp_result_t r;
    fake_t f = {0};
    dbx_transport_t tr = {&f, f_open, f_send, f_recv, f_close};
    size_t cur = 1;
    f.script = script;
    dbx_smtp_config_defaults(&cfg);
    cfg.tls.sni = "mx.example";
    cfg.banner_ms = cfg.command_ms = cfg.quit_ms = 200;
    cfg.tls.handshake_ms = 500;
    dbx_smtp_init(&s);
    dbx_smtp_run(&s, &cfg, &tr, &r);
    dbx_smtp_free(&s);
    dbx_tls_global_free();
    hal_mbedtls_heap_stats(&cur, NULL);
    assert_int_equal(cur, 0);
    assert_int_equal(f.closed, 1);
    *outcome = r.outcome;
    return r.reason;
}

#define ALERT(d) SN("\x15\x03\x03\x00\x02\x02" d, 7)

static void test_failure_reasons(void **state)
{
    static const struct {
        chunk_t script[6];
        dbx_smtp_outcome_t outcome;
        const char *reason_prefix;
    } rows[] = {
        {{S("220 mx\r\n"), S(EHLO_TLS), S("454 4.7.0 TLS not available\r\n"), S("221 bye\r\n"), END},
         DBX_SMTP_STARTTLS_REFUSED, "STARTTLS refused: 454 "},
        {{S("220 mx\r\n"), S(EHLO_TLS), S("421 4.3.2 closing\r\n"), EOFC},
         DBX_SMTP_STARTTLS_REFUSED, "STARTTLS refused: 421 "},
        {{S("220 mx\r\n"), S(EHLO_TLS), S("450 later\r\n"), S("221 bye\r\n"), END},
         DBX_SMTP_STARTTLS_REFUSED, "STARTTLS refused: 4xx"},
        {{S("220 mx\r\n"), S(EHLO_TLS), S("502 no\r\n"), S("221 bye\r\n"), END},
         DBX_SMTP_STARTTLS_REFUSED, "STARTTLS refused: 5xx"},
        /* fatal alerts right after our ClientHello */
        {{S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), ALERT("\x28"), EOFC},
         DBX_SMTP_TLS_FAILED, "tls-unsupported: server refused all our suites/sig-algs"},
        {{S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), ALERT("\x46"), EOFC},
         DBX_SMTP_TLS_FAILED, "tls-unsupported: server refused TLS 1.2/1.3"},
        {{S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), ALERT("\x50"), EOFC},
         DBX_SMTP_TLS_FAILED, "TLS handshake failed: fatal alert from the server"},
        /* a ServerHello for TLS 1.1: our minimum is 1.2 */
        {{S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"),
          SN("\x16\x03\x02\x00\x2a\x02\x00\x00\x26\x03\x02"
             "0123456789abcdef0123456789abcdef\x00\xc0\x2f\x00", 47), EOFC},
         DBX_SMTP_TLS_FAILED, "tls-unsupported: no common TLS version"},
        /* the server closes instead of answering: nothing more specific to say */
        {{S("220 mx\r\n"), S(EHLO_TLS), S("220 go ahead\r\n"), EOFC},
         DBX_SMTP_TLS_FAILED, "TLS handshake failed"},
    };
    (void)state;
    for (size_t i = 0; i < DBX_ARRAY_LEN(rows); i++) {
        dbx_smtp_outcome_t out;
        const char *why = session_reason(rows[i].script, &out);
        print_message("row %zu: %s -> %s\n", i, dbx_smtp_outcome_name(out), why ? why : "(null)");
        assert_int_equal(out, rows[i].outcome);
        assert_non_null(why);
        assert_int_equal(strncmp(why, rows[i].reason_prefix, strlen(rows[i].reason_prefix)), 0);
    }
}

int main(void)
{
    /* one cmocka test per table row, named after it */
    static struct CMUnitTest tests[DBX_ARRAY_LEN(cases) + 5];
    size_t n = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(cases); i++, n++) {
        tests[n] = (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_caps);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_sni);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_parse_line);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_failure_reasons);
    return _cmocka_run_group_tests("smtp", tests, n, group_setup, NULL);
}
