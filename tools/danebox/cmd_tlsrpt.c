/* danebox tlsrpt: the relay's daily SMTP TLS reports (RFC 8460).
 *
 *   danebox tlsrpt (--config FILE | --spool DIR) [--date YYYY-MM-DD] [--domain D]...
 *                  [--org NAME] [--contact ADDR] [--submitter HOST] [--out DIR]
 *                  [--no-send] [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]
 *
 * Reads the records the relay stored for that UTC day (SPOOL/tlsrpt/DATE.log,
 * default yesterday), builds one aggregate report per policy domain
 * (src/tlsrpt), gzips it and delivers it to every rua URI of the domain's
 * DNSSEC-validated `_smtp._tls.DOMAIN` TXT record (exactly one
 * "v=TLSRPTv1" record, else the domain is skipped, RFC 8460 §3): mailto:
 * queued in the spool for the relay, https: POSTed (tlsrpt_https.c).
 * Exit: 0 every report delivered (or --no-send), 1 nothing to deliver for
 * some domain or at all (no sessions, no validated TLSRPT record), 2 usage, 3 a
 * delivery failed, 5 internal error. */
#include "cli.h"
#include "cli_dns.h"
#include "port/host_spool.h"
#include "relay_config.h"
#include "tlsrpt/dbx_tlsrpt_report.h"
#include "tlsrpt_send.h"
#include "tlsrpt_store.h"

#include "dbx_str.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DOMAINS 64
#define JSON_MAX (256u * 1024u)

typedef struct opts {
    const char *spool, *org, *contact, *submitter, *out;
    const char *domains[MAX_DOMAINS];
    size_t n_domains;
    int64_t day;      /**< start of the UTC day */
    bool no_send;
} opts_t;

static int usage(void)
{
    fprintf(stderr, "usage: danebox tlsrpt (--config FILE | --spool DIR) [--date YYYY-MM-DD]\n"
                    "         [--domain D]... [--org NAME] [--contact ADDR] [--submitter HOST]\n"
                    "         [--out DIR] [--no-send] [--resolver ADDR[:PORT]]... [--anchor FILE]"
                    " [--time UNIX]\n");
    return DBX_EXIT_USAGE;
}

static int parse_date(const char *s, int64_t *out)
{
    int y, m, d;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || m < 1 || m > 12 ||
        d < 1 || d > 31) {
        return -1;
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    *out = (int64_t)t;
    return t == (time_t)-1 || tm.tm_mday != d ? -1 : 0;
}

static int parse_args(int argc, char **argv, opts_t *o, relay_config_t *cfg, dbx_cli_dns_t *dns)
{
    const char *date = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int dn = dbx_cli_dns_option(dns, a, v);
        if (dn != 0) {
            if (dn < 0) return -1;
            i++;
            continue;
        }
        if (strcmp(a, "--no-send") == 0) {
            o->no_send = true;
            continue;
        }
        if (v == NULL) return -1;
        i++;
        if (strcmp(a, "--config") == 0) {
            if (relay_config_load(v, cfg) != 0) return -1;
            o->spool = cfg->spool;
        } else if (strcmp(a, "--spool") == 0) {
            o->spool = v;
        } else if (strcmp(a, "--date") == 0) {
            date = v;
        } else if (strcmp(a, "--domain") == 0 && o->n_domains < MAX_DOMAINS) {
            o->domains[o->n_domains++] = v;
        } else if (strcmp(a, "--org") == 0) {
            o->org = v;
        } else if (strcmp(a, "--contact") == 0) {
            o->contact = v;
        } else if (strcmp(a, "--submitter") == 0) {
            o->submitter = v;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else {
            return -1;
        }
    }
    if (date != NULL && parse_date(date, &o->day) != 0) {
        fprintf(stderr, "danebox: --date wants YYYY-MM-DD, got '%s'\n", date);
        return -1;
    }
    if (date == NULL) {
        o->day = ((int64_t)time(NULL) / 86400 - 1) * 86400; /* yesterday */
    }
    return o->spool != NULL ? 0 : -1;
}

