/* DNS options shared by `danebox tlsa --compare` and `danebox monitor`. */
#include "cli_dns.h"
#include "cli.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dbx_cli_dns_init(dbx_cli_dns_t *d)
{
    memset(d, 0, sizeof *d);
}

int dbx_cli_dns_option(dbx_cli_dns_t *d, const char *opt, const char *val)
{
    if (strcmp(opt, "--resolver") != 0 && strcmp(opt, "--anchor") != 0 &&
        strcmp(opt, "--time") != 0) {
        return 0;
    }
    if (val == NULL) {
        fprintf(stderr, "danebox: %s needs an argument\n", opt);
        return -1;
    }
    if (strcmp(opt, "--anchor") == 0) {
        d->anchor_path = val;
    } else if (strcmp(opt, "--time") == 0) {
        if (dbx_cli_parse_time(val, &d->now) != 0) return -1;
        d->have_time = true;
    } else {
        if (d->nups >= DBX_DNS_MAX_UPSTREAMS) {
            fprintf(stderr, "danebox: at most %d resolvers\n", DBX_DNS_MAX_UPSTREAMS);
            return -1;
        }
        if (dbx_addr_parse(val, 53, &d->ups[d->nups]) != DBX_OK) {
            fprintf(stderr, "danebox: bad resolver address '%s'\n", val);
            return -1;
        }
        d->nups++;
    }
    return 1;
}

int dbx_cli_dns_open(dbx_cli_dns_t *d)
{
    int st;
    if (!d->have_time && hal_clock_unix(&d->now) != DBX_OK) {
        fprintf(stderr, "danebox: wall clock unknown; use --time\n");
        return DBX_EXIT_INTERNAL;
    }
    if (d->nups == 0) {
        if (dbx_cli_default_resolver(&d->ups[0]) != 0) {
            fprintf(stderr, "danebox: no --resolver and no nameserver in /etc/resolv.conf\n");
            return DBX_EXIT_USAGE;
        }
        d->nups = 1;
    }
    st = dbx_cli_load_trust(d->anchor_path, &d->trust);
    if (st != DBX_EXIT_OK) return st;
    d->r = calloc(1, sizeof *d->r);
    if (d->r == NULL) {
        dbx_trust_free(&d->trust);
        return DBX_EXIT_INTERNAL;
    }
    host_net_init(&d->net, &d->tr);
    dbx_resolver_init(d->r, &d->tr, d->ups, d->nups, &d->trust);
    return DBX_EXIT_OK;
}

void dbx_cli_dns_close(dbx_cli_dns_t *d)
{
    if (d->r != NULL) {
        dbx_resolver_free(d->r);
        free(d->r);
        d->r = NULL;
        dbx_trust_free(&d->trust);
    }
}
