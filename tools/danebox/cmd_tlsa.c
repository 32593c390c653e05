/* danebox tlsa: ready-to-paste TLSA records for _25._tcp.HOST from a
 * certificate, a chain or a key (PEM), after the DANE-for-SMTP how-to:
 *   3 1 1  the leaf's public key ("current")
 *   3 1 1  --next-key FILE ("current + next" roll-over)
 *   2 1 1  an issuer of the chain ("current + issuer"; the topmost
 *          certificate given, i.e. the root when the chain has it;
 *          --issuer-depth N picks another, --no-issuer none)
 * --compare fetches the published TLSA RRset through the validating
 * resolver and says which record matches what.
 *
 *   danebox tlsa --host HOST FILE [--next-key FILE] [--issuer-depth N]
 *                [--no-issuer] [--ttl N] [--compare [--resolver ADDR[:PORT]]...
 *                [--anchor FILE] [--time UNIX]]
 * Exit: 0 records printed (--compare: the published set covers the current
 * key), 1 (--compare) it does not / insecure / no TLSA, 2 usage or unreadable
 * input, 3 bogus, 4 indeterminate, 5 internal. */
#include "cli.h"
#include "cli_dns.h"
#include "dane/dbx_tlsa_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"

#define PEM_MAX (256u * 1024u)
#define SPKI_MAX 2048
#define MAX_GEN 4
#define WHAT_LEN 200

/** What one PEM file gave: a chain (leaf first) or a bare public key. */
typedef struct material {
    mbedtls_x509_crt chain;
    int n_certs;
    uint8_t spki[SPKI_MAX]; /* DER SubjectPublicKeyInfo when n_certs == 0 */
    size_t spki_len;
} material_t;

typedef struct gen {
    dbx_tlsa_t t;
    uint8_t buf[64];
    char what[WHAT_LEN];
    int role; /* 0 current, 1 next, 2 issuer */
} gen_t;

static int usage(void)
{
    fprintf(stderr,
            "usage: danebox tlsa --host HOST FILE [--next-key FILE] [--issuer-depth N] [--no-issuer]\n"
            "         [--ttl N] [--compare [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]]\n"
            "  FILE: PEM certificate or chain (leaf first), or a public / private key\n");
    return DBX_EXIT_USAGE;
}

/* SPKI of a key in PEM (private or public) into m->spki. */
static int key_spki(const char *path, const char *pem, size_t len, material_t *m)
{
    mbedtls_pk_context pk;
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    int ret;
    mbedtls_pk_init(&pk);
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0);
    if (ret == 0) {
        ret = strstr(pem, "PRIVATE KEY-----") != NULL
                  ? mbedtls_pk_parse_key(&pk, (const unsigned char *)pem, len + 1, NULL, 0,
                                         mbedtls_ctr_drbg_random, &drbg)
                  : mbedtls_pk_parse_public_key(&pk, (const unsigned char *)pem, len + 1);
    }
    if (ret == 0) {
        ret = mbedtls_pk_write_pubkey_der(&pk, m->spki, sizeof m->spki);
        if (ret > 0) { /* written at the end of the buffer */
            memmove(m->spki, m->spki + sizeof m->spki - (size_t)ret, (size_t)ret);
            m->spki_len = (size_t)ret;
            ret = 0;
        } else if (ret == 0) {
            ret = -1;
        }
    }
    mbedtls_pk_free(&pk);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    if (ret != 0) {
        fprintf(stderr, "danebox: %s: no certificate and no usable key (mbedTLS -0x%04x)\n", path,
                (unsigned)-ret);
        return -1;
    }
    return 0;
}

static int load_material(const char *path, material_t *m)
{
    char *pem;
    size_t len;
    int ret;
    if (dbx_cli_read_file(path, PEM_MAX, &pem, &len) != 0) return -1;
    ret = mbedtls_x509_crt_parse(&m->chain, (const unsigned char *)pem, len + 1);
    for (const mbedtls_x509_crt *c = &m->chain; c != NULL && c->raw.p != NULL; c = c->next) {
        m->n_certs++;
    }
    if (ret > 0 && m->n_certs > 0) {
        fprintf(stderr, "danebox: %s: %d certificate(s) did not parse, ignored\n", path, ret);
    }
    ret = m->n_certs > 0 ? 0 : key_spki(path, pem, len, m);
    free(pem);
    return ret;
}