/* Aggregates of the day: one per domain (given, or as found in the file). */
typedef struct day {
    dbx_tlsrpt_agg_t *agg;
    size_t n;
    uint64_t bad_lines;
} day_t;

static dbx_tlsrpt_agg_t *agg_for(day_t *d, const opts_t *o, const char *domain)
{
    for (size_t i = 0; i < d->n; i++) {
        if (dbx_ascii_eq(d->agg[i].domain, domain)) return &d->agg[i];
    }
    if (o->n_domains > 0 || d->n >= MAX_DOMAINS) return NULL;
    dbx_tlsrpt_agg_init(&d->agg[d->n], domain, o->day, o->day + 86400);
    return &d->agg[d->n++];
}

static int read_day(const opts_t *o, day_t *d)
{
    static char line[DBX_TLSRPT_LINE_MAX];
    static dbx_tlsrpt_rec_t rec;
    char path[1024];
    for (size_t i = 0; i < o->n_domains; i++) {
        dbx_tlsrpt_agg_init(&d->agg[d->n++], o->domains[i], o->day, o->day + 86400);
    }
    if (tlsrpt_store_day_path(o->spool, o->day, path, sizeof(path)) != 0) return -1;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("%s: no records\n", path);
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n') { /* too long or torn: skip it */
            int c;
            while (n > 0 && line[n - 1] != '\n' && (c = fgetc(f)) != EOF && c != '\n') {}
            d->bad_lines++;
            continue;
        }
        dbx_tlsrpt_agg_t *a;
        if (dbx_tlsrpt_rec_parse(line, &rec) != DBX_OK) {
            d->bad_lines++;
        } else if ((a = agg_for(d, o, rec.domain)) != NULL) {
            (void)dbx_tlsrpt_agg_add(a, &rec);
        }
    }
    fclose(f);
    return 0;
}

/* The one TLSRPTv1 TXT record of the domain, validated.  @return 0 or -1. */
static int policy_record(dbx_cli_dns_t *dns, const char *domain, char *txt, size_t cap,
                         char *why, size_t whycap)
{
    char name[300];
    dbx_result_t res;
    memset(&res, 0, sizeof(res));
    snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
    if (dbx_resolve(dns->r, name, LDNS_RR_TYPE_TXT, dns->now, &res) != DBX_OK ||
        res.sec != DBX_SEC_SECURE || dbx_result_count(&res) == 0) {
        snprintf(why, whycap, "%.260s: no DNSSEC-validated TXT record (%.100s)", name,
                 res.reason[0] ? res.reason : "lookup failed");
        dbx_result_free(&res);
        return -1;
    }
    size_t found = 0;
    for (size_t i = 0; i < dbx_result_count(&res); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(res.answer, i);
        dbx_sbuf_t s;
        char one[1024];
        dbx_sbuf_init(&s, one, sizeof(one));
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
            const ldns_rdf *f = ldns_rr_rdf(rr, k);
            const uint8_t *p = ldns_rdf_data(f);
            for (size_t j = 1; ldns_rdf_size(f) > 0 && j <= p[0] && j < ldns_rdf_size(f); j++) {
                dbx_sbuf_putc(&s, (char)p[j]);
            }
        }
        if (!s.cut && strncmp(one, "v=TLSRPTv1", 10) == 0 && (one[10] == ';' || one[10] == ' ' ||
                                                               one[10] == '\0')) {
            found++;
            dbx_str_copy(txt, cap, one);
        }
    }
    dbx_result_free(&res);
    if (found != 1) {
        snprintf(why, whycap, "%.260s: %zu TLSRPTv1 records (RFC 8460 §3 wants one)", name, found);
        return -1;
    }
    return 0;
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "danebox: cannot write %s\n", path);
    }
    if (f != NULL) fclose(f);
}

