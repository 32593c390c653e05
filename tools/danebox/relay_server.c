#define _GNU_SOURCE /* accept4 */
/* `danebox relay`: the inbound SMTP listener.  Non-blocking sockets, one
 * poll loop, each connection driven by the portable dbx_smtpd state machine
 * whose queue hooks write into the host spool (250 only after commit). */
#include "relay_host.h"

#include "dbx_crashpoint.h"
#include "relay_tls.h"
#include "smtpd/dbx_smtpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_MS 30000 /* time to send the last reply after the session ended */

typedef struct sess {
    int fd;
    char peer[64];
    dbx_smtpd_t smtpd;
    char *rcpts;
    uint8_t in[4096];
    size_t in_len, in_off;
    int64_t deadline;
    void *qh;
    uint64_t size;
    struct relay_server *srv;
    relay_tls_conn_t *tls;  /**< after STARTTLS */
    bool handshaking;
    bool acked;             /**< a 250 for a queued message is being sent */
} sess_t;

struct relay_server {
    relay_config_t cfg;
    dbx_queue_t *q;
    relay_tls_server_t *tls;
    int lfd[RELAY_MAX_LISTEN];
    size_t n_lfd;
    sess_t **sess;
    size_t n_sess, cap_sess;
    unsigned committed;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t to_sockaddr(const dbx_addr_t *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->addr, 4);
        return sizeof(*s4);
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->addr, 16);
    return sizeof(*s6);
}

static void from_sockaddr(const struct sockaddr_storage *ss, dbx_addr_t *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = 4;
        memcpy(a->addr, &s4->sin_addr, 4);
        a->port = ntohs(s4->sin_port);
        return;
    }
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(&s6->sin6_addr, mapped, 12) == 0) { /* v4-mapped: judge as IPv4 */
        a->family = 4;
        memcpy(a->addr, (const uint8_t *)&s6->sin6_addr + 12, 4);
    } else {
        a->family = 6;
        memcpy(a->addr, &s6->sin6_addr, 16);
    }
    a->port = ntohs(s6->sin6_port);
}

relay_server_t *relay_server_new(const relay_config_t *cfg)
{
    relay_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->cfg = *cfg;
    if (cfg->tls_cert[0] != '\0' &&
        (s->tls = relay_tls_server_new(cfg->tls_cert, cfg->tls_key)) == NULL) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < cfg->n_listen; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = to_sockaddr(&cfg->listen[i], &ss);
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        char b[64];
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (ss.ss_family == AF_INET6) {
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
            }
        }
        if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
            relay_log("fatal: cannot listen on %s port %u: %s",
                      dbx_addr_format(&cfg->listen[i], b, sizeof(b)), cfg->listen[i].port,
                      strerror(errno));
            if (fd >= 0) {
                close(fd);
            }
            relay_server_free(s);
            return NULL;
        }
        s->lfd[s->n_lfd++] = fd;
        relay_log("listening on %s port %u", dbx_addr_format(&cfg->listen[i], b, sizeof(b)),
                  cfg->listen[i].port);
    }
    return s;
}

void relay_server_set_queue(relay_server_t *s, dbx_queue_t *q)
{
    s->q = q;
}

void relay_server_set_config(relay_server_t *s, const relay_config_t *cfg)
{
    dbx_addr_t keep[RELAY_MAX_LISTEN];
    size_t n = s->cfg.n_listen;
    memcpy(keep, s->cfg.listen, sizeof(keep));
    s->cfg = *cfg;
    memcpy(s->cfg.listen, keep, sizeof(keep));
    s->cfg.n_listen = n;
}

void relay_server_stop_listening(relay_server_t *s)
{
    for (size_t i = 0; i < s->n_lfd; i++) {
        close(s->lfd[i]);
    }
    s->n_lfd = 0;
}

