/**
 * @file dbx_relay.c
 * @brief The delivery engine: per domain one connector session carrying
 *        MAIL, RCPT, DATA (dot-stuffed), per-recipient results, DSNs.
 */
#include "relay/dbx_relay.h"
#include "dbx_crashpoint.h"
#include "dbx_str.h"

#include <stdio.h>
#include <string.h>

int dbx_relay_init(dbx_relay_t *rl, const dbx_relay_config_t *cfg, dbx_queue_t *queue,
                   const dbx_relay_connector_t *conn)
{
    DBX_CHECK(rl != NULL && cfg != NULL && queue != NULL && queue->ops != NULL, DBX_ERR_INVAL);
    DBX_CHECK(conn != NULL && conn->open != NULL && conn->send != NULL && conn->reply != NULL &&
                  conn->close != NULL,
              DBX_ERR_INVAL);
    DBX_CHECK(cfg->retry_min_s > 0 && cfg->retry_max_s >= cfg->retry_min_s, DBX_ERR_INVAL);
    memset(rl, 0, sizeof(*rl));
    rl->cfg = cfg;
    rl->queue = queue;
    rl->conn = conn;
    return DBX_OK;
}

static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at != NULL ? at + 1 : "";
}

/* Enhanced status from "NNN d.d.d text", else from the code class. */
static void enhanced(int code, const char *text, char *dsn)
{
    if (strlen(text) > 4 && text[3] == ' ') {
        text += 4;
    }
    size_t n = strspn(text, "0123456789.");
    if (n >= 5 && n < DBX_QUEUE_DSN_MAX && text[n] == ' ' && text[0] == '0' + code / 100 &&
        text[1] == '.') {
        memcpy(dsn, text, n);
        dsn[n] = '\0';
        return;
    }
    snprintf(dsn, DBX_QUEUE_DSN_MAX, "%d.0.0", code / 100 >= 2 && code / 100 <= 5 ? code / 100 : 4);
}

/* What one attempt means for recipient @p i; logs it. @p code 0 = the
 * session failed before a reply (a temporary failure). */
typedef struct attempt {
    const dbx_relay_session_info_t *info; /* NULL: no session */
    const char *host, *addr;              /* when info is NULL */
    int code;
    const char *dsn;                      /* NULL: from the reply */
    const char *text;
} attempt_t;

