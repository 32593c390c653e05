/* Unit tests: the storage HAL's RAM backend (NOR rules, power cuts) and the
 * flash queue on it: round trips, compaction over many rotations, queue
 * full, corrupt records, and an exhaustive power cut at every program/erase
 * operation of a receive/update/deliver/compact scenario (clean and torn),
 * each followed by a reboot that must find every acknowledged message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbx_crc32.h"
#include "queue/dbx_fqueue.h"
#include "storage/hal_storage.h"

#define BLK 4096u
#define NBLK 8u
#define NMSG 30

static uint8_t MEM[BLK * NBLK];
static hal_storage_t ST;
static dbx_fqueue_t *FQ;
static dbx_queue_t Q;
static dbx_queue_env_t ENV, GOT;
static hal_storage_geom_t GEOM = {.erase_size = BLK, .prog_unit = 16, .blocks = NBLK};

static void blank(void)
{
    memset(MEM, 0xFF, sizeof(MEM));
}

/* Boot on MEM as it is: new device state, new queue state, scan. */
static int boot(uint32_t cut_after, bool torn)
{
    assert_int_equal(hal_storage_ram_init(&ST, MEM, &GEOM), DBX_OK);
    ST.cut_after = cut_after;
    ST.cut_torn = torn;
    if (FQ == NULL) {
        FQ = malloc(dbx_fqueue_state_size());
        assert_non_null(FQ);
    }
    return dbx_fqueue_open(FQ, &ST, &Q);
}

/* ---- the model: what was acknowledged --------------------------------------- */

typedef struct model_msg {
    uint32_t body_len;
    uint8_t seed;
    char id[DBX_QUEUE_ID_MAX];
    bool acked, removed, remove_tried, commit_tried;
    int version, tried_version; /* envelope version acked / in flight */
} model_msg_t;

#define NMODEL (NMSG + 1) /* + one message received after the reboot */
static model_msg_t M[NMODEL];

static void body_byte_fill(uint8_t *b, size_t n, uint8_t seed, size_t off)
{
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)((off + i) * 31u + seed);
    }
}

static void make_env(int m, int version, dbx_queue_env_t *e)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->sender, sizeof(e->sender), "s%d@lan.test", m);
    e->arrival = 1790000000 + m;
    e->size = M[m].body_len;
    e->n_rcpts = 2;
    strcpy(e->rcpt[0].addr, "bob@dane-ee.test");
    strcpy(e->rcpt[1].addr, "carol@mismatch.test");
    e->rcpt[1].attempts = (uint16_t)version;
    if (version > 0) {
        e->rcpt[0].state = DBX_RCPT_DELIVERED;
        e->rcpt[1].state = DBX_RCPT_DEFERRED;
        e->rcpt[1].next_try = 1790000900 + version;
        strcpy(e->rcpt[1].dsn, "4.7.5");
        snprintf(e->rcpt[1].reason, sizeof(e->rcpt[1].reason), "tlsa-no-match try %d", version);
    }
}

/* Receive message m (writes in pieces of @p step); record what got acked. */
static int receive(int m, size_t step)
{
    void *h = NULL;
    M[m].commit_tried = true;
    int rc = Q.ops->create(Q.ctx, &h);
    if (rc != DBX_OK) {
        return rc;
    }
    uint8_t buf[700];
    for (size_t off = 0; off < M[m].body_len; off += step) {
        size_t k = M[m].body_len - off < step ? M[m].body_len - off : step;
        body_byte_fill(buf, k, M[m].seed, off);
        rc = Q.ops->write(Q.ctx, h, buf, k);
        if (rc != DBX_OK) {
            Q.ops->discard(Q.ctx, h);
            return rc;
        }
    }
    make_env(m, 0, &ENV);
    rc = Q.ops->commit(Q.ctx, h, &ENV);
    if (rc == DBX_OK) {
        M[m].acked = true;
        strcpy(M[m].id, ENV.id);
    }
    return rc;
}

static int update(int m)
{
    M[m].tried_version = M[m].version + 1;
    make_env(m, M[m].tried_version, &ENV);
    strcpy(ENV.id, M[m].id);
    int rc = Q.ops->update(Q.ctx, &ENV);
    if (rc == DBX_OK) {
        M[m].version = M[m].tried_version;
    }
    return rc;
}

