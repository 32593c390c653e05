/* Firmware network bring-up and polling (see fw_net.h). */
#include "fw_net.h"
#include "board.h"
#include "dbx_common.h"
#include "netif_dbx.h"
#include "fw.h"
#include "arm/systick.h"

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <stdio.h>
#include <string.h>

static hal_nic_t eth_nic;
static struct netif eth_netif;
static int net_up;
static uint64_t idle_cycles; /* spent in WFI: excluded from instruction counts */

struct netif *fw_netif(void)
{
    return &eth_netif;
}

hal_nic_t *fw_nic(void)
{
    return &eth_nic;
}

static void to_ip4(const dbx_addr_t *a, ip4_addr_t *out)
{
    memcpy(&out->addr, a->addr, 4); /* both network order */
}

int fw_net_up(const dbx_config_t *cfg)
{
    ip4_addr_t ip, mask, gw;
    uint8_t mac[6];

    if (net_up) {
        return DBX_OK;
    }
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
    if (cfg->has_ip4) {
        to_ip4(&cfg->ip4, &ip);
        mask.addr = lwip_htonl(cfg->prefix4 == 0 ? 0 : 0xFFFFFFFFu << (32 - cfg->prefix4));
    }
    if (cfg->has_gw4) {
        to_ip4(&cfg->gw4, &gw);
    }
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
    if (netif_add(&eth_netif, &ip, &mask, &gw, &eth_nic, netif_dbx_init, ethernet_input) ==
        NULL) {
        return DBX_ERR_IO;
    }
    netif_set_default(&eth_netif);
    netif_set_up(&eth_netif);
    netif_dbx_poll(&eth_netif); /* picks up the PHY link state */
#if LWIP_IPV6
    netif_create_ip6_linklocal_address(&eth_netif, 1);
    if (cfg->has_ip6) {
        ip6_addr_t a6;
        s8_t idx = -1;
        memcpy(a6.addr, cfg->ip6.addr, 16);
        ip6_addr_clear_zone(&a6);
        if (netif_add_ip6_address(&eth_netif, &a6, &idx) != ERR_OK || idx < 0) {
            return DBX_ERR_IO;
        }
        /* a static address on a link we own: usable at once (no DAD) */
        netif_ip6_addr_set_state(&eth_netif, idx, IP6_ADDR_PREFERRED);
    }
#endif
    net_up = 1;
    return DBX_OK;
}

void fw_net_poll(void)
{
    int frames = 0;
    if (net_up) {
        frames = netif_dbx_poll(&eth_netif);
        sys_check_timeouts();
    }
    if (frames == 0) {
        uint64_t t0 = systick_cycles64();
        __asm__ volatile("wfi"); /* until the next SysTick (1 ms) */
        idle_cycles += systick_cycles64() - t0;
    }
}

uint64_t fw_idle_cycles(void)
{
    return idle_cycles;
}

void fw_net_print_stats(void)
{
#if LWIP_STATS && MEM_STATS && MEMP_STATS
    printf("lwip: heap used max %lu of %lu bytes, errors %lu\n",
           (unsigned long)lwip_stats.mem.max, (unsigned long)lwip_stats.mem.avail,
           (unsigned long)lwip_stats.mem.err);
    for (int i = 0; i < MEMP_MAX; i++) {
        const struct stats_mem *m = lwip_stats.memp[i];
        if (m != NULL && m->avail > 0) {
            printf("lwip: pool %-14s max %2lu of %2lu, errors %lu\n", m->name,
                   (unsigned long)m->max, (unsigned long)m->avail, (unsigned long)m->err);
        }
    }
#endif
}