static void subject_of(const mbedtls_x509_crt *c, char *out, size_t cap)
{
    if (mbedtls_x509_dn_gets(out, cap, &c->subject) < 0) snprintf(out, cap, "?");
}

/* the generated records: current, next, issuer */
static int build(const material_t *cur, const material_t *next, const char *next_path,
                 int issuer_want, gen_t *g, size_t *ng)
{
    char dn[128];
    int st, depth;
    *ng = 0;
    if (cur->n_certs > 0) {
        st = dbx_tlsa_make(&cur->chain, 3, 1, 1, g[0].buf, sizeof g[0].buf, &g[0].t);
        subject_of(&cur->chain, dn, sizeof dn);
        snprintf(g[0].what, WHAT_LEN, "current: leaf key (%s, %s)",
                 mbedtls_pk_get_name(&cur->chain.pk), dn);
    } else {
        st = dbx_tlsa_make_spki(cur->spki, cur->spki_len, 3, 1, g[0].buf, sizeof g[0].buf, &g[0].t);
        snprintf(g[0].what, WHAT_LEN, "current: public key");
    }
    if (st != DBX_OK) return st;
    g[(*ng)++].role = 0;
    if (next != NULL) {
        gen_t *x = &g[*ng];
        st = next->n_certs > 0
                 ? dbx_tlsa_make(&next->chain, 3, 1, 1, x->buf, sizeof x->buf, &x->t)
                 : dbx_tlsa_make_spki(next->spki, next->spki_len, 3, 1, x->buf, sizeof x->buf, &x->t);
        if (st != DBX_OK) return st;
        snprintf(x->what, WHAT_LEN, "next: key of %s (deploy it only after this record is on every name server for 2 TTLs)", next_path);
        x->role = 1;
        (*ng)++;
    }
    depth = (cur->n_certs > 1 && issuer_want >= 0) ? dbx_tlsa_issuer_depth(&cur->chain, issuer_want)
                                                    : DBX_ERR_NOTFOUND;
    if (depth > 0) {
        gen_t *x = &g[*ng];
        const mbedtls_x509_crt *c = dbx_tlsa_chain_at(&cur->chain, depth);
        st = dbx_tlsa_make(c, 2, 1, 1, x->buf, sizeof x->buf, &x->t);
        if (st != DBX_OK) return st;
        subject_of(c, dn, sizeof dn);
        snprintf(x->what, WHAT_LEN, "issuer at depth %d (%s): the server must send it in its chain",
                 depth, dn);
        x->role = 2;
        (*ng)++;
    } else if (issuer_want > 0) {
        fprintf(stderr, "danebox: --issuer-depth %d: the chain has %d certificate(s)\n",
                issuer_want, cur->n_certs);
        return DBX_ERR_NOTFOUND;
    }
    return DBX_OK;
}

static void print_records(const char *host, unsigned ttl, const gen_t *g, size_t ng)
{
    char txt[DBX_TLSA_TEXT_DIGEST_MAX];
    printf("; TLSA records for %s (selector 1 = public key, matching type 1 = SHA-256)\n", host);
    for (size_t i = 0; i < ng; i++) {
        (void)dbx_tlsa_to_text(&g[i].t, txt, sizeof txt);
        printf("_25._tcp.%s. %u IN TLSA %s ; %s\n", host, ttl, txt, g[i].what);
    }
    if (ng == 1) {
        printf("; warning: one record and no roll-over plan: add --next-key FILE (\"current + next\")\n"
               ";          or give the chain (\"current + issuer\")\n");
    }
}