static int remove_msg(int m)
{
    M[m].remove_tried = true;
    int rc = Q.ops->remove(Q.ctx, M[m].id);
    if (rc == DBX_OK) {
        M[m].removed = true;
    }
    return rc;
}

static void model_reset(void)
{
    memset(M, 0, sizeof(M));
    static const uint32_t lens[12] = {3000, 100, 0, 1024, 2500, 700, 1800, 1, 2049, 400, 1500, 900};
    for (int m = 0; m < NMSG; m++) {
        M[m].body_len = lens[m % 12] + (uint32_t)(m / 12) * 97u;
        M[m].seed = (uint8_t)(m * 17 + 3);
    }
    M[NMSG].body_len = 777;
    M[NMSG].seed = 201;
}

/* The scenario: receive (two at once, too), update, deliver (remove), and
 * enough traffic for several compactions.  Stops at the first failure (a
 * power cut stops the machine).  @return DBX_OK when it ran to the end. */
static int scenario(void)
{
    int rc;
#define STEP(x)                                                         \
    do {                                                                \
        if ((rc = (x)) != 0) {                                          \
            if (getenv("FQ_DEBUG") != NULL) {                           \
                fprintf(stderr, "scenario line %d: %d\n", __LINE__, rc); \
            }                                                           \
            return rc;                                                  \
        }                                                               \
    } while (0)
    STEP(receive(0, 333));
    STEP(receive(1, 100));
    STEP(update(0));
    /* two sessions at once: interleaved DATA records */
    void *h2 = NULL, *h3 = NULL;
    M[2].commit_tried = M[3].commit_tried = true;
    STEP(Q.ops->create(Q.ctx, &h2));
    rc = Q.ops->create(Q.ctx, &h3);
    if (rc != DBX_OK) {
        Q.ops->discard(Q.ctx, h2);
        return rc;
    }
    uint8_t buf[512];
    for (uint32_t off = 0; off < M[3].body_len; off += 512) {
        body_byte_fill(buf, 512, M[3].seed, off);
        if ((rc = Q.ops->write(Q.ctx, h3, buf, 512)) != DBX_OK) {
            Q.ops->discard(Q.ctx, h2);
            Q.ops->discard(Q.ctx, h3);
            return rc;
        }
    }
    make_env(2, 0, &ENV);
    rc = Q.ops->commit(Q.ctx, h2, &ENV); /* empty body */
    if (rc == DBX_OK) {
        M[2].acked = true;
        strcpy(M[2].id, ENV.id);
    }
    make_env(3, 0, &GOT);
    int rc3 = Q.ops->commit(Q.ctx, h3, &GOT);
    if (rc3 == DBX_OK) {
        M[3].acked = true;
        strcpy(M[3].id, GOT.id);
    }
    STEP(rc);
    STEP(rc3);
    STEP(remove_msg(1));
    STEP(update(0));
    /* steady traffic: each new message, then the oldest delivered */
    for (int m = 4; m < NMSG; m++) {
        STEP(receive(m, 256));
        STEP(update(m));
        STEP(remove_msg(m - 2 == 0 ? 2 : m - 2));
    }
    STEP(remove_msg(0));
    return DBX_OK;
#undef STEP
}

/* After a reboot: every acked, not removed message is there, intact; what
 * else is there was in flight at the cut.  @return duplicates seen. */
