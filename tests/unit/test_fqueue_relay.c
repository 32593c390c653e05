/* Unit tests: the delivery engine (src/relay) over the FLASH queue (RAM
 * storage backend) -- the engine does not know which queue it runs on --
 * and a power cut at every program/erase operation of the delivery runs
 * (clean and torn): after the reboot the deliveries are finished and every
 * recipient of every acknowledged message was delivered at least once
 * (zero losses); recipients delivered twice are counted (at-least-once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/dbx_fqueue.h"
#include "relay/dbx_relay.h"
#include "storage/hal_storage.h"

#define T0 1790000000
#define NMSG 4
#define BLK 4096u
#define NBLK 6u

static uint8_t MEM[BLK * NBLK], QUEUED[BLK * NBLK];
static hal_storage_t ST;
static dbx_fqueue_t *FQ;
static dbx_queue_t Q;
static dbx_relay_t RL;
static dbx_relay_config_t CFG;
static dbx_queue_env_t ENV;
static const hal_storage_geom_t GEOM = {.erase_size = BLK, .prog_unit = 16, .blocks = NBLK};

/* ---- fake connector: dane-ee.test takes mail, mismatch.test defers until
 * `mismatch_ok`; deliveries are counted per (message, recipient) ---- */
typedef struct fake {
    bool mismatch_ok;
    int msg, pending, accepted[2];
    int n_acc;
    int delivered[NMSG][2];
    char last[300];
    char tail[6]; /* the last 5 octets sent */
} fake_t;
static fake_t F;

static int f_open(void *ctx, const char *domain, dbx_tls_policy_t pol, void **sess,
                  dbx_relay_session_info_t *info, dbx_relay_open_fail_t *fail)
{
    fake_t *f = ctx;
    (void)pol;
    if (strcmp(domain, "mismatch.test") == 0 && !f->mismatch_ok) {
        snprintf(fail->dsn, sizeof(fail->dsn), "4.7.5");
        snprintf(fail->reason, sizeof(fail->reason), "tlsa-no-match");
        return DBX_ERR_TLS;
    }
    snprintf(info->host, sizeof(info->host), "mx.%s", domain);
    snprintf(info->addr, sizeof(info->addr), "192.0.2.1");
    snprintf(info->tls, sizeof(info->tls), "dane-verified (fake)");
    f->n_acc = 0;
    *sess = f;
    return DBX_OK;
}

static int f_send(void *ctx, void *sess, const uint8_t *p, size_t n)
{
    fake_t *f = ctx;
    (void)sess;
    if (n >= 10 && memcmp(p, "MAIL FROM:", 10) == 0) {
        f->pending = 1;
        f->msg = -1;
        sscanf((const char *)p, "MAIL FROM:<m%d@", &f->msg);
    } else if (n >= 5 && memcmp(p, "RCPT ", 5) == 0) {
        f->pending = 2;
        snprintf(f->last, sizeof(f->last), "%.*s", (int)n, (const char *)p);
    } else if (n == 6 && memcmp(p, "DATA\r\n", 6) == 0) {
        f->pending = 3;
    }
    for (size_t i = 0; i < n; i++) {
        memmove(f->tail, f->tail + 1, 4);
        f->tail[4] = (char)p[i];
    }
    if (f->pending == 3 && memcmp(f->tail, "\r\n.\r\n", 5) == 0) {
        f->pending = 4;
    }
    return DBX_OK;
}

static int f_reply(void *ctx, void *sess, int *code, char *text, size_t cap)
{
    fake_t *f = ctx;
    (void)sess;
    *code = f->pending == 3 ? 354 : 250;
    if (f->pending == 2 && f->n_acc < 2) {
        f->accepted[f->n_acc++] = strstr(f->last, "mismatch.test") ? 1 : 0;
    }
    if (f->pending == 4) {
        assert_true(f->msg >= 0 && f->msg < NMSG);
        for (int i = 0; i < f->n_acc; i++) {
            f->delivered[f->msg][f->accepted[i]]++;
        }
        f->n_acc = 0;
    }
    snprintf(text, cap, "%d 2.0.0 ok", *code);
    return DBX_OK;
}

static void f_close(void *ctx, void *sess, bool quit)
{
    (void)ctx;
    (void)sess;
    (void)quit;
}

static const dbx_relay_connector_t CONN = {&F, f_open, f_send, f_reply, f_close};

static int boot(uint32_t cut, bool torn)
{
    assert_int_equal(hal_storage_ram_init(&ST, MEM, &GEOM), DBX_OK);
    ST.cut_after = cut;
    ST.cut_torn = torn;
    int rc = dbx_fqueue_open(FQ, &ST, &Q);
    if (rc == DBX_OK) {
        rc = dbx_relay_init(&RL, &CFG, &Q, &CONN);
    }
    return rc;
}

