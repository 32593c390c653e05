/* `danebox relay`: the queue runner, a child process of the daemon.  One
 * pass over the spool: every message with a recipient due is handed to the
 * delivery engine (src/relay), which opens per domain one RFC 7672 session
 * (src/relay/dbx_relay_session.c) and sends the mail over it.
 *
 * DANE-safe TLS session resumption across runs: the runner keeps its TLS
 * session cache (src/smtp/dbx_tls_cache.h) in <spool>/tls-sessions.<k>
 * (one file per runner share, mode 0600: it holds session secrets, as
 * Postfix's tlsmgr cache does), read and sanitized at start, written back
 * (write + rename) at the end.  Ages are CLOCK_MONOTONIC milliseconds, so a
 * file from before a reboot only holds expired entries. */
#include "relay_host.h"

#include "cli.h"
#include "dbx_str.h"
#include "hal_platform.h"
#include "host_net.h"
#include "port/host_spool.h"
#include "relay/dbx_relay_session.h"
#include "smtp/dbx_tls.h"
#include "tlsrpt_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char cache_magic[8] = {'D', 'B', 'X', 'T', 'L', 'S', 'C', '1'};

static void cache_path(const relay_config_t *cfg, unsigned k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/tls-sessions.%u", cfg->spool, k);
}

/* Read the runner's saved sessions (missing, short or foreign file: empty). */
static void cache_load(dbx_tls_cache_t *c, const relay_config_t *cfg, unsigned k)
{
    char path[RELAY_PATH_MAX + 32], magic[8];
    uint32_t size = 0;
    FILE *f;
    dbx_tls_cache_init(c);
    cache_path(cfg, k, path, sizeof path);
    f = fopen(path, "rb");
    if (f == NULL) return;
    if (fread(magic, 1, sizeof magic, f) != sizeof magic || memcmp(magic, cache_magic, 8) != 0 ||
        fread(&size, sizeof size, 1, f) != 1 || size != sizeof *c || fread(c, sizeof *c, 1, f) != 1) {
        dbx_tls_cache_init(c);
    }
    fclose(f);
    (void)dbx_tls_cache_sanitize(c);
}