static int verify(void)
{
    char ids[DBX_FQ_MAX_MSGS][DBX_QUEUE_ID_MAX];
    size_t n = 0;
    assert_int_equal(Q.ops->list(Q.ctx, ids, DBX_FQ_MAX_MSGS, &n), DBX_OK);
    int dups = 0;
    bool seen[NMODEL] = {false};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(Q.ops->load(Q.ctx, ids[i], &GOT), DBX_OK);
        int m = -1;
        for (int k = 0; k < NMODEL; k++) {
            char s[32];
            snprintf(s, sizeof(s), "s%d@lan.test", k);
            if (strcmp(GOT.sender, s) == 0) {
                m = k;
            }
        }
        assert_true(m >= 0);
        assert_false(seen[m]);
        seen[m] = true;
        assert_true(M[m].commit_tried);
        if (M[m].acked) {
            assert_string_equal(ids[i], M[m].id);
        }
        if (M[m].removed) {
            dups++; /* a delivered message back: at-least-once */
        }
        int v = GOT.rcpt[1].attempts;
        assert_true(v == M[m].version || v == M[m].tried_version);
        make_env(m, v, &ENV);
        strcpy(ENV.id, ids[i]);
        assert_memory_equal(&ENV, &GOT, sizeof(ENV));
        void *h = NULL;
        assert_int_equal(Q.ops->body_open(Q.ctx, ids[i], &h), DBX_OK);
        uint8_t b[333], want[333];
        size_t got, off = 0;
        do {
            assert_int_equal(Q.ops->body_read(Q.ctx, h, b, sizeof(b), &got), DBX_OK);
            body_byte_fill(want, got, M[m].seed, off);
            assert_memory_equal(b, want, got);
            off += got;
        } while (got > 0);
        Q.ops->body_close(Q.ctx, h);
        assert_int_equal(off, M[m].body_len);
    }
    for (int m = 0; m < NMODEL; m++) {
        if (M[m].acked && !M[m].removed) {
            assert_true(seen[m]); /* zero losses */
        }
    }
    return dups;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_crc32(void **st)
{
    (void)st;
    assert_int_equal(dbx_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(dbx_crc32(dbx_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void test_ram_backend_nor(void **st)
{
    (void)st;
    blank();
    assert_int_equal(hal_storage_ram_init(&ST, MEM, &GEOM), DBX_OK);
    uint8_t u[16], r[16];
    memset(u, 0xA5, sizeof(u));
    assert_int_equal(ST.ops->program(&ST, 32, u, 16), DBX_OK);
    assert_int_equal(ST.ops->read(&ST, 32, r, 16), DBX_OK);
    assert_memory_equal(r, u, 16);
    /* a programmed unit cannot be programmed again, even to clear bits */
    memset(u, 0x00, sizeof(u));
    assert_int_equal(ST.ops->program(&ST, 32, u, 16), DBX_ERR_INVAL);
    assert_int_equal(ST.ops->read(&ST, 32, r, 16), DBX_OK);
    assert_int_equal(r[0], 0xA5);
    /* alignment and range */
    assert_int_equal(ST.ops->program(&ST, 8, u, 16), DBX_ERR_INVAL);
    assert_int_equal(ST.ops->program(&ST, 64, u, 8), DBX_ERR_INVAL);
    assert_int_equal(ST.ops->program(&ST, BLK * NBLK, u, 16), DBX_ERR_INVAL);
    assert_int_equal(ST.ops->erase(&ST, NBLK), DBX_ERR_INVAL);
    /* a request touching one programmed unit changes nothing */
    uint8_t big[48];
    memset(big, 0x11, sizeof(big));
    assert_int_equal(ST.ops->program(&ST, 0, big, 48), DBX_ERR_INVAL);
    assert_int_equal(MEM[0], 0xFF);
    /* erase: 0xFF again, programmable again */
    assert_int_equal(ST.ops->erase(&ST, 0), DBX_OK);
    assert_int_equal(MEM[32], 0xFF);
    assert_int_equal(ST.ops->program(&ST, 32, u, 16), DBX_OK);
    /* power cut at op 2 (a program): half the units, torn one, then dead */
    blank();
    assert_int_equal(hal_storage_ram_init(&ST, MEM, &GEOM), DBX_OK);
    ST.cut_after = 2;
    ST.cut_torn = true;
    assert_int_equal(ST.ops->erase(&ST, 1), DBX_OK);
    memset(big, 0x00, sizeof(big));
    assert_int_equal(ST.ops->program(&ST, BLK, big, 48), DBX_ERR_IO);
    assert_int_equal(MEM[BLK], 0x00);      /* unit 0 done */
    assert_int_equal(MEM[BLK + 16], 0x00); /* unit 1 torn: first half */
    assert_int_equal(MEM[BLK + 31], 0xFF);
    assert_int_equal(MEM[BLK + 32], 0xFF); /* unit 2 never */
    assert_true(ST.dead);
    assert_int_equal(ST.ops->read(&ST, 0, r, 1), DBX_ERR_IO);
    /* a cut erase, torn: the first half erased only */
    memset(MEM, 0x00, sizeof(MEM));
    assert_int_equal(hal_storage_ram_init(&ST, MEM, &GEOM), DBX_OK);
    ST.cut_after = 1;
    ST.cut_torn = true;
    assert_int_equal(ST.ops->erase(&ST, 2), DBX_ERR_IO);
    assert_int_equal(MEM[2 * BLK], 0xFF);
    assert_int_equal(MEM[2 * BLK + BLK - 1], 0x00);
}

static void test_roundtrip_and_reboot(void **st)
{
    (void)st;
    blank();
    model_reset();
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(scenario(), DBX_OK);
    assert_int_equal(verify(), 0);
    size_t n = dbx_fqueue_count(FQ);
    assert_true(FQ != NULL && dbx_fqueue_stats(FQ)->gc_runs > 0); /* compaction ran */
    /* the scenario's flash operations with NOR rules kept (none refused) */
    print_message("scenario: %lu programs, %lu erases, %lu syncs, %lu gc runs\n",
                  (unsigned long)ST.n_program, (unsigned long)ST.n_erase,
                  (unsigned long)ST.n_sync, (unsigned long)dbx_fqueue_stats(FQ)->gc_runs);
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), n);
    assert_int_equal(verify(), 0);
}

/* Many rotations: the log wraps around the area several times. */
static void test_many_rotations(void **st)
{
    (void)st;
    blank();
    model_reset();
    assert_int_equal(boot(0, false), DBX_OK);
    uint32_t erases = 0;
    for (int round = 0; round < 40; round++) {
        memset(M, 0, sizeof(M));
        model_reset();
        assert_int_equal(receive(0, 500), DBX_OK);
        assert_int_equal(receive(4, 500), DBX_OK);
        assert_int_equal(update(0), DBX_OK);
        assert_int_equal(remove_msg(0), DBX_OK);
        if (round % 7 == 3) {
            erases += ST.n_erase;
            assert_int_equal(boot(0, false), DBX_OK);
        }
        assert_int_equal(verify(), 0);
        assert_int_equal(remove_msg(4), DBX_OK);
    }
    assert_true(dbx_fqueue_stats(FQ)->gc_runs > 0u);
    assert_true(erases + ST.n_erase > 2u * NBLK); /* wrapped more than twice */
    assert_int_equal(dbx_fqueue_count(FQ), 0);
}

/* Queue full: DBX_ERR_LIMIT (452), and nothing queued is touched. */
static void test_queue_full(void **st)
{
    (void)st;
    blank();
    model_reset();
    assert_int_equal(boot(0, false), DBX_OK);
    int accepted = 0, rc = DBX_OK;
    uint32_t erases = 0;
    for (int i = 0; i < 200 && rc == DBX_OK; i++) {
        int m = 4 + (i % 8);
        M[m].body_len = 1500;
        erases = ST.n_erase;
        rc = receive(m, 700);
        if (rc == DBX_OK) {
            accepted++;
            M[m].acked = false; /* slot reused: check by count below */
        }
    }
    assert_int_equal(rc, DBX_ERR_LIMIT);
    assert_int_equal(ST.n_erase, erases); /* the refused one moved nothing */
    rc = receive(5, 700);                  /* nor does the next attempt */
    assert_int_equal(rc, DBX_ERR_LIMIT);
    assert_int_equal(ST.n_erase, erases);
    assert_true(accepted >= 4);
    size_t n = dbx_fqueue_count(FQ);
    assert_int_equal(n, (size_t)accepted);
    /* still full after a reboot, everything readable */
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), n);
    char ids[DBX_FQ_MAX_MSGS][DBX_QUEUE_ID_MAX];
    size_t k;
    assert_int_equal(Q.ops->list(Q.ctx, ids, DBX_FQ_MAX_MSGS, &k), DBX_OK);
    for (size_t i = 0; i < k; i++) {
        assert_int_equal(Q.ops->load(Q.ctx, ids[i], &GOT), DBX_OK);
        assert_int_equal(GOT.size, 1500);
    }
    /* updates still work when full (the reserve), and deleting frees room */
    strcpy(ENV.id, ids[0]);
    assert_int_equal(Q.ops->load(Q.ctx, ids[0], &ENV), DBX_OK);
    ENV.rcpt[0].attempts = 1;
    assert_int_equal(Q.ops->update(Q.ctx, &ENV), DBX_OK);
    assert_int_equal(Q.ops->remove(Q.ctx, ids[0]), DBX_OK);
    assert_int_equal(Q.ops->remove(Q.ctx, ids[1]), DBX_OK);
    assert_int_equal(receive(5, 700), DBX_OK);
}

