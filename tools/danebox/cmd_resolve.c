/* danebox resolve: validated DNS lookups from the command line.
 *
 *   danebox resolve NAME TYPE [NAME TYPE...] [--resolver ADDR[:PORT]]...
 *                   [--anchor FILE] [--time UNIX] [--json] [--repeat N]
 *                   [--offline ZONEFILE...] [--nsec3-iterations N]
 *
 * Several NAME TYPE pairs (and --repeat) run in one process with one
 * resolver, so the key cache is shared: the query count printed per lookup
 * shows cold vs warm cost.  --offline answers from zone files instead of
 * the network (files run until the next --option).  --nsec3-iterations lowers
 * the NSEC3 iteration limit (denials above it are insecure, RFC 9276). */
#include "cli.h"
#include "dnssec/dbx_resolver.h"

#include <ldns/ldns.h>
#include "hal_platform.h"
#include "host_net.h"
#include "report/dbx_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 32
#define MAX_FILES 16
#define FILE_MAX (16u * 1024u * 1024u)

/* Whole file, exactly sized (zone files can be large; no fixed buffer). */
static int usage(void)
{
    fprintf(stderr, "usage: danebox resolve NAME TYPE [NAME TYPE...] [--resolver ADDR[:PORT]]...\n"
                    "         [--anchor FILE] [--time UNIX] [--json] [--repeat N] [--offline ZONEFILE...]\n"
                    "         [--nsec3-iterations N]\n");
    return DBX_EXIT_USAGE;
}

/* JSON lines come from src/report (the firmware prints the same bytes). */
static void print_result(const char *name, const char *type, const dbx_result_t *res, int json,
                         uint32_t total)
{
    char *fin;
    const char *rc;
    if (json) {
        (void)dbx_report_resolve_json(stdout, name, type, res, total);
        return;
    }
    fin = dbx_rdf_text(res->final_name);
    rc = ldns_lookup_by_id(ldns_rcodes, res->rcode) ? ldns_lookup_by_id(ldns_rcodes, res->rcode)->name
                                                     : "?";
    printf(";; %s %s: %s (%s)\n", name, type, dbx_sec_str(res->sec), res->reason);
    printf(";; rcode %s, %s%s, final name %s, ttl %u\n", rc, dbx_answer_kind_str(res->kind),
           res->wildcard ? " (wildcard)" : "", fin ? fin : "?", res->ttl);
    for (size_t i = 0; i < ldns_rr_list_rr_count(res->chain); i++) {
        char *s = dbx_rr_text(ldns_rr_list_rr(res->chain, i));
        printf(";; chain: %s\n", s ? s : "?");
        free(s);
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(res->answer); i++) {
        char *s = dbx_rr_text(ldns_rr_list_rr(res->answer, i));
        printf("%s\n", s ? s : "?");
        free(s);
    }
    printf(";; queries: %u (total %u), signature checks: %u, NSEC3 hashes: %u\n", res->queries,
           total, res->sig_verifies, res->nsec3_hashes);
    free(fin);
}

static int exit_of(dbx_sec_t s)
{
    switch (s) {
    case DBX_SEC_SECURE: return DBX_EXIT_OK;
    case DBX_SEC_INSECURE: return DBX_EXIT_NEGATIVE;
    case DBX_SEC_BOGUS: return DBX_EXIT_BOGUS;
    default: return DBX_EXIT_INDETERMINATE;
    }
}

