/* danebox host transport: dbx_transport_t over POSIX sockets (poll-based
 * timeouts, connected UDP sockets on kernel-chosen random ports). */
#include "host_net.h"
#include "dbx_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int fd;
    dbx_sock_type_t type;
} host_sock_t;

static socklen_t to_sockaddr(const dbx_addr_t *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->addr, 4);
        return sizeof *s4;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->addr, 16);
    return sizeof *s6;
}

static int wait_fd(int fd, short ev, uint32_t timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int r;
    do {
        r = poll(&p, 1, (int)timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return DBX_ERR_TIMEOUT;
    if (r < 0) return DBX_ERR_IO;
    return DBX_OK;
}

static int host_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer,
                     uint32_t timeout_ms, void **sock)
{
    host_net_t *net = ctx;
    struct sockaddr_storage ss;
    socklen_t sl;
    host_sock_t *hs;
    int fd, st;

    DBX_ASSERT(peer != NULL && sock != NULL);
    DBX_CHECK(peer->family == 4 || peer->family == 6, DBX_ERR_INVAL);
    sl = to_sockaddr(peer, &ss);
    fd = socket(peer->family == 4 ? AF_INET : AF_INET6,
                (type == DBX_SOCK_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    DBX_CHECK(fd >= 0, DBX_ERR_IO);
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        if (errno != EINPROGRESS) {
            close(fd);
            return DBX_ERR_IO;
        }
        st = wait_fd(fd, POLLOUT, timeout_ms);
        int err = 0;
        socklen_t el = sizeof err;
        if (st == DBX_OK && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)) {
            st = DBX_ERR_IO;
        }
        if (st != DBX_OK) {
            close(fd);
            return st;
        }
    }
    if (type == DBX_SOCK_TCP) {
        /* SMTP and TLS write small records and wait for the answer: Nagle
         * would hold each one back for an ACK (measured ~1.8 RTT per probe). */
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    hs = malloc(sizeof *hs);
    if (hs == NULL) {
        close(fd);
        return DBX_ERR_NOMEM;
    }
    hs->fd = fd;
    hs->type = type;
    *sock = hs;
    if (net != NULL) {
        if (type == DBX_SOCK_UDP) net->udp_opens++;
        else net->tcp_opens++;
    }
    return DBX_OK;
}

static int host_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    host_sock_t *hs = sock;
    size_t done = 0;
    (void)ctx;
    DBX_ASSERT(hs != NULL && (buf != NULL || len == 0));
    while (done < len) {
        ssize_t n = send(hs->fd, buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int st = wait_fd(hs->fd, POLLOUT, 30000);
                if (st != DBX_OK) return st;
                continue;
            }
            return DBX_ERR_IO;
        }
        if (hs->type == DBX_SOCK_UDP && (size_t)n != len) return DBX_ERR_IO;
        done += (size_t)n;
    }
    return DBX_OK;
}

static int host_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got,
                     uint32_t timeout_ms)
{
    host_sock_t *hs = sock;
    (void)ctx;
    DBX_ASSERT(hs != NULL && buf != NULL && got != NULL);
    *got = 0;
    for (;;) {
        int st = wait_fd(hs->fd, POLLIN, timeout_ms);
        if (st != DBX_OK) return st;
        ssize_t n = recv(hs->fd, buf, cap, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return errno == ECONNREFUSED ? DBX_ERR_IO : DBX_ERR_IO;
        }
        *got = (size_t)n;
        return DBX_OK;
    }
}

static void host_close(void *ctx, void *sock)
{
    host_sock_t *hs = sock;
    (void)ctx;
    if (hs == NULL) return;
    close(hs->fd);
    free(hs);
}

void host_net_init(host_net_t *net, dbx_transport_t *tr)
{
    memset(net, 0, sizeof *net);
    tr->ctx = net;
    tr->open = host_open;
    tr->send = host_send;
    tr->recv = host_recv;
    tr->close = host_close;
}
