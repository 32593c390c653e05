/* dbx_transport_t over the lwIP raw API, NO_SYS, polled (see transport_lwip.h). */
#include "transport_lwip.h"
#include "dbx_common.h"
#include "hal_crypto.h"
#include "hal_platform.h"

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include <stdlib.h>
#include <string.h>

#define TLW_RING TCP_WND /* the peer can never have more than this unread */

#if LWIP_IPV6
#define ANY_FOR(ip) (IP_IS_V6_VAL(ip) ? IP6_ADDR_ANY : IP4_ADDR_ANY)
#else
#define ANY_FOR(ip) IP4_ADDR_ANY
#endif

typedef struct tlw_sock {
    uint8_t used;
    uint8_t type;        /* dbx_sock_type_t */
    int8_t ring_idx;     /* TCP: index into rings[] */
    uint8_t connected;   /* TCP: handshake done */
    uint8_t remote_closed;
    int err;             /* sticky DBX_ERR_* from lwIP's err callback */
    ip_addr_t peer_ip;
    uint16_t peer_port;
    uint16_t local_port;
    struct udp_pcb *udp;
    struct tcp_pcb *tcp;
    /* UDP: queued datagrams (pbuf references) */
    struct pbuf *q[TLW_UDP_QLEN];
    uint8_t qhead, qcount;
    /* TCP: receive ring */
    uint16_t rhead, rlen;
    tlw_info_t info;
} tlw_sock_t;

static tlw_sock_t socks[TLW_MAX_SOCKS];
/* TCP receive rings: heap, while the socket is open (mode=relay needs the
 * RAM for its inbound sessions when no delivery is running) */
static uint8_t *rings[TLW_MAX_TCP];
static void (*net_poll)(void);

static int to_ipaddr(const dbx_addr_t *a, ip_addr_t *ip)
{
    memset(ip, 0, sizeof *ip);
    if (a->family == 4) {
#if LWIP_IPV4
        IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V4);
        memcpy(&ip_2_ip4(ip)->addr, a->addr, 4); /* both network order */
        return DBX_OK;
#endif
    } else if (a->family == 6) {
#if LWIP_IPV6
        IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
        memcpy(ip_2_ip6(ip)->addr, a->addr, 16);
        ip6_addr_clear_zone(ip_2_ip6(ip));
        if (netif_default != NULL) {
            ip6_addr_assign_zone(ip_2_ip6(ip), IP6_UNICAST, netif_default); /* link-local */
        }
        return DBX_OK;
#endif
    }
    return DBX_ERR_UNSUPPORTED;
}

static int random_port(uint16_t *port)
{
    uint8_t r[2];
    int st = hal_crypto_random(r, sizeof r);
    if (st != DBX_OK) {
        return DBX_ERR_NOENTROPY; /* never fall back to a guessable port */
    }
    *port = (uint16_t)(0xC000u | ((unsigned)(r[0] & 0x3Fu) << 8) | r[1]); /* 49152..65535 */
    return DBX_OK;
}

static tlw_sock_t *sock_alloc(dbx_sock_type_t type)
{
    int ri = -1;
    if (type == DBX_SOCK_TCP) {
        for (int i = 0; i < TLW_MAX_TCP; i++) {
            if (rings[i] == NULL) {
                ri = i;
                break;
            }
        }
        if (ri < 0) {
            return NULL;
        }
        rings[ri] = malloc(TLW_RING);
        if (rings[ri] == NULL) {
            return NULL;
        }
    }
    for (int i = 0; i < TLW_MAX_SOCKS; i++) {
        if (!socks[i].used) {
            tlw_sock_t *s = &socks[i];
            memset(s, 0, sizeof *s);
            s->used = 1;
            s->type = (uint8_t)type;
            s->ring_idx = (int8_t)ri;
            return s;
        }
    }
    if (ri >= 0) {
        free(rings[ri]);
        rings[ri] = NULL;
    }
    return NULL;
}

static void sock_free(tlw_sock_t *s)
{
    while (s->qcount > 0) {
        pbuf_free(s->q[s->qhead]);
        s->qhead = (uint8_t)((s->qhead + 1) % TLW_UDP_QLEN);
        s->qcount--;
    }
    if (s->ring_idx >= 0) {
        free(rings[s->ring_idx]);
        rings[s->ring_idx] = NULL;
    }
    s->used = 0;
}

