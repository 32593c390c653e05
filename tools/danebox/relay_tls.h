/**
 * @file relay_tls.h
 * @brief Inbound STARTTLS for `danebox relay` (host): an mbedTLS server
 *        over a non-blocking socket.  The certificate chain and key are the
 *        operator's (tls_cert / tls_key); clients are not authenticated.
 */
#ifndef DBX_RELAY_TLS_H
#define DBX_RELAY_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct relay_tls_server relay_tls_server_t;
typedef struct relay_tls_conn relay_tls_conn_t;

/** Load the PEM chain (leaf first) and key.  NULL (logged) on error. */
relay_tls_server_t *relay_tls_server_new(const char *cert_file, const char *key_file);
/** Free.  Accepts NULL. */
void relay_tls_server_free(relay_tls_server_t *s);

/** A server-side TLS connection on @p fd (non-blocking).  NULL on error. */
relay_tls_conn_t *relay_tls_conn_new(relay_tls_server_t *s, int fd);
/** Free (sends close_notify best effort).  Accepts NULL. */
void relay_tls_conn_free(relay_tls_conn_t *c);

/** Advance the handshake. @return 1 done, 0 wants more I/O, -1 failed. */
int relay_tls_handshake(relay_tls_conn_t *c);
/** @return >0 octets, 0 peer closed, -1 would block, -2 error. */
ssize_t relay_tls_read(relay_tls_conn_t *c, void *buf, size_t cap);
/** @return octets written (>0), -1 would block, -2 error. */
ssize_t relay_tls_write(relay_tls_conn_t *c, const void *buf, size_t n);
/** Decrypted octets already buffered (poll would not report them). */
bool relay_tls_pending(const relay_tls_conn_t *c);
/** "TLSv1.3 with cipher NAME" (after the handshake). */
const char *relay_tls_desc(relay_tls_conn_t *c);

#endif /* DBX_RELAY_TLS_H */
