/* Unit tests: the queue envelope record and the host spool (durability
 * order, crash leftovers, kill -9 during commits, unique ids, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/danebox/port/host_spool.h" /* the host port of the queue */
#include "core/dbx_crc32.h"
#include "queue/dbx_queue.h"

static dbx_queue_env_t E1, E2;
static char DIRNAME[64];

static void sample(dbx_queue_env_t *e)
{
    memset(e, 0, sizeof(*e));
    strcpy(e->id, "0123ABC");
    strcpy(e->sender, "\"alice smith\"@lan.test"); /* quoted local part with a space */
    e->arrival = 1790000000;
    e->size = 1234;
    e->body_8bit = true;
    e->n_rcpts = 2;
    strcpy(e->rcpt[0].addr, "bob@dane-ee.test");
    strcpy(e->rcpt[1].addr, "\"odd local\"@mismatch.test");
    e->rcpt[1].state = DBX_RCPT_DEFERRED;
    e->rcpt[1].attempts = 3;
    e->rcpt[1].next_try = 1790000900;
    strcpy(e->rcpt[1].dsn, "4.7.5");
    strcpy(e->rcpt[1].reason, "tlsa-no-match: certificate does not match");
}

static void test_env_roundtrip(void **st)
{
    (void)st;
    char buf[4096];
    size_t len;
    sample(&E1);
    assert_int_equal(dbx_queue_env_format(&E1, buf, sizeof(buf), &len), DBX_OK);
    assert_int_equal(dbx_queue_env_parse(buf, len, &E2), DBX_OK);
    assert_memory_equal(&E1, &E2, sizeof(E1));
    /* every torn prefix is refused: a half-written record is never mail */
    for (size_t k = 0; k < len; k++) {
        assert_int_not_equal(dbx_queue_env_parse(buf, k, &E2), DBX_OK);
    }
    /* unknown keys, junk after end, control characters */
    assert_int_not_equal(dbx_queue_env_parse("DBXQ 1\nid A\nbogus 1\nend\n", 26, &E2), DBX_OK);
    memcpy(buf + len, "id X\n", 5);
    assert_int_not_equal(dbx_queue_env_parse(buf, len + 5, &E2), DBX_OK);
    /* header lines exactly once, in order (found by fuzz_spool: a second
     * "from" line used to overwrite the first; a missing one meant a null
     * sender, i.e. no DSN) */
    static const char *const bad[] = {
        "DBXQ 1\nid A\nfrom a@b\nfrom c@d\narrival 1\nsize 1\nflags\nrcpt pending 0 0 - x@y\nreason \nend\n",
        "DBXQ 1\nid A\narrival 1\nsize 1\nflags\nrcpt pending 0 0 - x@y\nreason \nend\n",
        "DBXQ 1\nfrom a@b\nid A\narrival 1\nsize 1\nflags\nrcpt pending 0 0 - x@y\nreason \nend\n",
        "DBXQ 1\nid A\nfrom a@b\narrival 1\nsize 1\nflags junk 8bitmime\nrcpt pending 0 0 - x@y\nreason \nend\n",
        "DBXQ 1\nid A\nfrom a@b\narrival 1\nsize 1\nflags 8bitmime 8bitmime\nrcpt pending 0 0 - x@y\nreason \nend\n",
        "DBXQ 1\nid A\nfrom a@b\narrival 1\nsize 1\nflags\nrcpt pending 0 0 - x@y\nreason \nsize 2\nend\n",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        assert_int_equal(dbx_queue_env_parse(bad[k], strlen(bad[k]), &E2), DBX_ERR_MALFORMED);
    }
    static const char good[] =
        "DBXQ 1\nid A\nfrom \narrival 1\nsize 1\nflags smtputf8 8bitmime\nrcpt pending 0 0 - x@y\nreason \nend\n";
    assert_int_equal(dbx_queue_env_parse(good, strlen(good), &E2), DBX_OK);
    assert_true(E2.smtputf8 && E2.body_8bit && E2.sender[0] == '\0');
    strcpy(E1.rcpt[0].reason, "two\nlines");
    assert_int_equal(dbx_queue_env_format(&E1, buf, sizeof(buf), &len), DBX_ERR_INVAL);
    sample(&E1);
    assert_int_equal(dbx_queue_env_format(&E1, buf, 50, &len), DBX_ERR_BUFFER);
}

