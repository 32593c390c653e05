/* RFC 8460 report delivery, https: part: POST application/tlsrpt+gzip over
 * the project's TLS client (src/smtp/dbx_tls.c), the server authenticated
 * by DANE: validated A/AAAA, a validated TLSA RRset at _PORT._tcp.HOST with
 * usable records, and a match of the chain the server sent (RFC 7671).
 * Anything less: not sent.  See tlsrpt_send.h. */
#include "tlsrpt_send.h"

#include "dane/dbx_dane.h"
#include "dbx_str.h"
#include "smtp/dbx_tls.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTPS_TIMEOUT_MS 20000u
#define HTTPS_REPLY_MAX 4096u
#define HTTPS_ADDRS 4

typedef struct url {
    char host[254];
    uint16_t port;
    char path[256];
} url_t;

/* https://HOST[:PORT][/PATH]; HOST a DNS name (DANE needs one). */
static int parse_url(const char *uri, url_t *u)
{
    const char *p = uri + 8;
    size_t n = strcspn(p, ":/?#");
    if (n == 0 || n >= sizeof(u->host)) {
        return -1;
    }
    memcpy(u->host, p, n);
    u->host[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        char c = u->host[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.')) {
            return -1;
        }
    }
    p += n;
    u->port = 443;
    if (*p == ':') {
        char *end;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || v == 0 || v > 65535) {
            return -1;
        }
        u->port = (uint16_t)v;
        p = end;
    }
    if (*p == '\0') {
        p = "/";
    }
    if (*p != '/' || strlen(p) >= sizeof(u->path)) {
        return -1;
    }
    for (const char *c = p; *c != '\0'; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '#') {
            return -1;
        }
    }
    dbx_str_copy(u->path, sizeof(u->path), p);
    return 0;
}

/* Validated addresses of the host.  @return count (0: none / not secure). */
static size_t addresses(dbx_cli_dns_t *d, const url_t *u, dbx_addr_t *out, char *err, size_t cap)
{
    static const uint16_t types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    size_t n = 0;
    for (size_t t = 0; t < 2; t++) {
        dbx_result_t res;
        memset(&res, 0, sizeof(res));
        if (dbx_resolve(d->r, u->host, types[t], d->now, &res) != DBX_OK ||
            (res.sec != DBX_SEC_SECURE && dbx_result_count(&res) > 0)) {
            snprintf(err, cap, "%s: address not DNSSEC-validated (%s)", u->host, res.reason);
            dbx_result_free(&res);
            return 0;
        }
        for (size_t i = 0; i < dbx_result_count(&res) && n < HTTPS_ADDRS; i++) {
            if (dbx_result_addr(&res, i, u->port, &out[n]) == DBX_OK) {
                n++;
            }
        }
        dbx_result_free(&res);
    }
    if (n == 0) {
        snprintf(err, cap, "%s: no address", u->host);
    }
    return n;
}

/* Validated TLSA RRset at _PORT._tcp.HOST into recs (data in res). */
static size_t tlsa(dbx_cli_dns_t *d, const url_t *u, dbx_result_t *res, dbx_tlsa_t *recs,
                   char *err, size_t cap)
{
    char name[300];
    snprintf(name, sizeof(name), "_%u._tcp.%s", (unsigned)u->port, u->host);
    if (dbx_resolve(d->r, name, LDNS_RR_TYPE_TLSA, d->now, res) != DBX_OK ||
        res->sec != DBX_SEC_SECURE || dbx_result_count(res) == 0) {
        snprintf(err, cap, "%s: no DNSSEC-validated TLSA (%s): not sent without authentication",
                 name, res->reason);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < dbx_result_count(res) && n < DBX_DANE_MAX_RECORDS; i++) {
        dbx_tlsa_t *r = &recs[n];
        memset(r, 0, sizeof(*r));
        if (dbx_result_tlsa(res, i, &r->usage, &r->selector, &r->mtype, &r->data, &r->len) ==
            DBX_OK) {
            n++;
        }
    }
    return n;
}

typedef struct dane_ctx {
    const dbx_tlsa_t *recs;
    size_t n;
    const char *host;
    int64_t now;
    dbx_dane_result_t res;
} dane_ctx_t;

/* The chain must match the TLSA RRset: DBX_OK or DBX_ERR_CRYPTO. */
static int dane_ok(dane_ctx_t *c, const dbx_tls_chain_t *chain)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    for (size_t i = 0; i < chain->n; i++) {
        if (mbedtls_x509_crt_parse_der(&crt, chain->cert[i].der, chain->cert[i].len) != 0) {
            break;
        }
    }
    const char *names[1] = {c->host};
    int st = dbx_dane_match(c->recs, c->n, &crt, names, 1, c->now, NULL, &c->res);
    mbedtls_x509_crt_free(&crt);
    return st == DBX_OK && c->res.verdict == DBX_DANE_MATCH ? DBX_OK : DBX_ERR_CRYPTO;
}

