/* mode=ping: network smoke test.  LAN9118 + lwIP (NO_SYS main loop), static
 * IPv4 from the config block, ARP for the target and ICMP echo. */
#include "board.h"
#include "dbx_common.h"
#include "fw.h"
#include "hal_platform.h"
#include "fw_net.h"

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
        fw_net_poll();
    }
}

int fw_net_ping(const dbx_config_t *cfg, int count)
{
    const dbx_addr_t *dst = cfg->has_ping ? &cfg->ping : &cfg->gw4;
    char target[48];
    ip_addr_t to;
    struct raw_pcb *pcb;
    int ok = 0;
    uint32_t t0;

    dbx_addr_format(dst, target, sizeof target);
    if (dst->family != 4) {
        return DBX_ERR_INVAL;
    }
    IP_ADDR4(&to, dst->addr[0], dst->addr[1], dst->addr[2], dst->addr[3]);
    if (fw_net_up(cfg) != DBX_OK) {
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
        if (etharp_find_addr(fw_netif(), ip_2_ip4(&to), &eth, &found) >= 0 && eth != NULL) {
            printf("net: arp %s is at %02x:%02x:%02x:%02x:%02x:%02x\n", target, eth->addr[0],
                   eth->addr[1], eth->addr[2], eth->addr[3], eth->addr[4], eth->addr[5]);
        } else {
            printf("net: arp %s unresolved\n", target);
        }
    }
    printf("net: %lu frames out, %lu in, %lu dropped\n", (unsigned long)fw_nic()->tx_frames,
           (unsigned long)fw_nic()->rx_frames, (unsigned long)fw_nic()->rx_dropped);
    raw_remove(pcb);
    return ok == count ? DBX_OK : DBX_ERR_TIMEOUT;
}
