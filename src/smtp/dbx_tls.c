/* danebox: TLS client over dbx_transport_t (mbedTLS 3.6).  No CA bundle, no
 * authentication decision: the chain goes to the caller's matcher. */
#include "dbx_tls.h"
#include "hal_platform.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/error.h"
#include "mbedtls/pk.h"
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
    t->alert = -1;
}

static int map_err(dbx_tls_t *t, int ret)
{
    t->mbed_err = ret;
    /* mbedTLS 3.6 has no getter for a received alert: it is the record just
     * read when the error says so. */
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
        t->ssl.MBEDTLS_PRIVATE(in_msgtype) == MBEDTLS_SSL_MSG_ALERT &&
        t->ssl.MBEDTLS_PRIVATE(in_msglen) == 2 && t->ssl.MBEDTLS_PRIVATE(in_msg) != NULL) {
        t->alert = t->ssl.MBEDTLS_PRIVATE(in_msg)[1];
    }
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

/* Load a saved session and offer it; one that does not load (or is for a
 * version out of range) is ignored: the handshake is then a full one. */
static void offer_session(dbx_tls_t *t, const uint8_t *blob, size_t len)
{
    mbedtls_ssl_session sess;
    mbedtls_ssl_session_init(&sess);
    if (mbedtls_ssl_session_load(&sess, blob, len) == 0 &&
        mbedtls_ssl_set_session(&t->ssl, &sess) == 0) {
        t->info.offered = true;
    }
    mbedtls_ssl_session_free(&sess);
}

/* @p cfg is usable: an SNI name of 1..DBX_TLS_SNI_MAX octets (*@p sl its
 * length) and TLS 1.2/1.3 bounds in order (0: the default) in *vmin and *vmax. */
static int check_config(const dbx_tls_config_t *cfg, size_t *sl, uint16_t *vmin, uint16_t *vmax)
{
    DBX_CHECK(cfg->sni != NULL, DBX_ERR_INVAL);
    *sl = strlen(cfg->sni);
    DBX_CHECK(*sl > 0 && *sl <= DBX_TLS_SNI_MAX, DBX_ERR_INVAL);
    *vmin = cfg->min_version ? cfg->min_version : DBX_TLS_V12;
    *vmax = cfg->max_version ? cfg->max_version : DBX_TLS_V13;
    DBX_CHECK((*vmin == DBX_TLS_V12 || *vmin == DBX_TLS_V13) &&
                  (*vmax == DBX_TLS_V12 || *vmax == DBX_TLS_V13) && *vmin <= *vmax,
              DBX_ERR_INVAL);
    return DBX_OK;
}

/* PSA crypto is up (mbedTLS 3.6 needs it for TLS 1.3): missing entropy or
 * memory has its own status. */
static int psa_up(void)
{
    psa_status_t ps = psa_crypto_init();
    if (ps == PSA_ERROR_INSUFFICIENT_ENTROPY) {
        return DBX_ERR_NOENTROPY;
    }
    DBX_CHECK(ps == PSA_SUCCESS, ps == PSA_ERROR_INSUFFICIENT_MEMORY ? DBX_ERR_NOMEM : DBX_ERR_TLS);
    return DBX_OK;
}

/* The client configuration: our DRBG, no chain verification (DANE decides),
 * the versions @p vmin..@p vmax, @p cfg's signature algorithms, tickets. */
static int configure(dbx_tls_t *t, const dbx_tls_config_t *cfg, uint16_t vmin, uint16_t vmax)
{
    int ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        return map_err(t, ret);
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    /* No CA bundle and no mbedTLS chain verification, on purpose: the DANE
     * matcher decides (RFC 7672 §3.1) and checks the signatures of the path
     * it needs.  mbedTLS's own verification could only ever say "not
     * trusted", would verify every signature of whatever chain the server
     * sends, and fails the handshake outright above
     * MBEDTLS_X509_MAX_INTERMEDIATE_CA.  The peer still proves possession of
     * the leaf key (CertificateVerify, ServerKeyExchange, or RSA key
     * transport + Finished). */
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_min_tls_version(&t->conf, (mbedtls_ssl_protocol_version)vmin);
    mbedtls_ssl_conf_max_tls_version(&t->conf, (mbedtls_ssl_protocol_version)vmax);
    if (cfg->sig_algs != NULL) { /* monitoring: offer one key algorithm only */
        mbedtls_ssl_conf_sig_algs(&t->conf, cfg->sig_algs);
    }
    /* tickets (RFC 5077, RFC 8446 §4.6.1): kept for resumption, which the
     * caller offers only under the rules of dbx_tls_cache.h */
    mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &t->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    return DBX_OK;
}

