/* Unit tests: the inbound SMTP server state machine (limits, sequencing,
 * strict end of data / SMTP smuggling, hooks, back-pressure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dbx_limits.h"
#include "smtpd/dbx_smtpd.h"

typedef struct fake {
    char body[8192];
    size_t body_len;
    int begins, commits, aborts;
    int commit_status, begin_status, data_status;
    char sender[300];
    char rcpts[1024];
    int n_rcpts;
    char out[16384];
    size_t out_len;
} fake_t;

static fake_t F;
static dbx_smtpd_t S;
static char RB[1024];

static int h_begin(void *u, const dbx_smtpd_envelope_t *env)
{
    fake_t *f = u;
    f->begins++;
    f->body_len = 0;
    return f->begin_status;
}

static int h_data(void *u, const uint8_t *p, size_t n)
{
    fake_t *f = u;
    assert_true(f->body_len + n < sizeof(f->body));
    memcpy(f->body + f->body_len, p, n);
    f->body_len += n;
    f->body[f->body_len] = '\0';
    return f->data_status;
}

static int h_commit(void *u, const dbx_smtpd_envelope_t *env, char *qid)
{
    fake_t *f = u;
    f->commits++;
    snprintf(f->sender, sizeof(f->sender), "%s", env->sender);
    size_t off = 0;
    const char *r = env->rcpts;
    f->rcpts[0] = '\0';
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        off += (size_t)snprintf(f->rcpts + off, sizeof(f->rcpts) - off, "%s;", r);
        r += strlen(r) + 1;
    }
    f->n_rcpts = env->n_rcpts;
    if (f->commit_status == DBX_OK) {
        snprintf(qid, DBX_SMTPD_QID_MAX, "Q%d", f->commits);
    }
    return f->commit_status;
}

static void h_abort(void *u)
{
    ((fake_t *)u)->aborts++;
}

static const dbx_smtpd_hooks_t HOOKS = {&F, h_begin, h_data, h_commit, h_abort};

static void drain(void)
{
    size_t n;
    const char *o = dbx_smtpd_output(&S, &n);
    assert_true(F.out_len + n < sizeof(F.out));
    memcpy(F.out + F.out_len, o, n);
    F.out_len += n;
    F.out[F.out_len] = '\0';
    dbx_smtpd_output_consumed(&S, n);
}

static void start_cfg(const dbx_smtpd_config_t *cfg)
{
    memset(&F, 0, sizeof(F));
    assert_int_equal(dbx_smtpd_init(&S, cfg, &HOOKS, RB, sizeof(RB)), DBX_OK);
    drain();
}

static void start(void)
{
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.hostname = "relay.test";
    cfg.client_allowed = true;
    cfg.max_size = 4096;
    cfg.max_rcpts = 3;
    start_cfg(&cfg);
}

/* Feed all of @p in (in chunks of @p step), draining replies as we go. */
static void feed_step(const char *in, size_t len, size_t step)
{
    size_t off = 0;
    int guard = 0;
    while (off < len && !dbx_smtpd_closed(&S)) {
        size_t n = len - off < step ? len - off : step, used = 0;
        assert_int_equal(dbx_smtpd_feed(&S, (const uint8_t *)in + off, n, &used), DBX_OK);
        off += used;
        drain();
        assert_true(++guard < 100000);
    }
    drain();
}

static void feed(const char *in)
{
    feed_step(in, strlen(in), strlen(in));
}

static void test_greeting_ehlo(void **st)
{
    (void)st;
    start();
    assert_string_equal(F.out, "220 relay.test ESMTP danebox\r\n");
    F.out_len = 0;
    feed("EHLO client.test\r\n");
    assert_string_equal(F.out, "250-relay.test\r\n250-PIPELINING\r\n250-SIZE 4096\r\n"
                               "250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n");
    F.out_len = 0;
    feed("HELO client.test\r\nNOOP\r\nVRFY bob\r\nHELP\r\n");
    assert_string_equal(F.out, "250 relay.test\r\n250 2.0.0 Ok\r\n"
                               "252 2.0.0 Cannot VRFY; send some mail, we will try\r\n"
                               "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY\r\n");
}

