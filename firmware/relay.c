/* mode=relay: SMTP listener on the lwIP raw TCP API (NO_SYS), at most
 * FW_RELAY_SESSIONS sessions at once (a further client gets 421), each
 * running the smtpd state machine (src/smtpd) whose hooks write into the
 * flash queue (firmware/relay_queue.c): "250 ... queued as ID" only after
 * the message's records and commit marker are programmed and synced.
 * A session's state machine lives on the heap while the client is connected
 * (no RAM: 421 like the session cap).
 * Input is held as lwIP pbufs (at most TCP_WND per session: the window is
 * reopened only as the state machine consumes), output goes out as send
 * buffer space allows.  Log lines: "relay: ..." on the console. */
#include "fw_relay.h"

#include "board.h"

#include "dbx_common.h"
#include "fw.h"
#include "fw_net.h"
#include "hal_platform.h"
#include "relay/dbx_relay.h"
#include "smtpd/dbx_smtpd.h"

#include "lwip/tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rsess {
    bool used, peer_closed;
    struct tcp_pcb *pcb;
    struct pbuf *in;
    uint32_t deadline;
    uint64_t size;
    void *qh;
    char peer[24];
    struct rsess_mem *m; /* heap while connected (freed by the poll step) */
} rsess_t;

/* A session's state machine and recipient list: allocated per connection,
 * so the delivery has the RAM while fewer clients are connected. */
typedef struct rsess_mem {
    dbx_smtpd_t smtpd;
    char rcpts[8 * DBX_SMTPD_PATH_MAX];
} rsess_mem_t;

/* heap, allocated once in mode=relay only (other modes keep the RAM) */
static rsess_t *S;
static const dbx_config_t *C;
static dbx_queue_env_t *qenv;
static uint32_t n_accepted, n_refused_busy;

/* ---- queue hooks ------------------------------------------------------------- */

static int h_begin(void *user, const dbx_smtpd_envelope_t *env)
{
    rsess_t *x = user;
    dbx_queue_t *q = fw_relay_queue();
    int rc = q->ops->create(q->ctx, &x->qh);
    DBX_CHECK(rc == DBX_OK, rc);
    char date[40], hdr[400];
    int64_t now = fw_relay_now();
    int n = snprintf(hdr, sizeof hdr, "Received: from %.200s (%s)\r\n\tby danebox (%s) with %s;\r\n\t%s\r\n",
                     env->helo, x->peer, BOARD_NAME, env->smtputf8 ? "UTF8SMTP" : "ESMTP",
                     dbx_relay_date(now, date, sizeof date));
    DBX_CHECK(n > 0 && (size_t)n < sizeof hdr, DBX_ERR_INTERNAL);
    x->size = (uint64_t)n;
    return q->ops->write(q->ctx, x->qh, (const uint8_t *)hdr, (size_t)n);
}

static int h_data(void *user, const uint8_t *p, size_t n)
{
    rsess_t *x = user;
    x->size += n;
    return fw_relay_queue()->ops->write(fw_relay_queue()->ctx, x->qh, p, n);
}

static int h_commit(void *user, const dbx_smtpd_envelope_t *e, char *qid)
{
    rsess_t *x = user;
    dbx_queue_t *q = fw_relay_queue();
    dbx_queue_env_t *ev = qenv;
    memset(ev, 0, sizeof *ev);
    snprintf(ev->sender, sizeof ev->sender, "%s", e->sender);
    ev->arrival = fw_relay_now();
    ev->size = x->size;
    ev->body_8bit = e->body_8bit;
    ev->smtputf8 = e->smtputf8;
    const char *r = e->rcpts;
    for (uint16_t i = 0; i < e->n_rcpts && i < DBX_QUEUE_MAX_RCPTS; i++) {
        snprintf(ev->rcpt[i].addr, sizeof ev->rcpt[i].addr, "%s", r);
        ev->n_rcpts++;
        r += strlen(r) + 1;
    }
    int rc = q->ops->commit(q->ctx, x->qh, ev);
    x->qh = NULL;
    if (rc != DBX_OK) {
        printf("relay: NOQUEUE: client=%s, from=<%s>: queue commit failed: %s\n", x->peer,
               e->sender, dbx_strerror(rc));
        return rc;
    }
    snprintf(qid, DBX_SMTPD_QID_MAX, "%s", ev->id);
    fw_relay_deliver_kick();
    printf("relay: %s: client=%s, from=<%s>, size=%lu, nrcpt=%u (queue active)\n", ev->id,
           x->peer, ev->sender, (unsigned long)ev->size, (unsigned)ev->n_rcpts);
    return DBX_OK;
}