/* Send the request, read the status line.  @return HTTP status or -1. */
static int exchange(dbx_tls_t *t, const url_t *u, const tlsrpt_msg_t *m)
{
    char head[700];
    int n = snprintf(head, sizeof(head),
                     "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: danebox/" DBX_VERSION
                     "\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     u->path, u->host, m->gz_len);
    if (n < 0 || (size_t)n >= sizeof(head) ||
        dbx_tls_send(t, (const uint8_t *)head, (size_t)n) != DBX_OK ||
        dbx_tls_send(t, m->gz, m->gz_len) != DBX_OK) {
        return -1;
    }
    char reply[HTTPS_REPLY_MAX + 1];
    size_t len = 0, got = 0;
    while (len < HTTPS_REPLY_MAX && memchr(reply, '\n', len) == NULL &&
           dbx_tls_recv(t, (uint8_t *)reply + len, HTTPS_REPLY_MAX - len, &got,
                        HTTPS_TIMEOUT_MS) == DBX_OK &&
           got > 0) {
        len += got;
    }
    reply[len] = '\0';
    int code = 0;
    if (sscanf(reply, "HTTP/1.%*1[01] %3d", &code) != 1) {
        return -1;
    }
    return code;
}

/* One address: connect, handshake, DANE, POST.  @return status or -1. */
static int post_one(dbx_cli_dns_t *d, const dbx_addr_t *a, const url_t *u, dane_ctx_t *dc,
                    const tlsrpt_msg_t *m, char *err, size_t cap)
{
    static dbx_tls_t t;
    void *sock = NULL;
    char ab[48];
    int code = -1;
    if (d->tr.open(d->tr.ctx, DBX_SOCK_TCP, a, HTTPS_TIMEOUT_MS, &sock) != DBX_OK) {
        snprintf(err, cap, "%s: connect failed", dbx_addr_format(a, ab, sizeof(ab)));
        return -1;
    }
    dbx_tls_init(&t);
    dbx_tls_config_t tc = {.sni = u->host, .handshake_ms = HTTPS_TIMEOUT_MS,
                           .io_ms = HTTPS_TIMEOUT_MS};
    if (dbx_tls_setup(&t, &tc, &d->tr, sock) != DBX_OK || dbx_tls_handshake(&t) != DBX_OK) {
        snprintf(err, cap, "%s: TLS handshake failed", dbx_addr_format(a, ab, sizeof(ab)));
    } else if (dane_ok(dc, dbx_tls_chain(&t)) != DBX_OK) {
        snprintf(err, cap, "%s: DANE: %s", dbx_addr_format(a, ab, sizeof(ab)), dc->res.reason);
    } else if ((code = exchange(&t, u, m)) < 0) {
        snprintf(err, cap, "%s: no HTTP reply", dbx_addr_format(a, ab, sizeof(ab)));
    }
    if (code >= 0) {
        dbx_tls_close_notify(&t);
    }
    dbx_tls_free(&t);
    d->tr.close(d->tr.ctx, sock);
    return code;
}

int tlsrpt_send_https(dbx_cli_dns_t *dns, const tlsrpt_msg_t *m, const char *uri, int *status,
                      char *err, size_t errcap)
{
    static dbx_tlsa_t recs[DBX_DANE_MAX_RECORDS];
    url_t u;
    dbx_addr_t addrs[HTTPS_ADDRS];
    *status = 0;
    if (parse_url(uri, &u) != 0) {
        snprintf(err, errcap, "not an https://HOST[:PORT]/PATH URI with a DNS host name");
        return -1;
    }
    size_t na = addresses(dns, &u, addrs, err, errcap);
    if (na == 0) {
        return -1;
    }
    dbx_result_t res;
    memset(&res, 0, sizeof(res));
    dane_ctx_t dc = {.recs = recs, .host = u.host, .now = dns->now};
    dc.n = tlsa(dns, &u, &res, recs, err, errcap);
    int rc = -1;
    for (size_t i = 0; dc.n > 0 && i < na && rc != 0; i++) {
        int code = post_one(dns, &addrs[i], &u, &dc, m, err, errcap);
        if (code >= 0) {
            *status = code;
            rc = code >= 200 && code < 300 ? 0 : -1;
            if (rc != 0) {
                snprintf(err, errcap, "HTTP status %d", code);
                break; /* the server answered: no other address */
            }
        }
    }
    dbx_result_free(&res);
    return rc;
}
