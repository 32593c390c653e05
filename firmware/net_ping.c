/* Network smoke test: LAN9118 + lwIP (NO_SYS main loop), static IPv4, ARP
 * for the target and ICMP echo.  Meant for QEMU user networking, where the
 * only peers are QEMU's own gateway (10.0.2.2) and DNS (10.0.2.3). */
#include "board.h"
#include "dbx_common.h"
#include "fw.h"
#include "hal_platform.h"
#include "netif_dbx.h"

#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <stdio.h>
#include <string.h>

#define PING_ID       0xDB0Bu
#define PING_DATA_LEN 32u
#define PING_WAIT_MS  1000u

static hal_nic_t eth_nic;
static struct netif eth_netif;
static int net_up;
static volatile int ping_seq_got = -1;

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct icmp_echo_hdr echo;
    u16_t hlen;
    (void)arg;
    (void)pcb;
    (void)addr;
    if (p->len < IP_HLEN) {
        return 0;
    }
    hlen = (u16_t)IPH_HL_BYTES((const struct ip_hdr *)p->payload);
    if (pbuf_copy_partial(p, &echo, sizeof echo, hlen) != sizeof echo ||
        echo.type != ICMP_ER || echo.id != lwip_htons(PING_ID)) {
        return 0; /* not ours: let lwIP handle it */
    }
    ping_seq_got = lwip_ntohs(echo.seqno);
    pbuf_free(p);
    return 1;
}

static int ping_send(struct raw_pcb *pcb, const ip_addr_t *to, u16_t seq)
{
    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PING_DATA_LEN, PBUF_RAM);
    struct icmp_echo_hdr *echo;
    err_t err;
    if (p == NULL) {
        return DBX_ERR_NOMEM;
    }
    echo = p->payload;
    ICMPH_TYPE_SET(echo, ICMP_ECHO);
    ICMPH_CODE_SET(echo, 0);
    echo->id = lwip_htons(PING_ID);
    echo->seqno = lwip_htons(seq);
    echo->chksum = 0;
    for (u16_t i = 0; i < PING_DATA_LEN; i++) {
        ((u8_t *)(echo + 1))[i] = (u8_t)('a' + i % 26);
    }
    echo->chksum = inet_chksum(echo, p->len);
    err = raw_sendto(pcb, p, to);
    pbuf_free(p);
    return err == ERR_OK ? DBX_OK : DBX_ERR_IO;
}

static void net_poll_for(uint32_t ms, int seq)
{
    uint32_t t0 = hal_clock_ms();
    while ((uint32_t)(hal_clock_ms() - t0) < ms && ping_seq_got != seq) {
        netif_dbx_poll(&eth_netif);
        sys_check_timeouts();
    }
}

static int net_bring_up(const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw)
{
    uint8_t mac[6];
    eth_nic.ops = &lan9118_ops;
    eth_nic.cfg = &board.eth;
    if (eth_nic.ops->init(&eth_nic) != DBX_OK) {
        return DBX_ERR_IO;
    }
    eth_nic.ops->get_mac(&eth_nic, mac);
    printf("net: %s at 0x%08lx, mac %02x:%02x:%02x:%02x:%02x:%02x, link %s\n",
           eth_nic.ops->name, (unsigned long)board.eth.base, mac[0], mac[1], mac[2], mac[3],
           mac[4], mac[5], eth_nic.ops->link_up(&eth_nic) ? "up" : "down");
    lwip_init();
    if (netif_add(&eth_netif, ip, mask, gw, &eth_nic, netif_dbx_init, ethernet_input) == NULL) {
        return DBX_ERR_IO;
    }
    netif_set_default(&eth_netif);
    netif_set_up(&eth_netif);
    netif_dbx_poll(&eth_netif); /* picks up the PHY link state */
#if LWIP_IPV6
    netif_create_ip6_linklocal_address(&eth_netif, 1);
#endif
    net_up = 1;
    return DBX_OK;
}

int fw_net_ping(const char *local, const char *gw, const char *target, int count)
{
    ip4_addr_t ip, mask, gwa;
    ip_addr_t to;
    struct raw_pcb *pcb;
    int ok = 0;
    uint32_t t0;

    if (!ip4addr_aton(local, &ip) || !ip4addr_aton(gw, &gwa) || !ipaddr_aton(target, &to)) {
        return DBX_ERR_INVAL;
    }
    IP4_ADDR(&mask, 255, 255, 255, 0);
    if (!net_up && net_bring_up(&ip, &mask, &gwa) != DBX_OK) {
        return DBX_ERR_IO;
    }
    pcb = raw_new(IP_PROTO_ICMP);
    if (pcb == NULL) {
        return DBX_ERR_NOMEM;
    }
    raw_recv(pcb, ping_recv, NULL);
    raw_bind(pcb, IP_ADDR_ANY);
    for (int seq = 1; seq <= count; seq++) {
        t0 = hal_clock_ms();
        if (ping_send(pcb, &to, (u16_t)seq) != DBX_OK) {
            printf("net: echo %d to %s: send failed\n", seq, target);
            continue;
        }
        net_poll_for(PING_WAIT_MS, seq);
        if (ping_seq_got == seq) {
            ok++;
            printf("net: echo reply from %s seq=%d time=%lu ms\n", target, seq,
                   (unsigned long)(hal_clock_ms() - t0));
        } else {
            printf("net: echo %d to %s: no reply\n", seq, target);
        }
    }
    {
        struct eth_addr *eth = NULL;
        const ip4_addr_t *found = NULL;
        if (etharp_find_addr(&eth_netif, ip_2_ip4(&to), &eth, &found) >= 0 && eth != NULL) {
            printf("net: arp %s is at %02x:%02x:%02x:%02x:%02x:%02x\n", target, eth->addr[0],
                   eth->addr[1], eth->addr[2], eth->addr[3], eth->addr[4], eth->addr[5]);
        } else {
            printf("net: arp %s unresolved\n", target);
        }
    }
    printf("net: %lu frames out, %lu in, %lu dropped\n", (unsigned long)eth_nic.tx_frames,
           (unsigned long)eth_nic.rx_frames, (unsigned long)eth_nic.rx_dropped);
    raw_remove(pcb);
    return ok == count ? DBX_OK : DBX_ERR_TIMEOUT;
}
