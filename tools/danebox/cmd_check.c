/* danebox check: the whole RFC 7672 flow for one or more domains
 * (src/check/dbx_check.h), with one resolver for all of them so the key
 * cache is shared (the second check of a zone is "warm").
 *
 *   danebox check DOMAIN [DOMAIN...] [--resolver ADDR[:PORT]]... [--anchor FILE]
 *                 [--time UNIX] [--json] [-4|-6] [--port N] [--helo NAME]
 *                 [--timeout MS] [--first] [--level dane|dane-only|encrypt|may|dane-test]
 *                 [--repeat N [--interval S]] [--no-resume] [--tls-cache N]
 *                 [--nsec3-iterations N]
 *
 * --repeat N checks the domains N times in one process (a monitor loop,
 * S seconds apart): the key cache and the TLS session cache are shared, so
 * later rounds resume DANE-verified TLS sessions (src/smtp/dbx_tls_cache.h)
 * and report the handshakes saved.  --no-resume turns resumption off;
 * --tls-cache N keeps at most N sessions (as a board does).
 *
 * Output: mail-log style lines per address and domain (default) or exactly
 * one JSON line per domain (--json, the same line the firmware prints).
 * Exit: 0 dane-verified, 1 opportunistic / encrypt-unauthenticated,
 * 3 defer, 4 MX lookup indeterminate (resolver unreachable), 2 usage,
 * 5 internal; with several domains the worst one wins. */
#include "check/dbx_check.h"
#include "cli.h"
#include "hal_platform.h"
#include "host_net.h"
#include "smtp/dbx_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DOMAINS 32
#define OUT_MAX (64u * 1024u)

static int usage(void)
{
    fprintf(stderr,
            "usage: danebox check DOMAIN [DOMAIN...] [--resolver ADDR[:PORT]]... [--anchor FILE]\n"
            "         [--time UNIX] [--json] [-4|-6] [--port N] [--helo NAME] [--timeout MS] [--first]\n"
            "         [--level dane|dane-only|encrypt|may|dane-test] [--repeat N [--interval S]]\n"
            "         [--no-resume] [--tls-cache N] [--nsec3-iterations N]\n");
    return DBX_EXIT_USAGE;
}

static int exit_of(const dbx_check_result_t *r)
{
    switch (r->verdict) {
    case DBX_VERDICT_DANE_VERIFIED: return DBX_EXIT_OK;
    case DBX_VERDICT_ENCRYPT_UNAUTH:
    case DBX_VERDICT_OPPORTUNISTIC: return DBX_EXIT_NEGATIVE;
    default:
        return r->mx.sec == DBX_DNSSEC_INDETERMINATE ? DBX_EXIT_INDETERMINATE : DBX_EXIT_BOGUS;
    }
}

/* One domain: run, print, return its exit code; adds the handshakes saved. */
static int check_one(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                     const char *domain, int json, uint32_t *saved)
{
    static dbx_check_work_t work;
    static dbx_check_result_t res;
    static char out[OUT_MAX];
    int e, st = dbx_check_run(cfg, r, tr, &work, domain, &res);
    if (st != DBX_OK) {
        fprintf(stderr, "danebox: check %s: %s\n", domain, dbx_strerror(st));
        e = st == DBX_ERR_INVAL ? DBX_EXIT_USAGE : DBX_EXIT_INTERNAL;
    } else {
        if (json) {
            if (dbx_check_json(&res, out, sizeof out) != DBX_OK) {
                fprintf(stderr, "danebox: JSON output truncated\n");
            }
            printf("%s\n", out);
        } else {
            if (dbx_check_summary_lines(&res, out, sizeof out) != DBX_OK) {
                fprintf(stderr, "danebox: output truncated\n");
            }
            fputs(out, stdout);
            printf("%s: %u DNS queries, %u DNS rounds, %u SMTP round trips in %u session(s), %u ms%s\n",
                   res.domain, (unsigned)res.dns_queries, (unsigned)res.dns_rounds,
                   (unsigned)res.smtp_round_trips,
                   (unsigned)res.smtp_sessions, (unsigned)res.elapsed_ms,
                   res.handshakes_saved ? ", TLS handshake(s) saved by resumption" : "");
        }
        e = exit_of(&res);
        *saved += res.handshakes_saved;
    }
    fflush(stdout);
    return e;
}

