/* Seed generator for the DNS fuzz harnesses (not a fuzzer).  Run by
 * tests/fuzz/mkseeds.sh over a signed test tree from tests/dnssec/mkzones.sh:
 * resolves a list of questions over the in-memory source, records every
 * response as DNS wire, and writes
 *   OUT/dns/<n>        one response (fuzz_dns input format)
 *   OUT/resolver/<n>   all responses of one resolution (fuzz_resolver format)
 * Usage: gen_seeds ZONEDIR OUTDIR NOW */
#include "dnssec/dbx_resolver.h"

#include <ldns/ldns.h>
#include "hal_mbedtls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
    dbx_source_t inner;
    uint8_t buf[65536];
    size_t len;
    int dns_n;
    const char *out;
} rec_t;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *b;
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) exit(1);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void put(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static int rec_fetch(void *ctx, const ldns_rdf *qname, uint16_t qtype, ldns_pkt **out)
{
    rec_t *r = ctx;
    uint8_t *w = NULL;
    size_t wl = 0;
    int st = r->inner.fetch(r->inner.ctx, qname, qtype, out);
    if (st != DBX_OK) return st;
    ldns_pkt_set_id(*out, 0x1234);
    if (ldns_pkt2wire(&w, *out, &wl) != LDNS_STATUS_OK) return DBX_ERR_NOMEM;
    if (r->len + 2 + wl <= sizeof r->buf) {
        r->buf[r->len++] = (uint8_t)(wl >> 8);
        r->buf[r->len++] = (uint8_t)wl;
        memcpy(r->buf + r->len, w, wl);
        r->len += wl;
    }
    if (r->dns_n < 40) { /* fuzz_dns: flags byte (patch IDs), one chunk */
        char path[512];
        uint8_t *d = malloc(wl + 3);
        d[0] = 1;
        d[1] = (uint8_t)(wl >> 8);
        d[2] = (uint8_t)wl;
        memcpy(d + 3, w, wl);
        snprintf(path, sizeof path, "%s/dns/gen%02d", r->out, r->dns_n++);
        put(path, d, wl + 3);
        free(d);
    }
    free(w);
    return DBX_OK;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        uint16_t type;
    } qs[] = {
        {"_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA}, {"example.test", LDNS_RR_TYPE_MX},
        {"mx.example.test", LDNS_RR_TYPE_AAAA},          {"alias.example.test", LDNS_RR_TYPE_A},
        {"x.wild.example.test", LDNS_RR_TYPE_A},         {"nx.example.test", LDNS_RR_TYPE_A},
        {"mx.example.test", LDNS_RR_TYPE_TXT},           {"x.dn.example.test", LDNS_RR_TYPE_A},
        {"_25._tcp.mx.n3.test", LDNS_RR_TYPE_TLSA},      {"nx.n3.test", LDNS_RR_TYPE_A},
        {"www.unsigned.n3.test", LDNS_RR_TYPE_A},        {"www.insecure.test", LDNS_RR_TYPE_A},
        {"www.iter.test", LDNS_RR_TYPE_A},               {"www.expired.test", LDNS_RR_TYPE_A},
        {"loop1.example.test", LDNS_RR_TYPE_A},          {"a.x.w.n3.test", LDNS_RR_TYPE_A},
        /* issue 10: RRsets with signed data past 1 KB, a CNAME out of a
         * weak (NSEC3 iterations) zone, wildcards and opt-out */
        {"big.test", LDNS_RR_TYPE_DNSKEY},               {"txt.big.test", LDNS_RR_TYPE_TXT},
        {"_25._tcp.mx3.weak.test", LDNS_RR_TYPE_TLSA},   {"b.a.wild.example.test", LDNS_RR_TYPE_A},
        {"nx.b.n3.test", LDNS_RR_TYPE_A},                {"host.dn.example.test", LDNS_RR_TYPE_CNAME},
    };
    static rec_t r;
    dbx_trust_t t = {0};
    dbx_memsrc_t m;
    dbx_resolver_t *res = calloc(1, sizeof *res);
    char path[512], *txt;
    int64_t now;
    if (argc != 4) return 2;
    hal_mbedtls_init();
    now = strtoll(argv[3], NULL, 10);
    snprintf(path, sizeof path, "%s/anchor.txt", argv[1]);
    txt = slurp(path);
    if (txt == NULL || dbx_trust_from_text(&t, txt) != DBX_OK) return 1;
    free(txt);
    snprintf(path, sizeof path, "%s/all.zone", argv[1]);
    txt = slurp(path);
    if (txt == NULL || dbx_memsrc_init(&m, txt, NULL) != DBX_OK) return 1;
    free(txt);
    r.inner = dbx_memsrc_source(&m);
    r.out = argv[2];
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        dbx_result_t out;
        dbx_source_t s = {&r, rec_fetch};
        dbx_resolver_init_source(res, s, &t);
        r.len = 0;
        if (dbx_resolve(res, qs[i].name, qs[i].type, now, &out) != DBX_OK) return 1;
        printf("%-28s %-5u %s (%s), %u fetches\n", qs[i].name, qs[i].type, dbx_sec_str(out.sec),
               out.reason, out.queries);
        dbx_result_free(&out);
        dbx_resolver_free(res);
        snprintf(path, sizeof path, "%s/resolver/gen%02zu", argv[2], i);
        put(path, r.buf, r.len);
    }
    dbx_memsrc_free(&m);
    dbx_trust_free(&t);
    free(res);
    return 0;
}
