/* Unit tests: the relay's delivery engine over a scripted fake connector
 * and the host spool, on a fake clock: grouping by domain, one session per
 * domain, dot-stuffing, per-recipient results, retry schedule, lifetime,
 * DSNs (never for the null sender), broken sessions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/danebox/port/host_spool.h" /* the host port of the queue */
#include "relay/dbx_relay.h"

#define T0 1790000000

/* ---- fake connector: per-domain script ---- */
typedef struct script {
    const char *domain;
    int open_st;          /* != OK: open fails */
    bool permanent;
    int mail, data, final; /* reply codes (0: 250 / 354 / 250) */
    const char *rcpt_550; /* this recipient gets 550 5.1.1 */
    bool break_in_data;   /* send fails while sending the body */
} script_t;

typedef struct fake {
    const script_t *scripts;
    size_t n;
    const script_t *cur;
    char sent[8192];
    size_t sent_len;
    int opens, closes, quits;
    int pending; /* reply owed: 1 mail, 2 rcpt, 3 data, 4 final */
    char last_rcpt[300];
    dbx_tls_policy_t last_policy;
    char log[16384];
} fake_t;

static fake_t F;
static char DIRNAME[64];
static dbx_queue_t Q;
static dbx_relay_t RL;
static dbx_relay_config_t CFG;

static int f_open(void *ctx, const char *domain, dbx_tls_policy_t pol, void **sess,
                  dbx_relay_session_info_t *info, dbx_relay_open_fail_t *fail)
{
    fake_t *f = ctx;
    f->opens++;
    f->last_policy = pol;
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->scripts[i].domain, domain) == 0) {
            f->cur = &f->scripts[i];
        }
    }
    assert_non_null(f->cur);
    if (f->cur->open_st != DBX_OK) {
        fail->permanent = f->cur->permanent;
        snprintf(fail->dsn, sizeof(fail->dsn), "%s", f->cur->permanent ? "5.1.10" : "4.7.5");
        snprintf(fail->reason, sizeof(fail->reason), "%s",
                 f->cur->permanent ? "null-mx" : "tlsa-no-match");
        snprintf(fail->host, sizeof(fail->host), "mx.%s", domain);
        snprintf(fail->addr, sizeof(fail->addr), "192.0.2.9");
        return f->cur->open_st;
    }
    snprintf(info->host, sizeof(info->host), "mx.%s", domain);
    snprintf(info->addr, sizeof(info->addr), "192.0.2.1");
    snprintf(info->tls, sizeof(info->tls), "dane-verified (DANE 3 1 1 @0, TLSv1.3, X)");
    info->caps = strcmp(domain, "old.test") == 0
                     ? 0
                     : DBX_RELAY_CAP_SIZE | DBX_RELAY_CAP_8BITMIME | DBX_RELAY_CAP_SMTPUTF8;
    *sess = f;
    return DBX_OK;
}

static int f_send(void *ctx, void *sess, const uint8_t *p, size_t n)
{
    fake_t *f = ctx;
    assert_ptr_equal(sess, f);
    if (f->cur->break_in_data && f->pending == 3) {
        return DBX_ERR_IO;
    }
    assert_true(f->sent_len + n < sizeof(f->sent));
    memcpy(f->sent + f->sent_len, p, n);
    f->sent_len += n;
    f->sent[f->sent_len] = '\0';
    if (n >= 5 && memcmp(p, "MAIL ", 5) == 0) {
        f->pending = 1;
    } else if (n >= 5 && memcmp(p, "RCPT ", 5) == 0) {
        f->pending = 2;
        snprintf(f->last_rcpt, sizeof(f->last_rcpt), "%.*s", (int)n, (const char *)p);
    } else if (n == 6 && memcmp(p, "DATA\r\n", 6) == 0) {
        f->pending = 3;
    } else if (f->sent_len >= 5 && memcmp(f->sent + f->sent_len - 5, "\r\n.\r\n", 5) == 0) {
        f->pending = 4;
    }
    return DBX_OK;
}

