/**
 * @file fw_net.h
 * @brief Firmware network bring-up (LAN9118 + lwIP NO_SYS) from the config
 *        block, and the one polling step every blocking network call uses.
 */
#ifndef DBX_FW_NET_H
#define DBX_FW_NET_H

#include "dbx_config.h"
#include "lwip/netif.h"
#include "nic/hal_nic.h"

/** Probe the NIC, start lwIP, add the netif with the static IPv4 (ip=/gw=)
 *  and IPv6 (ip6=, usable at once: no DAD) addresses of @p cfg; with
 *  ip=dhcp start the DHCP client (the address comes later: see
 *  fw_net_dhcp_wait()).  Idempotent.  @return DBX_OK, DBX_ERR_IO (no NIC),
 *  DBX_ERR_UNSUPPORTED (ip=dhcp in a build without DHCP). */
int fw_net_up(const dbx_config_t *cfg);

/** ip=dhcp: poll until the DHCP client is bound (conflict check done) or
 *  dbx_config_dhcp_wait_ms(@p cfg) passed; print the lease and fill @p cfg
 *  in: ip4/prefix4/has_ip4, gw4/has_gw4 (unless gw= given: that one then
 *  overrides the router, also after renewals), and with resolver_dhcp the
 *  lease's first DNS server as resolver[0].
 *  @return DBX_OK, DBX_ERR_TIMEOUT (no lease), DBX_ERR_NOTFOUND (lease
 *  without the DNS server resolver_dhcp needs), DBX_ERR_INVAL (not ip=dhcp
 *  or net not up). */
int fw_net_dhcp_wait(dbx_config_t *cfg);

/** One step: move received frames into lwIP, run due lwIP timers; sleeps
 *  until the next SysTick when nothing arrived.  Safe before fw_net_up(). */
void fw_net_poll(void);

struct netif *fw_netif(void);
hal_nic_t *fw_nic(void);

/** Print lwIP pool/heap high-water marks (LWIP_STATS builds only). */
void fw_net_print_stats(void);

#endif /* DBX_FW_NET_H */