static void enqueue(int m)
{
    void *h = NULL;
    char body[3000];
    int n = snprintf(body, sizeof(body), "Subject: m%d\r\n\r\n", m);
    while (n < 2000 + 300 * m) {
        n += snprintf(body + n, sizeof(body) - (size_t)n, "line %d of message %d\r\n", n, m);
    }
    assert_int_equal(Q.ops->create(Q.ctx, &h), DBX_OK);
    assert_int_equal(Q.ops->write(Q.ctx, h, (const uint8_t *)body, (size_t)n), DBX_OK);
    memset(&ENV, 0, sizeof(ENV));
    snprintf(ENV.sender, sizeof(ENV.sender), "m%d@lan.test", m);
    ENV.arrival = T0;
    ENV.size = (uint64_t)n;
    ENV.n_rcpts = 2;
    strcpy(ENV.rcpt[0].addr, "bob@dane-ee.test");
    strcpy(ENV.rcpt[1].addr, "carol@mismatch.test");
    assert_int_equal(Q.ops->commit(Q.ctx, h, &ENV), DBX_OK);
}

/* Delivery runs: now (mismatch defers), then an hour later (it takes). */
static int deliver_all(void)
{
    static const int64_t when[2] = {T0 + 1, T0 + 3600 * 24};
    for (int round = 0; round < 2; round++) {
        F.mismatch_ok = round == 1;
        char ids[16][DBX_QUEUE_ID_MAX];
        size_t n = 0;
        int rc = Q.ops->list(Q.ctx, ids, 16, &n);
        if (rc != DBX_OK) {
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            dbx_relay_stats_t s;
            memset(&s, 0, sizeof(s));
            rc = dbx_relay_run(&RL, ids[i], when[round], &s);
            if (rc != DBX_OK || ST.dead) {
                return rc != DBX_OK ? rc : DBX_ERR_IO;
            }
        }
    }
    return DBX_OK;
}

static int setup(void **st)
{
    (void)st;
    FQ = malloc(dbx_fqueue_state_size());
    assert_non_null(FQ);
    dbx_relay_config_defaults(&CFG);
    CFG.hostname = "danebox.lan.test";
    memset(MEM, 0xFF, sizeof(MEM));
    assert_int_equal(boot(0, false), DBX_OK);
    for (int m = 0; m < NMSG; m++) {
        enqueue(m);
    }
    memcpy(QUEUED, MEM, sizeof(MEM));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    free(FQ);
    return 0;
}

static void test_engine_on_flash_queue(void **st)
{
    (void)st;
    memcpy(MEM, QUEUED, sizeof(MEM));
    memset(&F, 0, sizeof(F));
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), NMSG);
    F.mismatch_ok = false;
    char ids[8][DBX_QUEUE_ID_MAX];
    size_t n;
    assert_int_equal(Q.ops->list(Q.ctx, ids, 8, &n), DBX_OK);
    dbx_relay_stats_t s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(dbx_relay_run(&RL, ids[0], T0 + 1, &s), DBX_OK);
    assert_int_equal(F.delivered[0][0], 1);
    assert_int_equal(F.delivered[0][1], 0);
    /* deferred recipient recorded on flash: survives a reboot */
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(Q.ops->load(Q.ctx, ids[0], &ENV), DBX_OK);
    assert_int_equal(ENV.rcpt[0].state, DBX_RCPT_DELIVERED);
    assert_int_equal(ENV.rcpt[1].state, DBX_RCPT_DEFERRED);
    assert_string_equal(ENV.rcpt[1].dsn, "4.7.5");
    assert_int_equal(deliver_all(), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), 0); /* all delivered: removed */
    for (int m = 0; m < NMSG; m++) {
        assert_int_equal(F.delivered[m][0], 1);
        assert_int_equal(F.delivered[m][1], 1);
    }
    print_message("delivery of %d messages: %lu programs, %lu erases\n", NMSG,
                  (unsigned long)ST.n_program, (unsigned long)ST.n_erase);
}

static void test_power_cut_during_delivery(void **st)
{
    (void)st;
    memcpy(MEM, QUEUED, sizeof(MEM));
    memset(&F, 0, sizeof(F));
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(deliver_all(), DBX_OK);
    uint32_t total = ST.n_program + ST.n_erase;
    int runs = 0, dups = 0;
    for (uint32_t cut = 1; cut <= total; cut++) {
        for (int torn = 0; torn < 2; torn++) {
            memcpy(MEM, QUEUED, sizeof(MEM));
            memset(&F, 0, sizeof(F));
            assert_int_equal(boot(cut, torn != 0), DBX_OK);
            assert_int_not_equal(deliver_all(), DBX_OK);
            assert_true(ST.dead);
            assert_int_equal(boot(0, false), DBX_OK); /* reboot, same flash */
            assert_int_equal(deliver_all(), DBX_OK);  /* the queue runs again */
            assert_int_equal(dbx_fqueue_count(FQ), 0);
            for (int m = 0; m < NMSG; m++) {
                for (int r = 0; r < 2; r++) {
                    assert_true(F.delivered[m][r] >= 1); /* zero losses */
                    dups += F.delivered[m][r] - 1;
                }
            }
            runs++;
        }
    }
    print_message("power cuts during delivery: %d runs over %u ops, 0 losses, %d duplicate "
                  "deliveries (at-least-once)\n", runs, total, dups);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_on_flash_queue),
        cmocka_unit_test(test_power_cut_during_delivery),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
