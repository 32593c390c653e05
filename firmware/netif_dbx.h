/**
 * @file netif_dbx.h
 * @brief Thin lwIP netif adapter over a hal_nic_t (polled, NO_SYS).
 */
#ifndef DBX_NETIF_DBX_H
#define DBX_NETIF_DBX_H

#include "lwip/netif.h"
#include "nic/hal_nic.h"

/** netif init callback for netif_add(); @p netif->state must be a
 *  hal_nic_t whose ops->init() already succeeded. */
err_t netif_dbx_init(struct netif *netif);

/** Move every pending received frame into lwIP and update the link state.
 *  Call from the main loop together with sys_check_timeouts().
 *  @return number of frames passed to lwIP. */
int netif_dbx_poll(struct netif *netif);

#endif /* DBX_NETIF_DBX_H */
