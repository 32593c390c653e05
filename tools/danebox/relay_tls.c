/* Inbound STARTTLS for `danebox relay`: mbedTLS server, non-blocking bio. */
#include "relay_tls.h"

#include "cli.h"
#include "relay_host.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#if !defined(MBEDTLS_SSL_SRV_C)
#error "relay_tls.c needs MBEDTLS_SSL_SRV_C (board/host/board.mk)"
#endif

#define PEM_MAX (256u * 1024u)
#define BIO_ERR_IO (-0x0052) /* our socket error (mbedTLS passes it through) */

struct relay_tls_server {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
};

struct relay_tls_conn {
    mbedtls_ssl_context ssl;
    int fd;
    char desc[96];
};

static int load_pem(const char *path, int (*parse)(void *, const unsigned char *, size_t, void *),
                    void *obj, void *user)
{
    char *text = NULL;
    size_t len = 0;
    if (dbx_cli_read_file(path, PEM_MAX, &text, &len) != 0) {
        return -1;
    }
    int ret = parse(obj, (const unsigned char *)text, len + 1, user); /* PEM: incl. NUL */
    mbedtls_platform_zeroize(text, len);
    free(text);
    return ret;
}

static int parse_crt(void *obj, const unsigned char *p, size_t n, void *user)
{
    (void)user;
    return mbedtls_x509_crt_parse(obj, p, n);
}

static int parse_key(void *obj, const unsigned char *p, size_t n, void *user)
{
    return mbedtls_pk_parse_key(obj, p, n, NULL, 0, mbedtls_ctr_drbg_random, user);
}

relay_tls_server_t *relay_tls_server_new(const char *cert_file, const char *key_file)
{
    relay_tls_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL || psa_crypto_init() != PSA_SUCCESS) {
        free(s);
        return NULL;
    }
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    mbedtls_x509_crt_init(&s->chain);
    mbedtls_pk_init(&s->key);
    mbedtls_ssl_config_init(&s->conf);
    static const char pers[] = "danebox-relay-tls";
    int ret = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                                    (const unsigned char *)pers, sizeof(pers));
    if (ret == 0 && load_pem(cert_file, parse_crt, &s->chain, NULL) != 0) {
        relay_log("fatal: tls_cert %s: no usable PEM certificate chain", cert_file);
        ret = -1;
    }
    if (ret == 0 && load_pem(key_file, parse_key, &s->key, &s->drbg) != 0) {
        relay_log("fatal: tls_key %s: no usable PEM private key", key_file);
        ret = -1;
    }
    if (ret == 0) {
        ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    }
    if (ret == 0) {
        mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
        mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
        mbedtls_ssl_conf_min_tls_version(&s->conf, MBEDTLS_SSL_VERSION_TLS1_2);
        ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->chain, &s->key);
        if (ret != 0) {
            relay_log("fatal: tls_cert / tls_key do not belong together (mbedTLS -0x%04x)",
                      (unsigned)-ret);
        }
    }
    if (ret != 0) {
        relay_tls_server_free(s);
        return NULL;
    }
    return s;
}

void relay_tls_server_free(relay_tls_server_t *s)
{
    if (s == NULL) {
        return;
    }
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_pk_free(&s->key);
    mbedtls_x509_crt_free(&s->chain);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
    free(s);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    relay_tls_conn_t *c = ctx;
    ssize_t w = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                   ? MBEDTLS_ERR_SSL_WANT_WRITE
                   : BIO_ERR_IO;
    }
    return (int)w;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    relay_tls_conn_t *c = ctx;
    ssize_t r = recv(c->fd, buf, len, MSG_DONTWAIT);
    if (r < 0) {
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                   ? MBEDTLS_ERR_SSL_WANT_READ
                   : BIO_ERR_IO;
    }
    return (int)r; /* 0: EOF */
}

relay_tls_conn_t *relay_tls_conn_new(relay_tls_server_t *s, int fd)
{
    relay_tls_conn_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->fd = fd;
    mbedtls_ssl_init(&c->ssl);
    if (mbedtls_ssl_setup(&c->ssl, &s->conf) != 0) {
        mbedtls_ssl_free(&c->ssl);
        free(c);
        return NULL;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    return c;
}

void relay_tls_conn_free(relay_tls_conn_t *c)
{
    if (c == NULL) {
        return;
    }
    (void)mbedtls_ssl_close_notify(&c->ssl);
    mbedtls_ssl_free(&c->ssl);
    free(c);
}

int relay_tls_handshake(relay_tls_conn_t *c)
{
    int ret = mbedtls_ssl_handshake(&c->ssl);
    if (ret == 0) {
        return 1;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    char e[96];
    mbedtls_strerror(ret, e, sizeof(e));
    relay_log("TLS handshake failed: %s", e);
    return -1;
}

ssize_t relay_tls_read(relay_tls_conn_t *c, void *buf, size_t cap)
{
    int r = mbedtls_ssl_read(&c->ssl, buf, cap);
    if (r > 0) {
        return r;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE ||
        r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        return -1;
    }
    return (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) ? 0 : -2;
}

ssize_t relay_tls_write(relay_tls_conn_t *c, const void *buf, size_t n)
{
    int w = mbedtls_ssl_write(&c->ssl, buf, n);
    if (w > 0) {
        return w;
    }
    return (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE) ? -1 : -2;
}

bool relay_tls_pending(const relay_tls_conn_t *c)
{
    return mbedtls_ssl_get_bytes_avail(&c->ssl) > 0;
}

const char *relay_tls_desc(relay_tls_conn_t *c)
{
    snprintf(c->desc, sizeof(c->desc), "%s with cipher %s", mbedtls_ssl_get_version(&c->ssl),
             mbedtls_ssl_get_ciphersuite(&c->ssl));
    return c->desc;
}
