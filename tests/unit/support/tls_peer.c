/* In-memory SMTP + mbedTLS server for unit tests; see tls_peer.h. */
#include "tls_peer.h"

#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "mbedtls/error.h"

static void out(tls_peer_t *p, const void *b, size_t n)
{
    if (p->s2c_len + n > sizeof p->s2c) n = sizeof p->s2c - p->s2c_len;
    memcpy(p->s2c + p->s2c_len, b, n);
    p->s2c_len += n;
}

static void say(tls_peer_t *p, const char *s)
{
    if (p->phase == 2) {
        size_t n = strlen(s), o = 0;
        while (o < n) {
            int r = mbedtls_ssl_write(&p->ssl, (const unsigned char *)s + o, n - o);
            if (r <= 0) return;
            o += (size_t)r;
        }
    } else {
        out(p, s, strlen(s));
    }
}

/* bio of the server side */
static int bio_send(void *ctx, const unsigned char *b, size_t n)
{
    out(ctx, b, n);
    return (int)n;
}

static int bio_recv(void *ctx, unsigned char *b, size_t n)
{
    tls_peer_t *p = ctx;
    if (p->c2s_len == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    if (n > p->c2s_len) n = p->c2s_len;
    memcpy(b, p->c2s, n);
    memmove(p->c2s, p->c2s + n, p->c2s_len - n);
    p->c2s_len -= n;
    return (int)n;
}

static void answer(tls_peer_t *p, const char *l)
{
    if (strncmp(l, "EHLO ", 5) == 0) {
        if (p->phase == 2) {
            say(p, p->script == TLS_PEER_EHLO_TLS_FAIL ? "554 5.7.0 no\r\n"
                                                       : "250-mx.example\r\n250 SIZE 1000\r\n");
        } else {
            say(p, "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n");
            say(p, p->script == TLS_PEER_NO_STARTTLS ? "250 8BITMIME\r\n" : "250 STARTTLS\r\n");
        }
    } else if (strcmp(l, "STARTTLS") == 0 && p->phase == 0) {
        if (p->script == TLS_PEER_454) {
            say(p, "454 4.7.0 TLS not available\r\n");
            return;
        }
        say(p, "220 2.0.0 ready\r\n");
        if (p->script == TLS_PEER_INJECT) say(p, "250 injected\r\n");
        p->phase = p->script == TLS_PEER_NOT_TLS ? 3 : 1;
    } else if (strcmp(l, "QUIT") == 0) {
        p->quits++;
        say(p, "221 2.0.0 bye\r\n");
    } else if (strncmp(l, "MAIL FROM:", 10) == 0) {
        p->mails++;
        say(p, "250 2.1.0 ok\r\n");
    } else if (strcmp(l, "HELP") == 0) {
        say(p, "214-line one\r\n214-line two\r\n214 end\r\n");
    } else {
        say(p, "502 5.5.2 not here\r\n");
    }
}

/* Feed @p n octets of cleartext (either layer) into the line assembler. */
static void lines_in(tls_peer_t *p, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p->line_len + 1 < sizeof p->line) p->line[p->line_len++] = (char)b[i];
        if (b[i] == '\n') {
            p->line[p->line_len >= 2 ? p->line_len - 2 : 0] = '\0';
            p->line_len = 0;
            int before = p->phase;
            answer(p, p->line);
            if (before == 0 && p->phase != 0) return; /* the rest is TLS */
        }
    }
}

/* Run the server until it can make no more progress. */
static void pump(tls_peer_t *p)
{
    for (int guard = 0; guard < 64; guard++) {
        if (p->phase == 0) {
            uint8_t *lf = memchr(p->c2s, '\n', p->c2s_len);
            if (lf == NULL) return;
            size_t n = (size_t)(lf - p->c2s) + 1;
            uint8_t tmp[1024];
            if (n > sizeof tmp) n = sizeof tmp;
            memcpy(tmp, p->c2s, n);
            memmove(p->c2s, p->c2s + n, p->c2s_len - n);
            p->c2s_len -= n;
            lines_in(p, tmp, n);
        } else if (p->phase == 1) {
            int r = mbedtls_ssl_handshake(&p->ssl);
            if (r == 0) {
                p->phase = 2;
                p->handshakes++;
            } else if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                return;
            } else {
                p->hs_err = r;
                p->phase = 4;
                return;
            }
        } else if (p->phase == 2) {
            uint8_t buf[512];
            int r = mbedtls_ssl_read(&p->ssl, buf, sizeof buf);
            if (r > 0) {
                lines_in(p, buf, (size_t)r);
            } else {
                if (r != MBEDTLS_ERR_SSL_WANT_READ) p->phase = 4;
                return;
            }
        } else if (p->phase == 3) {
            if (p->c2s_len == 0) return;
            p->c2s_len = 0;
            out(p, "500 this is not TLS\r\n", 21);
            p->phase = 4;
        } else {
            p->c2s_len = 0;
            return;
        }
    }
}

static int t_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **s)
{
    tls_peer_t *p = ctx;
    (void)peer;
    (void)ms;
    if (type != DBX_SOCK_TCP) return DBX_ERR_IO;
    p->opens++;
    p->phase = 0;
    p->c2s_len = p->s2c_len = p->s2c_pos = p->line_len = 0;
    mbedtls_ssl_session_reset(&p->ssl);
    say(p, "220 mx.example ESMTP\r\n");
    *s = p;
    return DBX_OK;
}

