/**
 * @file dbx_transport.h
 * @brief The network interface the core owns.  Implemented over POSIX
 *        sockets on the host (tools/danebox) and over the lwIP raw API in
 *        firmware/.  The core never calls an OS function itself.
 */
#ifndef DBX_TRANSPORT_H
#define DBX_TRANSPORT_H

#include "dbx_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An IPv4 or IPv6 endpoint. */
typedef struct dbx_addr {
    uint8_t family;    /**< 4 or 6 */
    uint8_t addr[16];  /**< network order; IPv4 uses the first 4 bytes */
    uint16_t port;     /**< host order */
} dbx_addr_t;

typedef enum dbx_sock_type {
    DBX_SOCK_UDP = 1, /**< connected datagram socket, random source port */
    DBX_SOCK_TCP = 2, /**< stream socket */
} dbx_sock_type_t;

/**
 * Socket-like operations.  All return ::dbx_status_t.
 *  - open: UDP binds a random source port and accepts datagrams from @p peer
 *    only; TCP connects within @p timeout_ms.
 *  - send: sends all @p len bytes (UDP: one datagram).
 *  - recv: UDP: one datagram from the peer; TCP: 1..cap bytes; 0 bytes with
 *    DBX_OK means orderly close (TCP).  DBX_ERR_TIMEOUT after @p timeout_ms.
 *  - close: accepts NULL.
 */
typedef struct dbx_transport {
    void *ctx;
    int (*open)(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer,
                uint32_t timeout_ms, void **sock);
    int (*send)(void *ctx, void *sock, const uint8_t *buf, size_t len);
    int (*recv)(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got,
                uint32_t timeout_ms);
    void (*close)(void *ctx, void *sock);
} dbx_transport_t;

/** Parse "192.0.2.1", "2001:db8::1", "[2001:db8::1]:53" or "192.0.2.1:53".
 *  @p default_port is used when none is given.
 *  @return DBX_OK or DBX_ERR_MALFORMED. */
int dbx_addr_parse(const char *s, uint16_t default_port, dbx_addr_t *out);

/** Format without port into @p buf (at least 46 bytes). @return @p buf. */
const char *dbx_addr_format(const dbx_addr_t *a, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TRANSPORT_H */
