/**
 * @file transport_lwip.h
 * @brief dbx_transport_t over the lwIP raw API (NO_SYS), for the firmware.
 *
 * A static pool of TLW_MAX_SOCKS sockets (at most TLW_MAX_TCP of them TCP);
 * a TCP socket's receive ring (TCP_WND bytes) is on the heap while it is
 * open, otherwise no allocation besides lwIP's own pools.  Blocking calls poll the NIC and
 * lwIP's timers through the @p poll hook until done or timed out (SysTick ms).
 *  - UDP: pcb bound to a random ephemeral port (49152..65535, from
 *    hal_crypto_random; no entropy -> DBX_ERR_NOENTROPY), connected to the
 *    peer; only datagrams from the peer's address and port are queued (at most
 *    TLW_UDP_QLEN, further ones dropped); recv truncates to @p cap like POSIX.
 *  - TCP: random local port, connect within the timeout (RST -> DBX_ERR_IO,
 *    no answer -> DBX_ERR_TIMEOUT); received data goes into a ring of TCP_WND
 *    bytes and the window is reopened (tcp_recved) only as the caller consumes
 *    it, so the peer can never overrun the ring; recv returns buffered data
 *    first, then 0 bytes for an orderly close or the error for a reset.
 *    send queues all bytes (copying) and waits for send-buffer space as acks
 *    arrive; close is orderly (FIN), or RST when unread data is left.
 */
#ifndef DBX_TRANSPORT_LWIP_H
#define DBX_TRANSPORT_LWIP_H

#include "dbx_transport.h"

#define TLW_MAX_SOCKS 4
#define TLW_MAX_TCP   2
#define TLW_UDP_QLEN  4
#define TLW_SEND_TIMEOUT_MS 30000u

/** Per-socket diagnostics. */
typedef struct tlw_info {
    uint16_t local_port;
    uint32_t dropped_foreign; /**< UDP datagrams from another address/port */
    uint32_t dropped_full;    /**< UDP datagrams dropped: queue full */
    uint32_t tcp_acked;       /**< TCP bytes acknowledged by the peer */
    uint32_t tcp_rx_max;      /**< TCP: most bytes ever buffered in the ring */
} tlw_info_t;

/** Fill @p tr with the lwIP transport; @p poll is one polling step
 *  (e.g. fw_net_poll).  The network must be up before open(). */
void tlw_init(dbx_transport_t *tr, void (*poll)(void));

/** Diagnostics of an open socket. */
void tlw_info(void *sock, tlw_info_t *info);

/** Sockets currently in use (leak check). */
int tlw_open_count(void);

#endif /* DBX_TRANSPORT_LWIP_H */
