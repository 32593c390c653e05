/* mode=relay, delivery side: the host relay's delivery engine (src/relay)
 * with the RFC 7672 session connector (dbx_relay_session.c) over the lwIP
 * transport, on the board.  Enabled by resolver= (mode=relay without it
 * only queues).  The main loop calls fw_relay_deliver_step(): at most once
 * a second (or at once after new mail was committed) it walks the queue and
 * runs the engine for each message due.  The check's verdict decides: a
 * DANE-verified (or policy-permitted) session carries the mail; mismatch,
 * bogus, no TLS where required -> 4.7.5 deferral (stays queued, retried);
 * a 5xx -> bounced with a DSN, as on the host.
 *
 * Concurrency: the engine blocks in the transport, whose poll hook is the
 * relay's poll step (NIC + lwIP timers + the inbound sessions), so the 2
 * inbound sessions keep being served during a delivery; the hook never
 * starts a delivery itself (one at a time).  The flash queue takes new mail
 * while a body is read (readers find chunks wherever compaction put them).
 *
 * Memory: one heap block (engine, connector + session, resolver, trust),
 * allocated once at start; mbedTLS allocates from the counting heap during
 * the session only.  Log lines: "relay: ID: to=<...>, ..., tls=..." (the
 * engine's), "deliver: ..." (runs, memory). */
#include "fw_relay.h"

#include "dbx_common.h"
#include "fw.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "relay/dbx_relay_session.h"
#include "transport_lwip.h"

#include "mbedtls/ssl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_MS 1000u /* queue walk interval without new mail */
/* mbedTLS' input record buffer: content + header, IV, MAC, padding */
#define TLS_IN_BUF (MBEDTLS_SSL_IN_CONTENT_LEN + 352u)

typedef struct fw_deliver {
    dbx_relay_t rl;
    dbx_relay_sessconn_t sc;
    dbx_relay_connector_t conn;
    dbx_relay_config_t rcfg;
    dbx_transport_t tr;
    dbx_trust_t trust;
    dbx_resolver_t r;
    char ids[DBX_FQ_MAX_MSGS][DBX_QUEUE_ID_MAX]; /* the queue walk */
    uint32_t next_scan;
    bool busy, kick;
} fw_deliver_t;

static fw_deliver_t *D;
static int64_t time_base; /* time=: validation time at boot, else 0 */

int64_t fw_relay_now(void)
{
    int64_t now = 0;
    if (time_base != 0) {
        return time_base + (int64_t)(hal_clock_ms() / 1000u);
    }
    (void)hal_clock_unix(&now);
    return now;
}

static void log_line(void *user, const char *line)
{
    (void)user;
    printf("relay: %s\n", line);
}

int fw_relay_deliver_init(const dbx_config_t *cfg, void (*poll)(void))
{
    time_base = cfg->time;
    if (cfg->n_resolvers == 0) {
        printf("deliver: off (no resolver=): mail stays queued\n");
        return DBX_OK;
    }
    int64_t now = fw_relay_now();
    if (now < 1500000000) {
        printf("deliver: off (wall time unknown; give time=UNIX)\n");
        return DBX_ERR_NOTIME;
    }
    D = calloc(1, sizeof *D);
    DBX_CHECK(D != NULL, DBX_ERR_NOMEM);
    /* the handshake's one big buffer, set aside before the heap fragments */
    if (hal_mbedtls_heap_reserve(TLS_IN_BUF) != 0) {
        free(D);
        D = NULL;
        return DBX_ERR_NOMEM;
    }
    int st = fw_trust_load(cfg, &D->trust);
    if (st != DBX_OK) {
        printf("deliver: trust anchor: %s\n", dbx_strerror(st));
        free(D);
        D = NULL;
        return st;
    }
    tlw_init(&D->tr, poll);
    dbx_resolver_init(&D->r, &D->tr, cfg->resolver, cfg->n_resolvers, &D->trust);
    (void)dbx_resolver_set_nsec3_limit(&D->r, cfg->nsec3_iter); /* bounded by dbx_config */
    dbx_session_config_t sc;
    dbx_session_config_defaults(&sc);
    sc.check.now = now;
    sc.check.families = DBX_CHECK_IPV4;
    sc.check.helo_name = "danebox";
    sc.check.connect_ms = sc.check.command_ms = sc.check.handshake_ms = cfg->timeout_ms;
    (void)dbx_relay_sessconn_init(&D->sc, &sc, &D->r, &D->tr, &D->conn);
    dbx_relay_config_defaults(&D->rcfg);
    D->rcfg.hostname = "danebox";
    D->rcfg.log = log_line;
    st = dbx_relay_init(&D->rl, &D->rcfg, fw_relay_queue(), &D->conn);
    DBX_CHECK(st == DBX_OK, st);
    D->kick = true;
    printf("deliver: on, policy %s, state %lu B + TLS input %lu B, heap in use %lu B of %lu\n",
           dbx_tls_policy_name(D->rcfg.default_policy), (unsigned long)sizeof *D,
           (unsigned long)TLS_IN_BUF, (unsigned long)fw_heap_inuse(),
           (unsigned long)fw_heap_size());
    return DBX_OK;
}

dbx_queue_env_t *fw_relay_deliver_spare_env(void)
{
    return D != NULL ? &D->rl.dsn_env : NULL;
}

void fw_relay_deliver_kick(void)
{
    if (D != NULL) {
        D->kick = true;
    }
}

/* One delivery run of message @p id when it is due. */
static void deliver_one(const char *id)
{
    dbx_queue_t *q = fw_relay_queue();
    int64_t now = fw_relay_now();
    if (q->ops->load(q->ctx, id, &D->rl.env) != DBX_OK) {
        return;
    }
    /* not due yet (a message with every recipient settled is due: the
     * engine removes it, see dbx_relay_due) */
    if (dbx_relay_due(&D->rl.env) > now) {
        return;
    }
    dbx_relay_stats_t rs = {0};
    size_t tls_peak = 0;
    D->sc.base.check.now = now;
    hal_mbedtls_heap_reset_peak();
    int st = dbx_relay_run(&D->rl, id, now, &rs);
    hal_mbedtls_heap_stats(NULL, &tls_peak);
    printf("deliver: %s: %s, sent=%lu deferred=%lu bounced=%lu\n", id, dbx_strerror(st),
           (unsigned long)rs.sent, (unsigned long)rs.deferred, (unsigned long)rs.bounced);
    fw_relay_queue_stats(); /* flash work since boot, delivery included */
    printf("deliver-mem: heap-inuse-peak=%lu sbrk-peak=%lu stack-peak=%lu mbedtls-peak=%lu "
           "sockets-open=%d\n",
           (unsigned long)fw_heap_inuse_peak(), (unsigned long)fw_heap_peak(),
           (unsigned long)fw_stack_peak(), (unsigned long)tls_peak, tlw_open_count());
}

void fw_relay_deliver_step(void)
{
    if (D == NULL || D->busy) {
        return; /* off, or called from the poll hook inside a delivery */
    }
    uint32_t ms = hal_clock_ms();
    if (!D->kick && (int32_t)(ms - D->next_scan) < 0) {
        return;
    }
    D->kick = false;
    D->busy = true;
    dbx_queue_t *q = fw_relay_queue();
    size_t n = 0;
    if (q->ops->list(q->ctx, D->ids, DBX_FQ_MAX_MSGS, &n) == DBX_OK) {
        for (size_t i = 0; i < n; i++) {
            deliver_one(D->ids[i]);
        }
    }
    D->next_scan = hal_clock_ms() + SCAN_MS;
    D->busy = false;
}
