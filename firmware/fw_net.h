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
 *  and IPv6 (ip6=, usable at once: no DAD) addresses of @p cfg.
 *  Idempotent.  @return DBX_OK, DBX_ERR_IO (no NIC). */
int fw_net_up(const dbx_config_t *cfg);

/** One step: move received frames into lwIP, run due lwIP timers; sleeps
 *  until the next SysTick when nothing arrived.  Safe before fw_net_up(). */
void fw_net_poll(void);

struct netif *fw_netif(void);
hal_nic_t *fw_nic(void);

/** Print lwIP pool/heap high-water marks (LWIP_STATS builds only). */
void fw_net_print_stats(void);

#endif /* DBX_FW_NET_H */