static int setup_dir(void **st)
{
    (void)st;
    strcpy(DIRNAME, "/tmp/dbx-queue-test-XXXXXX");
    assert_non_null(mkdtemp(DIRNAME));
    return 0;
}

static int teardown_dir(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIRNAME);
    return system(cmd) == 0 ? 0 : -1;
}

static int put_msg(dbx_queue_t *q, const char *body, dbx_queue_env_t *env)
{
    void *h = NULL;
    int s = q->ops->create(q->ctx, &h);
    if (s != DBX_OK) {
        return s;
    }
    s = q->ops->write(q->ctx, h, (const uint8_t *)body, strlen(body));
    if (s != DBX_OK) {
        q->ops->discard(q->ctx, h);
        return s;
    }
    env->size = strlen(body);
    return q->ops->commit(q->ctx, h, env);
}

static void read_body(dbx_queue_t *q, const char *id, char *out, size_t cap)
{
    void *h = NULL;
    size_t len = 0, got = 0;
    assert_int_equal(q->ops->body_open(q->ctx, id, &h), DBX_OK);
    do {
        assert_int_equal(q->ops->body_read(q->ctx, h, (uint8_t *)out + len, cap - 1 - len, &got),
                         DBX_OK);
        len += got;
    } while (got > 0 && len < cap - 1);
    out[len] = '\0';
    q->ops->body_close(q->ctx, h);
}

static void test_spool_lifecycle(void **st)
{
    (void)st;
    dbx_queue_t q;
    size_t orphans = 99;
    assert_int_equal(host_spool_open(DIRNAME, 0, &q, &orphans), DBX_OK);
    assert_int_equal(orphans, 0);
    sample(&E1);
    E1.id[0] = '\0';
    assert_int_equal(put_msg(&q, "Subject: x\r\n\r\nbody\r\n", &E1), DBX_OK);
    assert_true(strlen(E1.id) == 16);
    char ids[8][DBX_QUEUE_ID_MAX];
    size_t n = 0;
    assert_int_equal(q.ops->list(q.ctx, ids, 8, &n), DBX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], E1.id);
    assert_int_equal(q.ops->load(q.ctx, E1.id, &E2), DBX_OK);
    assert_memory_equal(&E1, &E2, sizeof(E1));
    char body[256];
    read_body(&q, E1.id, body, sizeof(body));
    assert_string_equal(body, "Subject: x\r\n\r\nbody\r\n");
    E1.rcpt[0].state = DBX_RCPT_DELIVERED;
    assert_int_equal(q.ops->update(q.ctx, &E1), DBX_OK);
    assert_int_equal(q.ops->load(q.ctx, E1.id, &E2), DBX_OK);
    assert_int_equal(E2.rcpt[0].state, DBX_RCPT_DELIVERED);
    assert_int_equal(host_spool_count(&q), 1);
    /* a discarded message leaves nothing */
    void *h = NULL;
    assert_int_equal(q.ops->create(q.ctx, &h), DBX_OK);
    q.ops->discard(q.ctx, h);
    assert_int_equal(q.ops->remove(q.ctx, E1.id), DBX_OK);
    assert_int_equal(q.ops->load(q.ctx, E1.id, &E2), DBX_ERR_NOTFOUND);
    assert_int_equal(q.ops->remove(q.ctx, E1.id), DBX_ERR_NOTFOUND);
    assert_int_equal(q.ops->load(q.ctx, "../etc", &E2), DBX_ERR_NOTFOUND);
    assert_int_equal(q.ops->list(q.ctx, ids, 8, &n), DBX_OK);
    assert_int_equal(n, 0);
    host_spool_close(&q);
}