static void result(dbx_relay_t *rl, uint16_t i, const attempt_t *a, int64_t now,
                   dbx_relay_stats_t *stats)
{
    dbx_queue_env_t *env = &rl->env;
    dbx_queue_rcpt_t *r = &env->rcpt[i];
    const char *status;
    r->attempts++;
    if (a->dsn != NULL) {
        snprintf(r->dsn, sizeof(r->dsn), "%s", a->dsn);
    } else {
        enhanced(a->code, a->text, r->dsn);
    }
    snprintf(r->reason, sizeof(r->reason), "%s", a->text);
    for (char *p = r->reason; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    r->next_try = 0;
    if (a->code >= 200 && a->code < 300) {
        r->state = DBX_RCPT_DELIVERED;
        status = "sent";
        stats->sent++;
    } else if (a->code >= 500 && a->code < 600) {
        r->state = DBX_RCPT_FAILED;
        status = "bounced";
        stats->bounced++;
    } else if (dbx_relay_expired(rl->cfg, env->arrival, now)) {
        r->state = DBX_RCPT_FAILED;
        snprintf(r->dsn, sizeof(r->dsn), "4.4.7");
        status = "expired";
        stats->bounced++;
    } else {
        r->state = DBX_RCPT_DEFERRED;
        r->next_try = dbx_relay_next_try(rl->cfg, r->attempts, env->arrival, now);
        status = "deferred";
        stats->deferred++;
    }
    if (rl->cfg->log == NULL) {
        return;
    }
    const dbx_relay_session_info_t *in = a->info;
    const char *host = in ? in->host : a->host;
    const char *addr = in ? in->addr : a->addr;
    char relay[DBX_RELAY_HOST_MAX + 64];
    if (host != NULL && host[0] != '\0') {
        snprintf(relay, sizeof(relay), "%s[%s]:%u", host, addr ? addr : "",
                 in && in->port ? in->port : 25u);
    } else {
        snprintf(relay, sizeof(relay), "none");
    }
    char delay[24];
    snprintf(rl->line, sizeof(rl->line),
             "%s: to=<%s>, relay=%s, delay=%s, attempts=%u, dsn=%s, status=%s (%s) tls=%s",
             env->id, r->addr, relay, dbx_dec64(now - env->arrival, delay), (unsigned)r->attempts,
             r->dsn, status, r->reason, in ? in->tls : "none");
    rl->cfg->log(rl->cfg->log_user, rl->line);
}

/* Send a command line and read its reply into rl->text. */
static int command(dbx_relay_t *rl, void *sess, const char *line, int *code)
{
    const dbx_relay_connector_t *c = rl->conn;
    int st = c->send(c->ctx, sess, (const uint8_t *)line, strlen(line));
    if (st == DBX_OK) {
        st = c->reply(c->ctx, sess, code, rl->text, sizeof(rl->text));
    }
    return st;
}

/* Body with dot-stuffing (RFC 5321 §4.5.2), then the end of data. */
static int send_body(dbx_relay_t *rl, void *sess)
{
    const dbx_relay_connector_t *c = rl->conn;
    dbx_queue_t *q = rl->queue;
    void *h = NULL;
    int st = q->ops->body_open(q->ctx, rl->env.id, &h);
    DBX_CHECK(st == DBX_OK, st);
    bool bol = true;
    size_t got = 0;
    while (st == DBX_OK && (st = q->ops->body_read(q->ctx, h, rl->io, sizeof(rl->io), &got)) ==
                               DBX_OK && got > 0) {
        size_t from = 0;
        for (size_t i = 0; i < got && st == DBX_OK; i++) {
            if (bol && rl->io[i] == '.') {
                st = c->send(c->ctx, sess, rl->io + from, i - from + 1); /* the extra dot */
                from = i;
            }
            bol = rl->io[i] == '\n';
        }
        if (st == DBX_OK && got > from) {
            st = c->send(c->ctx, sess, rl->io + from, got - from);
        }
    }
    q->ops->body_close(q->ctx, h);
    DBX_CHECK(st == DBX_OK, st);
    static const char end_crlf[] = "\r\n.\r\n";
    const char *end = bol ? end_crlf + 2 : end_crlf; /* our bodies always end in CRLF */
    return c->send(c->ctx, sess, (const uint8_t *)end, strlen(end));
}

/* Every recipient still marked in @p grp gets attempt @p a as its result. */
static void settle_group(dbx_relay_t *rl, const uint8_t *grp, const attempt_t *a, int64_t now,
                         dbx_relay_stats_t *stats)
{
    for (uint16_t i = 0; i < rl->env.n_rcpts; i++) {
        if (grp[i] != 0) {
            result(rl, i, a, now, stats);
        }
    }
}

/* The command buffer of one transaction (the longest is RCPT TO). */
typedef char cmd_buf_t[DBX_QUEUE_ADDR_MAX + 96];

/* MAIL FROM with the parameters the envelope needs and the server offers. */
static int mail_from(dbx_relay_t *rl, void *sess, const dbx_relay_session_info_t *info, cmd_buf_t cmd,
                     int *code)
{
    dbx_queue_env_t *env = &rl->env;
    char size[32] = "", dec[24];
    if (info->caps & DBX_RELAY_CAP_SIZE) {
        snprintf(size, sizeof(size), " SIZE=%s", dbx_dec64((int64_t)(env->size & INT64_MAX), dec));
    }
    snprintf(cmd, sizeof(cmd_buf_t), "MAIL FROM:<%s>%s%s%s\r\n", env->sender, size,
             env->body_8bit && (info->caps & DBX_RELAY_CAP_8BITMIME) ? " BODY=8BITMIME" : "",
             env->smtputf8 ? " SMTPUTF8" : "");
    return command(rl, sess, cmd, code);
}

/* RCPT TO for each recipient marked in @p grp: a refusal is that one's
 * result (unmarked); *accepted counts the others.  Stops when the session
 * breaks. */
static int rcpt_to(dbx_relay_t *rl, void *sess, cmd_buf_t cmd, uint8_t *grp, attempt_t *a, int64_t now,
                   dbx_relay_stats_t *stats, size_t *accepted)
{
    int st = DBX_OK;
    for (uint16_t i = 0; st == DBX_OK && i < rl->env.n_rcpts; i++) {
        if (grp[i] == 0) {
            continue;
        }
        snprintf(cmd, sizeof(cmd_buf_t), "RCPT TO:<%s>\r\n", rl->env.rcpt[i].addr);
        int rc = 0;
        st = command(rl, sess, cmd, &rc);
        if (st == DBX_OK && rc / 100 != 2) {
            a->code = rc;
            result(rl, i, a, now, stats);
            grp[i] = 0; /* settled */
        }
        *accepted += (st == DBX_OK && rc / 100 == 2);
    }
    return st;
}

/* DATA, then the body: *code is the final reply.  A success other than 354
 * to DATA sent no body, so it never counts as delivered: a desynchronised or
 * smuggling server, deferred (4.5.0) with *proto set (no QUIT). */
static int data_phase(dbx_relay_t *rl, void *sess, const dbx_relay_session_info_t *info, attempt_t *a,
                      int *code, const char **stage, bool *proto)
{
    int st;
    *stage = "DATA";
    DBX_CRASHPOINT("relay-before-data");
    st = command(rl, sess, "DATA\r\n", code);
    if (st == DBX_OK && *code != 354 && *code / 100 != 4 && *code / 100 != 5) {
        snprintf(rl->text, sizeof(rl->text), "protocol error: %s[%s] answered DATA with %d, not 354",
                 info->host, info->addr, *code);
        a->dsn = "4.5.0";
        *code = 0;
        *proto = true;
    } else if (st == DBX_OK && *code == 354) {
        *stage = "end of data";
        st = send_body(rl, sess);
        if (st == DBX_OK) {
            DBX_CRASHPOINT("relay-body-sent"); /* the next hop may have it */
            st = rl->conn->reply(rl->conn->ctx, sess, code, rl->text, sizeof(rl->text));
        }
        if (st == DBX_OK && *code / 100 == 2) {
            DBX_CRASHPOINT("relay-after-remote-250"); /* delivered, not recorded */
        }
    }
    return st;
}

/* The transaction for the recipients marked in @p grp over one session:
 * every one of them ends with a result (delivered, refused or deferred). */
static void transaction(dbx_relay_t *rl, void *sess, const dbx_relay_session_info_t *info,
                        uint8_t *grp, int64_t now, dbx_relay_stats_t *stats)
{
    cmd_buf_t cmd;
    int code = 0, st;
    attempt_t a = {info, NULL, NULL, 0, NULL, rl->text};
    const char *stage = "MAIL FROM";
    bool proto = false; /* the server broke the protocol */
    size_t accepted = 0;
    if (rl->env.smtputf8 && (info->caps & DBX_RELAY_CAP_SMTPUTF8) == 0) {
        snprintf(rl->text, sizeof(rl->text), "SMTPUTF8 is required, but was not offered by %s",
                 info->host);
        a.code = 550;
        a.dsn = "5.6.7";
        settle_group(rl, grp, &a, now, stats);
        rl->conn->close(rl->conn->ctx, sess, true);
        return;
    }
    st = mail_from(rl, sess, info, cmd, &code);
    if (st == DBX_OK && code / 100 == 2) {
        stage = "RCPT TO"; /* (only reported when one was sent and the session broke) */
        st = rcpt_to(rl, sess, cmd, grp, &a, now, stats, &accepted);
    }
    if (st == DBX_OK && code / 100 == 2 && accepted > 0) {
        st = data_phase(rl, sess, info, &a, &code, &stage, &proto);
    }
    if (st != DBX_OK) { /* the session broke: everyone left is deferred */
        code = 0;
        snprintf(rl->text, sizeof(rl->text), "lost connection with %s[%s] while sending %s: %s",
                 info->host, info->addr, stage, dbx_strerror(st));
        a.dsn = "4.4.2";
    }
    a.code = code;
    settle_group(rl, grp, &a, now, stats);
    rl->conn->close(rl->conn->ctx, sess, st == DBX_OK && !proto);
}

static void deliver_domain(dbx_relay_t *rl, const char *domain, uint8_t *grp, int64_t now,
                           dbx_relay_stats_t *stats)
{
    dbx_relay_session_info_t *info = &rl->info;
    dbx_relay_open_fail_t *fail = &rl->fail;
    memset(info, 0, sizeof(*info));
    memset(fail, 0, sizeof(*fail));
    void *sess = NULL;
    dbx_tls_policy_t pol = dbx_relay_policy_for(rl->cfg, domain);
    stats->sessions++;
    int st = rl->conn->open(rl->conn->ctx, domain, pol, &sess, info, fail);
    if (st == DBX_OK) {
        transaction(rl, sess, info, grp, now, stats);
        return;
    }
    if (fail->reason[0] == '\0') {
        snprintf(fail->reason, sizeof(fail->reason), "%s", dbx_strerror(st));
    }
    attempt_t a = {NULL, fail->host, fail->addr, fail->permanent ? 550 : 0,
                   fail->dsn[0] != '\0' ? fail->dsn : (fail->permanent ? "5.0.0" : "4.0.0"),
                   fail->reason};
    for (uint16_t i = 0; i < rl->env.n_rcpts; i++) {
        if (grp[i] != 0) {
            result(rl, i, &a, now, stats);
        }
    }
}

/* Queue the DSN for FAILED recipients, then mark them bounced. */
static int bounce(dbx_relay_t *rl, int64_t now, dbx_relay_stats_t *stats)
{
    dbx_queue_env_t *env = &rl->env;
    size_t failed = 0;
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        failed += env->rcpt[i].state == DBX_RCPT_FAILED;
    }
    if (failed == 0) {
        return DBX_OK;
    }
    if (env->sender[0] != '\0') {
        int st = dbx_relay_dsn(rl->cfg, rl->queue, env, now, &rl->dsn_env);
        DBX_CHECK(st == DBX_OK, st); /* stays FAILED: the next run retries */
        stats->dsns++;
        DBX_CRASHPOINT("relay-dsn-committed"); /* DSN queued, original still FAILED */
    }
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        if (env->rcpt[i].state == DBX_RCPT_FAILED) {
            env->rcpt[i].state = DBX_RCPT_BOUNCED;
        }
    }
    if (rl->cfg->log != NULL) {
        snprintf(rl->line, sizeof(rl->line), "%s: sender non-delivery notification: %s",
                 env->id, env->sender[0] != '\0' ? rl->dsn_env.id : "none (null sender)");
        rl->cfg->log(rl->cfg->log_user, rl->line);
    }
    int st = rl->queue->ops->update(rl->queue->ctx, env);
    if (st == DBX_OK) {
        DBX_CRASHPOINT("relay-bounce-updated");
    }
    return st;
}