static const char TX[] = "EHLO c\r\nMAIL FROM:<a@x.test> SIZE=100 BODY=8BITMIME\r\n"
                         "RCPT TO:<b@y.test>\r\nRCPT TO:<c@z.test>\r\nDATA\r\n"
                         "Subject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n";

static void check_tx(void)
{
    assert_non_null(strstr(F.out, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 "));
    assert_non_null(strstr(F.out, "250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 Bye\r\n"));
    assert_int_equal(F.commits, 1);
    assert_int_equal(F.aborts, 0);
    assert_string_equal(F.sender, "a@x.test");
    assert_string_equal(F.rcpts, "b@y.test;c@z.test;");
    assert_true(dbx_smtpd_closed(&S));
}

static void test_pipelined_transaction(void **st)
{
    (void)st;
    start();
    feed(TX);
    check_tx();
    assert_string_equal(F.body, "Subject: hi\r\n\r\n.dot\r\n"); /* unstuffed */
}

static void test_byte_at_a_time(void **st)
{
    (void)st;
    start();
    feed_step(TX, strlen(TX), 1);
    check_tx();
    assert_string_equal(F.body, "Subject: hi\r\n\r\n.dot\r\n");
}

/* SMTP smuggling: none of these end the data; the real CRLF.CRLF does and
 * the message is refused, its "smuggled" commands never run. */
static void test_smuggling(void **st)
{
    (void)st;
    static const char *const evil[] = {
        "a\r\n.\nMAIL FROM:<e@vil.test>\r\n",
        "a\n.\r\nMAIL FROM:<e@vil.test>\r\n",
        "a\n.\nMAIL FROM:<e@vil.test>\r\n",
        "a\r.\rMAIL FROM:<e@vil.test>\r\n",
        "a\r\n.\rMAIL FROM:<e@vil.test>\r\n",
        "a\r.\r\nMAIL FROM:<e@vil.test>\r\n",
        "bare\nlf only\r\n",
        "nul\0byte\r\n",
    };
    /* strlen() but for the NUL case: its whole literal, NUL included */
    static const size_t evil_len[] = {0, 0, 0, 0, 0, 0, 0, sizeof("nul\0byte\r\n") - 1};
    for (size_t k = 0; k < sizeof(evil) / sizeof(evil[0]); k++) {
        for (size_t step = 1; step <= 64; step += 63) {
            start();
            feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
            size_t len = evil_len[k] ? evil_len[k] : strlen(evil[k]);
            F.out_len = 0;
            feed_step(evil[k], len, step);
            assert_string_equal(F.out, ""); /* still in DATA: nothing answered */
            feed("RCPT TO:<x@evil.test>\r\n.\r\nNOOP\r\n");
            assert_int_equal(F.commits, 0);
            assert_int_equal(F.aborts, 1);
            assert_non_null(strstr(F.out, "550 5.6.0 Message refused: "));
            assert_null(strstr(F.out, "250 2.1.0"));
            assert_null(strstr(F.out, "250 2.1.5"));
            assert_non_null(strstr(F.out, "\r\n250 2.0.0 Ok\r\n")); /* NOOP after the end */
        }
    }
}

/* Slowloris: a command dribbled an octet at a time never extends the wait;
 * a reply restarts it; in DATA octets buy 1000/DBX_SMTPD_MIN_DATA_RATE ms
 * each, capped at the data timeout. */
static void test_time_left(void **st)
{
    (void)st;
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.client_allowed = true;
    cfg.cmd_timeout_ms = 3000;
    cfg.data_timeout_ms = 4000;
    start_cfg(&cfg);
    assert_int_equal(dbx_smtpd_time_left(&S, 2500), 2500); /* the greeting started it */
    feed("EH");
    assert_int_equal(dbx_smtpd_time_left(&S, 1200), 1200); /* half a command: no more time */
    feed("LO c\r\n");
    assert_int_equal(dbx_smtpd_time_left(&S, 5), 3000); /* answered: a full wait */
    feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    assert_int_equal(dbx_smtpd_time_left(&S, 100), 4000); /* 354: the data timeout */
    feed("x\r\n");
    assert_int_equal(dbx_smtpd_time_left(&S, 100), 100 + 3000 / DBX_SMTPD_MIN_DATA_RATE);
    char body[2048];
    memset(body, 'y', 998);
    memcpy(body + 998, "\r\n", 3);
    feed(body);
    feed(body);
    assert_int_equal(dbx_smtpd_time_left(&S, 3000), 4000); /* capped */
    feed("\r\n.\r\n");
    assert_int_equal(dbx_smtpd_time_left(&S, 1), 3000); /* 250: back to commands */
    assert_int_equal(F.commits, 1);
}

static void test_limits(void **st)
{
    (void)st;
    start();
    feed("EHLO c\r\nMAIL FROM:<a@x.test> SIZE=5000\r\n");
    assert_non_null(strstr(F.out, "552 5.3.4 Message size exceeds fixed limit"));
    F.out_len = 0;
    feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<1@y.test>\r\nRCPT TO:<2@y.test>\r\n"
         "RCPT TO:<3@y.test>\r\nRCPT TO:<4@y.test>\r\n");
    assert_non_null(strstr(F.out, "250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n"));
    F.out_len = 0;
    /* body over 4096 octets: refused at the end, nothing committed */
    feed("DATA\r\n");
    char big[200];
    memset(big, 'x', sizeof(big) - 3);
    memcpy(big + sizeof(big) - 3, "\r\n", 3);
    for (int i = 0; i < 30; i++) {
        feed(big);
    }
    feed(".\r\n");
    assert_non_null(strstr(F.out, "552 5.3.4 Message size exceeds fixed limit"));
    assert_int_equal(F.commits, 0);
    assert_int_equal(F.aborts, 1);
    /* a text line over 1000 octets */
    F.out_len = 0;
    feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<1@y.test>\r\nDATA\r\n");
    char longl[1100];
    memset(longl, 'y', sizeof(longl));
    feed_step(longl, sizeof(longl), sizeof(longl));
    feed("\r\n.\r\n");
    assert_non_null(strstr(F.out, "550 5.6.0 Message refused: text line over 1000 octets"));
    /* a command line over 512 octets, and a bare LF command */
    F.out_len = 0;
    feed_step(longl, 600, 600);
    feed("\r\nNOOP\nNOOP\r\n");
    assert_string_equal(F.out, "500 5.5.2 Error: line too long\r\n"
                               "500 5.5.2 Error: bare <LF> received\r\n250 2.0.0 Ok\r\n");
}

static void test_sequence(void **st)
{
    (void)st;
    start();
    F.out_len = 0;
    feed("MAIL FROM:<a@x.test>\r\n");
    assert_string_equal(F.out, "503 5.5.1 Error: send HELO/EHLO first\r\n");
    F.out_len = 0;
    feed("EHLO c\r\nRCPT TO:<b@y.test>\r\nDATA\r\nMAIL FROM:<>\r\nMAIL FROM:<>\r\n"
         "DATA\r\nRSET\r\nMAIL FROM:<a@x.test>\r\n");
    assert_non_null(strstr(F.out, "ENHANCEDSTATUSCODES\r\n"
                                  "503 5.5.1 Error: need MAIL command\r\n"
                                  "503 5.5.1 Error: need RCPT command\r\n"
                                  "250 2.1.0 Ok\r\n"
                                  "503 5.5.1 Error: nested MAIL command\r\n"
                                  "554 5.5.1 Error: no valid recipients\r\n"
                                  "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n"));
    assert_int_equal(F.begins, 0);
}

static void test_relay_denied(void **st)
{
    (void)st;
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.hostname = "relay.test";
    start_cfg(&cfg);
    feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    assert_non_null(strstr(F.out, "554 5.7.1 <b@y.test>: Relay access denied\r\n"
                                  "554 5.5.1 Error: no valid recipients\r\n"));
    assert_int_equal(F.begins, 0);
}

static void test_busy_and_errors(void **st)
{
    (void)st;
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.hostname = "relay.test";
    cfg.busy = true;
    start_cfg(&cfg);
    assert_string_equal(F.out, "421 4.3.2 relay.test Too many sessions, try again later\r\n");
    assert_true(dbx_smtpd_closed(&S));
    cfg.busy = false;
    cfg.max_errors = 3;
    start_cfg(&cfg);
    feed("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n");
    assert_non_null(strstr(F.out, "421 4.7.0 relay.test Error: too many errors\r\n"));
    assert_null(strstr(F.out, "250 2.0.0 Ok"));
    assert_true(dbx_smtpd_closed(&S));
}

static void test_timeout(void **st)
{
    (void)st;
    start();
    assert_int_equal(dbx_smtpd_timeout_ms(&S), 300000);
    feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nhalf a line");
    assert_int_equal(F.begins, 1);
    F.out_len = 0;
    dbx_smtpd_timeout(&S);
    drain();
    assert_string_equal(F.out, "421 4.4.2 relay.test Error: timeout exceeded\r\n");
    assert_int_equal(F.aborts, 1);
    assert_int_equal(F.commits, 0);
    assert_true(dbx_smtpd_closed(&S));
}

static void test_commit_failures(void **st)
{
    (void)st;
    start();
    F.commit_status = DBX_ERR_IO;
    feed("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\n");
    assert_non_null(strstr(F.out, "451 4.3.0 Error: queue file write error\r\n"));
    F.commit_status = DBX_ERR_LIMIT;
    F.out_len = 0;
    feed("MAIL FROM:<>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\n");
    assert_non_null(strstr(F.out, "452 4.3.1 Insufficient system storage\r\n"));
    F.begin_status = DBX_ERR_IO;
    F.out_len = 0;
    feed("MAIL FROM:<>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    assert_non_null(strstr(F.out, "451 4.3.0 Error: queue file write error\r\n"));
    assert_null(strstr(F.out, "354"));
    /* a full or read-only spool (DBX_ERR_LIMIT) at DATA or while writing */
    F.begin_status = DBX_ERR_LIMIT;
    F.out_len = 0;
    feed("MAIL FROM:<>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    assert_string_equal(F.out, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
                               "452 4.3.1 Insufficient system storage\r\n");
    F.begin_status = DBX_OK;
    F.commit_status = DBX_OK;
    F.data_status = DBX_ERR_LIMIT;
    int commits = F.commits, aborts = F.aborts;
    F.out_len = 0;
    feed("MAIL FROM:<>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\n");
    assert_non_null(strstr(F.out, "354 "));
    assert_non_null(strstr(F.out, "452 4.3.1 Insufficient system storage\r\n"));
    assert_int_equal(F.commits, commits);
    assert_int_equal(F.aborts, aborts + 1);
}

static void test_smtputf8_and_params(void **st)
{
    (void)st;
    start();
    feed("EHLO c\r\nMAIL FROM:<j\xc3\xb6rg@x.test>\r\nMAIL FROM:<a@x.test> FOO=1\r\n"
         "MAIL FROM:<a@x.test> BODY=9BIT\r\nMAIL FROM:<j\xc3\xb6rg@x.test> SMTPUTF8\r\n"
         "RCPT TO:<b@[192.0.2.1]>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<b@y.test> NOTIFY=NEVER\r\n"
         "RCPT TO:<@r1,@r2:b@y.test>\r\n");
    assert_non_null(strstr(F.out, "ENHANCEDSTATUSCODES\r\n"
                                  "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"
                                  "555 5.5.4 Unsupported MAIL parameter\r\n"
                                  "501 5.5.4 Bad BODY parameter\r\n"
                                  "250 2.1.0 Ok\r\n"
                                  "501 5.1.3 Bad recipient address syntax\r\n"
                                  "501 5.1.3 Bad recipient address syntax\r\n"
                                  "555 5.5.4 Unsupported RCPT parameter\r\n"
                                  "250 2.1.5 Ok\r\n"));
}

static void test_parse_path(void **st)
{
    (void)st;
    char out[DBX_SMTPD_PATH_MAX];
    const char *end;
    assert_int_equal(dbx_smtpd_parse_path(" <a@b> X", out, sizeof(out), &end), DBX_OK);
    assert_string_equal(out, "a@b");
    assert_string_equal(end, " X");
    assert_int_equal(dbx_smtpd_parse_path("<\"a b>\"@c>", out, sizeof(out), &end), DBX_OK);
    assert_string_equal(out, "\"a b>\"@c");
    assert_int_equal(dbx_smtpd_parse_path("<@x,@y:u@v>", out, sizeof(out), &end), DBX_OK);
    assert_string_equal(out, "u@v");
    assert_int_equal(dbx_smtpd_parse_path("<>", out, sizeof(out), &end), DBX_OK);
    assert_string_equal(out, "");
    assert_int_equal(dbx_smtpd_parse_path("a@b", out, sizeof(out), &end), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_smtpd_parse_path("<a b@c>", out, sizeof(out), &end),
                     DBX_ERR_MALFORMED);
    assert_int_equal(dbx_smtpd_parse_path("<a@b", out, sizeof(out), &end), DBX_ERR_MALFORMED);
    assert_int_equal(dbx_smtpd_parse_path("<a\x01@b>", out, sizeof(out), &end),
                     DBX_ERR_MALFORMED);
    char lng[400] = "<";
    memset(lng + 1, 'a', 300);
    strcpy(lng + 301, "@b>");
    assert_int_equal(dbx_smtpd_parse_path(lng, out, sizeof(out), &end), DBX_ERR_LIMIT);
}

/* 300 pipelined NOOPs: the machine stops when its reply buffer is nearly
 * full, the caller drains, every command is answered exactly once. */
static void test_backpressure(void **st)
{
    (void)st;
    start();
    static char in[300 * 6 + 1];
    for (int i = 0; i < 300; i++) {
        memcpy(in + i * 6, "NOOP\r\n", 6);
    }
    size_t used = 0;
    assert_int_equal(dbx_smtpd_feed(&S, (const uint8_t *)in, 1800, &used), DBX_OK);
    assert_true(used > 0 && used < 1800);
    drain();
    feed_step(in + used, 1800 - used, 1800);
    size_t count = 0;
    for (const char *p = F.out; (p = strstr(p, "250 2.0.0 Ok\r\n")) != NULL; p++) {
        count++;
    }
    assert_int_equal(count, 300);
}

/* RFC 3207: STARTTLS offered only when available and not yet on; plaintext
 * pipelined after STARTTLS is discarded; the session starts over under TLS. */
static void test_starttls(void **st)
{
    (void)st;
    start();
    feed("EHLO c\r\nSTARTTLS\r\n");
    assert_null(strstr(F.out, "STARTTLS"));
    assert_non_null(strstr(F.out, "502 5.5.1 Error: command not implemented"));
    dbx_smtpd_config_t cfg;
    dbx_smtpd_config_defaults(&cfg);
    cfg.hostname = "relay.test";
    cfg.client_allowed = true;
    cfg.tls_available = true;
    start_cfg(&cfg);
    F.out_len = 0;
    feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nSTARTTLS\r\nMAIL FROM:<inj@x.test>\r\n"
         "RCPT TO:<inj@y.test>\r\n");
    assert_non_null(strstr(F.out, "250-STARTTLS\r\n"));
    assert_non_null(strstr(F.out, "250 2.1.0 Ok\r\n220 2.0.0 Ready to start TLS\r\n"));
    assert_null(strstr(F.out, "2.1.5")); /* the injected RCPT was never run */
    assert_true(dbx_smtpd_want_tls(&S));
    assert_int_equal(S.stats.injected, strlen("MAIL FROM:<inj@x.test>\r\nRCPT TO:<inj@y.test>\r\n"));
    dbx_smtpd_tls_started(&S);
    assert_false(dbx_smtpd_want_tls(&S));
    F.out_len = 0;
    feed("MAIL FROM:<a@x.test>\r\nEHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@x.test>\r\n");
    assert_string_equal(F.out, "503 5.5.1 Error: send HELO/EHLO first\r\n"
                               "250-relay.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n"
                               "250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n"
                               "554 5.5.1 Error: TLS already active\r\n250 2.1.0 Ok\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting_ehlo),   cmocka_unit_test(test_pipelined_transaction),
        cmocka_unit_test(test_byte_at_a_time),  cmocka_unit_test(test_smuggling),
        cmocka_unit_test(test_time_left),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_relay_denied),    cmocka_unit_test(test_busy_and_errors),
        cmocka_unit_test(test_timeout),         cmocka_unit_test(test_commit_failures),
        cmocka_unit_test(test_smtputf8_and_params), cmocka_unit_test(test_parse_path),
        cmocka_unit_test(test_backpressure),    cmocka_unit_test(test_starttls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
