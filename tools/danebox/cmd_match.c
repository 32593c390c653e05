/* danebox match: match a TLSA RRset (file) against a PEM server chain. */
#include "cli.h"
#include "dane/dbx_dane.h"

#include "report/dbx_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/x509_crt.h"

#define TLSA_FILE_MAX (64u * 1024u)  /* bytes */
#define CHAIN_FILE_MAX (64u * 1024u) /* bytes */
#define TLSA_LINES_MAX 64u           /* records read; the matcher uses 16 */
#define LINE_MAX_LEN 20000u

static const char *match_usage =
    "usage: danebox match --tlsa FILE --chain PEM --name HOST [--name HOST...] "
    "[--time UNIX] [--json]\n";

static void json_str(const char *s)
{
    dbx_json_str(stdout, s);
}

/* Parse the TLSA file into recs (data decoded into pool).  -1 on error. */
static int load_tlsa(const char *path, char *text, size_t len, dbx_tlsa_t *recs, size_t *n,
                     uint8_t *pool, size_t poolsize)
{
    size_t pos = 0, used = 0, line = 0;
    *n = 0;
    while (pos < len) {
        size_t end = pos, st = pos;
        int rc;
        line++;
        while (end < len && text[end] != '\n') {
            end++;
        }
        if (end - pos > LINE_MAX_LEN) {
            fprintf(stderr, "danebox: %s:%zu: line too long\n", path, line);
            return -1;
        }
        while (st < end && (text[st] == ' ' || text[st] == '\t' || text[st] == '\r')) {
            st++;
        }
        if (st < end && text[st] != '#' && text[st] != ';') {
            if (*n >= TLSA_LINES_MAX) {
                fprintf(stderr, "danebox: %s: more than %u records\n", path, TLSA_LINES_MAX);
                return -1;
            }
            rc = dbx_tlsa_from_text(text + st, end - st, pool + used, poolsize - used, &recs[*n]);
            if (rc == DBX_OK) {
                used += recs[*n].len;
                (*n)++;
            } else if (rc != DBX_ERR_NOTFOUND) {
                fprintf(stderr,
                        "danebox: %s:%zu: not a TLSA record (want 'U S M HEX' or "
                        "'owner [ttl] [class] TLSA U S M HEX'): %s\n",
                        path, line, dbx_strerror(rc));
                return -1;
            }
        }
        pos = end + 1;
    }
    return 0;
}

