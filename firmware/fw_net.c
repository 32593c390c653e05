/* Firmware network bring-up and polling (see fw_net.h). */
#include "fw_net.h"
#include "board.h"
#include "dbx_common.h"
#include "netif_dbx.h"
#include "fw.h"
#include "arm/systick.h"
#include "hal_platform.h"

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
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
static uint64_t wait_cycles; /* empty polls minus their WFI: reported apart */
static uint32_t wait_polls;

#if LWIP_DHCP
static struct dhcp eth_dhcp;   /* static: not from lwIP's 6 KB heap */
static ip4_addr_t dhcp_dns;    /* first DNS server (option 6) seen in a reply */
static ip4_addr_t gw_override; /* ip=dhcp gw=: wins over the leased router */
static int has_gw_override;

/* LWIP_HOOK_DHCP_PARSE_OPTION (lwipopts.h): called by dhcp_parse_reply()
 * for options lwIP does not decode itself, only for replies whose xid and
 * chaddr matched ours.  Keeps the first address of option 6. */
void dbx_dhcp_option(unsigned option, unsigned len, const struct pbuf *p, unsigned offset)
{
    ip4_addr_t a;
    if (option != 6 || len < 4 || len % 4 != 0 || offset > 0xFFFFu) {
        return;
    }
    if (pbuf_copy_partial(p, &a.addr, 4, (u16_t)offset) != 4) {
        return;
    }
    if (!ip4_addr_isany_val(a) && !ip4_addr_isbroadcast_u32(a.addr, &eth_netif) &&
        !ip4_addr_ismulticast(&a)) {
        dhcp_dns = a;
    }
}
#endif

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
    if (cfg->dhcp4) {
#if LWIP_DHCP
        ip4_addr_set_zero(&dhcp_dns);
        if (cfg->has_gw4) {
            gw_override = gw;
            has_gw_override = 1;
        }
        dhcp_set_struct(&eth_netif, &eth_dhcp);
        if (dhcp_start(&eth_netif) != ERR_OK) {
            return DBX_ERR_IO;
        }
#else
        printf("net: ip=dhcp: this build has no DHCP client (DBX_LWIP_DHCP=0)\n");
        return DBX_ERR_UNSUPPORTED;
#endif
    }
    net_up = 1;
    return DBX_OK;
}

#if LWIP_DHCP
static void from_ip4(const ip4_addr_t *a, dbx_addr_t *out)
{
    memset(out, 0, sizeof *out);
    out->family = 4;
    memcpy(out->addr, &a->addr, 4);
}
#endif

int fw_net_dhcp_wait(dbx_config_t *cfg)
{
#if LWIP_DHCP
    uint32_t wait = dbx_config_dhcp_wait_ms(cfg), t0 = hal_clock_ms(), ms, mask;
    uint8_t prefix = 0;
    char ip[16], gw[16], dns[16], srv[16];

    if (!net_up || !cfg->dhcp4) {
        return DBX_ERR_INVAL;
    }
    printf("net: dhcp: waiting up to %lu ms for a lease\n", (unsigned long)wait);
    while (!dhcp_supplied_address(&eth_netif)) {
        if ((uint32_t)(hal_clock_ms() - t0) >= wait) {
            printf("net: dhcp: no lease within %lu ms\n", (unsigned long)wait);
            dhcp_stop(&eth_netif);
            return DBX_ERR_TIMEOUT;
        }
        fw_net_poll();
    }
    ms = hal_clock_ms() - t0;
    mask = lwip_ntohl(netif_ip4_netmask(&eth_netif)->addr);
    while (prefix < 32 && (mask & (0x80000000u >> prefix))) {
        prefix++;
    }
    if (has_gw_override) {
        netif_set_gw(&eth_netif, &gw_override);
    }
    from_ip4(netif_ip4_addr(&eth_netif), &cfg->ip4);
    cfg->prefix4 = prefix;
    cfg->has_ip4 = 1;
    if (!cfg->has_gw4) {
        from_ip4(netif_ip4_gw(&eth_netif), &cfg->gw4);
        cfg->has_gw4 = 1;
    }
    ip4addr_ntoa_r(netif_ip4_addr(&eth_netif), ip, sizeof ip);
    ip4addr_ntoa_r(netif_ip4_gw(&eth_netif), gw, sizeof gw);
    ip4addr_ntoa_r(ip_2_ip4(&eth_dhcp.server_ip_addr), srv, sizeof srv);
    ip4addr_ntoa_r(&dhcp_dns, dns, sizeof dns);
    printf("net: dhcp: lease %s/%u (mask %lu.%lu.%lu.%lu) gw %s (%s) from server %s, "
           "%lu s, after %lu ms\n",
           ip, (unsigned)prefix, (unsigned long)(mask >> 24), (unsigned long)(mask >> 16 & 255),
           (unsigned long)(mask >> 8 & 255), (unsigned long)(mask & 255), gw,
           has_gw_override                             ? "gw= given"
           : ip4_addr_isany_val(eth_dhcp.offered_gw_addr) ? "no router offered, lwIP guessed"
                                                          : "offered",
           srv, (unsigned long)eth_dhcp.offered_t0_lease, (unsigned long)ms);
    printf("net: dhcp: dns %s\n", ip4_addr_isany_val(dhcp_dns) ? "none offered" : dns);
    if (cfg->resolver_dhcp) {
        if (ip4_addr_isany_val(dhcp_dns)) {
            printf("net: dhcp: the lease has no DNS server and no resolver= was given\n");
            return DBX_ERR_NOTFOUND;
        }
        from_ip4(&dhcp_dns, &cfg->resolver[0]);
        cfg->resolver[0].port = 53;
        cfg->n_resolvers = 1;
        printf("resolver: %s:53 from DHCP (untrusted, transport only: answers are "
               "DNSSEC-validated as from any resolver)\n", dns);
    }
    return DBX_OK;
#else
    (void)cfg;
    return DBX_ERR_UNSUPPORTED;
#endif
}

void fw_net_poll(void)
{
    uint64_t t_in = systick_cycles64();
    int frames = 0;
    if (net_up) {
        frames = netif_dbx_poll(&eth_netif);
        sys_check_timeouts();
#if LWIP_DHCP
        /* a renewal's dhcp_bind() sets the leased router again */
        if (has_gw_override && !ip4_addr_isany_val(*netif_ip4_addr(&eth_netif)) &&
            !ip4_addr_eq(netif_ip4_gw(&eth_netif), &gw_override)) {
            netif_set_gw(&eth_netif, &gw_override);
        }
#endif
    }
    if (frames == 0) {
        /* nothing received: this call is waiting (its lwIP timer check may
         * still have done timer work: counted as waiting too) */
        uint64_t t0 = systick_cycles64();
        __asm__ volatile("wfi"); /* until the next SysTick (1 ms) */
        uint64_t t1 = systick_cycles64();
        idle_cycles += t1 - t0;
        wait_cycles += t0 - t_in;
        wait_polls++;
    }
}

uint64_t fw_idle_cycles(void)
{
    return idle_cycles;
}

uint64_t fw_wait_cycles(uint32_t *polls)
{
    if (polls != NULL) {
        *polls = wait_polls;
    }
    return wait_cycles;
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