/* ---- queue hooks ---- */
static int h_begin(void *user, const dbx_smtpd_envelope_t *env)
{
    sess_t *x = user;
    dbx_queue_t *q = x->srv->q;
    DBX_CHECK(q != NULL, DBX_ERR_IO);
    int st = q->ops->create(q->ctx, &x->qh);
    DBX_CHECK(st == DBX_OK, st);
    char date[40], hdr[1024];
    int64_t now = (int64_t)time(NULL);
    int n = snprintf(hdr, sizeof(hdr),
                     "Received: from %.200s (%s)\r\n\tby %s (danebox) with %s;\r\n\t%s\r\n",
                     env->helo, x->peer, x->srv->cfg.hostname,
                     env->smtputf8 ? (x->tls ? "UTF8SMTPS" : "UTF8SMTP") : (x->tls ? "ESMTPS" : "ESMTP"),
                     dbx_relay_date(now, date, sizeof(date)));
    x->size = (uint64_t)n;
    st = q->ops->write(q->ctx, x->qh, (const uint8_t *)hdr, (size_t)n);
    if (st != DBX_OK) { /* no abort hook follows a failed begin */
        q->ops->discard(q->ctx, x->qh);
        x->qh = NULL;
        return st;
    }
    DBX_CRASHPOINT("smtpd-data-begin");
    return st;
}

static int h_data(void *user, const uint8_t *p, size_t n)
{
    sess_t *x = user;
    x->size += n;
    DBX_CRASHPOINT("smtpd-data-body");
    return x->srv->q->ops->write(x->srv->q->ctx, x->qh, p, n);
}

static int h_commit(void *user, const dbx_smtpd_envelope_t *e, char *qid)
{
    static dbx_queue_env_t env;
    sess_t *x = user;
    dbx_queue_t *q = x->srv->q;
    memset(&env, 0, sizeof(env));
    snprintf(env.sender, sizeof(env.sender), "%s", e->sender);
    env.arrival = (int64_t)time(NULL);
    env.size = x->size;
    env.body_8bit = e->body_8bit;
    env.smtputf8 = e->smtputf8;
    const char *r = e->rcpts;
    for (uint16_t i = 0; i < e->n_rcpts && i < DBX_QUEUE_MAX_RCPTS; i++) {
        snprintf(env.rcpt[i].addr, sizeof(env.rcpt[i].addr), "%s", r);
        env.n_rcpts++;
        r += strlen(r) + 1;
    }
    DBX_CRASHPOINT("smtpd-before-commit");
    int st = q->ops->commit(q->ctx, x->qh, &env);
    x->qh = NULL;
    if (st != DBX_OK) {
        relay_log("NOQUEUE: client=%s, from=<%s>: queue commit failed: %s", x->peer, e->sender,
                  dbx_strerror(st));
        return st;
    }
    snprintf(qid, DBX_SMTPD_QID_MAX, "%s", env.id);
    relay_log("%s: client=%s, from=<%s>, size=%llu, nrcpt=%u (queue active)", env.id, x->peer,
              env.sender, (unsigned long long)env.size, (unsigned)env.n_rcpts);
    x->srv->committed++;
    x->acked = true;
    DBX_CRASHPOINT("smtpd-after-commit"); /* durable, 250 not sent yet */
    return DBX_OK;
}

static void h_abort(void *user)
{
    sess_t *x = user;
    if (x->qh != NULL) {
        x->srv->q->ops->discard(x->srv->q->ctx, x->qh);
        x->qh = NULL;
    }
}

/* ---- sessions ---- */
static void sess_free(sess_t *x)
{
    dbx_smtpd_disconnect(&x->smtpd); /* aborts an open message */
    relay_tls_conn_free(x->tls);
    close(x->fd);
    free(x->rcpts);
    free(x);
}