/* Deliver one domain's report to its rua URIs.  @return exit code. */
static int deliver(dbx_cli_dns_t *dns, const opts_t *o, dbx_queue_t *q, bool *queued,
                   const tlsrpt_msg_t *m)
{
    char txt[1024], why[400];
    static dbx_tlsrpt_rua_t rua;
    if (policy_record(dns, m->domain, txt, sizeof(txt), why, sizeof(why)) != 0 ||
        dbx_tlsrpt_rua_parse(txt, &rua) != DBX_OK) {
        printf("  not sent: %s\n", why[0] ? why : "no usable rua in the TLSRPT record");
        return DBX_EXIT_NEGATIVE;
    }
    int rc = DBX_EXIT_OK;
    for (size_t i = 0; i < rua.n; i++) {
        char err[400] = "", id[DBX_QUEUE_ID_MAX] = "";
        int status = 0;
        if (dbx_ascii_casecmp_n(rua.uri[i], "mailto:", 7) == 0) {
            if (tlsrpt_send_mailto(q, m, rua.uri[i], id, err, sizeof(err)) == 0) {
                printf("  %s: queued as %s\n", rua.uri[i], id);
                *queued = true;
                continue;
            }
        } else if (tlsrpt_send_https(dns, m, rua.uri[i], &status, err, sizeof(err)) == 0) {
            printf("  %s: HTTP %d\n", rua.uri[i], status);
            continue;
        }
        printf("  %s: FAILED: %s\n", rua.uri[i], err);
        rc = DBX_EXIT_BOGUS;
    }
    if (rua.ignored > 0) {
        printf("  %zu rua URI(s) ignored (limit %d, mailto: and https: only)\n", rua.ignored,
               DBX_TLSRPT_MAX_RUA);
    }
    return rc;
}

