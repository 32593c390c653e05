/* lwIP netif adapter: linkoutput -> ops->send, poll -> ops->recv -> input. */
#include "netif_dbx.h"
#include "dbx_common.h"

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include <string.h>

static uint8_t frame_buf[HAL_NIC_MTU_FRAME];

static err_t dbx_linkoutput(struct netif *netif, struct pbuf *p)
{
    hal_nic_t *nic = netif->state;
    u16_t len;
    if (p->tot_len > sizeof frame_buf) {
        return ERR_BUF;
    }
    len = pbuf_copy_partial(p, frame_buf, p->tot_len, 0);
    return nic->ops->send(nic, frame_buf, len) == DBX_OK ? ERR_OK : ERR_IF;
}

err_t netif_dbx_init(struct netif *netif)
{
    hal_nic_t *nic = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    nic->ops->get_mac(nic, netif->hwaddr);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->linkoutput = dbx_linkoutput;
#if LWIP_IPV4
    netif->output = etharp_output;
#endif
#if LWIP_IPV6
    netif->output_ip6 = ethip6_output;
    netif->flags |= NETIF_FLAG_MLD6;
#endif
    return ERR_OK;
}

int netif_dbx_poll(struct netif *netif)
{
    hal_nic_t *nic = netif->state;
    int frames = 0;
    int n;

    if (nic->ops->link_up(nic)) {
        if (!netif_is_link_up(netif)) {
            netif_set_link_up(netif);
        }
    } else if (netif_is_link_up(netif)) {
        netif_set_link_down(netif);
    }
    while ((n = nic->ops->recv(nic, frame_buf, sizeof frame_buf)) != 0) {
        struct pbuf *p;
        if (n < 0) {
            continue; /* bad or oversized frame: already dropped */
        }
        p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
        if (p == NULL) {
            continue;
        }
        pbuf_take(p, frame_buf, (u16_t)n);
        if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
        }
        frames++;
    }
    return frames;
}
