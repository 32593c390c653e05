/* mode=check: the whole RFC 7672 flow (src/check/dbx_check.h) for every
 * check= domain over the lwIP transport -- the code behind the host's
 * `danebox check`.  One resolver for all domains, so the key cache makes the
 * later checks of a zone warm (as the host CLI does with several domains).
 * Per domain:
 *   {"domain":...}          exactly the `danebox check --json` line (both
 *                           printed by dbx_check_json())
 *   mail-log summary lines  dbx_check_summary_lines()
 *   check-stats: DOMAIN: verdict=V dns-queries=N dns-rounds=N smtp-round-trips=N
 *                smtp-sessions=N heap-peak=... insns=... ms=...
 *
 * Address families: IPv4 when ip= is given, IPv6 when ip6= is given (the
 * host equivalent of a firmware with ip= only is `danebox check -4`).
 * Timeouts: timeout= for TCP connect, each SMTP reply and the TLS handshake
 * (the host's --timeout).  Validation time: time=UNIX, or time=auto = the
 * board clock; without either the check refuses to run (DBX_ERR_NOTIME).
 *
 * Memory: result and work area (fixed size, DBX_CHECK_MAX_* from the board's
 * board.mk), the resolver state and the output buffer live on the heap, in
 * this mode only (mode=relay needs the RAM for its delivery session). */
#include "check/dbx_check.h"
#include "dbx_common.h"
#include "dbx_config.h"
#include "fw.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "smtp/dbx_tls.h"

#include <stdio.h>
#include <stdlib.h>

#define OUT_START 4096u
#define OUT_MAX (32u * 1024u)

/* mode=check's working set on the heap (allocated once per run); the TLS
 * session cache gives DANE-safe resumption across the domains checked in one
 * boot (a domain listed again is a warm check: a resumed handshake) */
typedef struct check_mem {
    dbx_check_work_t work;
    dbx_check_result_t result;
    dbx_tls_cache_t tls_cache;
} check_mem_t;

/* Render with @p fn into a heap buffer that doubles until the text fits
 * (OUT_MAX at most); prints it followed by @p end.  DBX_OK or the error. */
static int print_grown(int (*fn)(const dbx_check_result_t *, char *, size_t),
                       const dbx_check_result_t *res, const char *end)
{
    for (size_t cap = OUT_START; cap <= OUT_MAX; cap *= 2) {
        char *buf = malloc(cap);
        int st;
        if (buf == NULL) return DBX_ERR_NOMEM;
        st = fn(res, buf, cap);
        if (st == DBX_OK) {
            fputs(buf, stdout);
            fputs(end, stdout);
        }
        free(buf);
        if (st != DBX_ERR_BUFFER) return st;
    }
    return DBX_ERR_BUFFER;
}

/* The check settings from the config block; the TLS session cache in
 * @p mem unless resume=off. */
static void check_settings(dbx_check_config_t *cc, const dbx_config_t *cfg, int64_t now,
                           check_mem_t *mem)
{
    dbx_check_config_defaults(cc);
    cc->now = now;
    cc->families = (uint8_t)((cfg->has_ip4 ? DBX_CHECK_IPV4 : 0u) |
                             (cfg->has_ip6 ? DBX_CHECK_IPV6 : 0u));
    cc->connect_ms = cc->command_ms = cc->handshake_ms = cfg->timeout_ms;
    dbx_tls_cache_init(&mem->tls_cache);
    cc->tls_cache = cfg->no_resume ? NULL : &mem->tls_cache;
}

/* The run's header lines: what is checked how, and the memory it takes. */
static void print_header(const dbx_config_t *cfg, const dbx_check_config_t *cc,
                         const dbx_trust_t *trust, const dbx_resolver_t *r, const check_mem_t *mem)
{
    printf("check: %u domain(s), anchor %s (%u DS), time %lu, families %s, timeout %lu ms\n",
           (unsigned)cfg->n_checks, cfg->anchor == DBX_ANCHOR_RIG ? "rig" : "builtin",
           (unsigned)dbx_trust_ds_count(trust), (unsigned long)cc->now,
           cc->families == (DBX_CHECK_IPV4 | DBX_CHECK_IPV6) ? "ipv4+ipv6"
           : cc->families == DBX_CHECK_IPV4                 ? "ipv4"
                                                            : "ipv6",
           (unsigned long)cfg->timeout_ms);
    printf("check: limits hosts=%u addrs=%u tlsa=%u; result %u + work %u + TLS session "
           "cache %u bytes (%u entries), resolver state %u bytes (heap)\n",
           (unsigned)DBX_CHECK_MAX_HOSTS, (unsigned)DBX_CHECK_MAX_ADDRS,
           (unsigned)DBX_CHECK_MAX_TLSA, (unsigned)sizeof mem->result, (unsigned)sizeof mem->work,
           (unsigned)sizeof mem->tls_cache, (unsigned)DBX_TLS_CACHE_ENTRIES, (unsigned)sizeof *r);
}