/* A flipped bit in a committed record: never accepted as mail. */
static void test_corrupt_record(void **st)
{
    (void)st;
    blank();
    model_reset();
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(receive(1, 100), DBX_OK); /* one DATA + one COMMIT */
    size_t n = 0;
    for (size_t i = 0; i < sizeof(MEM); i++) {
        if (memcmp(MEM + i, "rcpt pending 0 0 - bob", 22) == 0) {
            MEM[i + 13] ^= 0x01; /* attempts "1": a valid-looking envelope */
            n++;
        }
    }
    assert_int_equal(n, 1);
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), 0);
    assert_true(dbx_fqueue_stats(FQ)->torn_seen == 1);
    /* and the queue goes on in a new block */
    assert_int_equal(receive(2, 100), DBX_OK);
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(dbx_fqueue_count(FQ), 1);
}

/* Exhaustive power cuts: every program/erase op of the scenario, clean and
 * torn; reboot on the same medium, verify, go on, reboot, verify again. */
static void cut_sweep(uint32_t unit)
{
    GEOM.prog_unit = unit;
    blank();
    model_reset();
    assert_int_equal(boot(0, false), DBX_OK);
    assert_int_equal(scenario(), DBX_OK);
    uint32_t total = ST.n_program + ST.n_erase;
    int dups = 0, runs = 0;
    for (uint32_t cut = 1; cut <= total; cut++) {
        for (int torn = 0; torn < 2; torn++) {
            blank();
            model_reset();
            assert_int_equal(boot(cut, torn != 0), DBX_OK);
            assert_int_not_equal(scenario(), DBX_OK); /* the cut stopped it */
            assert_true(ST.dead);
            assert_int_equal(boot(0, false), DBX_OK);
            dups += verify();
            /* the rebooted queue works: one more message, one more reboot */
            assert_int_equal(receive(NMSG, 256), DBX_OK);
            assert_int_equal(boot(0, false), DBX_OK);
            dups += verify();
            runs++;
        }
    }
    /* a second cut at every op of the first traffic after a reboot (the
     * compaction a cut interrupted, redone), for every 5th first cut */
    int runs2 = 0;
    static uint8_t AFTER_CUT[sizeof(MEM)];
    for (uint32_t cut = 1; cut <= total; cut += 5) {
        blank();
        model_reset();
        assert_int_equal(boot(cut, true), DBX_OK);
        assert_int_not_equal(scenario(), DBX_OK);
        memcpy(AFTER_CUT, MEM, sizeof(MEM));
        model_msg_t saved[NMODEL];
        memcpy(saved, M, sizeof(M));
        for (uint32_t cut2 = 1;; cut2++) {
            memcpy(MEM, AFTER_CUT, sizeof(MEM));
            memcpy(M, saved, sizeof(M));
            assert_int_equal(boot(cut2, (cut2 & 1u) != 0), DBX_OK);
            int rc = receive(NMSG, 256);
            bool was_cut = ST.dead;
            assert_int_equal(boot(0, false), DBX_OK);
            dups += verify();
            runs2++;
            if (!was_cut) {
                assert_int_equal(rc, DBX_OK);
                break;
            }
        }
    }
    print_message("power cuts (unit %u): %d single-cut runs over %u ops, %d double-cut runs, "
                  "0 losses, %d duplicates\n",
                  unit, runs, total, runs2, dups);
    assert_int_equal(dups, 0);
    GEOM.prog_unit = 16;
}

static void test_power_cut_every_op_unit16(void **st)
{
    (void)st;
    cut_sweep(16);
}

static void test_power_cut_every_op_unit4(void **st)
{
    (void)st;
    cut_sweep(4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_ram_backend_nor),
        cmocka_unit_test(test_roundtrip_and_reboot),
        cmocka_unit_test(test_many_rotations),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_corrupt_record),
        cmocka_unit_test(test_power_cut_every_op_unit16),
        cmocka_unit_test(test_power_cut_every_op_unit4),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(FQ);
    return rc;
}