static int expired(uint32_t t0, uint32_t timeout_ms)
{
    return (uint32_t)(hal_clock_ms() - t0) >= timeout_ms;
}

/* ---- UDP ------------------------------------------------------------------- */

static void udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    tlw_sock_t *s = arg;
    (void)pcb;
    /* lwIP already matches connected pcbs on the remote end; check again so
     * the guarantee does not depend on lwIP's demultiplexing rules. */
    if (port != s->peer_port || !ip_addr_eq(addr, &s->peer_ip)) {
        s->info.dropped_foreign++;
        pbuf_free(p);
        return;
    }
    if (s->qcount == TLW_UDP_QLEN) {
        s->info.dropped_full++;
        pbuf_free(p);
        return;
    }
    s->q[(s->qhead + s->qcount) % TLW_UDP_QLEN] = p;
    s->qcount++;
}

static int udp_open(tlw_sock_t *s)
{
    const ip_addr_t *any = ANY_FOR(s->peer_ip);
    err_t err = ERR_USE;
    int st;

    s->udp = udp_new_ip_type(IP_GET_TYPE(&s->peer_ip));
    if (s->udp == NULL) {
        return DBX_ERR_NOMEM;
    }
    for (int tries = 0; tries < 16 && err == ERR_USE; tries++) {
        if ((st = random_port(&s->local_port)) != DBX_OK) {
            udp_remove(s->udp);
            return st;
        }
        err = udp_bind(s->udp, any, s->local_port);
    }
    if (err == ERR_OK) {
        err = udp_connect(s->udp, &s->peer_ip, s->peer_port);
    }
    if (err != ERR_OK) {
        udp_remove(s->udp);
        return DBX_ERR_IO;
    }
    udp_recv(s->udp, udp_rx, s);
    return DBX_OK;
}

static int udp_send_dgram(tlw_sock_t *s, const uint8_t *buf, size_t len)
{
    struct pbuf *p;
    err_t err;
    DBX_CHECK(len <= 0xFFFFu - 8u - 40u, DBX_ERR_INVAL);
    p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (p == NULL) {
        return DBX_ERR_NOMEM;
    }
    if (pbuf_take(p, buf, (u16_t)len) != ERR_OK) {
        pbuf_free(p);
        return DBX_ERR_INTERNAL;
    }
    err = udp_send(s->udp, p);
    pbuf_free(p);
    return err == ERR_OK ? DBX_OK : err == ERR_MEM ? DBX_ERR_NOMEM : DBX_ERR_IO;
}

static int udp_recv_dgram(tlw_sock_t *s, uint8_t *buf, size_t cap, size_t *got,
                          uint32_t timeout_ms)
{
    uint32_t t0 = hal_clock_ms();
    struct pbuf *p;
    while (s->qcount == 0) {
        if (expired(t0, timeout_ms)) {
            return DBX_ERR_TIMEOUT;
        }
        net_poll();
    }
    p = s->q[s->qhead];
    s->qhead = (uint8_t)((s->qhead + 1) % TLW_UDP_QLEN);
    s->qcount--;
    *got = pbuf_copy_partial(p, buf, (u16_t)(cap < p->tot_len ? cap : p->tot_len), 0);
    pbuf_free(p);
    return DBX_OK;
}

/* ---- TCP ------------------------------------------------------------------- */

static void tcp_err_cb(void *arg, err_t err)
{
    tlw_sock_t *s = arg;
    if (s == NULL) {
        return;
    }
    s->tcp = NULL; /* lwIP has freed the pcb */
    /* ERR_ABRT: retransmissions exhausted (or aborted); ERR_RST/ERR_CLSD:
     * reset by the peer (also "connection refused") */
    DBX_STICK(s->err, err == ERR_ABRT ? DBX_ERR_TIMEOUT : DBX_ERR_IO);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    tlw_sock_t *s = arg;
    (void)pcb;
    if (s != NULL) {
        if (err == ERR_OK) {
            s->connected = 1;
        } else {
            DBX_STICK(s->err, DBX_ERR_IO);
        }
    }
    return ERR_OK;
}