/* Write them back (0600, atomically); best effort. */
static void cache_save(const dbx_tls_cache_t *c, const relay_config_t *cfg, unsigned k)
{
    char path[RELAY_PATH_MAX + 32], tmp[RELAY_PATH_MAX + 40];
    uint32_t size = sizeof *c;
    int fd;
    FILE *f;
    cache_path(cfg, k, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
        if (fd >= 0) close(fd);
        return;
    }
    bool ok = fwrite(cache_magic, 1, sizeof cache_magic, f) == sizeof cache_magic &&
              fwrite(&size, sizeof size, 1, f) == 1 && fwrite(c, sizeof *c, 1, f) == 1;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

#define MAX_IDS 100000u
#define MAX_PASSES 4

static void log_line(void *user, const char *line)
{
    (void)user;
    relay_log("%s", line);
}

typedef struct runner {
    dbx_queue_t q;
    dbx_trust_t trust;
    bool trust_ok;
    dbx_resolver_t *r;
    host_net_t net;
    dbx_transport_t tr;
    dbx_relay_sessconn_t *sc;
    dbx_tls_cache_t *tls_cache;
    dbx_relay_connector_t conn;
    dbx_relay_config_t rcfg;
    dbx_relay_t *rl;
    char (*ids)[DBX_QUEUE_ID_MAX];
    tlsrpt_store_t tlsrpt; /**< RFC 8460 records in SPOOL/tlsrpt */
} runner_t;

static int setup(runner_t *x, const relay_config_t *cfg)
{
    if (host_spool_open(cfg->spool, cfg->max_queue, &x->q, NULL) != DBX_OK) {
        relay_log("runner: cannot open the spool %s", cfg->spool);
        return -1;
    }
    if (dbx_cli_load_trust(cfg->anchor[0] ? cfg->anchor : NULL, &x->trust) != DBX_EXIT_OK) {
        return -1;
    }
    x->trust_ok = true;
    dbx_addr_t ups[DBX_DNS_MAX_UPSTREAMS];
    size_t nups = cfg->n_resolver;
    memcpy(ups, cfg->resolver, sizeof(ups));
    if (nups == 0 && dbx_cli_default_resolver(&ups[nups++]) != 0) {
        relay_log("runner: no resolver configured and none in /etc/resolv.conf");
        return -1;
    }
    x->r = calloc(1, sizeof(*x->r));
    x->sc = calloc(1, sizeof(*x->sc));
    x->tls_cache = calloc(1, sizeof(*x->tls_cache));
    x->rl = calloc(1, sizeof(*x->rl));
    x->ids = calloc(MAX_IDS, DBX_QUEUE_ID_MAX);
    if (x->r == NULL || x->sc == NULL || x->rl == NULL || x->ids == NULL || x->tls_cache == NULL) {
        return -1;
    }
    host_net_init(&x->net, &x->tr);
    dbx_resolver_init(x->r, &x->tr, ups, nups, &x->trust);
    (void)dbx_resolver_set_nsec3_limit(x->r, cfg->nsec3_iterations); /* bounded by relay_config */
    dbx_session_config_t base;
    dbx_session_config_defaults(&base);
    base.check.port = cfg->smtp_port;
    base.check.helo_name = cfg->hostname;
    base.check.connect_ms = cfg->connect_timeout_s * 1000u;
    base.check.command_ms = cfg->smtp_timeout_s * 1000u;
    base.check.handshake_ms = cfg->smtp_timeout_s * 1000u;
    base.check.tls_cache = x->tls_cache; /* DANE-safe resumption across deliveries */
    dbx_relay_sessconn_init(x->sc, &base, x->r, &x->tr, &x->conn);
    if (tlsrpt_store_init(&x->tlsrpt, cfg->spool) == 0) {
        x->sc->tlsrpt = &x->tlsrpt.sink;
    }
    dbx_relay_config_defaults(&x->rcfg);
    x->rcfg.hostname = cfg->hostname;
    x->rcfg.retry_min_s = cfg->retry_min_s;
    x->rcfg.retry_max_s = cfg->retry_max_s;
    x->rcfg.lifetime_s = cfg->lifetime_s;
    x->rcfg.default_policy = cfg->default_policy;
    x->rcfg.policies = cfg->policies;
    x->rcfg.n_policies = cfg->n_policies;
    x->rcfg.log = log_line;
    return dbx_relay_init(x->rl, &x->rcfg, &x->q, &x->conn) == DBX_OK ? 0 : -1;
}

static void teardown(runner_t *x)
{
    if (x->tlsrpt.dropped > 0) {
        relay_log("runner: %llu TLS reporting record(s) not stored (day file full or I/O error)",
                  (unsigned long long)x->tlsrpt.dropped);
    }
    if (x->r != NULL) {
        dbx_resolver_free(x->r);
    }
    free(x->r);
    free(x->sc);
    if (x->tls_cache != NULL) dbx_tls_cache_init(x->tls_cache); /* zeroize */
    free(x->tls_cache);
    free(x->rl);
    free(x->ids);
    if (x->trust_ok) {
        dbx_trust_free(&x->trust);
    }
    host_spool_close(&x->q);
    dbx_tls_global_free();
}

static unsigned share_of(const char *id, unsigned n)
{
    return dbx_fnv1a(id, strlen(id)) % n;
}

/* A damaged spool message is never delivered: moved away, logged. */
static void quarantine(runner_t *x, const relay_config_t *cfg, const char *id, const char *why)
{
    int st = host_spool_quarantine(&x->q, id);
    if (st == DBX_OK) {
        relay_log("%s: quarantined: %s; moved to %s/quarantine, never delivered", id, why,
                  cfg->spool);
    } else {
        relay_log("%s: damaged (%s), quarantine failed: %s; skipped", id, why, dbx_strerror(st));
    }
}

/* One pass. @return DSNs queued (another pass delivers them). */
static uint32_t pass(runner_t *x, const relay_config_t *cfg, volatile int *stop, unsigned k,
                     unsigned nshares)
{
    size_t n = 0;
    int st = x->q.ops->list(x->q.ctx, x->ids, MAX_IDS, &n);
    if (st != DBX_OK && st != DBX_ERR_BUFFER) {
        relay_log("runner: cannot list the spool: %s", dbx_strerror(st));
        return 0;
    }
    uint32_t dsns = 0;
    for (size_t i = 0; i < n && !*stop; i++) {
        int64_t now = (int64_t)time(NULL);
        if (share_of(x->ids[i], nshares) != k) {
            continue;
        }
        st = x->q.ops->load(x->q.ctx, x->ids[i], &x->rl->env);
        bool due = st == DBX_OK && dbx_relay_due(&x->rl->env) <= now;
        if (st != DBX_ERR_MALFORMED && !due) {
            continue;
        }
        const char *why = ""; /* damaged or due: check envelope and body */
        st = host_spool_verify(&x->q, x->ids[i], &why);
        if (st == DBX_ERR_MALFORMED) {
            quarantine(x, cfg, x->ids[i], why);
        }
        if (st != DBX_OK) {
            continue;
        }
        x->sc->base.check.now = cfg->dnssec_time ? cfg->dnssec_time : now;
        dbx_relay_stats_t s = {0};
        st = dbx_relay_run(x->rl, x->ids[i], now, &s);
        if (st != DBX_OK && st != DBX_ERR_NOTFOUND) {
            relay_log("%s: delivery run failed: %s", x->ids[i], dbx_strerror(st));
        }
        dsns += s.dsns;
    }
    return dsns;
}

int relay_runner_main(const relay_config_t *cfg, volatile int *stop, unsigned k, unsigned n)
{
    static runner_t x;
    memset(&x, 0, sizeof(x));
    int rc = setup(&x, cfg) == 0 ? 0 : 1;
    if (rc == 0) cache_load(x.tls_cache, cfg, k);
    for (int p = 0; rc == 0 && p < MAX_PASSES && !*stop; p++) {
        if (pass(&x, cfg, stop, k, n) == 0) {
            break;
        }
    }
    if (rc == 0) cache_save(x.tls_cache, cfg, k);
    teardown(&x);
    return rc;
}