static int f_reply(void *ctx, void *sess, int *code, char *text, size_t cap)
{
    fake_t *f = ctx;
    const script_t *s = f->cur;
    switch (f->pending) {
    case 1:
        *code = s->mail ? s->mail : 250;
        break;
    case 2:
        *code = (s->rcpt_550 && strstr(f->last_rcpt, s->rcpt_550)) ? 550 : 250;
        break;
    case 3:
        *code = s->data ? s->data : 354;
        break;
    default:
        *code = s->final ? s->final : 250;
        break;
    }
    snprintf(text, cap, "%d %s", *code,
             *code == 550 ? "5.1.1 <x>: Recipient address rejected"
                          : (*code == 250 ? "2.0.0 Ok: queued as R1"
                                          : (*code == 354 ? "go ahead" : "4.3.0 try later")));
    return DBX_OK;
}

static void f_close(void *ctx, void *sess, bool quit)
{
    fake_t *f = ctx;
    f->closes++;
    f->quits += quit;
    f->cur = NULL;
    f->pending = 0;
}

static const dbx_relay_connector_t CONN = {&F, f_open, f_send, f_reply, f_close};

static void logline(void *user, const char *line)
{
    fake_t *f = user;
    size_t l = strlen(f->log);
    snprintf(f->log + l, sizeof(f->log) - l, "%s\n", line);
}

static int setup(void **st)
{
    (void)st;
    memset(&F, 0, sizeof(F));
    strcpy(DIRNAME, "/tmp/dbx-relay-test-XXXXXX");
    assert_non_null(mkdtemp(DIRNAME));
    assert_int_equal(host_spool_open(DIRNAME, 0, &Q, NULL), DBX_OK);
    dbx_relay_config_defaults(&CFG);
    CFG.hostname = "relay.test";
    CFG.log = logline;
    CFG.log_user = &F;
    assert_int_equal(dbx_relay_init(&RL, &CFG, &Q, &CONN), DBX_OK);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    host_spool_close(&Q);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIRNAME);
    return system(cmd) == 0 ? 0 : -1;
}

static dbx_queue_env_t ENV;

static void enqueue(const char *sender, const char *const *rcpts, const char *body)
{
    memset(&ENV, 0, sizeof(ENV));
    snprintf(ENV.sender, sizeof(ENV.sender), "%s", sender);
    ENV.arrival = T0;
    for (; *rcpts != NULL; rcpts++) {
        snprintf(ENV.rcpt[ENV.n_rcpts++].addr, DBX_QUEUE_ADDR_MAX, "%s", *rcpts);
    }
    void *h = NULL;
    assert_int_equal(Q.ops->create(Q.ctx, &h), DBX_OK);
    assert_int_equal(Q.ops->write(Q.ctx, h, (const uint8_t *)body, strlen(body)), DBX_OK);
    ENV.size = strlen(body);
    assert_int_equal(Q.ops->commit(Q.ctx, h, &ENV), DBX_OK);
}

static size_t queued(char (*ids)[DBX_QUEUE_ID_MAX])
{
    size_t n = 0;
    assert_int_equal(Q.ops->list(Q.ctx, ids, 8, &n), DBX_OK);
    return n;
}

static char *slurp_body(const char *id)
{
    static char buf[8192];
    void *h = NULL;
    size_t len = 0, got = 0;
    assert_int_equal(Q.ops->body_open(Q.ctx, id, &h), DBX_OK);
    do {
        assert_int_equal(Q.ops->body_read(Q.ctx, h, (uint8_t *)buf + len, sizeof(buf) - 1 - len,
                                          &got),
                         DBX_OK);
        len += got;
    } while (got > 0);
    buf[len] = '\0';
    Q.ops->body_close(Q.ctx, h);
    return buf;
}