static void accept_one(relay_server_t *s, int lfd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    dbx_addr_t a;
    from_sockaddr(&ss, &a);
    sess_t *x = calloc(1, sizeof(*x));
    size_t rcap = (size_t)s->cfg.max_recipients * DBX_SMTPD_PATH_MAX;
    char *rb = malloc(rcap);
    if (x == NULL || rb == NULL || (s->n_sess >= s->cap_sess && s->cap_sess > 4096)) {
        free(x);
        free(rb);
        close(fd);
        return;
    }
    char b[64];
    snprintf(x->peer, sizeof(x->peer), "[%s]", dbx_addr_format(&a, b, sizeof(b)));
    x->fd = fd;
    x->rcpts = rb;
    x->srv = s;
    dbx_smtpd_config_t sc;
    dbx_smtpd_config_defaults(&sc);
    sc.hostname = s->cfg.hostname;
    sc.max_line = s->cfg.max_line;
    sc.max_size = s->cfg.max_message_size;
    sc.max_rcpts = (uint16_t)s->cfg.max_recipients;
    sc.cmd_timeout_ms = s->cfg.command_timeout_s * 1000u;
    sc.data_timeout_ms = s->cfg.data_timeout_s * 1000u;
    sc.client_allowed = relay_config_allowed(&s->cfg, &a);
    sc.busy = s->n_sess >= s->cfg.max_sessions;
    sc.tls_available = s->tls != NULL;
    dbx_smtpd_hooks_t hk = {x, h_begin, h_data, h_commit, h_abort};
    dbx_smtpd_init(&x->smtpd, &sc, &hk, rb, rcap);
    x->deadline = mono_ms() + (sc.busy ? FLUSH_MS : (int64_t)sc.cmd_timeout_ms);
    relay_log("connect from %s%s%s", x->peer, sc.client_allowed ? "" : " (not on the allowlist)",
              sc.busy ? " (session limit reached: 421)" : "");
    if (s->n_sess == s->cap_sess) {
        size_t nc = s->cap_sess ? s->cap_sess * 2 : 16;
        sess_t **ns = realloc(s->sess, nc * sizeof(*ns));
        if (ns == NULL) {
            sess_free(x);
            return;
        }
        s->sess = ns;
        s->cap_sess = nc;
    }
    s->sess[s->n_sess++] = x;
}

/* Advance the inbound TLS handshake. @return false to drop. */
static bool handshake(sess_t *x)
{
    int h = relay_tls_handshake(x->tls);
    if (h < 0) {
        relay_log("%s: STARTTLS handshake failed", x->peer);
        return false;
    }
    if (h == 1) {
        x->handshaking = false;
        dbx_smtpd_tls_started(&x->smtpd);
        relay_log("%s: TLS established: %s", x->peer, relay_tls_desc(x->tls));
    }
    return true;
}