int dbx_cmd_match(int argc, char **argv)
{
    const char *tlsa_path = NULL, *chain_path = NULL;
    const char *names[DBX_DANE_MAX_NAMES];
    size_t n_names = 0, n_recs = 0, tlen = 0, clen = 0;
    int64_t now = (int64_t)time(NULL);
    int json = 0, rc = DBX_EXIT_INTERNAL, ret;
    char *ttext = NULL, *ctext = NULL;
    uint8_t *pool = NULL;
    dbx_tlsa_t recs[TLSA_LINES_MAX];
    dbx_dane_result_t res;
    mbedtls_x509_crt chain;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(match_usage, stdout);
            return DBX_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "danebox: %s needs an argument\n%s", a, match_usage);
            return DBX_EXIT_USAGE;
        }
        if (strcmp(a, "--tlsa") == 0) {
            tlsa_path = argv[++i];
        } else if (strcmp(a, "--chain") == 0) {
            chain_path = argv[++i];
        } else if (strcmp(a, "--name") == 0) {
            const char *nm = argv[++i];
            if (n_names >= DBX_DANE_MAX_NAMES) {
                fprintf(stderr, "danebox: at most %d --name options\n", DBX_DANE_MAX_NAMES);
                return DBX_EXIT_USAGE;
            }
            if (nm[0] == '\0' || strlen(nm) > DBX_DANE_MAX_NAME_LEN + 1) {
                fprintf(stderr, "danebox: --name '%s': empty or too long\n", nm);
                return DBX_EXIT_USAGE;
            }
            names[n_names++] = nm;
        } else if (strcmp(a, "--time") == 0) {
            if (dbx_cli_parse_time(argv[++i], &now) != 0) {
                return DBX_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "danebox: unknown option '%s'\n%s", a, match_usage);
            return DBX_EXIT_USAGE;
        }
    }
    if (tlsa_path == NULL || chain_path == NULL || n_names == 0) {
        fprintf(stderr, "danebox: --tlsa, --chain and --name are required\n%s", match_usage);
        return DBX_EXIT_USAGE;
    }

    mbedtls_x509_crt_init(&chain);
    if (dbx_cli_read_file(tlsa_path, TLSA_FILE_MAX, &ttext, &tlen) != 0 ||
        dbx_cli_read_file(chain_path, CHAIN_FILE_MAX, &ctext, &clen) != 0) {
        rc = DBX_EXIT_USAGE;
        goto out;
    }
    pool = malloc(tlen / 2 + 1);
    if (pool == NULL) {
        fprintf(stderr, "danebox: out of memory\n");
        goto out;
    }
    if (load_tlsa(tlsa_path, ttext, tlen, recs, &n_recs, pool, tlen / 2 + 1) != 0) {
        rc = DBX_EXIT_USAGE;
        goto out;
    }
    if (strstr(ctext, "-----BEGIN CERTIFICATE-----") == NULL) {
        fprintf(stderr, "danebox: %s: no PEM certificate found\n", chain_path);
        rc = DBX_EXIT_USAGE;
        goto out;
    }
    ret = mbedtls_x509_crt_parse(&chain, (const unsigned char *)ctext, clen + 1);
    if (ret != 0) {
        fprintf(stderr, "danebox: %s: %s certificate(s) failed to parse (%d)\n", chain_path,
                ret > 0 ? "some" : "the", ret);
        rc = DBX_EXIT_USAGE;
        goto out;
    }
    ret = dbx_dane_match(recs, n_recs, &chain, names, n_names, now, NULL, &res);
    if (ret != DBX_OK) {
        fprintf(stderr, "danebox: match failed: %s\n", dbx_strerror(ret));
        goto out;
    }

    if (json) {
        printf("{\"verdict\":\"%s\",\"record\":%d,\"depth\":%d,", dbx_dane_verdict_str(res.verdict),
               res.record, res.depth);
        if (res.record >= 0) {
            const dbx_tlsa_t *r = &recs[res.record];
            printf("\"tlsa\":\"%u %u %u\",\"ta_from_dns\":%s,", r->usage, r->selector, r->mtype,
                   res.ta_from_dns ? "true" : "false");
        }
        printf("\"usable\":%zu,\"records\":%zu,\"chain\":%zu,\"records_limited\":%s,"
               "\"chain_limited\":%s,\"reason\":",
               res.n_usable, n_recs, res.chain_len, res.records_limited ? "true" : "false",
               res.chain_limited ? "true" : "false");
        json_str(res.reason);
        printf(",\"record_use\":[");
        for (size_t i = 0; i < n_recs && i < DBX_DANE_MAX_RECORDS; i++) {
            printf("%s", i ? "," : "");
            json_str(dbx_tlsa_use_str(res.use[i]));
        }
        printf("]}\n");
    } else {
        printf("verdict: %s\n", dbx_dane_verdict_str(res.verdict));
        if (res.record >= 0) {
            const dbx_tlsa_t *r = &recs[res.record];
            printf("record: #%d (%u %u %u)%s\n", res.record, r->usage, r->selector, r->mtype,
                   res.ta_from_dns ? " TA from DNS" : "");
            printf("depth: %d\n", res.depth);
        } else {
            printf("record: none\ndepth: -\n");
        }
        printf("reason: %s\n", res.reason);
        printf("usable: %zu of %zu record(s); chain: %zu certificate(s)%s%s\n", res.n_usable,
               n_recs, res.chain_len, res.records_limited ? "; records beyond 16 ignored" : "",
               res.chain_limited ? "; chain truncated" : "");
        for (size_t i = 0; i < n_recs && i < DBX_DANE_MAX_RECORDS; i++) {
            if (res.use[i] != DBX_TLSA_USABLE) {
                printf("  #%zu %u %u %u: %s\n", i, recs[i].usage, recs[i].selector,
                       recs[i].mtype, dbx_tlsa_use_str(res.use[i]));
            }
        }
    }
    switch (res.verdict) {
    case DBX_DANE_MATCH: rc = DBX_EXIT_OK; break;
    case DBX_DANE_NO_MATCH: rc = DBX_EXIT_NEGATIVE; break;
    case DBX_DANE_NO_USABLE: rc = DBX_EXIT_BOGUS; break;
    default: rc = DBX_EXIT_INTERNAL; break;
    }
out:
    mbedtls_x509_crt_free(&chain);
    free(pool);
    free(ttext);
    free(ctext);
    return rc;
}