static void test_schedule(void **st)
{
    (void)st;
    dbx_relay_config_t c;
    dbx_relay_config_defaults(&c);
    static const int64_t want[] = {300, 600, 1200, 2400, 3600, 3600, 3600};
    for (uint16_t a = 1; a <= 7; a++) {
        assert_int_equal(dbx_relay_next_try(&c, a, T0, T0 + 10), T0 + 10 + want[a - 1]);
    }
    /* never past the lifetime: the last try is at expiry */
    int64_t late = T0 + c.lifetime_s - 100;
    assert_int_equal(dbx_relay_next_try(&c, 9, T0, late), T0 + c.lifetime_s);
    assert_false(dbx_relay_expired(&c, T0, T0 + c.lifetime_s - 1));
    assert_true(dbx_relay_expired(&c, T0, T0 + c.lifetime_s));
    assert_int_equal(c.lifetime_s, 5 * 86400);
    /* due: pending or failed now; deferred at the earliest next_try; all
     * settled now (the run removes what a crash left behind) */
    dbx_queue_env_t e;
    memset(&e, 0, sizeof(e));
    e.n_rcpts = 2;
    e.rcpt[0].state = DBX_RCPT_DEFERRED;
    e.rcpt[0].next_try = T0 + 600;
    e.rcpt[1].state = DBX_RCPT_DEFERRED;
    e.rcpt[1].next_try = T0 + 300;
    assert_int_equal(dbx_relay_due(&e), T0 + 300);
    e.rcpt[1].state = DBX_RCPT_DELIVERED;
    assert_int_equal(dbx_relay_due(&e), T0 + 600);
    e.rcpt[0].state = DBX_RCPT_FAILED;
    assert_int_equal(dbx_relay_due(&e), 0);
    e.rcpt[0].state = DBX_RCPT_BOUNCED;
    assert_int_equal(dbx_relay_due(&e), 0);
    e.rcpt[0].state = DBX_RCPT_PENDING;
    assert_int_equal(dbx_relay_due(&e), 0);
    char d[40];
    assert_string_equal(dbx_relay_date(0, d, sizeof(d)), "Thu, 1 Jan 1970 00:00:00 +0000");
    assert_string_equal(dbx_relay_date(T0, d, sizeof(d)), "Mon, 21 Sep 2026 14:13:20 +0000");
    assert_string_equal(dbx_relay_date(951782400, d, sizeof(d)), "Tue, 29 Feb 2000 00:00:00 +0000");
    dbx_tls_policy_t p;
    assert_int_equal(dbx_tls_policy_parse("dane-only", &p), DBX_OK);
    assert_int_equal(p, DBX_TLS_POLICY_DANE_ONLY);
    assert_int_equal(dbx_tls_policy_parse("secure", &p), DBX_ERR_MALFORMED);
    static const dbx_relay_policy_entry_t tab[] = {{"Bank.Test", DBX_TLS_POLICY_DANE_ONLY}};
    c.policies = tab;
    c.n_policies = 1;
    assert_int_equal(dbx_relay_policy_for(&c, "bank.test"), DBX_TLS_POLICY_DANE_ONLY);
    assert_int_equal(dbx_relay_policy_for(&c, "other.test"), DBX_TLS_POLICY_DANE);
    assert_string_equal(dbx_tls_policy_name(DBX_TLS_POLICY_DANE_TEST), "dane-test");
}

static const script_t MIXED[] = {
    {"ok.test", DBX_OK, false, 0, 0, 0, NULL, false},
    {"defer.test", DBX_ERR_TLS, false, 0, 0, 0, NULL, false},
    {"rej.test", DBX_OK, false, 0, 0, 0, "d@rej.test", false},
};