/* Send pending replies; feed buffered input. @return false to drop. */
static bool pump(sess_t *x)
{
    for (int round = 0; round < 64; round++) {
        size_t n;
        const char *o = dbx_smtpd_output(&x->smtpd, &n);
        if (x->handshaking) {
            return true;
        }
        if (n > 0) {
            ssize_t w;
            if (x->tls != NULL) {
                w = relay_tls_write(x->tls, o, n);
                if (w < 0) {
                    return w == -1;
                }
            } else if ((w = send(x->fd, o, n, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0) {
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            }
            dbx_smtpd_output_consumed(&x->smtpd, (size_t)w);
            if ((size_t)w < n) {
                return true; /* POLLOUT later */
            }
            if (x->acked) {
                x->acked = false;
                DBX_CRASHPOINT("smtpd-after-250");
            }
        }
        if (dbx_smtpd_closed(&x->smtpd)) {
            return false; /* all sent */
        }
        if (dbx_smtpd_want_tls(&x->smtpd)) { /* 220 sent: plaintext left over is dropped */
            if (x->in_off < x->in_len) {
                relay_log("%s: %zu octets pipelined after STARTTLS discarded", x->peer,
                          x->in_len - x->in_off);
            }
            x->in_off = x->in_len = 0;
            x->tls = relay_tls_conn_new(x->srv->tls, x->fd);
            x->handshaking = x->tls != NULL;
            return x->tls != NULL && handshake(x);
        }
        if (x->in_off >= x->in_len) {
            return true;
        }
        size_t used = 0;
        dbx_smtpd_feed(&x->smtpd, x->in + x->in_off, x->in_len - x->in_off, &used);
        x->in_off += used;
        int64_t now = mono_ms(), left = x->deadline > now ? x->deadline - now : 0;
        x->deadline = now + dbx_smtpd_time_left(&x->smtpd, (uint32_t)left); /* slowloris */
        if (dbx_smtpd_closed(&x->smtpd)) {
            x->deadline = mono_ms() + FLUSH_MS;
        }
    }
    return true;
}

static bool readable(sess_t *x)
{
    if (x->in_off < x->in_len) {
        return true; /* still digesting */
    }
    if (x->handshaking) {
        return handshake(x);
    }
    ssize_t r;
    if (x->tls != NULL) {
        r = relay_tls_read(x->tls, x->in, sizeof(x->in));
        if (r == -1) {
            r = 0;
            errno = EAGAIN;
            return true;
        }
        if (r == -2) {
            r = -1;
            errno = EIO;
        }
    } else {
        r = recv(x->fd, x->in, sizeof(x->in), MSG_DONTWAIT);
    }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        if (x->smtpd.state == DBX_SMTPD_S_DATA) {
            relay_log("lost connection after DATA from %s (message discarded)", x->peer);
        }
        return false;
    }
    if (r > 0) {
        x->in_len = (size_t)r;
        x->in_off = 0;
    }
    return true;
}

size_t relay_server_pollfds(relay_server_t *s, struct pollfd *fds, size_t cap, int *timeout_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_lfd && n < cap; i++) {
        fds[n++] = (struct pollfd){s->lfd[i], POLLIN, 0};
    }
    int64_t now = mono_ms();
    for (size_t i = 0; i < s->n_sess && n < cap; i++) {
        sess_t *x = s->sess[i];
        size_t out;
        dbx_smtpd_output(&x->smtpd, &out);
        short ev = (short)((out > 0 ? POLLOUT : 0) |
                           (!dbx_smtpd_closed(&x->smtpd) && x->in_off >= x->in_len ? POLLIN : 0));
        fds[n++] = (struct pollfd){x->fd, ev, 0};
        if (x->tls != NULL && !x->handshaking && relay_tls_pending(x->tls) &&
            x->in_off >= x->in_len) {
            *timeout_ms = 0; /* decrypted data waits inside mbedTLS */
        }
        int64_t left = x->deadline - now;
        if (left < *timeout_ms) {
            *timeout_ms = left < 0 ? 0 : (int)left;
        }
    }
    return n;
}

unsigned relay_server_handle(relay_server_t *s, const struct pollfd *fds, size_t n)
{
    s->committed = 0;
    size_t nl = s->n_lfd, ns = s->n_sess;
    int64_t now = mono_ms();
    for (size_t i = 0, k = 0; i < ns; i++) {
        sess_t *x = s->sess[i];
        bool keep = true;
        const struct pollfd *p = (nl + i < n) ? &fds[nl + i] : NULL;
        bool tls_buffered = x->tls != NULL && !x->handshaking && relay_tls_pending(x->tls);
        if ((p != NULL && (p->revents & (POLLIN | POLLHUP | POLLERR))) || tls_buffered) {
            keep = readable(x);
        }
        if (keep) {
            keep = pump(x);
        }
        if (keep && now >= x->deadline) {
            if (!dbx_smtpd_closed(&x->smtpd)) {
                relay_log("timeout after %s from %s",
                          x->smtpd.state == DBX_SMTPD_S_DATA ? "DATA" : "command", x->peer);
                dbx_smtpd_timeout(&x->smtpd);
                keep = pump(x);
            } else {
                keep = false;
            }
        }
        if (!keep) {
            relay_log("disconnect from %s", x->peer);
            sess_free(x);
        } else {
            s->sess[k++] = x;
        }
        if (i + 1 == ns) {
            s->n_sess = k;
        }
    }
    for (size_t i = 0; i < nl && i < n; i++) {
        if (fds[i].revents & POLLIN) {
            accept_one(s, fds[i].fd);
        }
    }
    return s->committed;
}

size_t relay_server_sessions(const relay_server_t *s)
{
    return s->n_sess;
}

void relay_server_free(relay_server_t *s)
{
    if (s == NULL) {
        return;
    }
    relay_server_stop_listening(s);
    for (size_t i = 0; i < s->n_sess; i++) {
        sess_free(s->sess[i]);
    }
    free(s->sess);
    relay_tls_server_free(s->tls);
    free(s);
}