static err_t tcp_rx(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    tlw_sock_t *s = arg;
    uint8_t *ring;
    u16_t n, tail, first;
    (void)pcb;
    if (p == NULL) {
        s->remote_closed = 1; /* FIN */
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    n = p->tot_len;
    if (n > TLW_RING - s->rlen) {
        /* cannot happen while the window only reopens as we consume; if it
         * does, lwIP keeps the data and offers it again later */
        return ERR_MEM;
    }
    ring = rings[s->ring_idx];
    tail = (u16_t)((s->rhead + s->rlen) % TLW_RING);
    first = (u16_t)(TLW_RING - tail < n ? TLW_RING - tail : n);
    pbuf_copy_partial(p, ring + tail, first, 0);
    if (first < n) {
        pbuf_copy_partial(p, ring, (u16_t)(n - first), first);
    }
    s->rlen = (u16_t)(s->rlen + n);
    if (s->rlen > s->info.tcp_rx_max) {
        s->info.tcp_rx_max = s->rlen;
    }
    pbuf_free(p);
    return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    tlw_sock_t *s = arg;
    (void)pcb;
    s->info.tcp_acked += len;
    return ERR_OK;
}

static void tcp_detach_abort(tlw_sock_t *s)
{
    if (s->tcp != NULL) {
        tcp_arg(s->tcp, NULL);
        tcp_err(s->tcp, NULL);
        tcp_recv(s->tcp, NULL);
        tcp_sent(s->tcp, NULL);
        tcp_abort(s->tcp);
        s->tcp = NULL;
    }
}

static int tcp_open_conn(tlw_sock_t *s, uint32_t timeout_ms)
{
    const ip_addr_t *any = ANY_FOR(s->peer_ip);
    uint32_t t0 = hal_clock_ms();
    err_t err = ERR_USE;
    int st;

    s->tcp = tcp_new_ip_type(IP_GET_TYPE(&s->peer_ip));
    if (s->tcp == NULL) {
        return DBX_ERR_NOMEM;
    }
    tcp_arg(s->tcp, s);
    tcp_err(s->tcp, tcp_err_cb);
    tcp_recv(s->tcp, tcp_rx);
    tcp_sent(s->tcp, tcp_sent_cb);
    tcp_nagle_disable(s->tcp); /* SMTP/TLS: small writes that wait for a reply */
    for (int tries = 0; tries < 16 && err == ERR_USE; tries++) {
        if ((st = random_port(&s->local_port)) != DBX_OK) {
            tcp_detach_abort(s);
            return st;
        }
        err = tcp_bind(s->tcp, any, s->local_port);
    }
    if (err == ERR_OK) {
        err = tcp_connect(s->tcp, &s->peer_ip, s->peer_port, tcp_connected_cb);
    }
    if (err != ERR_OK) {
        tcp_detach_abort(s);
        return err == ERR_MEM ? DBX_ERR_NOMEM : DBX_ERR_IO;
    }
    while (!s->connected && s->err == DBX_OK) {
        if (expired(t0, timeout_ms)) {
            tcp_detach_abort(s);
            return DBX_ERR_TIMEOUT;
        }
        net_poll();
    }
    if (s->err != DBX_OK) {
        tcp_detach_abort(s); /* no-op when lwIP already freed the pcb */
        return s->err;
    }
    return DBX_OK;
}

static int tcp_send_all(tlw_sock_t *s, const uint8_t *buf, size_t len)
{
    uint32_t t0 = hal_clock_ms();
    size_t done = 0;
    while (done < len) {
        u16_t room, n;
        err_t err;
        if (s->err != DBX_OK) {
            return s->err;
        }
        if (s->tcp == NULL) {
            return DBX_ERR_IO;
        }
        room = tcp_sndbuf(s->tcp);
        if (room > 0 && tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN - 1) {
            n = (u16_t)(len - done < room ? len - done : room);
            err = tcp_write(s->tcp, buf + done, n,
                            TCP_WRITE_FLAG_COPY | (done + n < len ? TCP_WRITE_FLAG_MORE : 0));
            if (err == ERR_OK) {
                done += n;
                t0 = hal_clock_ms(); /* progress */
                continue;
            }
            if (err != ERR_MEM) {
                return DBX_ERR_IO;
            }
        }
        /* send buffer or lwIP heap full: push what is queued, wait for acks */
        tcp_output(s->tcp);
        if (expired(t0, TLW_SEND_TIMEOUT_MS)) {
            return DBX_ERR_TIMEOUT;
        }
        net_poll();
    }
    if (s->tcp != NULL && tcp_output(s->tcp) != ERR_OK) {
        return DBX_ERR_IO;
    }
    return DBX_OK;
}

static int tcp_recv_bytes(tlw_sock_t *s, uint8_t *buf, size_t cap, size_t *got,
                          uint32_t timeout_ms)
{
    uint32_t t0 = hal_clock_ms();
    for (;;) {
        if (s->rlen > 0) {
            const uint8_t *ring = rings[s->ring_idx];
            u16_t n = (u16_t)(cap < s->rlen ? cap : s->rlen);
            u16_t first = (u16_t)(TLW_RING - s->rhead < n ? TLW_RING - s->rhead : n);
            memcpy(buf, ring + s->rhead, first);
            memcpy(buf + first, ring, (size_t)(n - first));
            s->rhead = (u16_t)((s->rhead + n) % TLW_RING);
            s->rlen = (u16_t)(s->rlen - n);
            if (s->tcp != NULL) {
                tcp_recved(s->tcp, n); /* reopen the window by what we consumed */
            }
            *got = n;
            return DBX_OK;
        }
        if (s->remote_closed) {
            return DBX_OK; /* *got == 0: orderly close */
        }
        if (s->err != DBX_OK) {
            return s->err;
        }
        if (s->tcp == NULL) {
            return DBX_ERR_IO;
        }
        if (expired(t0, timeout_ms)) {
            return DBX_ERR_TIMEOUT;
        }
        net_poll();
    }
}

/* ---- dbx_transport_t ops ------------------------------------------------------ */

static int tlw_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t timeout_ms,
                    void **sock)
{
    tlw_sock_t *s;
    ip_addr_t ip;
    int st;
    (void)ctx;
    DBX_ASSERT(peer != NULL && sock != NULL && net_poll != NULL);
    DBX_CHECK(type == DBX_SOCK_UDP || type == DBX_SOCK_TCP, DBX_ERR_INVAL);
    DBX_CHECK(peer->port != 0, DBX_ERR_INVAL);
    *sock = NULL;
    st = to_ipaddr(peer, &ip);
    if (st != DBX_OK) {
        return st;
    }
    s = sock_alloc(type);
    if (s == NULL) {
        return DBX_ERR_LIMIT; /* pool exhausted (or no memory for the ring) */
    }
    s->peer_ip = ip;
    s->peer_port = peer->port;
    st = type == DBX_SOCK_UDP ? udp_open(s) : tcp_open_conn(s, timeout_ms);
    if (st != DBX_OK) {
        sock_free(s);
        return st;
    }
    s->info.local_port = s->local_port;
    *sock = s;
    return DBX_OK;
}