/* A policy domain goes into mail headers and file names: LDH labels only. */
static bool dns_name(const char *s)
{
    if (s[0] == '\0' || s[0] == '.' || s[0] == '-') return false;
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Build, keep (--out) and send the report of @p a.  @return exit code. */
static int one_domain(dbx_cli_dns_t *dns, const opts_t *o, dbx_queue_t *q, bool *queued,
                      const dbx_tlsrpt_agg_t *a, char *json)
{
    char rid[400], date[21];
    uint64_t ok = 0, bad = 0;
    for (size_t i = 0; i < a->n_pol; i++) {
        ok += a->pol[i].ok;
        bad += a->pol[i].failed;
    }
    printf("%s: %llu session(s), %llu successful, %llu failed\n", a->domain,
           (unsigned long long)(ok + bad), (unsigned long long)ok, (unsigned long long)bad);
    if (ok + bad == 0) return DBX_EXIT_NEGATIVE;
    if (!dns_name(a->domain) || !dns_name(o->submitter)) {
        printf("  not sent: not a DNS name (policy domain or submitter)\n");
        return DBX_EXIT_NEGATIVE;
    }
    dbx_utc_iso(o->day, date);
    snprintf(rid, sizeof(rid), "%.10s.%s.%lld@%s", date, a->domain, (long long)time(NULL),
             o->submitter);
    dbx_tlsrpt_meta_t meta = {o->org, o->contact, rid};
    size_t len = 0;
    uint8_t *gz = NULL;
    size_t gz_len = 0;
    if (dbx_tlsrpt_json(a, &meta, json, JSON_MAX, &len) != DBX_OK ||
        tlsrpt_gzip(json, len, &gz, &gz_len) != 0) {
        printf("  not sent: report larger than the limits\n");
        return DBX_EXIT_INTERNAL;
    }
    if (a->dropped > 0) {
        printf("  %llu record(s) / row(s) past the report limits not listed\n",
               (unsigned long long)a->dropped);
    }
    if (o->out != NULL) {
        char name[600];
        snprintf(name, sizeof(name), "%s.json", a->domain);
        write_file(o->out, name, json, len);
        snprintf(name, sizeof(name), "%s!%s!%lld!%lld.json.gz", o->submitter, a->domain,
                 (long long)a->start, (long long)(a->end - 1));
        write_file(o->out, name, gz, gz_len);
    }
    tlsrpt_msg_t m = {a->domain, o->submitter, rid, a->start, a->end, (int64_t)time(NULL),
                      gz, gz_len};
    int rc = o->no_send ? DBX_EXIT_OK : deliver(dns, o, q, queued, &m);
    free(gz);
    return rc;
}

static int worse(int a, int b)
{
    static const int rank[] = {0, 1, 4, 3, 2, 5}; /* by DBX_EXIT_* */
    return rank[b] > rank[a] ? b : a;
}

int dbx_cmd_tlsrpt(int argc, char **argv)
{
    static relay_config_t cfg;
    static opts_t o;
    static dbx_cli_dns_t dns;
    relay_config_defaults(&cfg);
    dbx_cli_dns_init(&dns);
    memset(&o, 0, sizeof(o));
    if (parse_args(argc, argv, &o, &cfg, &dns) != 0) return usage();
    static char contact[300];
    if (o.submitter == NULL) o.submitter = cfg.hostname;
    if (o.org == NULL) o.org = o.submitter;
    if (o.contact == NULL) {
        snprintf(contact, sizeof(contact), "postmaster@%s", o.submitter);
        o.contact = contact;
    }
    if (dns.nups == 0 && cfg.n_resolver > 0) {
        memcpy(dns.ups, cfg.resolver, sizeof(dns.ups));
        dns.nups = cfg.n_resolver;
    }
    if (dns.anchor_path == NULL && cfg.anchor[0] != '\0') dns.anchor_path = cfg.anchor;
    if (!dns.have_time && cfg.dnssec_time != 0) {
        dns.now = cfg.dnssec_time;
        dns.have_time = true;
    }
    day_t d = {calloc(MAX_DOMAINS, sizeof(dbx_tlsrpt_agg_t)), 0, 0};
    char *json = malloc(JSON_MAX);
    int rc = d.agg != NULL && json != NULL ? DBX_EXIT_OK : DBX_EXIT_INTERNAL;
    if (rc == DBX_EXIT_OK && read_day(&o, &d) != 0) rc = DBX_EXIT_USAGE;
    if (rc == DBX_EXIT_OK && !o.no_send) rc = dbx_cli_dns_open(&dns);
    dbx_queue_t q = {0};
    bool q_open = false, queued = false;
    if (rc == DBX_EXIT_OK && !o.no_send) {
        if (dbx_cli_spool_owner(o.spool) != 0) { /* queued files stay the relay's */
            rc = DBX_EXIT_INTERNAL;
        } else if (host_spool_open(o.spool, 0, &q, NULL) != DBX_OK) {
            fprintf(stderr, "danebox: cannot open the spool %s\n", o.spool);
            rc = DBX_EXIT_INTERNAL;
        } else {
            q_open = true;
        }
    }
    if (d.bad_lines > 0) printf("%llu malformed record line(s) skipped\n",
                                (unsigned long long)d.bad_lines);
    for (size_t i = 0; rc != DBX_EXIT_INTERNAL && rc != DBX_EXIT_USAGE && i < d.n; i++) {
        rc = worse(rc, one_domain(&dns, &o, &q, &queued, &d.agg[i], json));
    }
    if (rc == DBX_EXIT_OK && d.n == 0) rc = DBX_EXIT_NEGATIVE; /* nothing to report */
    if (queued) dbx_cli_spool_poke(o.spool);
    if (q_open) host_spool_close(&q);
    dbx_cli_dns_close(&dns);
    free(d.agg);
    free(json);
    return rc;
}