static void test_mixed_run(void **st)
{
    (void)st;
    F.scripts = MIXED;
    F.n = 3;
    static const char *const r[] = {"a@ok.test", "c@defer.test", "b@OK.test", "d@rej.test",
                                    "e@rej.test", NULL};
    enqueue("alice@lan.test", r, "Subject: t\r\n\r\n.leading dot\r\nx\r\n..\r\n");
    char id[DBX_QUEUE_ID_MAX];
    strcpy(id, ENV.id);
    dbx_relay_stats_t s = {0};
    assert_int_equal(dbx_relay_run(&RL, id, T0 + 5, &s), DBX_OK);
    assert_int_equal(F.opens, 3); /* one session per domain */
    assert_int_equal(s.sent, 3);
    assert_int_equal(s.deferred, 1);
    assert_int_equal(s.bounced, 1);
    assert_int_equal(s.dsns, 1);
    /* ok.test: both recipients over one session, then rej.test */
    assert_non_null(strstr(F.sent, "MAIL FROM:<alice@lan.test> SIZE=35\r\n"
                                   "RCPT TO:<a@ok.test>\r\nRCPT TO:<b@OK.test>\r\nDATA\r\n"
                                   "Subject: t\r\n\r\n..leading dot\r\nx\r\n...\r\n.\r\n"
                                   "MAIL FROM:<alice@lan.test>"));
    assert_int_equal(F.quits, 2);
    assert_non_null(strstr(F.log, ": to=<a@ok.test>, relay=mx.ok.test[192.0.2.1]:25, delay=5, "
                                  "attempts=1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as "
                                  "R1) tls=dane-verified (DANE 3 1 1 @0, TLSv1.3, X)\n"));
    assert_non_null(strstr(F.log, "to=<c@defer.test>, relay=mx.defer.test[192.0.2.9]:25, "
                                  "delay=5, attempts=1, dsn=4.7.5, status=deferred "
                                  "(tlsa-no-match) tls=none"));
    assert_non_null(strstr(F.log, "to=<d@rej.test>, relay=mx.rej.test[192.0.2.1]:25, delay=5, "
                                  "attempts=1, dsn=5.1.1, status=bounced"));
    assert_non_null(strstr(F.log, "to=<e@rej.test>, relay=mx.rej.test[192.0.2.1]:25, delay=5, "
                                  "attempts=1, dsn=2.0.0, status=sent"));
    /* the message stays (c deferred, next try in 5 min); the DSN is queued */
    assert_int_equal(Q.ops->load(Q.ctx, id, &ENV), DBX_OK);
    assert_int_equal(ENV.rcpt[1].state, DBX_RCPT_DEFERRED);
    assert_int_equal(ENV.rcpt[1].next_try, T0 + 5 + 300);
    assert_string_equal(ENV.rcpt[1].reason, "tlsa-no-match");
    assert_int_equal(ENV.rcpt[3].state, DBX_RCPT_BOUNCED);
    assert_int_equal(ENV.rcpt[0].state, DBX_RCPT_DELIVERED);
    char ids[8][DBX_QUEUE_ID_MAX];
    assert_int_equal(queued(ids), 2);
    const char *dsn_id = strcmp(ids[0], id) == 0 ? ids[1] : ids[0];
    static dbx_queue_env_t d;
    assert_int_equal(Q.ops->load(Q.ctx, dsn_id, &d), DBX_OK);
    assert_string_equal(d.sender, "");
    assert_int_equal(d.n_rcpts, 1);
    assert_string_equal(d.rcpt[0].addr, "alice@lan.test");
    const char *b = slurp_body(dsn_id);
    assert_non_null(strstr(b, "Content-Type: multipart/report; report-type=delivery-status;"));
    assert_non_null(strstr(b, "From: Mail Delivery System <MAILER-DAEMON@relay.test>\r\n"));
    assert_non_null(strstr(b, "Final-Recipient: rfc822; d@rej.test\r\nAction: failed\r\n"
                              "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1"));
    assert_null(strstr(b, "e@rej.test"));
    assert_null(strstr(b, "c@defer.test"));
    assert_non_null(strstr(b, "Content-Type: text/rfc822-headers\r\n\r\nSubject: t\r\n\r\n--"));
    assert_null(strstr(b, "leading dot")); /* headers only */
    assert_int_equal(d.size, strlen(b));
}

/* The deferred recipient on the fake clock: not before its next try, then
 * growing delays, then a 4.4.7 bounce at the lifetime, and removal. */