int dbx_cmd_resolve(int argc, char **argv)
{
    const char *names[MAX_PAIRS], *types[MAX_PAIRS], *files[MAX_FILES];
    uint16_t tcodes[MAX_PAIRS];
    size_t npairs = 0, nfiles = 0, nups = 0;
    dbx_addr_t ups[DBX_DNS_MAX_UPSTREAMS];
    const char *anchor_path = NULL;
    int json = 0, repeat = 1, have_time = 0, rc = DBX_EXIT_OK, worst = 0;
    uint32_t n3max = DBX_NSEC3_MAX_ITERATIONS;
    int64_t now = 0;
    dbx_trust_t trust;
    dbx_memsrc_t mem;
    dbx_resolver_t *r;
    host_net_t net;
    dbx_transport_t tr;
    char *text = NULL;

    memset(&mem, 0, sizeof mem);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--resolver") == 0 && i + 1 < argc) {
            if (nups >= DBX_DNS_MAX_UPSTREAMS) {
                fprintf(stderr, "danebox: at most %d resolvers\n", DBX_DNS_MAX_UPSTREAMS);
                return DBX_EXIT_USAGE;
            }
            if (dbx_addr_parse(argv[++i], 53, &ups[nups]) != DBX_OK) {
                fprintf(stderr, "danebox: bad resolver address '%s'\n", argv[i]);
                return DBX_EXIT_USAGE;
            }
            nups++;
        } else if (strcmp(a, "--anchor") == 0 && i + 1 < argc) {
            anchor_path = argv[++i];
        } else if (strcmp(a, "--time") == 0 && i + 1 < argc) {
            if (dbx_cli_parse_time(argv[++i], &now) != 0) return DBX_EXIT_USAGE;
            have_time = 1;
        } else if (strcmp(a, "--nsec3-iterations") == 0 && i + 1 < argc) {
            if (dbx_cli_parse_nsec3_limit(argv[++i], &n3max) != 0) return DBX_EXIT_USAGE;
        } else if (strcmp(a, "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
            if (repeat < 1 || repeat > 100) return usage();
        } else if (strcmp(a, "--offline") == 0) {
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                if (nfiles >= MAX_FILES) return usage();
                files[nfiles++] = argv[++i];
            }
            if (nfiles == 0) return usage();
        } else if (a[0] == '-' && a[1] == '-') {
            return usage();
        } else {
            if (i + 1 >= argc || npairs >= MAX_PAIRS) return usage();
            int t = ldns_get_rr_type_by_name(argv[i + 1]);
            if (t == 0) {
                fprintf(stderr, "danebox: unknown RR type '%s'\n", argv[i + 1]);
                return DBX_EXIT_USAGE;
            }
            names[npairs] = a;
            types[npairs] = argv[i + 1];
            tcodes[npairs] = (uint16_t)t;
            npairs++;
            i++;
        }
    }
    if (npairs == 0) return usage();
    if (!have_time && hal_clock_unix(&now) != DBX_OK) {
        fprintf(stderr, "danebox: wall clock unknown; use --time\n");
        return DBX_EXIT_INTERNAL;
    }
    /* trust anchor */
    int lst = dbx_cli_load_trust(anchor_path, &trust);
    if (lst != DBX_EXIT_OK) return lst;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        dbx_trust_free(&trust);
        return DBX_EXIT_INTERNAL;
    }
    if (nfiles > 0) {
        size_t total = 0;
        for (size_t f = 0; f < nfiles; f++) {
            char *t = NULL;
            size_t len = 0;
            if (dbx_cli_read_file(files[f], FILE_MAX, &t, &len) != 0) {
                rc = DBX_EXIT_USAGE;
                break;
            }
            char *nt = realloc(text, total + len + 2);
            if (nt == NULL) {
                free(t);
                rc = DBX_EXIT_INTERNAL;
                break;
            }
            text = nt;
            memcpy(text + total, t, len);
            total += len;
            text[total++] = '\n';
            text[total] = '\0';
            free(t);
        }
        if (rc == DBX_EXIT_OK) {
            int bad = 0, st = dbx_memsrc_init(&mem, text ? text : "", &bad);
            if (st != DBX_OK) {
                fprintf(stderr, "danebox: offline zone data: %s near statement line %d\n",
                        dbx_strerror(st), bad);
                rc = DBX_EXIT_USAGE;
            }
        }
        free(text);
        if (rc != DBX_EXIT_OK) {
            free(r);
            dbx_trust_free(&trust);
            return rc;
        }
        dbx_resolver_init_source(r, dbx_memsrc_source(&mem), &trust);
    } else {
        if (nups == 0) {
            if (dbx_cli_default_resolver(&ups[0]) != 0) {
                fprintf(stderr, "danebox: no --resolver and no nameserver in /etc/resolv.conf\n");
                free(r);
                dbx_trust_free(&trust);
                return DBX_EXIT_USAGE;
            }
            nups = 1;
        }
        host_net_init(&net, &tr);
        dbx_resolver_init(r, &tr, ups, nups, &trust);
    }
    (void)dbx_resolver_set_nsec3_limit(r, n3max); /* in range: parsed above */
    for (int rep = 0; rep < repeat; rep++) {
        for (size_t k = 0; k < npairs; k++) {
            dbx_result_t res;
            int st = dbx_resolve(r, names[k], tcodes[k], now, &res);
            int e;
            if (st != DBX_OK) {
                fprintf(stderr, "danebox: %s %s: %s\n", names[k], types[k], dbx_strerror(st));
                e = st == DBX_ERR_INVAL ? DBX_EXIT_USAGE : DBX_EXIT_INTERNAL;
            } else {
                print_result(names[k], types[k], &res, json, r->total_queries);
                e = exit_of(res.sec);
            }
            dbx_result_free(&res);
            /* the worst outcome wins: usage/internal > indeterminate > bogus > insecure */
            static const int rank[] = {0, 1, 5, 2, 3, 4};
            if (rank[e] > rank[worst]) worst = e;
        }
    }
    dbx_resolver_free(r);
    free(r);
    dbx_memsrc_free(&mem);
    dbx_trust_free(&trust);
    return worst;
}