static void test_spool_leftovers_and_limit(void **st)
{
    (void)st;
    dbx_queue_t q;
    assert_int_equal(host_spool_open(DIRNAME, 3, &q, NULL), DBX_OK);
    /* a crash before commit: tmp file; a crash between the renames: a body
     * without envelope.  Neither was acknowledged; open removes both. */
    void *h = NULL;
    assert_int_equal(q.ops->create(q.ctx, &h), DBX_OK);
    assert_int_equal(q.ops->write(q.ctx, h, (const uint8_t *)"x", 1), DBX_OK);
    char p[256];
    snprintf(p, sizeof(p), "%s/data/0000000000000ABC", DIRNAME);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    sample(&E1);
    assert_int_equal(put_msg(&q, "kept\r\n", &E1), DBX_OK);
    host_spool_close(&q); /* h stays open: the crashed writer */
    size_t orphans = 0;
    assert_int_equal(host_spool_open(DIRNAME, 3, &q, &orphans), DBX_OK);
    assert_int_equal(orphans, 2);
    assert_int_equal(host_spool_count(&q), 1);
    /* the cap: 3 messages, the 4th is refused (452 upstream) */
    assert_int_equal(put_msg(&q, "a\r\n", &E2), DBX_OK);
    assert_int_equal(put_msg(&q, "b\r\n", &E2), DBX_OK);
    assert_int_equal(put_msg(&q, "c\r\n", &E2), DBX_ERR_LIMIT);
    char ids[2][DBX_QUEUE_ID_MAX];
    size_t n = 0;
    assert_int_equal(q.ops->list(q.ctx, ids, 2, &n), DBX_ERR_BUFFER);
    assert_int_equal(n, 2);
    assert_true(strcmp(ids[0], ids[1]) < 0);
    /* the crashed writer's handle: its file went at open, only memory left */
    q.ops->discard(q.ctx, h);
    host_spool_close(&q);
}

static void test_spool_unique_ids(void **st)
{
    (void)st;
    dbx_queue_t q;
    assert_int_equal(host_spool_open(DIRNAME, 0, &q, NULL), DBX_OK);
    static char seen[100][DBX_QUEUE_ID_MAX];
    for (int i = 0; i < 100; i++) {
        sample(&E1);
        assert_int_equal(put_msg(&q, "m\r\n", &E1), DBX_OK);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(seen[j], E1.id);
        }
        strcpy(seen[i], E1.id);
    }
    host_spool_close(&q);
}

/* A child commits messages and reports each acknowledged id through a
 * pipe; the parent kills it with SIGKILL at a random moment; after a
 * reopen every acknowledged message is there, intact, and nothing else. */
static void test_spool_kill9(void **st)
{
    (void)st;
    srand((unsigned)time(NULL));
    size_t acked_total = 0;
    for (int round = 0; round < 12; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            dbx_queue_t q;
            if (host_spool_open(DIRNAME, 0, &q, NULL) != DBX_OK) {
                _exit(2);
            }
            for (;;) {
                sample(&E1);
                if (put_msg(&q, "Subject: k\r\n\r\nintact body\r\n", &E1) != DBX_OK ||
                    write(fds[1], E1.id, DBX_QUEUE_ID_MAX) != DBX_QUEUE_ID_MAX) {
                    _exit(3);
                }
            }
        }
        close(fds[1]);
        usleep((useconds_t)(2000 + rand() % 30000));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        char id[DBX_QUEUE_ID_MAX];
        dbx_queue_t q;
        assert_int_equal(host_spool_open(DIRNAME, 0, &q, NULL), DBX_OK);
        while (read(fds[0], id, sizeof(id)) == (ssize_t)sizeof(id)) {
            char body[128];
            assert_int_equal(q.ops->load(q.ctx, id, &E2), DBX_OK);
            read_body(&q, id, body, sizeof(body));
            assert_string_equal(body, "Subject: k\r\n\r\nintact body\r\n");
            assert_int_equal(q.ops->remove(q.ctx, id), DBX_OK);
            acked_total++;
        }
        close(fds[0]);
        /* at most one message committed but not yet reported; each listed
         * one loads (no half-written envelope is ever listed) */
        char ids[4][DBX_QUEUE_ID_MAX];
        size_t n = 0;
        assert_int_equal(q.ops->list(q.ctx, ids, 4, &n), DBX_OK);
        assert_true(n <= 1);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(q.ops->load(q.ctx, ids[i], &E2), DBX_OK);
            assert_int_equal(q.ops->remove(q.ctx, ids[i]), DBX_OK);
        }
        host_spool_close(&q);
    }
    assert_true(acked_total > 0);
}


