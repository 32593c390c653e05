/* danebox: TLS client over dbx_transport_t (mbedTLS 3.6).  No CA bundle, no
 * authentication decision: the chain goes to the caller's matcher. */
#include "dbx_tls.h"
#include "hal_platform.h"

#include <string.h>

#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"
#include "mbedtls/asn1.h"

/* Our own bio error codes (mbedTLS propagates whatever the bio returns; these
 * sit in the unused low "net" range and never reach our callers). */
#define BIO_ERR_IO (-0x0052)

static const char drbg_pers[] = "danebox-tls";

static int32_t ms_left(uint32_t deadline)
{
    return (int32_t)(deadline - hal_clock_ms());
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    dbx_tls_t *t = ctx;
    int st;
    if (ms_left(t->deadline) <= 0) {
        t->io_err = DBX_ERR_TIMEOUT;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    st = t->tr->send(t->tr->ctx, t->sock, buf, len);
    t->writes++;
    if (st != DBX_OK) {
        t->io_err = st;
        return st == DBX_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT : BIO_ERR_IO;
    }
    return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    dbx_tls_t *t = ctx;
    int32_t left = ms_left(t->deadline);
    size_t got = 0;
    int st;
    if (left <= 0) {
        t->io_err = DBX_ERR_TIMEOUT;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    st = t->tr->recv(t->tr->ctx, t->sock, buf, len, &got, (uint32_t)left);
    t->reads++;
    if (st != DBX_OK) {
        t->io_err = st;
        return st == DBX_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT : BIO_ERR_IO;
    }
    if (got > len) {
        t->io_err = DBX_ERR_INTERNAL;
        return BIO_ERR_IO;
    }
    return (int)got; /* 0 = EOF */
}

void dbx_tls_init(dbx_tls_t *t)
{
    if (t == NULL) {
        return;
    }
    memset(t, 0, sizeof *t);
}

static int map_err(dbx_tls_t *t, int ret)
{
    t->mbed_err = ret;
    if (t->io_err != DBX_OK) {
        return t->io_err;
    }
    switch (ret) {
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_MPI_ALLOC_FAILED:
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
        return DBX_ERR_NOMEM;
    case MBEDTLS_ERR_SSL_TIMEOUT:
        return DBX_ERR_TIMEOUT;
    case MBEDTLS_ERR_SSL_CONN_EOF:
        return DBX_ERR_IO;
    default:
        return DBX_ERR_TLS;
    }
}

int dbx_tls_setup(dbx_tls_t *t, const dbx_tls_config_t *cfg, const dbx_transport_t *tr,
                  void *sock)
{
    uint16_t vmin, vmax;
    size_t sl;
    int ret;
    psa_status_t ps;

    DBX_ASSERT(t != NULL && cfg != NULL && tr != NULL && sock != NULL);
    DBX_ASSERT(!t->set_up);
    DBX_CHECK(cfg->sni != NULL, DBX_ERR_INVAL);
    sl = strlen(cfg->sni);
    DBX_CHECK(sl > 0 && sl <= DBX_TLS_SNI_MAX, DBX_ERR_INVAL);
    vmin = cfg->min_version ? cfg->min_version : DBX_TLS_V12;
    vmax = cfg->max_version ? cfg->max_version : DBX_TLS_V13;
    DBX_CHECK((vmin == DBX_TLS_V12 || vmin == DBX_TLS_V13) &&
                  (vmax == DBX_TLS_V12 || vmax == DBX_TLS_V13) && vmin <= vmax,
              DBX_ERR_INVAL);

    ps = psa_crypto_init();
    if (ps == PSA_ERROR_INSUFFICIENT_ENTROPY) {
        return DBX_ERR_NOENTROPY;
    }
    DBX_CHECK(ps == PSA_SUCCESS, ps == PSA_ERROR_INSUFFICIENT_MEMORY ? DBX_ERR_NOMEM : DBX_ERR_TLS);

    memcpy(t->sni, cfg->sni, sl + 1);
    t->tr = tr;
    t->sock = sock;
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    t->set_up = 1;
    t->deadline = hal_clock_ms() + (cfg->handshake_ms ? cfg->handshake_ms : 30000u);
    t->info.sni = t->sni;

    ret = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                (const unsigned char *)drbg_pers, sizeof drbg_pers - 1);
    if (ret != 0) {
        t->mbed_err = ret;
        return ret == MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED ? DBX_ERR_NOENTROPY : DBX_ERR_TLS;
    }
    ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        return map_err(t, ret);
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    /* No CA bundle on purpose: the handshake completes, PKIX flags are kept
     * for information, the DANE matcher decides (RFC 7672 §3.1). */
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_min_tls_version(&t->conf, (mbedtls_ssl_protocol_version)vmin);
    mbedtls_ssl_conf_max_tls_version(&t->conf, (mbedtls_ssl_protocol_version)vmax);
    if (cfg->sig_algs != NULL) { /* monitoring: offer one key algorithm only */
        mbedtls_ssl_conf_sig_algs(&t->conf, cfg->sig_algs);
    }
    ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (ret != 0) {
        return map_err(t, ret);
    }
    /* SNI = TLSA base domain (RFC 7672 §8.1). */
    ret = mbedtls_ssl_set_hostname(&t->ssl, t->sni);
    if (ret != 0) {
        return map_err(t, ret);
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    t->info.sni = t->sni;
    t->io_ms = cfg->io_ms ? cfg->io_ms : 30000u;
    return DBX_OK;
}

int dbx_tls_handshake(dbx_tls_t *t)
{
    const mbedtls_x509_crt *c;
    int ret;

    DBX_ASSERT(t != NULL && t->set_up && !t->established);
    do {
        ret = mbedtls_ssl_handshake(&t->ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0) {
        return map_err(t, ret);
    }
    t->chain.n = 0;
    for (c = mbedtls_ssl_get_peer_cert(&t->ssl); c != NULL; c = c->next) {
        if (c->raw.p == NULL || c->raw.len == 0) {
            break;
        }
        DBX_CHECK(t->chain.n < DBX_TLS_CHAIN_MAX, DBX_ERR_LIMIT);
        t->chain.cert[t->chain.n].der = c->raw.p;
        t->chain.cert[t->chain.n].len = c->raw.len;
        t->chain.n++;
    }
    DBX_CHECK(t->chain.n > 0, DBX_ERR_TLS); /* a server must send a certificate */
    t->info.version = (uint16_t)mbedtls_ssl_get_version_number(&t->ssl);
    t->info.version_name = mbedtls_ssl_get_version(&t->ssl);
    t->info.ciphersuite_id = mbedtls_ssl_get_ciphersuite_id_from_ssl(&t->ssl);
    t->info.ciphersuite = mbedtls_ssl_get_ciphersuite(&t->ssl);
    t->info.pkix_flags = mbedtls_ssl_get_verify_result(&t->ssl);
    t->established = 1;
    return DBX_OK;
}

const dbx_tls_chain_t *dbx_tls_chain(const dbx_tls_t *t)
{
    return (t != NULL && t->established) ? &t->chain : NULL;
}

const dbx_tls_info_t *dbx_tls_info(const dbx_tls_t *t)
{
    return (t != NULL && t->established) ? &t->info : NULL;
}

int dbx_tls_send(dbx_tls_t *t, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    DBX_ASSERT(t != NULL && t->established && (buf != NULL || len == 0));
    t->io_err = DBX_OK;
    t->deadline = hal_clock_ms() + t->io_ms;
    while (done < len) {
        int ret = mbedtls_ssl_write(&t->ssl, buf + done, len - done);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            continue;
        }
        if (ret < 0) {
            return map_err(t, ret);
        }
        done += (size_t)ret;
    }
    return DBX_OK;
}

int dbx_tls_recv(dbx_tls_t *t, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    DBX_ASSERT(t != NULL && t->established && buf != NULL && got != NULL && cap > 0);
    *got = 0;
    t->io_err = DBX_OK;
    t->deadline = hal_clock_ms() + timeout_ms;
    for (;;) {
        int ret = mbedtls_ssl_read(&t->ssl, buf, cap);
        if (ret > 0) {
            *got = (size_t)ret;
            return DBX_OK;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            return DBX_OK;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            || ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#endif
        ) {
            if (ms_left(t->deadline) <= 0) {
                return DBX_ERR_TIMEOUT;
            }
            continue;
        }
        return map_err(t, ret);
    }
}

void dbx_tls_close_notify(dbx_tls_t *t)
{
    if (t == NULL || !t->established) {
        return;
    }
    t->deadline = hal_clock_ms() + 2000u;
    (void)mbedtls_ssl_close_notify(&t->ssl);
}

void dbx_tls_free(dbx_tls_t *t)
{
    if (t == NULL) {
        return;
    }
    if (t->set_up) {
        mbedtls_ssl_free(&t->ssl);
        mbedtls_ssl_config_free(&t->conf);
        mbedtls_ctr_drbg_free(&t->drbg);
        mbedtls_entropy_free(&t->entropy);
    }
    mbedtls_platform_zeroize(t, sizeof *t);
}

void dbx_tls_global_free(void)
{
    mbedtls_psa_crypto_free();
}

const char *dbx_tls_last_error(const dbx_tls_t *t, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0) {
        return "";
    }
    buf[0] = '\0';
    if (t != NULL && t->mbed_err != 0) {
        mbedtls_strerror(t->mbed_err, buf, cap);
    }
    return buf;
}

int dbx_tls_cert_spki(const uint8_t *der, size_t len, const uint8_t **spki, size_t *spki_len)
{
    unsigned char *p = (unsigned char *)der, *end, *tbs_end, *start;
    size_t l;
    static const int skip[] = {MBEDTLS_ASN1_INTEGER, /* serial */
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, /* sig alg */
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, /* issuer */
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, /* validity */
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE}; /* subject */
    DBX_CHECK(der != NULL && spki != NULL && spki_len != NULL, DBX_ERR_INVAL);
    end = p + len;
    if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
        return DBX_ERR_MALFORMED;
    }
    end = p + l;
    if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
        return DBX_ERR_MALFORMED;
    }
    tbs_end = p + l;
    /* [0] version (optional) */
    if (p < tbs_end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)) {
        if (mbedtls_asn1_get_tag(&p, tbs_end, &l, *p)) return DBX_ERR_MALFORMED;
        p += l;
    }
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        if (mbedtls_asn1_get_tag(&p, tbs_end, &l, skip[i])) return DBX_ERR_MALFORMED;
        p += l;
    }
    start = p;
    if (mbedtls_asn1_get_tag(&p, tbs_end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
        return DBX_ERR_MALFORMED;
    }
    *spki = start;
    *spki_len = (size_t)(p + l - start);
    return DBX_OK;
}