static void test_retry_until_lifetime(void **st)
{
    (void)st;
    F.scripts = MIXED;
    F.n = 3;
    CFG.retry_min_s = 60;
    CFG.retry_max_s = 240;
    CFG.lifetime_s = 1000;
    static const char *const r[] = {"c@defer.test", NULL};
    enqueue("alice@lan.test", r, "Subject: r\r\n\r\nbody\r\n");
    char id[DBX_QUEUE_ID_MAX];
    strcpy(id, ENV.id);
    dbx_relay_stats_t s = {0};
    int64_t now = T0;
    static const int64_t gaps[] = {60, 120, 240, 240, 240};
    assert_int_equal(dbx_relay_run(&RL, id, now, &s), DBX_OK);
    for (size_t k = 0; k < 5; k++) {
        int opens = F.opens;
        assert_int_equal(dbx_relay_run(&RL, id, now + gaps[k] - 1, &s), DBX_OK);
        assert_int_equal(F.opens, opens); /* not due yet */
        now += gaps[k];
        assert_int_equal(dbx_relay_run(&RL, id, now, &s), DBX_OK);
        assert_int_equal(F.opens, opens + 1);
    }
    assert_int_equal(now, T0 + 900);
    assert_int_equal(Q.ops->load(Q.ctx, id, &ENV), DBX_OK);
    assert_int_equal(ENV.rcpt[0].next_try, T0 + 1000); /* clamped to the lifetime */
    assert_int_equal(dbx_relay_run(&RL, id, T0 + 1000, &s), DBX_OK);
    assert_int_equal(Q.ops->load(Q.ctx, id, &ENV), DBX_ERR_NOTFOUND); /* removed */
    assert_non_null(strstr(F.log, "to=<c@defer.test>, relay=mx.defer.test[192.0.2.9]:25, "
                                  "delay=1000, attempts=7, dsn=4.4.7, status=expired"));
    char ids[8][DBX_QUEUE_ID_MAX];
    assert_int_equal(queued(ids), 1); /* the DSN */
    const char *b = slurp_body(ids[0]);
    assert_non_null(strstr(b, "Final-Recipient: rfc822; c@defer.test\r\nAction: failed\r\n"
                              "Status: 4.4.7\r\nX-Danebox-Diagnostic: tlsa-no-match\r\n"));
}

static const script_t ODD[] = {
    {"null.test", DBX_ERR_NOTFOUND, true, 0, 0, 0, NULL, false},
    {"brk.test", DBX_OK, false, 0, 0, 0, NULL, true},
    {"tmp.test", DBX_OK, false, 0, 0, 451, NULL, false},
};

static void test_null_sender_and_breaks(void **st)
{
    (void)st;
    F.scripts = ODD;
    F.n = 3;
    static const char *const r[] = {"x@null.test", "y@brk.test", "z@tmp.test", NULL};
    enqueue("", r, "Subject: bounce\r\n\r\nb\r\n");
    char id[DBX_QUEUE_ID_MAX];
    strcpy(id, ENV.id);
    dbx_relay_stats_t s = {0};
    assert_int_equal(dbx_relay_run(&RL, id, T0 + 1, &s), DBX_OK);
    assert_int_equal(s.dsns, 0); /* never a bounce for a bounce */
    assert_non_null(strstr(F.log, "to=<x@null.test>, relay=mx.null.test[192.0.2.9]:25, delay=1, "
                                  "attempts=1, dsn=5.1.10, status=bounced (null-mx)"));
    assert_non_null(strstr(F.log, "sender non-delivery notification: none (null sender)"));
    assert_non_null(strstr(F.log, "to=<y@brk.test>, relay=mx.brk.test[192.0.2.1]:25, delay=1, "
                                  "attempts=1, dsn=4.4.2, status=deferred (lost connection with "
                                  "mx.brk.test[192.0.2.1] while sending end of data"));
    assert_non_null(strstr(F.log, "to=<z@tmp.test>, relay=mx.tmp.test[192.0.2.1]:25, delay=1, "
                                  "attempts=1, dsn=4.3.0, status=deferred (451 4.3.0 try later)"));
    assert_int_equal(F.quits, 1); /* no QUIT on the broken session */
    char ids[8][DBX_QUEUE_ID_MAX];
    assert_int_equal(queued(ids), 1);
    assert_int_equal(Q.ops->load(Q.ctx, id, &ENV), DBX_OK);
    assert_int_equal(ENV.rcpt[0].state, DBX_RCPT_BOUNCED);
    assert_int_equal(ENV.rcpt[1].state, DBX_RCPT_DEFERRED);
}