/* Check one domain and print its JSON line, summary lines and stats line.
 * @return DBX_OK (whatever the verdict) or the internal error (not printed). */
static int check_domain(const dbx_check_config_t *cc, dbx_resolver_t *r,
                        const dbx_transport_t *tr, check_mem_t *mem, const char *dom)
{
    const dbx_check_result_t *result = &mem->result;
    char fig[320];
    fw_meter_t m;
    int st;

    fw_meter_start(&m);
    st = dbx_check_run(cc, r, tr, &mem->work, dom, &mem->result);
    fw_meter_stop(&m);
    if (st == DBX_OK) st = print_grown(dbx_check_json, result, "\n");
    if (st == DBX_OK) st = print_grown(dbx_check_summary_lines, result, "");
    if (st != DBX_OK) return st;
    fw_meter_format(&m, fig, sizeof fig);
    printf("check-stats: %s: verdict=%s dns-queries=%lu dns-rounds=%lu smtp-round-trips=%lu "
           "smtp-sessions=%lu handshakes-saved=%lu %s\n",
           result->domain, dbx_verdict_str(result->verdict),
           (unsigned long)result->dns_queries, (unsigned long)result->dns_rounds,
           (unsigned long)result->smtp_round_trips,
           (unsigned long)result->smtp_sessions, (unsigned long)result->handshakes_saved, fig);
    return DBX_OK;
}

/* Free the run's state (zeroizing the saved TLS sessions) and print the
 * closing line. */
static void check_finish(const dbx_config_t *cfg, dbx_resolver_t *r, check_mem_t *mem,
                         dbx_trust_t *trust, unsigned failed)
{
    size_t cur = 0;
    dbx_tls_cache_init(&mem->tls_cache); /* zeroizes the saved sessions */
    dbx_resolver_free(r);
    free(r);
    free(mem);
    dbx_trust_free(trust);
    dbx_tls_global_free();
    hal_mbedtls_heap_stats(&cur, NULL);
    printf("check: %u done, %u internal errors, heap in use after free %lu bytes, "
           "mbedTLS heap %lu bytes\n",
           (unsigned)cfg->n_checks, failed, (unsigned long)fw_heap_inuse(), (unsigned long)cur);
}

int fw_check(const dbx_config_t *cfg, const dbx_transport_t *tr)
{
    dbx_check_config_t cc;
    dbx_trust_t trust;
    dbx_resolver_t *r;
    check_mem_t *mem;
    int64_t now = cfg->time;
    int st, first_err = DBX_OK;
    unsigned failed = 0;

    if (now == 0 && hal_clock_unix(&now) != DBX_OK) {
        printf("check: wall clock unknown; refusing to validate (give time=UNIX)\n");
        return DBX_ERR_NOTIME;
    }
    st = fw_trust_load(cfg, &trust);
    if (st != DBX_OK) {
        printf("check: trust anchor: %s\n", dbx_strerror(st));
        return st;
    }
    r = calloc(1, sizeof *r);
    mem = calloc(1, sizeof *mem);
    if (r == NULL || mem == NULL) {
        free(r);
        free(mem);
        dbx_trust_free(&trust);
        printf("check: %s\n", dbx_strerror(DBX_ERR_NOMEM));
        return DBX_ERR_NOMEM;
    }
    dbx_resolver_init(r, tr, cfg->resolver, cfg->n_resolvers, &trust);
    (void)dbx_resolver_set_nsec3_limit(r, cfg->nsec3_iter); /* bounded by dbx_config */
    check_settings(&cc, cfg, now, mem);
    print_header(cfg, &cc, &trust, r, mem);

    for (size_t i = 0; i < cfg->n_checks; i++) {
        st = check_domain(&cc, r, tr, mem, cfg->check[i]);
        if (st != DBX_OK) {
            printf("check: %s: internal error: %s\n", cfg->check[i], dbx_strerror(st));
            failed++;
            if (first_err == DBX_OK) first_err = st;
        }
    }
    check_finish(cfg, r, mem, &trust, failed);
    return first_err;
}