/* Rewrite DIR/SUB/NAME through @p fn (in-place edit of up to 8 KiB). */
static void edit(const char *sub, const char *name, void (*fn)(char *b, size_t *n))
{
    char p[256], b[8192];
    snprintf(p, sizeof(p), "%s/%s/%s", DIRNAME, sub, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    size_t n = fread(b, 1, sizeof(b), f);
    fclose(f);
    fn(b, &n);
    f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}
static void cut10(char *b, size_t *n) { (void)b; *n -= 10; }
static void flip_mid(char *b, size_t *n) { b[*n / 2] ^= 0x04; }
/* "DBXQ 1" -> "DBXQ 7" with the trailer's record CRC recomputed: the
 * checksum is right, the parser must still refuse the record */
static void bad_header(char *b, size_t *n)
{
    b[5] = '7';
    char hex[10];
    snprintf(hex, sizeof(hex), "%08X\n", (unsigned)dbx_crc32(0, b, *n - 9));
    memcpy(b + *n - 9, hex, 9);
}

static bool in_quarantine(const char *name)
{
    char p[256];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/quarantine/%s", DIRNAME, name);
    return stat(p, &sb) == 0;
}

static void test_spool_damage_quarantined(void **st)
{
    (void)st;
    dbx_queue_t q;
    assert_int_equal(host_spool_open(DIRNAME, 0, &q, NULL), DBX_OK);
    char ids[6][DBX_QUEUE_ID_MAX];
    for (int i = 0; i < 6; i++) {
        sample(&E1);
        assert_int_equal(put_msg(&q, "Subject: d\r\n\r\nsome body text\r\n", &E1), DBX_OK);
        strcpy(ids[i], E1.id);
    }
    const char *why = NULL;
    assert_int_equal(host_spool_verify(&q, ids[0], &why), DBX_OK);
    E1.rcpt[0].state = DBX_RCPT_DELIVERED; /* an update keeps the body's CRC */
    strcpy(E1.id, ids[0]);
    assert_int_equal(q.ops->update(q.ctx, &E1), DBX_OK);
    assert_int_equal(host_spool_verify(&q, ids[0], &why), DBX_OK);
    edit("env", ids[1], cut10);
    edit("env", ids[2], flip_mid);
    edit("env", ids[3], bad_header);
    edit("data", ids[4], flip_mid);
    edit("data", ids[5], cut10);
    static const char *const want[] = {"", "envelope damaged", "envelope damaged",
                                       "envelope damaged", "body checksum", "body size"};
    for (int i = 1; i < 6; i++) {
        if (i < 4) {
            assert_int_equal(q.ops->load(q.ctx, ids[i], &E2), DBX_ERR_MALFORMED);
        }
        assert_int_equal(host_spool_verify(&q, ids[i], &why), DBX_ERR_MALFORMED);
        assert_non_null(strstr(why, want[i]));
        assert_int_equal(host_spool_quarantine(&q, ids[i]), DBX_OK);
        char n[64];
        snprintf(n, sizeof(n), "%s.env", ids[i]);
        assert_true(in_quarantine(n));
        snprintf(n, sizeof(n), "%s.data", ids[i]);
        assert_true(in_quarantine(n));
    }
    char list[8][DBX_QUEUE_ID_MAX];
    size_t n = 0;
    assert_int_equal(q.ops->list(q.ctx, list, 8, &n), DBX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0], ids[0]);
    host_spool_close(&q);
    /* a garbage file in env/: quarantined by the owner's open */
    char p[256];
    snprintf(p, sizeof(p), "%s/env/garbage.txt", DIRNAME);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("\x01\x02 not a record", f);
    fclose(f);
    size_t orphans = 0;
    assert_int_equal(host_spool_open(DIRNAME, 0, &q, &orphans), DBX_OK);
    assert_int_equal(host_spool_quarantined(&q), 1);
    assert_int_equal(host_spool_count(&q), 1);
    assert_true(in_quarantine("garbage.txt.env"));
    host_spool_close(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_roundtrip),
        cmocka_unit_test_setup_teardown(test_spool_lifecycle, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_spool_leftovers_and_limit, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_spool_unique_ids, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_spool_kill9, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_spool_damage_quarantined, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
