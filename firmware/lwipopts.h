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
/* DHCPv4 client (config ip=dhcp; static ip= needs none of it).  Build
 * with DBX_LWIP_DHCP=0 to drop it (ip=dhcp then fails at run time). */
#ifndef DBX_LWIP_DHCP
#define DBX_LWIP_DHCP           1
#endif
#define LWIP_DHCP               DBX_LWIP_DHCP
/* RFC 5227 conflict check (3 ARP probes + 2 announcements) of the offered
 * address before use, lwIP's default: declines a taken address, adds ~7 s
 * to the lease.  DBX_LWIP_DHCP_ACD=0 drops it. */
#ifndef DBX_LWIP_DHCP_ACD
#define DBX_LWIP_DHCP_ACD       1
#endif
#define LWIP_DHCP_DOES_ACD_CHECK (LWIP_DHCP && DBX_LWIP_DHCP_ACD)
/* LWIP_DNS is off, so lwIP neither asks for nor keeps DHCP's DNS servers:
 * ask for option 6 ourselves, read it in the option hook (fw_net.c) */
#define DHCP_ADD_EXTRA_REQUEST_OPTIONS , 6 /* DHCP_OPTION_DNS_SERVER */
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
    dbx_dhcp_option((option), (len), (pbuf), (offset))
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
/* DBX_LWIP_STATS=1 (measurement builds): pool/heap high-water marks,
 * printed by fw_net_print_stats() after mode=dnsprobe */
#ifndef DBX_LWIP_STATS
#define DBX_LWIP_STATS          0
#endif
#define LWIP_STATS              DBX_LWIP_STATS
#if DBX_LWIP_STATS
#define LWIP_STATS_DISPLAY      1 /* pool names */
#endif
#define LWIP_RAND()             dbx_lwip_rand()

/* memory: lwIP's own heap and pools, fixed at build time.
 *
 * Sized for one SMTP/TLS session plus DNS (UDP, TCP fallback) at a time,
 * polled single-threaded (measured with DBX_LWIP_STATS=1 in the rig: see
 * tests/qemu/test_rig_net.sh).  Facts behind the numbers:
 *  - RX: netif_dbx_poll() copies one frame into one PBUF_POOL buffer and
 *    lwIP handles it synchronously; the transport copies TCP data into its
 *    own ring at once and frees the pbuf, so pool buffers are only held by
 *    out-of-order segments (<= TCP_OOSEQ_MAX_PBUFS per pcb) and queued UDP
 *    datagrams (<= TLW_UDP_QLEN per socket).  Measured peak: 1 buffer.
 *  - TX: linkoutput is synchronous; lwIP's heap holds only unacked TCP data
 *    (<= TCP_SND_BUF per pcb), UDP/ICMP packets being sent and one queued
 *    packet per unresolved ARP/ND neighbour.  Measured peak: 340 bytes
 *    (DNS); a TLS client's flights (ClientHello, key share, Finished) are far
 *    below TCP_SND_BUF.  When the heap is short tcp_write() fails with
 *    ERR_MEM and the transport waits for acks instead of failing.
 *  - TCP_WND 2*MSS: the transport's receive ring is TCP_WND bytes per TCP
 *    socket (flow control by tcp_recved as the caller consumes); 2*MSS is
 *    lwIP's minimum for sane behaviour and plenty on a LAN.
 *  - No IP fragmentation or reassembly: DNS uses EDNS 1232 (no fragments,
 *    and fragment-based DNS spoofing is off the table), TCP segments fit
 *    the MTU. */
#define MEM_ALIGNMENT           4
#define MEM_SIZE                (4 * 1024) /* >= TCP_SND_BUF + DNS + ARP; relay heap headroom */
#define MEMP_NUM_PBUF           4
#define MEMP_NUM_UDP_PCB        (4 + LWIP_DHCP) /* + the DHCP client's */
#define MEMP_NUM_TCP_PCB        6 /* relay: 2 inbound + 1 refused + 1 outbound + TIME_WAIT */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG        12
#define MEMP_NUM_ND6_QUEUE      4
/* A prefetch round sends up to DBX_DNS_MAX_OUTSTANDING (4 on the board)
 * DNS questions back to back; with the resolver's ARP entry not yet
 * resolved lwIP would keep only the last of them (ARP_QUEUEING 0) and the
 * others would wait out their timeout.  Queue them (copies in MEM_SIZE,
 * ~100 bytes each, only until the ARP reply). */
#define ARP_QUEUEING            1
#define ARP_QUEUE_LEN           4
#define MEMP_NUM_ARP_QUEUE      4
#define PBUF_POOL_SIZE          7 /* 2 inbound x TCP_WND held + RX + UDP queue */
#define PBUF_POOL_BUFSIZE       1516 /* one full Ethernet frame, aligned */
#define TCP_MSS                 1460
#define TCP_WND                 (2 * TCP_MSS)
#define TCP_SND_BUF             (2 * TCP_MSS)
#define TCP_SND_QUEUELEN        ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_QUEUE_OOSEQ         1
#define TCP_OOSEQ_MAX_PBUFS     2
#define IP_REASSEMBLY           0
#define IP_FRAG                 0
#define LWIP_IPV6_REASS         0
#define LWIP_IPV6_FRAG          0
#define LWIP_CHKSUM_ALGORITHM   3

#ifndef __ASSEMBLER__
#include <stdint.h>
uint32_t dbx_lwip_rand(void);
struct pbuf;
/* DHCP option hook (fw_net.c): options lwIP itself does not decode */
void dbx_dhcp_option(unsigned option, unsigned len, const struct pbuf *p, unsigned offset);
#endif

#endif /* DBX_LWIPOPTS_H */
