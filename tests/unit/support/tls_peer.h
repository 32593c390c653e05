/**
 * @file tls_peer.h
 * @brief An SMTP server with an mbedTLS server side, in memory, for unit
 *        tests: a paired fake ::dbx_transport_t whose peer is driven from
 *        the client's send/recv calls (no sockets, no threads, no root).
 *
 * Script (what the server does):
 *  - TLS_PEER_NORMAL      banner, EHLO with STARTTLS, 220, TLS, EHLO 250
 *  - TLS_PEER_NO_STARTTLS EHLO without STARTTLS
 *  - TLS_PEER_454         STARTTLS answered "454 4.7.0 TLS not available"
 *  - TLS_PEER_INJECT      "220 ready" followed at once by a plaintext
 *                         "250 injected" line (response injection)
 *  - TLS_PEER_NOT_TLS     after 220 it answers the ClientHello with text
 *  - TLS_PEER_EHLO_TLS_FAIL  TLS up, then EHLO over TLS answered 554
 * Commands: EHLO (SIZE 10240000, PIPELINING), MAIL FROM (250, counted),
 * HELP (a three-line 214), QUIT (221, counted), anything else 502.
 */
#ifndef TLS_PEER_H
#define TLS_PEER_H

#include "dbx_transport.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ticket.h"
#include "mbedtls/x509_crt.h"

typedef enum {
    TLS_PEER_NORMAL = 0,
    TLS_PEER_NO_STARTTLS,
    TLS_PEER_454,
    TLS_PEER_INJECT,
    TLS_PEER_NOT_TLS,
    TLS_PEER_EHLO_TLS_FAIL,
} tls_peer_script_t;

#define TLS_PEER_BUF 65536

typedef struct tls_peer {
    tls_peer_script_t script;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    int phase;            /* 0 cleartext, 1 handshake, 2 TLS, 3 not-TLS, 4 dead */
    int hs_err;           /* server handshake error (0 none) */
    unsigned opens, quits, handshakes, mails;
    uint8_t c2s[TLS_PEER_BUF];
    size_t c2s_len;
    uint8_t s2c[TLS_PEER_BUF];
    size_t s2c_len, s2c_pos;
    char line[1024];
    size_t line_len;
    mbedtls_x509_buf saved_raw; /* leaf DER replaced by tls_peer_send_der() */
    unsigned char *swapped;
    mbedtls_ssl_ticket_context ticket; /* tls_peer_enable_tickets() */
    int tickets;
} tls_peer_t;

/** Load the chain (PEM files, leaf first, @p n >= 1) and the leaf key.
 *  @return 0 or -1. */
int tls_peer_init(tls_peer_t *p, tls_peer_script_t script, const char *const *pems, size_t n,
                  const char *key_pem);

/** Send the DER of @p pem (one certificate, e.g. one mbedTLS cannot parse)
 *  instead of the loaded leaf's; the leaf key stays the signing key.
 *  @return 0 or -1. */
int tls_peer_send_der(tls_peer_t *p, const char *pem);

/** Issue session tickets (TLS 1.2 RFC 5077, TLS 1.3 NewSessionTicket) under
 *  a fresh key of this peer, and accept them for resumption.  @return 0 or -1. */
int tls_peer_enable_tickets(tls_peer_t *p);

/** Free everything (accepts a zeroed peer). */
void tls_peer_free(tls_peer_t *p);

/** The client's view: a transport whose TCP peer is @p p. */
dbx_transport_t tls_peer_transport(tls_peer_t *p);

#endif /* TLS_PEER_H */