int dbx_cmd_check(int argc, char **argv)
{
    static dbx_tls_cache_t tls_cache;
    const char *domains[MAX_DOMAINS];
    const char *anchor_path = NULL;
    size_t ndom = 0, nups = 0;
    dbx_addr_t ups[DBX_DNS_MAX_UPSTREAMS];
    dbx_check_config_t cfg;
    dbx_trust_t trust;
    dbx_resolver_t *r;
    host_net_t net;
    dbx_transport_t tr;
    int json = 0, have_time = 0, worst = DBX_EXIT_OK, repeat = 1, interval = 0, resume = 1;
    size_t cache_n = 0;
    uint32_t n3max = DBX_NSEC3_MAX_ITERATIONS;
    uint32_t saved = 0;
    static const int rank[] = {0, 1, 5, 2, 3, 4}; /* by exit code: usage/internal worst */

    dbx_check_config_defaults(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-4") == 0) {
            cfg.families = DBX_CHECK_IPV4;
        } else if (strcmp(a, "-6") == 0) {
            cfg.families = DBX_CHECK_IPV6;
        } else if (strcmp(a, "--no-resume") == 0) {
            resume = 0;
        } else if (strcmp(a, "--first") == 0) {
            cfg.stop_at_first = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
            return DBX_EXIT_OK;
        } else if (a[0] == '-') {
            if (i + 1 >= argc) {
                fprintf(stderr, "danebox: %s needs an argument\n", a);
                return usage();
            }
            const char *v = argv[++i];
            if (strcmp(a, "--resolver") == 0) {
                if (nups >= DBX_DNS_MAX_UPSTREAMS) {
                    fprintf(stderr, "danebox: at most %d resolvers\n", DBX_DNS_MAX_UPSTREAMS);
                    return DBX_EXIT_USAGE;
                }
                if (dbx_addr_parse(v, 53, &ups[nups]) != DBX_OK) {
                    fprintf(stderr, "danebox: bad resolver address '%s'\n", v);
                    return DBX_EXIT_USAGE;
                }
                nups++;
            } else if (strcmp(a, "--repeat") == 0 || strcmp(a, "--interval") == 0) {
                char *e;
                unsigned long n = strtoul(v, &e, 10);
                if (*e != '\0' || n > 3600 || (a[2] == 'r' && (n < 1 || n > 1000))) return usage();
                if (a[2] == 'r') repeat = (int)n;
                else interval = (int)n;
            } else if (strcmp(a, "--tls-cache") == 0) {
                char *e;
                unsigned long n = strtoul(v, &e, 10);
                if (*e != '\0' || n < 1 || n > DBX_TLS_CACHE_ENTRIES) return usage();
                cache_n = n;
            } else if (strcmp(a, "--anchor") == 0) {
                anchor_path = v;
            } else if (strcmp(a, "--nsec3-iterations") == 0) {
                if (dbx_cli_parse_nsec3_limit(v, &n3max) != 0) return DBX_EXIT_USAGE;
            } else if (strcmp(a, "--level") == 0) {
                if (dbx_tls_level_parse(v, &cfg.level) != DBX_OK) {
                    fprintf(stderr, "danebox: unknown TLS level '%s'\n", v);
                    return usage();
                }
            } else if (strcmp(a, "--time") == 0) {
                if (dbx_cli_parse_time(v, &cfg.now) != 0) return DBX_EXIT_USAGE;
                have_time = 1;
            } else if (strcmp(a, "--port") == 0) {
                char *e;
                unsigned long p = strtoul(v, &e, 10);
                if (*e != '\0' || p == 0 || p > 65535) return usage();
                cfg.port = (uint16_t)p;
            } else if (strcmp(a, "--helo") == 0) {
                if (v[0] == '\0' || strlen(v) > DBX_SMTP_HELO_MAX) return usage();
                cfg.helo_name = v;
            } else if (strcmp(a, "--timeout") == 0) {
                char *e;
                unsigned long ms = strtoul(v, &e, 10);
                if (*e != '\0' || ms == 0 || ms > 600000ul) return usage();
                cfg.connect_ms = cfg.command_ms = cfg.handshake_ms = (uint32_t)ms;
            } else {
                fprintf(stderr, "danebox: unknown option '%s'\n", a);
                return usage();
            }
        } else {
            if (ndom >= MAX_DOMAINS) {
                fprintf(stderr, "danebox: at most %d domains\n", MAX_DOMAINS);
                return DBX_EXIT_USAGE;
            }
            domains[ndom++] = a;
        }
    }
    if (ndom == 0) return usage();
    if (!have_time && hal_clock_unix(&cfg.now) != DBX_OK) {
        fprintf(stderr, "danebox: wall clock unknown; use --time\n");
        return DBX_EXIT_INTERNAL;
    }
    int lst = dbx_cli_load_trust(anchor_path, &trust);
    if (lst != DBX_EXIT_OK) return lst;
    if (nups == 0) {
        if (dbx_cli_default_resolver(&ups[0]) != 0) {
            fprintf(stderr, "danebox: no --resolver and no nameserver in /etc/resolv.conf\n");
            dbx_trust_free(&trust);
            return DBX_EXIT_USAGE;
        }
        nups = 1;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        dbx_trust_free(&trust);
        return DBX_EXIT_INTERNAL;
    }
    host_net_init(&net, &tr);
    dbx_resolver_init(r, &tr, ups, nups, &trust);
    (void)dbx_resolver_set_nsec3_limit(r, n3max); /* in range: parsed above */
    dbx_tls_cache_set_limit(&tls_cache, cache_n);
    if (resume) cfg.tls_cache = &tls_cache;

    for (int round = 0; round < repeat; round++) {
        if (round > 0 && interval > 0) sleep((unsigned)interval);
        for (size_t d = 0; d < ndom; d++) {
            int e = check_one(&cfg, r, &tr, domains[d], json, &saved);
            if (rank[e] > rank[worst]) worst = e;
        }
    }
    if (repeat > 1 && !json) {
        printf("TLS session cache: %u handshakes saved (%u stored, %u offered, %u invalidated)\n",
               (unsigned)saved, (unsigned)tls_cache.stats.stored,
               (unsigned)tls_cache.stats.offered, (unsigned)tls_cache.stats.invalidated);
    }
    dbx_tls_cache_init(&tls_cache);
    dbx_resolver_free(r);
    free(r);
    dbx_trust_free(&trust);
    dbx_tls_global_free();
    return worst;
}