static void h_abort(void *user)
{
    rsess_t *x = user;
    if (x->qh != NULL) {
        fw_relay_queue()->ops->discard(fw_relay_queue()->ctx, x->qh);
        x->qh = NULL;
    }
}

/* ---- lwIP callbacks --------------------------------------------------------- */

static void sess_end(rsess_t *x, bool abort_pcb)
{
    dbx_smtpd_disconnect(&x->m->smtpd); /* aborts an open message */
    if (x->in != NULL) {
        pbuf_free(x->in);
        x->in = NULL;
    }
    if (x->pcb != NULL) {
        tcp_arg(x->pcb, NULL);
        tcp_recv(x->pcb, NULL);
        tcp_err(x->pcb, NULL);
        if (abort_pcb || tcp_close(x->pcb) != ERR_OK) {
            tcp_abort(x->pcb);
        }
        x->pcb = NULL;
    }
    printf("relay: disconnect from %s\n", x->peer);
    fw_relay_queue_stats();
    printf("relay-mem: heap-inuse-peak=%lu sbrk-peak=%lu stack-peak=%lu\n",
           (unsigned long)fw_heap_inuse_peak(), (unsigned long)fw_heap_peak(),
           (unsigned long)fw_stack_peak());
    x->used = false;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    rsess_t *x = arg;
    (void)pcb;
    (void)err;
    if (x == NULL) {
        if (p != NULL) {
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        x->peer_closed = true;
    } else if (x->in == NULL) {
        x->in = p;
    } else {
        pbuf_cat(x->in, p);
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    rsess_t *x = arg;
    (void)err;
    if (x != NULL) {
        x->pcb = NULL; /* already freed by lwIP */
        sess_end(x, false);
    }
}

static bool allowed(const ip_addr_t *a)
{
    if (!IP_IS_V4(a)) {
        return false;
    }
    uint32_t v = lwip_ntohl(ip_2_ip4(a)->addr);
    for (size_t i = 0; i < C->n_allow; i++) {
        const uint8_t *n = C->allow[i].addr.addr;
        uint32_t net = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 | (uint32_t)n[2] << 8 | n[3];
        uint32_t mask = C->allow[i].prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - C->allow[i].prefix);
        if ((v & mask) == (net & mask)) {
            return true;
        }
    }
    return false;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    rsess_t *x = NULL;
    for (size_t i = 0; i < FW_RELAY_SESSIONS && x == NULL; i++) {
        x = S[i].used ? NULL : &S[i];
    }
    if (x != NULL && x->m == NULL && (x->m = malloc(sizeof *x->m)) == NULL) {
        x = NULL; /* no RAM now (a delivery holds it): like busy */
    }
    if (x == NULL) { /* over the session cap: 421 and close */
        static const char busy[] = "421 4.3.2 danebox: too many sessions, try later\r\n";
        n_refused_busy++;
        tcp_write(pcb, busy, sizeof busy - 1, TCP_WRITE_FLAG_COPY);
        tcp_output(pcb);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    memset(x, 0, offsetof(rsess_t, m));
    x->used = true;
    x->pcb = pcb;
    ipaddr_ntoa_r(&pcb->remote_ip, x->peer + 1, sizeof x->peer - 2);
    x->peer[0] = '[';
    strcat(x->peer, "]");
    dbx_smtpd_config_t sc;
    dbx_smtpd_config_defaults(&sc);
    sc.hostname = "danebox";
    sc.max_size = C->max_size;
    sc.max_rcpts = C->max_rcpts;
    sc.client_allowed = allowed(&pcb->remote_ip);
    dbx_smtpd_hooks_t hk = {x, h_begin, h_data, h_commit, h_abort};
    dbx_smtpd_init(&x->m->smtpd, &sc, &hk, x->m->rcpts, (size_t)C->max_rcpts * DBX_SMTPD_PATH_MAX);
    x->deadline = hal_clock_ms() + dbx_smtpd_timeout_ms(&x->m->smtpd);
    tcp_arg(pcb, x);
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    n_accepted++;
    printf("relay: connect from %s%s\n", x->peer,
           sc.client_allowed ? "" : " (not on the allowlist)");
    return ERR_OK;
}

/* ---- the service step ------------------------------------------------------- */

/* Send what the state machine has to say.  @return true when all went out. */
static bool flush(rsess_t *x)
{
    size_t len;
    const char *out = dbx_smtpd_output(&x->m->smtpd, &len);
    if (len == 0) {
        return true;
    }
    size_t room = tcp_sndbuf(x->pcb);
    size_t n = len < room ? len : room;
    if (n > 0 && tcp_write(x->pcb, out, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
        dbx_smtpd_output_consumed(&x->m->smtpd, n);
        tcp_output(x->pcb);
    }
    (void)dbx_smtpd_output(&x->m->smtpd, &len);
    return len == 0;
}

static void service(rsess_t *x)
{
    if (!x->used || x->pcb == NULL) {
        return;
    }
    while (flush(x) && x->in != NULL && x->m->smtpd.state != DBX_SMTPD_S_CLOSED) {
        size_t used = 0;
        dbx_smtpd_feed(&x->m->smtpd, (const uint8_t *)x->in->payload, x->in->len, &used);
        if (used == 0) {
            break;
        }
        x->in = pbuf_free_header(x->in, (u16_t)used);
        tcp_recved(x->pcb, (u16_t)used);
        uint32_t now = hal_clock_ms();
        int32_t left = (int32_t)(x->deadline - now);
        x->deadline = now + dbx_smtpd_time_left(&x->m->smtpd, left > 0 ? (uint32_t)left : 0u);
    }
    if (!x->used || x->pcb == NULL) {
        return; /* a commit may have ended in a power cut: never here */
    }
    bool drained = flush(x);
    if (x->m->smtpd.state == DBX_SMTPD_S_CLOSED && drained) {
        sess_end(x, false);
    } else if (x->peer_closed && x->in == NULL) {
        sess_end(x, false);
    } else if ((int32_t)(hal_clock_ms() - x->deadline) >= 0) {
        dbx_smtpd_timeout(&x->m->smtpd); /* 421, then closed once flushed */
        x->deadline = hal_clock_ms() + 5000u;
        if (x->m->smtpd.state != DBX_SMTPD_S_CLOSED) {
            sess_end(x, true);
        }
    }
}

/* One poll step: NIC, lwIP timers, every inbound session.  Also the poll
 * hook of the delivery's transport (inbound mail keeps flowing while a
 * message is delivered). */
static void relay_poll(void)
{
    fw_net_poll();
    for (size_t i = 0; i < FW_RELAY_SESSIONS; i++) {
        if (!S[i].used && S[i].m != NULL) { /* ended: outside any lwIP callback */
            free(S[i].m);
            S[i].m = NULL;
        }
        service(&S[i]);
    }
}

int fw_relay(const dbx_config_t *cfg)
{
    C = cfg;
    int rc = fw_relay_queue_open(cfg);
    DBX_CHECK(rc == DBX_OK, rc);
    if (cfg->relay_port == 0) {
        return DBX_OK;
    }
    S = calloc(FW_RELAY_SESSIONS, sizeof *S);
    DBX_CHECK(S != NULL, DBX_ERR_NOMEM);
    /* delivery first: its engine lends the listener an envelope */
    int drc = fw_relay_deliver_init(cfg, relay_poll);
    if (drc != DBX_OK && drc != DBX_ERR_NOTIME) {
        printf("deliver: %s: mail stays queued\n", dbx_strerror(drc));
    }
    qenv = fw_relay_deliver_spare_env();
    qenv = qenv != NULL ? qenv : malloc(sizeof *qenv);
    DBX_CHECK(qenv != NULL, DBX_ERR_NOMEM);
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
    DBX_CHECK(l != NULL, DBX_ERR_NOMEM);
    if (tcp_bind(l, IP_ANY_TYPE, cfg->relay_port) != ERR_OK) {
        tcp_abort(l);
        return DBX_ERR_IO;
    }
    l = tcp_listen_with_backlog(l, FW_RELAY_SESSIONS + 1);
    DBX_CHECK(l != NULL, DBX_ERR_NOMEM);
    tcp_accept(l, on_accept);
    printf("relay: listening on port %u, %d sessions, max-size %lu, max-rcpts %u, %u allow= "
           "networks%s\n",
           (unsigned)cfg->relay_port, FW_RELAY_SESSIONS, (unsigned long)cfg->max_size,
           (unsigned)cfg->max_rcpts, (unsigned)cfg->n_allow,
           cfg->powercut ? " (power cut armed)" : "");
    printf("relay: memory: heap in use %lu B (queue state + %d sessions + envelope%s), peak %lu B\n",
           (unsigned long)fw_heap_inuse(), FW_RELAY_SESSIONS,
           fw_relay_deliver_spare_env() != NULL ? " + delivery" : "",
           (unsigned long)fw_heap_inuse_peak());
    for (;;) {
        relay_poll();
        fw_relay_deliver_step();
    }
}