/* how a published record relates to what was given */
static void classify(const dbx_tlsa_t *p, const material_t *cur, const material_t *next,
                     const gen_t *g, size_t ng, char *out, size_t cap)
{
    const char *pkix = p->usage <= 1 ? "; usage 0/1 (PKIX) is unusable for SMTP (RFC 7672 3.1.3)" : "";
    for (size_t i = 0; i < ng; i++) {
        if (dbx_tlsa_equal(p, &g[i].t)) {
            snprintf(out, cap, "%s%s", g[i].what, pkix);
            return;
        }
    }
    for (int d = 0; d < cur->n_certs; d++) {
        const mbedtls_x509_crt *c = dbx_tlsa_chain_at(&cur->chain, d);
        if (c != NULL && dbx_tlsa_matches_cert(p, c)) {
            snprintf(out, cap, "names the certificate at depth %d of the given chain%s%s", d,
                     (d == 0) == (p->usage == 3 || p->usage == 1) ? "" : " (but with the wrong usage)",
                     pkix);
            return;
        }
    }
    if (next != NULL && next->n_certs > 0 && dbx_tlsa_matches_cert(p, &next->chain)) {
        snprintf(out, cap, "names the next key's certificate%s", pkix);
        return;
    }
    if (next != NULL && next->n_certs == 0 && p->selector == 1) {
        uint8_t h[64];
        size_t n;
        if (dbx_tlsa_digest(p->mtype, next->spki, next->spki_len, h, sizeof h, &n) == DBX_OK &&
            n == p->len && memcmp(h, p->data, n) == 0) {
            snprintf(out, cap, "names the next key%s", pkix);
            return;
        }
    }
    snprintf(out, cap, "matches nothing given (stale record?)%s", pkix);
}

/* Does published record @p p cover the current key (usable and naming the
 * leaf, or an issuer of the given chain)? */
static bool covers_current(const dbx_tlsa_t *p, const material_t *cur, const gen_t *g)
{
    if (dbx_tlsa_usability(p, NULL) != DBX_TLSA_USABLE) return false;
    if (cur->n_certs == 0) return p->usage == 3 && dbx_tlsa_equal(p, &g[0].t);
    for (int d = 0; d < cur->n_certs; d++) {
        const mbedtls_x509_crt *c = dbx_tlsa_chain_at(&cur->chain, d);
        if (c != NULL && ((d == 0) == (p->usage == 3)) && dbx_tlsa_matches_cert(p, c)) return true;
    }
    return false;
}

static int compare(dbx_cli_dns_t *dns, const char *host, const material_t *cur,
                   const material_t *next, const gen_t *g, size_t ng)
{
    char q[300], txt[DBX_TLSA_TEXT_DIGEST_MAX], why[300];
    dbx_result_t res;
    bool seen[MAX_GEN] = {false}, covered = false;
    size_t n;
    int rc;
    snprintf(q, sizeof q, "_25._tcp.%s", host);
    if (dbx_resolve(dns->r, q, DBX_RR_TLSA, dns->now, &res) != DBX_OK) {
        fprintf(stderr, "danebox: cannot resolve %s\n", q);
        return DBX_EXIT_INTERNAL;
    }
    n = res.kind == DBX_ANSWER_DATA ? dbx_result_count(&res) : 0;
    printf("; published at %s: %s, %s, %lu record(s)%s%s\n", q, dbx_sec_str(res.sec),
           res.kind == DBX_ANSWER_DATA ? "data" : res.kind == DBX_ANSWER_NODATA ? "NODATA" : "NXDOMAIN",
           (unsigned long)n, res.sec == DBX_SEC_SECURE ? "" : ": ", res.sec == DBX_SEC_SECURE ? "" : res.reason);
    for (size_t i = 0; i < n && res.sec == DBX_SEC_SECURE; i++) {
        dbx_tlsa_t p;
        memset(&p, 0, sizeof p);
        if (dbx_result_tlsa(&res, i, &p.usage, &p.selector, &p.mtype, &p.data, &p.len) != DBX_OK) continue;
        (void)dbx_tlsa_to_text(&p, txt, 40); /* short form: "3 1 1 29c8601c..." */
        classify(&p, cur, next, g, ng, why, sizeof why);
        printf("published %s: %s\n", txt, why);
        for (size_t k = 0; k < ng; k++) seen[k] = seen[k] || dbx_tlsa_equal(&p, &g[k].t);
        covered = covered || covers_current(&p, cur, g);
    }
    for (size_t k = 0; k < ng && res.sec == DBX_SEC_SECURE; k++) {
        (void)dbx_tlsa_to_text(&g[k].t, txt, 40);
        printf("%s %s: %s\n", seen[k] ? "present" : "MISSING", txt, g[k].what);
    }
    switch (res.sec) {
    case DBX_SEC_SECURE:
        printf("current key %s by the published records\n", covered ? "covered" : "NOT covered");
        rc = covered ? DBX_EXIT_OK : DBX_EXIT_NEGATIVE;
        break;
    case DBX_SEC_INSECURE: rc = DBX_EXIT_NEGATIVE; break;
    case DBX_SEC_BOGUS: rc = DBX_EXIT_BOGUS; break;
    default: rc = DBX_EXIT_INDETERMINATE; break;
    }
    dbx_result_free(&res);
    return rc;
}