/* Peer capabilities: no SIZE / BODY= to a peer without them; a message
 * that needs SMTPUTF8 fails (5.6.7) where the peer lacks it, no MAIL sent. */
static const script_t CAPS[] = {
    {"old.test", DBX_OK, false, 0, 0, 0, NULL, false},
    {"new.test", DBX_OK, false, 0, 0, 0, NULL, false},
};

static void test_peer_caps(void **st)
{
    (void)st;
    F.scripts = CAPS;
    F.n = 2;
    static const char *const r[] = {"a@old.test", NULL};
    enqueue("alice@lan.test", r, "Subject: c\r\n\r\nb\r\n");
    ENV.body_8bit = true;
    assert_int_equal(Q.ops->update(Q.ctx, &ENV), DBX_OK);
    dbx_relay_stats_t s = {0};
    assert_int_equal(dbx_relay_run(&RL, ENV.id, T0 + 1, &s), DBX_OK);
    assert_non_null(strstr(F.sent, "MAIL FROM:<alice@lan.test>\r\n"));
    F.sent_len = 0;
    F.sent[0] = '\0';
    static const char *const r2[] = {"b@new.test", "c@old.test", NULL};
    enqueue("alice@lan.test", r2, "Subject: u\r\n\r\nb\r\n");
    ENV.body_8bit = ENV.smtputf8 = true;
    assert_int_equal(Q.ops->update(Q.ctx, &ENV), DBX_OK);
    assert_int_equal(dbx_relay_run(&RL, ENV.id, T0 + 1, &s), DBX_OK);
    assert_non_null(strstr(F.sent, "MAIL FROM:<alice@lan.test> SIZE=17 BODY=8BITMIME SMTPUTF8\r\n"
                                   "RCPT TO:<b@new.test>\r\n"));
    assert_null(strstr(F.sent, "c@old.test"));
    assert_non_null(strstr(F.log, "to=<c@old.test>, relay=mx.old.test[192.0.2.1]:25, delay=1, "
                                  "attempts=1, dsn=5.6.7, status=bounced (SMTPUTF8 is required"));
}

/* A hostile or desynchronised next hop answers DATA with 250 (no 354): no
 * body went out, so the recipient is deferred (4.5.0), never "sent". */
static const script_t DESYNC[] = {
    {"desync.test", DBX_OK, false, 0, 250, 0, NULL, false},
    {"odd.test", DBX_OK, false, 0, 334, 0, NULL, false},
};

static void test_data_without_354(void **st)
{
    (void)st;
    F.scripts = DESYNC;
    F.n = 2;
    static const char *const r[] = {"a@desync.test", "b@odd.test", NULL};
    enqueue("s@x.test", r, "Subject: d\r\n\r\nbody line\r\n");
    char id[DBX_QUEUE_ID_MAX];
    strcpy(id, ENV.id);
    dbx_relay_stats_t s = {0};
    assert_int_equal(dbx_relay_run(&RL, id, T0 + 1, &s), DBX_OK);
    assert_int_equal(s.sent, 0);
    assert_int_equal(s.deferred, 2);
    assert_null(strstr(F.sent, "body line")); /* the body never went out */
    assert_non_null(strstr(F.log, "to=<a@desync.test>, relay=mx.desync.test[192.0.2.1]:25, "
                                  "delay=1, attempts=1, dsn=4.5.0, status=deferred (protocol "
                                  "error: mx.desync.test[192.0.2.1] answered DATA with 250, "
                                  "not 354)"));
    assert_non_null(strstr(F.log, "to=<b@odd.test>, relay=mx.odd.test[192.0.2.1]:25, delay=1, "
                                  "attempts=1, dsn=4.5.0, status=deferred (protocol error"));
    assert_int_equal(F.quits, 0); /* no QUIT into a desynchronised dialogue */
    assert_int_equal(Q.ops->load(Q.ctx, id, &ENV), DBX_OK);
    assert_int_equal(ENV.rcpt[0].state, DBX_RCPT_DEFERRED);
    assert_int_equal(ENV.rcpt[1].state, DBX_RCPT_DEFERRED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test_setup_teardown(test_mixed_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_until_lifetime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_sender_and_breaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_without_354, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
