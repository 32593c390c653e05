/* mode=relay, storage side: the flash queue on the board's queue area (QEMU:
 * a host file via semihosting), opened with the boot scan timed, and the
 * queue listing printed at boot:
 *   queue: open N messages, scan MS ms ~INSNS instructions, FLASH ops
 *   queue: ID size=N nrcpt=N body-crc=XXXXXXXX from=<S>
 *   queue: ID rcpt=<R> state=pending|deferred|... attempts=N dsn=D reason=TEXT
 * body-crc is the CRC-32 of the body after the relay's own Received: header
 * (what the client sent, dot-unstuffed) so a test can compare it. */
#include "board.h"
#include "dbx_common.h"
#include "dbx_config.h"
#include "dbx_crc32.h"
#include "fw.h"
#include "fw_relay.h"
#include "hal_platform.h"
#include "queue/dbx_fqueue.h"
#include "storage/storage_semihost.h"
#include "arm/semihost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hal_storage_t st;
static storage_semihost_t sh;
static dbx_fqueue_t *fq; /* heap: dbx_fqueue_state_size(), once */
static dbx_queue_t q;
static dbx_queue_env_t *env; /* heap, with the listing */

dbx_queue_t *fw_relay_queue(void)
{
    return &q;
}

hal_storage_t *fw_relay_storage(void)
{
    return &st;
}

/* The power cut (test only): say where it landed, then stop the machine. */
static void on_cut(hal_storage_t *s)
{
    static const char *const phase[] = {"idle", "receive", "update", "compact"};
    uint8_t p = fq != NULL ? dbx_fqueue_stats(fq)->phase : 0;
    printf("powercut: at flash op %lu (%s) during %s\n", (unsigned long)s->cut_after,
           s->cut_torn ? "torn" : "clean", p < 4 ? phase[p] : "?");
    semihost_exit(FW_RELAY_EXIT_POWERCUT);
}

/* CRC of the body after our Received: header (first line + tab lines). */
static int body_crc(const char *id, uint32_t *crc)
{
    void *h = NULL;
    uint8_t buf[256];
    size_t got;
    int line = 0, skipping = 1, bol = 1;
    int rc = q.ops->body_open(q.ctx, id, &h);
    DBX_CHECK(rc == DBX_OK, rc);
    *crc = 0;
    while ((rc = q.ops->body_read(q.ctx, h, buf, sizeof buf, &got)) == DBX_OK && got > 0) {
        for (size_t i = 0; i < got; i++) {
            if (skipping && bol && line > 0 && buf[i] != '\t') {
                skipping = 0;
            }
            if (!skipping) {
                *crc = dbx_crc32(*crc, &buf[i], 1);
            }
            bol = buf[i] == '\n';
            line += bol;
        }
    }
    q.ops->body_close(q.ctx, h);
    return rc;
}

static void list_queue(void)
{
    char(*ids)[DBX_QUEUE_ID_MAX] = malloc(DBX_FQ_MAX_MSGS * sizeof *ids);
    env = malloc(sizeof *env);
    if (ids == NULL || env == NULL) {
        printf("queue: no memory for the listing\n");
        free(ids);
        free(env);
        return;
    }
    size_t n = 0;
    (void)q.ops->list(q.ctx, ids, DBX_FQ_MAX_MSGS, &n);
    for (size_t i = 0; i < n; i++) {
        uint32_t crc = 0;
        int rc = q.ops->load(q.ctx, ids[i], env);
        if (rc == DBX_OK) {
            rc = body_crc(ids[i], &crc);
        }
        if (rc != DBX_OK) {
            printf("queue: %s unreadable: %s\n", ids[i], dbx_strerror(rc));
            continue;
        }
        printf("queue: %s size=%lu nrcpt=%u body-crc=%08lX from=<%s>\n", ids[i],
               (unsigned long)env->size, (unsigned)env->n_rcpts, (unsigned long)crc, env->sender);
        for (uint16_t r = 0; r < env->n_rcpts; r++) {
            static const char *const state[] = {"pending", "deferred", "delivered", "bounced",
                                                "failed"};
            const dbx_queue_rcpt_t *rr = &env->rcpt[r];
            printf("queue: %s rcpt=<%s> state=%s attempts=%u dsn=%s reason=%s\n", ids[i],
                   rr->addr, rr->state < 5 ? state[rr->state] : "?", (unsigned)rr->attempts,
                   rr->dsn[0] != 0 ? rr->dsn : "-", rr->reason[0] != 0 ? rr->reason : "-");
        }
    }
    free(ids);
    free(env);
    env = NULL;
}

int fw_relay_queue_open(const dbx_config_t *cfg)
{
    fq = malloc(dbx_fqueue_state_size());
    if (fq == NULL) {
        printf("queue: no memory for the queue state\n");
        return DBX_ERR_NOMEM;
    }
    int rc = storage_semihost_open(&st, &sh, cfg->flash, board.queue_flash.base,
                                   &board.queue_flash.geom);
    if (rc != DBX_OK) {
        printf("queue: flash image %s: %s\n", cfg->flash, dbx_strerror(rc));
        return rc;
    }
    sh.cut_exit = FW_RELAY_EXIT_POWERCUT;
    st.cut_hook = on_cut;
    fw_meter_t m;
    fw_meter_start(&m);
    rc = dbx_fqueue_open(fq, &st, &q);
    fw_meter_stop(&m);
    if (rc != DBX_OK) {
        printf("queue: open: %s\n", dbx_strerror(rc));
        return rc;
    }
    const dbx_fqueue_stats_t *fs = dbx_fqueue_stats(fq);
    printf("queue: open %lu messages%s, %lu torn/corrupt record(s) skipped, flash %lu x %lu B "
           "(unit %lu), state %lu B\n",
           (unsigned long)dbx_fqueue_count(fq),
           sh.created ? " (blank image created)" : "", (unsigned long)fs->torn_seen,
           (unsigned long)st.geom.blocks, (unsigned long)st.geom.erase_size,
           (unsigned long)st.geom.prog_unit, (unsigned long)dbx_fqueue_state_size());
    fw_meter_print(&m, "queue: boot scan");
    list_queue();
    /* the power-cut counter starts after the boot (the scan only reads) */
    st.cut_after = cfg->powercut;
    st.cut_torn = cfg->powercut_torn != 0;
    return DBX_OK;
}

void fw_relay_queue_stats(void)
{
    const dbx_fqueue_stats_t *fs = dbx_fqueue_stats(fq);
    printf("queue-stats: programs=%lu erases=%lu syncs=%lu programmed-bytes=%lu records=%lu "
           "record-bytes=%lu payload-bytes=%lu gc-runs=%lu gc-copied=%lu\n",
           (unsigned long)st.n_program, (unsigned long)st.n_erase, (unsigned long)st.n_sync,
           (unsigned long)st.bytes_programmed,
           (unsigned long)fs->records, (unsigned long)fs->record_bytes,
           (unsigned long)fs->payload_bytes, (unsigned long)fs->gc_runs,
           (unsigned long)fs->gc_copied);
}
