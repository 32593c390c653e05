/**
 * @file lwipopts.h
 * @brief lwIP 2.2 options for danebox: NO_SYS raw API, IPv4 + IPv6, UDP for
 *        DNS, TCP for SMTP, static pools sized for one verification at a time.
 */
#ifndef DBX_LWIPOPTS_H
#define DBX_LWIPOPTS_H

#define NO_SYS                  1
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define SYS_LIGHTWEIGHT_PROT    0
#define LWIP_TIMERS             1

#ifndef DBX_LWIP_IPV6
#define DBX_LWIP_IPV6           1
#endif
#define LWIP_IPV4               1
#define LWIP_IPV6               DBX_LWIP_IPV6
#define LWIP_ARP                1
#define LWIP_ETHERNET           1
#define LWIP_ICMP               1
#define LWIP_UDP                1
#define LWIP_TCP                1
#define LWIP_DHCP               1
#define LWIP_DNS                0 /* danebox has its own validating stub */
/* raw ICMP: the firmware's ping diagnostic (network smoke test) */
#ifndef DBX_LWIP_RAW
#define DBX_LWIP_RAW            1
#endif
#define LWIP_RAW                DBX_LWIP_RAW
#define LWIP_IGMP               0
#define LWIP_IPV6_MLD           LWIP_IPV6
#define LWIP_IPV6_AUTOCONFIG    LWIP_IPV6
#define LWIP_IPV6_DHCP6         0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
#define LWIP_SINGLE_NETIF       1
#define LWIP_STATS              0
#define LWIP_RAND()             dbx_lwip_rand()

/* memory: lwIP's own heap and pools, fixed at build time */
#define MEM_ALIGNMENT           4
#define MEM_SIZE                (16 * 1024)
#define MEMP_NUM_PBUF           16
#define MEMP_NUM_UDP_PCB        4
#define MEMP_NUM_TCP_PCB        4
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG        16
#define PBUF_POOL_SIZE          16
#define PBUF_POOL_BUFSIZE       1536
#define TCP_MSS                 1460
#define TCP_WND                 (4 * TCP_MSS)
#define TCP_SND_BUF             (4 * TCP_MSS)
#define TCP_SND_QUEUELEN        ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_CHKSUM_ALGORITHM   3

#ifndef __ASSEMBLER__
#include <stdint.h>
uint32_t dbx_lwip_rand(void);
#endif

#endif /* DBX_LWIPOPTS_H */