/* The connection on that configuration: SNI, our transport, and the saved
 * session @p cfg offers for resumption. */
static int start_session(dbx_tls_t *t, const dbx_tls_config_t *cfg)
{
    int ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (ret != 0) {
        return map_err(t, ret);
    }
    /* SNI = TLSA base domain (RFC 7672 §8.1). */
    ret = mbedtls_ssl_set_hostname(&t->ssl, t->sni);
    if (ret != 0) {
        return map_err(t, ret);
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    if (cfg->resume != NULL && cfg->resume_len > 0) { /* after the hostname: */
        offer_session(t, cfg->resume, cfg->resume_len); /* TLS 1.3 tickets are bound to it */
    }
    return DBX_OK;
}

int dbx_tls_setup(dbx_tls_t *t, const dbx_tls_config_t *cfg, const dbx_transport_t *tr,
                  void *sock)
{
    uint16_t vmin, vmax;
    size_t sl;
    int ret;

    DBX_ASSERT(t != NULL && cfg != NULL && tr != NULL && sock != NULL);
    DBX_ASSERT(!t->set_up);
    ret = check_config(cfg, &sl, &vmin, &vmax);
    if (ret == DBX_OK) ret = psa_up();
    if (ret != DBX_OK) {
        return ret;
    }

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
    ret = configure(t, cfg, vmin, vmax);
    if (ret == DBX_OK) ret = start_session(t, cfg);
    if (ret != DBX_OK) {
        return ret;
    }
    t->info.sni = t->sni;
    t->io_ms = cfg->io_ms ? cfg->io_ms : 30000u;
    return DBX_OK;
}

static bool same_name(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && a->p != NULL && b->p != NULL && memcmp(a->p, b->p, a->len) == 0;
}

static bool taken(const dbx_tls_chain_t *ch, const mbedtls_x509_crt *c)
{
    for (size_t i = 0; i < ch->n; i++) {
        if (ch->cert[i].der == c->raw.p) {
            return true;
        }
    }
    return false;
}

static void take(dbx_tls_chain_t *ch, const mbedtls_x509_crt *c)
{
    ch->cert[ch->n].der = c->raw.p;
    ch->cert[ch->n].len = c->raw.len;
    ch->n++;
}

/* The verifier's view of the chain (see dbx_tls_chain_t): what DANE-EE needs
 * (the leaf) and DANE-TA needs (the issuer path up to the TA) first, so a
 * long, disordered or padded chain never pushes them out of the bound.  The
 * list mbedTLS parsed is itself bounded by the 16 KB input record. */
static void collect_chain(dbx_tls_t *t)
{
    const mbedtls_x509_crt *first = mbedtls_ssl_get_peer_cert(&t->ssl), *c, *cur;
    dbx_tls_chain_t *ch = &t->chain;

    memset(ch, 0, sizeof *ch);
    for (c = first; c != NULL && c->raw.p != NULL && c->raw.len > 0; c = c->next) {
        ch->total++;
    }
    if (ch->total == 0) {
        return;
    }
    take(ch, first);
    for (cur = first; ch->n < DBX_TLS_CHAIN_MAX && !same_name(&cur->issuer_raw, &cur->subject_raw);) {
        for (c = first->next; c != NULL && c->raw.p != NULL; c = c->next) {
            if (!taken(ch, c) && same_name(&c->subject_raw, &cur->issuer_raw)) {
                break;
            }
        }
        if (c == NULL || c->raw.p == NULL) {
            break;
        }
        take(ch, c);
        cur = c;
    }
    ch->path = ch->n;
    for (c = first->next; c != NULL && c->raw.p != NULL && ch->n < DBX_TLS_CHAIN_MAX; c = c->next) {
        if (!taken(ch, c)) {
            take(ch, c);
        }
    }
}

int dbx_tls_handshake(dbx_tls_t *t)
{
    int ret;

    bool cert_state = false;

    DBX_ASSERT(t != NULL && t->set_up && !t->established);
    /* Step by step to see whether the server took the certificate path: a
     * resumed handshake (TLS 1.2 abbreviated, TLS 1.3 PSK) never enters the
     * ServerCertificate state; mbedTLS 3.6 has no getter for "resumed". */
    while (!mbedtls_ssl_is_handshake_over(&t->ssl)) {
        if (t->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_SERVER_CERTIFICATE) cert_state = true;
        ret = mbedtls_ssl_handshake_step(&t->ssl);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (ret != 0) {
            return map_err(t, ret);
        }
    }
    t->info.resumed = t->info.offered && !cert_state;
    if (!t->info.resumed) {
        collect_chain(t);
        DBX_CHECK(t->chain.n > 0, DBX_ERR_TLS); /* a server must send a certificate */
    } else {
        memset(&t->chain, 0, sizeof t->chain); /* a saved certificate is not a presented one */
    }
    t->info.version = (uint16_t)mbedtls_ssl_get_version_number(&t->ssl);
    t->info.version_name = mbedtls_ssl_get_version(&t->ssl);
    t->info.ciphersuite_id = mbedtls_ssl_get_ciphersuite_id_from_ssl(&t->ssl);
    t->info.ciphersuite = mbedtls_ssl_get_ciphersuite(&t->ssl);
    t->info.pkix_flags = MBEDTLS_X509_BADCERT_SKIP_VERIFY; /* see dbx_tls_setup() */
    t->established = 1;
    return DBX_OK;
}

/* mbedTLS error (high-level part) -> why, for the failures that are limits
 * of mbedTLS 3.6 rather than faults of the server. */
static const char *unsupported_reason(int err)
{
    int hi = -((-err) & 0xFF80); /* high-level module code */
    switch (hi) {
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
        return "tls-unsupported: no common TLS version (server TLS 1.0/1.1 only?)";
    case MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG:
    case MBEDTLS_ERR_PK_UNKNOWN_PK_ALG:
    case MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
        return "tls-unsupported: certificate algorithm not in mbedTLS 3.6 (Ed25519/RSA-PSS?)";
    default:
        break;
    }
    return NULL;
}

const char *dbx_tls_fail_reason(const dbx_tls_t *t)
{
    const char *why;
    if (t == NULL || t->mbed_err == 0) {
        return NULL;
    }
    /* a handshake message announced larger than the input buffer cannot be
     * reassembled (upstream issue #10906), whatever error that ended in */
    if (t->ssl.MBEDTLS_PRIVATE(in_hslen) > MBEDTLS_SSL_IN_CONTENT_LEN) {
        return "tls-unsupported: handshake message over 16 KB (mbedTLS 3.6 limit)";
    }
    why = unsupported_reason(t->mbed_err);
    if (why != NULL) {
        return why;
    }
    switch (t->alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
    case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
        return "tls-unsupported: server refused all our suites/sig-algs (Ed25519/RSA-PSS key?)";
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
        return "tls-unsupported: server refused TLS 1.2/1.3 (TLS 1.0/1.1 only?)";
    case MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW:
        return "tls-unsupported: server refused our record size (alert record_overflow)";
    case -1:
        return NULL;
    default:
        return "TLS handshake failed: fatal alert from the server";
    }
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

int dbx_tls_session_export(dbx_tls_t *t, uint8_t *buf, size_t cap, size_t *len,
                           uint32_t *lifetime_s)
{
    mbedtls_ssl_session sess;
    int ret, st = DBX_OK;

    DBX_CHECK(t != NULL && buf != NULL && len != NULL && lifetime_s != NULL, DBX_ERR_INVAL);
    DBX_CHECK(t->established, DBX_ERR_INVAL);
    *len = 0;
    *lifetime_s = 0;
    mbedtls_ssl_session_init(&sess);
    ret = mbedtls_ssl_get_session(&t->ssl, &sess);
    if (ret != 0) {
        st = ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? DBX_ERR_NOMEM : DBX_ERR_NOTFOUND;
    } else if (sess.MBEDTLS_PRIVATE(ticket) == NULL || sess.MBEDTLS_PRIVATE(ticket_len) == 0) {
        st = DBX_ERR_NOTFOUND; /* no ticket: nothing the server would resume */
    } else {
        ret = mbedtls_ssl_session_save(&sess, buf, cap, len);
        st = ret == 0 ? DBX_OK
             : ret == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL ? DBX_ERR_LIMIT : DBX_ERR_TLS;
        *lifetime_s = sess.MBEDTLS_PRIVATE(ticket_lifetime);
    }
    mbedtls_ssl_session_free(&sess);
    return st;
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
#if defined(MBEDTLS_ERROR_C)
        mbedtls_strerror(t->mbed_err, buf, cap);
#else
        int e = t->mbed_err;
        snprintf(buf, cap, "mbedTLS error %s0x%04X", e < 0 ? "-" : "", (unsigned)(e < 0 ? -e : e));
#endif
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
