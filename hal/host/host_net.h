/**
 * @file host_net.h
 * @brief dbx_transport_t over POSIX sockets, for the host CLI and tests.
 */
#ifndef HOST_NET_H
#define HOST_NET_H

#include "dbx_transport.h"

/** Host transport state: counters of sockets opened (for round-trip tests). */
typedef struct host_net {
    uint32_t udp_opens;
    uint32_t tcp_opens;
} host_net_t;

/** Fill @p tr with the POSIX implementation using @p net as context. Cannot fail. */
void host_net_init(host_net_t *net, dbx_transport_t *tr);

#endif /* HOST_NET_H */