int dbx_relay_run(dbx_relay_t *rl, const char *id, int64_t now, dbx_relay_stats_t *stats)
{
    DBX_CHECK(rl != NULL && id != NULL && stats != NULL, DBX_ERR_INVAL);
    dbx_queue_t *q = rl->queue;
    dbx_queue_env_t *env = &rl->env;
    int st = q->ops->load(q->ctx, id, env);
    DBX_CHECK(st == DBX_OK, st);
    DBX_CRASHPOINT("relay-loaded");
    uint8_t done[DBX_QUEUE_MAX_RCPTS] = {0}, grp[DBX_QUEUE_MAX_RCPTS];
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        const dbx_queue_rcpt_t *r = &env->rcpt[i];
        bool due = r->state == DBX_RCPT_PENDING ||
                   (r->state == DBX_RCPT_DEFERRED && r->next_try <= now);
        if (!due || done[i]) {
            continue;
        }
        const char *dom = domain_of(r->addr);
        memset(grp, 0, sizeof(grp));
        for (uint16_t j = i; j < env->n_rcpts; j++) {
            const dbx_queue_rcpt_t *o = &env->rcpt[j];
            bool due_j = o->state == DBX_RCPT_PENDING ||
                         (o->state == DBX_RCPT_DEFERRED && o->next_try <= now);
            if (due_j && !done[j] && dbx_ascii_eq(domain_of(o->addr), dom)) {
                grp[j] = done[j] = 1;
            }
        }
        char domain[DBX_QUEUE_ADDR_MAX];
        snprintf(domain, sizeof(domain), "%s", dom);
        deliver_domain(rl, domain, grp, now, stats);
        st = q->ops->update(q->ctx, env); /* this domain's results, atomically */
        DBX_CHECK(st == DBX_OK, st);
    }
    st = bounce(rl, now, stats);
    DBX_CHECK(st == DBX_OK, st);
    if (dbx_queue_env_open_rcpts(env) == 0) {
        st = q->ops->remove(q->ctx, env->id);
        if (st == DBX_OK) {
            DBX_CRASHPOINT("relay-removed");
        }
        if (st == DBX_OK && rl->cfg->log != NULL) {
            snprintf(rl->line, sizeof(rl->line), "%s: removed", env->id);
            rl->cfg->log(rl->cfg->log_user, rl->line);
        }
    }
    return st;
}