static int tlw_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    tlw_sock_t *s = sock;
    (void)ctx;
    DBX_ASSERT(s != NULL && s->used && (buf != NULL || len == 0));
    return s->type == DBX_SOCK_UDP ? udp_send_dgram(s, buf, len) : tcp_send_all(s, buf, len);
}

static int tlw_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got,
                    uint32_t timeout_ms)
{
    tlw_sock_t *s = sock;
    (void)ctx;
    DBX_ASSERT(s != NULL && s->used && buf != NULL && got != NULL && cap > 0);
    *got = 0;
    return s->type == DBX_SOCK_UDP ? udp_recv_dgram(s, buf, cap, got, timeout_ms)
                                   : tcp_recv_bytes(s, buf, cap, got, timeout_ms);
}

static void tlw_close(void *ctx, void *sock)
{
    tlw_sock_t *s = sock;
    (void)ctx;
    if (s == NULL || !s->used) {
        return;
    }
    if (s->type == DBX_SOCK_UDP) {
        udp_remove(s->udp);
    } else if (s->tcp != NULL) {
        struct tcp_pcb *pcb = s->tcp;
        tcp_arg(pcb, NULL);
        tcp_err(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        /* FIN (lwIP finishes the close from its timers); RST if the peer
         * sent data we did not read */
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
        s->tcp = NULL;
    }
    sock_free(s);
}

void tlw_init(dbx_transport_t *tr, void (*poll)(void))
{
    net_poll = poll;
    tr->ctx = NULL;
    tr->open = tlw_open;
    tr->send = tlw_send;
    tr->recv = tlw_recv;
    tr->close = tlw_close;
}

void tlw_info(void *sock, tlw_info_t *info)
{
    const tlw_sock_t *s = sock;
    memset(info, 0, sizeof *info);
    if (s != NULL && s->used) {
        *info = s->info;
    }
}

int tlw_open_count(void)
{
    int n = 0;
    for (int i = 0; i < TLW_MAX_SOCKS; i++) {
        n += socks[i].used;
    }
    return n;
}