static int t_send(void *ctx, void *s, const uint8_t *b, size_t n)
{
    tls_peer_t *p = ctx;
    (void)s;
    if (p->c2s_len + n > sizeof p->c2s) return DBX_ERR_IO;
    memcpy(p->c2s + p->c2s_len, b, n);
    p->c2s_len += n;
    pump(p);
    return DBX_OK;
}

static int t_recv(void *ctx, void *s, uint8_t *b, size_t cap, size_t *got, uint32_t ms)
{
    tls_peer_t *p = ctx;
    size_t n;
    (void)s;
    (void)ms;
    *got = 0;
    if (p->s2c_pos == p->s2c_len) {
        p->s2c_pos = p->s2c_len = 0;
        pump(p);
    }
    n = p->s2c_len - p->s2c_pos;
    if (n == 0) return p->phase == 4 ? DBX_OK : DBX_ERR_TIMEOUT; /* dead: EOF */
    if (n > cap) n = cap;
    memcpy(b, p->s2c + p->s2c_pos, n);
    p->s2c_pos += n;
    *got = n;
    return DBX_OK;
}

static void t_close(void *c, void *s)
{
    (void)c;
    (void)s;
}

dbx_transport_t tls_peer_transport(tls_peer_t *p)
{
    dbx_transport_t t = {p, t_open, t_send, t_recv, t_close};
    return t;
}

int tls_peer_init(tls_peer_t *p, tls_peer_script_t script, const char *const *pems, size_t n,
                  const char *key_pem)
{
    char *k;
    memset(p, 0, sizeof *p);
    p->script = script;
    mbedtls_ssl_init(&p->ssl);
    mbedtls_ssl_config_init(&p->conf);
    mbedtls_x509_crt_init(&p->chain);
    mbedtls_pk_init(&p->key);
    mbedtls_entropy_init(&p->ent);
    mbedtls_ctr_drbg_init(&p->drbg);
    for (size_t i = 0; i < n; i++) {
        char *t = dbx_test_slurp(pems[i]);
        int r = t != NULL ? mbedtls_x509_crt_parse(&p->chain, (const unsigned char *)t, strlen(t) + 1) : -1;
        free(t);
        if (r != 0) return -1;
    }
    if (mbedtls_ctr_drbg_seed(&p->drbg, mbedtls_entropy_func, &p->ent,
                              (const unsigned char *)"tls_peer", 8) != 0) {
        return -1;
    }
    k = dbx_test_slurp(key_pem);
    if (k == NULL) return -1;
    if (mbedtls_pk_parse_key(&p->key, (const unsigned char *)k, strlen(k) + 1, NULL, 0,
                             mbedtls_ctr_drbg_random, &p->drbg) != 0) {
        free(k);
        return -1;
    }
    free(k);
    if (mbedtls_ssl_config_defaults(&p->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return -1;
    }
    mbedtls_ssl_conf_rng(&p->conf, mbedtls_ctr_drbg_random, &p->drbg);
    mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_NONE);
    if (mbedtls_ssl_conf_own_cert(&p->conf, &p->chain, &p->key) != 0 ||
        mbedtls_ssl_setup(&p->ssl, &p->conf) != 0) {
        return -1;
    }
    mbedtls_ssl_set_bio(&p->ssl, p, bio_send, bio_recv, NULL);
    return 0;
}

/* PEM "CERTIFICATE" body -> DER (base64 by hand: no parse of the cert) */
int tls_peer_send_der(tls_peer_t *p, const char *pem)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *t = dbx_test_slurp(pem);
    const char *q;
    unsigned char *der;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (t == NULL) return -1;
    q = strstr(t, "-----BEGIN CERTIFICATE-----");
    der = malloc(strlen(t));
    if (q == NULL || der == NULL) {
        free(t);
        free(der);
        return -1;
    }
    for (q = strchr(q, '\n'); q != NULL && *q && *q != '-'; q++) {
        const char *c = strchr(b64, *q);
        if (*q == '=' || c == NULL || *q == '\0') continue;
        acc = (acc << 6) | (uint32_t)(c - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[n++] = (unsigned char)(acc >> bits);
        }
    }
    free(t);
    p->saved_raw = p->chain.raw;
    p->swapped = der;
    p->chain.raw.p = der;
    p->chain.raw.len = n;
    return 0;
}

int tls_peer_enable_tickets(tls_peer_t *p)
{
    mbedtls_ssl_ticket_init(&p->ticket);
    p->tickets = 1;
    if (mbedtls_ssl_ticket_setup(&p->ticket, mbedtls_ctr_drbg_random, &p->drbg,
                                 MBEDTLS_CIPHER_AES_256_GCM, 3600) != 0) {
        return -1;
    }
    mbedtls_ssl_conf_session_tickets_cb(&p->conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &p->ticket);
    return 0;
}

void tls_peer_free(tls_peer_t *p)
{
    if (p->swapped != NULL) {
        p->chain.raw = p->saved_raw;
        free(p->swapped);
        p->swapped = NULL;
    }
    mbedtls_ssl_free(&p->ssl);
    mbedtls_ssl_config_free(&p->conf);
    if (p->tickets) mbedtls_ssl_ticket_free(&p->ticket);
    p->tickets = 0;
    mbedtls_x509_crt_free(&p->chain);
    mbedtls_pk_free(&p->key);
    mbedtls_ctr_drbg_free(&p->drbg);
    mbedtls_entropy_free(&p->ent);
}