int dbx_cmd_tlsa(int argc, char **argv)
{
    static material_t cur, next;
    static gen_t g[MAX_GEN];
    const char *host = NULL, *file = NULL, *next_path = NULL;
    int issuer_want = 0, do_compare = 0, rc = DBX_EXIT_OK;
    unsigned long ttl = 3600;
    size_t ng = 0;
    dbx_cli_dns_t dns;

    dbx_cli_dns_init(&dns);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int dn = dbx_cli_dns_option(&dns, a, v);
        if (dn < 0) return usage();
        if (dn > 0) { i++; continue; }
        if (strcmp(a, "--compare") == 0) { do_compare = 1; continue; }
        if (strcmp(a, "--no-issuer") == 0) { issuer_want = -1; continue; }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(); return DBX_EXIT_OK; }
        if (a[0] != '-') {
            if (file != NULL) return usage();
            file = a;
            continue;
        }
        if (v == NULL) return usage();
        i++;
        if (strcmp(a, "--host") == 0) {
            host = v;
        } else if (strcmp(a, "--next-key") == 0) {
            next_path = v;
        } else if (strcmp(a, "--issuer-depth") == 0) {
            char *e;
            long d = strtol(v, &e, 10);
            if (*e != '\0' || d < 1 || d >= DBX_DANE_MAX_CHAIN) return usage();
            issuer_want = (int)d;
        } else if (strcmp(a, "--ttl") == 0) {
            char *e;
            ttl = strtoul(v, &e, 10);
            if (*e != '\0' || ttl > 2147483647ul) return usage();
        } else {
            fprintf(stderr, "danebox: unknown option '%s'\n", a);
            return usage();
        }
    }
    if (host == NULL || file == NULL || strlen(host) > DBX_DANE_MAX_NAME_LEN) return usage();
    if (host[strlen(host) - 1] == '.') {
        fprintf(stderr, "danebox: --host without the final dot\n");
        return DBX_EXIT_USAGE;
    }
    mbedtls_x509_crt_init(&cur.chain);
    mbedtls_x509_crt_init(&next.chain);
    if (load_material(file, &cur) != 0 || (next_path != NULL && load_material(next_path, &next) != 0)) {
        rc = DBX_EXIT_USAGE;
    } else if (build(&cur, next_path ? &next : NULL, next_path, issuer_want, g, &ng) != DBX_OK) {
        rc = DBX_EXIT_USAGE;
    } else {
        print_records(host, (unsigned)ttl, g, ng);
        if (do_compare) {
            rc = dbx_cli_dns_open(&dns);
            if (rc == DBX_EXIT_OK) rc = compare(&dns, host, &cur, next_path ? &next : NULL, g, ng);
            dbx_cli_dns_close(&dns);
        }
    }
    mbedtls_x509_crt_free(&cur.chain);
    mbedtls_x509_crt_free(&next.chain);
    return rc;
}
