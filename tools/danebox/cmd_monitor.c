/* danebox monitor: check what the DANE-for-SMTP how-to says operators must
 * monitor, for one or more domains (tools/danebox/monitor.h):
 *
 *   danebox monitor DOMAIN... [--resolver ADDR[:PORT]]... [--anchor FILE]
 *                   [--time UNIX] [--json | --nagios] [--warn-days N]
 *                   [--crit-days N] [-4|-6] [--port N] [--timeout MS]
 *
 * Output: a readable report per domain (default), one JSON line per domain
 * (--json), or one Nagios/Icinga status line with perfdata (--nagios).
 * Exit: the Nagios state of the worst domain, 0 OK (advice included),
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN; usage errors also exit 3 with --nagios
 * (plugin convention) and 2 otherwise. */
#include "cli.h"
#include "cli_dns.h"
#include "monitor.h"
#include "smtp/dbx_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOMAINS 16

static int usage(int nagios)
{
    fprintf(stderr,
            "usage: danebox monitor DOMAIN... [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]\n"
            "         [--json | --nagios] [--warn-days N] [--crit-days N] [-4|-6] [--port N] [--timeout MS]\n");
    return nagios ? 3 : DBX_EXIT_USAGE;
}

static int num(const char *v, long lo, long hi, long *out)
{
    char *e;
    long x = strtol(v, &e, 10);
    if (*e != '\0' || e == v || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

/* options other than the DNS ones; @return 1 consumed with value, 0 flag, -1 bad */
static int option(const char *a, const char *v, dbx_mon_opts_t *o, int *fmt)
{
    long x;
    if (strcmp(a, "--json") == 0) { *fmt = 1; return 0; }
    if (strcmp(a, "--nagios") == 0) { *fmt = 2; return 0; }
    if (strcmp(a, "-4") == 0) { o->check.families = DBX_CHECK_IPV4; return 0; }
    if (strcmp(a, "-6") == 0) { o->check.families = DBX_CHECK_IPV6; return 0; }
    if (v == NULL) return -1;
    if (strcmp(a, "--warn-days") == 0 && num(v, 0, 36500, &x) == 0) o->warn_days = (int)x;
    else if (strcmp(a, "--crit-days") == 0 && num(v, 0, 36500, &x) == 0) o->crit_days = (int)x;
    else if (strcmp(a, "--port") == 0 && num(v, 1, 65535, &x) == 0) o->check.port = (uint16_t)x;
    else if (strcmp(a, "--timeout") == 0 && num(v, 1, 600000, &x) == 0)
        o->check.connect_ms = o->check.command_ms = o->check.handshake_ms = (uint32_t)x;
    else return -1;
    return 1;
}

int dbx_cmd_monitor(int argc, char **argv)
{
    static dbx_mon_ctx_t ctx;
    static dbx_mon_report_t reps[MAX_DOMAINS];
    const dbx_mon_report_t *rp[MAX_DOMAINS];
    const char *domains[MAX_DOMAINS];
    size_t ndom = 0, nrep = 0;
    int fmt = 0, rc, worst = 0, nagios;
    dbx_cli_dns_t dns;
    static const int rank[] = {0, 1, 3, 2};

    memset(&ctx, 0, sizeof ctx);
    dbx_mon_opts_defaults(&ctx.opts);
    dbx_cli_dns_init(&dns);
    nagios = 0;
    for (int i = 1; i < argc; i++) nagios |= strcmp(argv[i], "--nagios") == 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int d = dbx_cli_dns_option(&dns, a, v);
        if (d < 0) return usage(nagios);
        if (d > 0) { i++; continue; }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(0); return DBX_EXIT_OK; }
        if (a[0] != '-') {
            if (ndom >= MAX_DOMAINS) return usage(nagios);
            domains[ndom++] = a;
            continue;
        }
        d = option(a, v, &ctx.opts, &fmt);
        if (d < 0) {
            fprintf(stderr, "danebox: bad option '%s'\n", a);
            return usage(nagios);
        }
        i += d;
    }
    if (ndom == 0 || ctx.opts.crit_days > ctx.opts.warn_days) return usage(nagios);
    rc = dbx_cli_dns_open(&dns);
    if (rc != DBX_EXIT_OK) {
        if (fmt == 2) printf("DANE UNKNOWN - cannot start: resolver / anchor / clock\n");
        return fmt == 2 ? 3 : rc;
    }
    ctx.opts.check.now = dns.now;
    ctx.r = dns.r;
    ctx.tr = &dns.tr;
    for (size_t d = 0; d < ndom; d++) {
        dbx_mon_report_t *rep = &reps[nrep];
        int st = dbx_mon_domain(&ctx, domains[d], rep);
        if (st != DBX_OK) {
            fprintf(stderr, "danebox: monitor %s: %s\n", domains[d], dbx_strerror(st));
            memset(rep, 0, sizeof *rep);
            snprintf(rep->domain, sizeof rep->domain, "%s", domains[d]);
            rep->rrsig_days_min = INT64_MAX;
            dbx_mon_add(rep, DBX_MON_SEV_UNKNOWN, "internal", NULL, NULL, "check failed: %s", dbx_strerror(st));
        }
        rp[nrep++] = rep;
        if (fmt == 0) dbx_mon_print_text(rep, stdout);
        if (fmt == 1) dbx_mon_print_json(rep, stdout);
        fflush(stdout);
    }
    if (fmt == 2) {
        worst = dbx_mon_print_nagios(rp, nrep, &ctx.opts, stdout);
    } else {
        for (size_t i = 0; i < nrep; i++) {
            int s = rp[i]->worst == DBX_MON_SEV_WARNING ? 1 : rp[i]->worst == DBX_MON_SEV_CRITICAL ? 2
                    : rp[i]->worst == DBX_MON_SEV_UNKNOWN ? 3 : 0;
            if (rank[s] > rank[worst]) worst = s;
        }
    }
    dbx_cli_dns_close(&dns);
    dbx_tls_global_free();
    return worst;
}
