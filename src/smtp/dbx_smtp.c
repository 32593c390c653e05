/* danebox SMTP client: the STARTTLS dialogue's state machine (dbx_smtp.h);
 * reply reading, I/O and the command API are in dbx_smtp_io.c. */
#include "dbx_smtp_int.h"
#include "hal_platform.h"

#include <stdio.h>
#include <string.h>

static const char default_helo[] = "danebox.invalid";

/* ---- the state machine ----------------------------------------------------------- */

static int send_ehlo(dbx_smtp_t *s)
{
    char cmd[5 + DBX_SMTP_HELO_MAX + 3];
    const char *name = s->cfg->helo_name ? s->cfg->helo_name : default_helo;
    size_t n = strlen(name);
    DBX_CHECK(n > 0 && n <= DBX_SMTP_HELO_MAX, DBX_ERR_INVAL);
    for (size_t i = 0; i < n; i++) {
        DBX_CHECK(name[i] > 0x20 && name[i] < 0x7f, DBX_ERR_INVAL);
    }
    snprintf(cmd, sizeof cmd, "EHLO %s\r\n", name);
    return dbx_smtp_io_send(s, cmd);
}

static int st_connect(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    dbx_addr_t peer = c->peer;
    if (peer.port == 0) peer.port = 25;
    st = s->tr->open(s->tr->ctx, DBX_SOCK_TCP, &peer, c->connect_ms, &s->sock);
    if (st != DBX_OK) {
        s->sock = NULL;
        dbx_smtp_fail(s, st, st == DBX_ERR_TIMEOUT ? "connect timeout" : "connect failed");
        return st;
    }
    s->state = DBX_SMTP_S_BANNER;
    return DBX_OK;
}

static int st_banner(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    int code = 0;
    st = dbx_smtp_read_reply_int(s, c->banner_ms, &code, NULL);
    if (st != DBX_OK) return st;
    if (code != 220) {
        s->res.outcome = DBX_SMTP_BANNER_REJECTED;
        s->res.reason = code == 554 ? "server refuses service (554 greeting)"
                                    : "greeting is not 220";
        s->state = DBX_SMTP_S_QUIT;
        return DBX_OK;
    }
    s->state = DBX_SMTP_S_EHLO;
    return DBX_OK;
}

static int st_ehlo(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    int code = 0;
    st = send_ehlo(s);
    if (st != DBX_OK) return st;
    st = dbx_smtp_read_reply_int(s, c->command_ms, &code, &s->res.caps);
    if (st != DBX_OK) return st;
    if (code != 250) {
        s->res.outcome = DBX_SMTP_EHLO_REJECTED;
        s->res.reason = "EHLO refused (HELO would mean no STARTTLS)";
        s->state = DBX_SMTP_S_QUIT;
    } else if (!(s->res.caps & DBX_SMTP_CAP_STARTTLS)) {
        s->res.outcome = DBX_SMTP_NO_STARTTLS;
        s->res.reason = "STARTTLS not offered";
        s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
    } else {
        s->state = DBX_SMTP_S_STARTTLS;
    }
    return DBX_OK;
}

static int st_starttls(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    int code = 0;
    st = dbx_smtp_io_send(s, "STARTTLS\r\n");
    if (st != DBX_OK) return st;
    st = dbx_smtp_read_reply_int(s, c->command_ms, &code, NULL);
    if (st != DBX_OK) return st;
    if (code != 220) {
        s->res.outcome = DBX_SMTP_STARTTLS_REFUSED;
        s->res.reason = code == 421   ? "STARTTLS refused: 421 service closing"
                        : code == 454 ? "STARTTLS refused: 454 TLS not available"
                        : code < 500  ? "STARTTLS refused: 4xx temporary failure"
                                      : "STARTTLS refused: 5xx";
        s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
        return DBX_OK;
    }
    if (s->rx_len != 0) {
        /* bytes sent before the handshake would be taken as TLS-protected */
        dbx_smtp_fail(s, DBX_ERR_PROTO, "plaintext data after STARTTLS 220 (injection)");
        return DBX_ERR_PROTO;
    }
    s->state = DBX_SMTP_S_TLS;
    return DBX_OK;
}

static int st_tls(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    dbx_smtp_tx_append(s, "-- TLS handshake\n", 17);
    st = dbx_tls_setup(&s->tls, &c->tls, s->tr, s->sock);
    if (st == DBX_OK) st = dbx_tls_handshake(&s->tls);
    if (st != DBX_OK) {
        s->res.outcome = DBX_SMTP_TLS_FAILED;
        const char *why = dbx_tls_fail_reason(&s->tls);
        dbx_smtp_fail(s, st, st == DBX_ERR_TIMEOUT ? "TLS handshake timeout"
                             : why != NULL         ? why
                                                   : "TLS handshake failed");
        return st;
    }
    s->tls_on = 1;
    {
        const dbx_tls_info_t *in = dbx_tls_info(&s->tls);
        char m[128];
        int n = snprintf(m, sizeof m, "-- TLS up: %s %s, %u certificate(s)\n",
                         in->version_name, in->ciphersuite,
                         (unsigned)dbx_tls_chain(&s->tls)->n);
        dbx_smtp_tx_append(s, m, n > 0 ? (size_t)n : 0);
    }
    s->state = DBX_SMTP_S_VERIFY;
    return DBX_OK;
}

static int st_verify(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    if (dbx_tls_info(&s->tls)->resumed) {
        /* no certificate to verify: the caller decides from the session */
        dbx_smtp_tx_append(s, "-- session resumed (no certificate)\n", 36);
    } else if (c->verify != NULL) {
        s->res.verify_status = c->verify(dbx_tls_chain(&s->tls), dbx_tls_info(&s->tls),
                                         c->verify_user);
        if (s->res.verify_status != DBX_OK && c->verify_advisory) {
            dbx_smtp_tx_append(s, "-- verification failed (advisory)\n", 34);
        } else if (s->res.verify_status != DBX_OK) {
            dbx_smtp_tx_append(s, "-- verification failed\n", 23);
            s->res.outcome = DBX_SMTP_VERIFY_FAILED;
            s->res.reason = "peer chain rejected by the verifier";
            s->state = DBX_SMTP_S_QUIT; /* abort: no further dialogue */
            return DBX_OK;
        }
        dbx_smtp_tx_append(s, "-- verified\n", 12);
    }
    s->state = DBX_SMTP_S_EHLO_TLS;
    return DBX_OK;
}

static int st_ehlo_tls(dbx_smtp_t *s)
{
    const dbx_smtp_config_t *c = s->cfg;
    int st;
    int code = 0;
    st = send_ehlo(s);
    if (st != DBX_OK) return st;
    st = dbx_smtp_read_reply_int(s, c->command_ms, &code, &s->res.caps_tls);
    if (st != DBX_OK) return st;
    if (code != 250) {
        dbx_smtp_fail(s, DBX_ERR_PROTO, "EHLO after STARTTLS refused");
        return DBX_ERR_PROTO;
    }
    if (dbx_tls_info(&s->tls)->resumed) {
        s->res.outcome = DBX_SMTP_TLS_RESUMED;
        s->res.reason = "TLS established by session resumption";
    } else if (c->verify != NULL && s->res.verify_status == DBX_OK) {
        s->res.outcome = DBX_SMTP_TLS_VERIFIED;
        s->res.reason = "TLS established and verified";
    } else {
        s->res.outcome = DBX_SMTP_TLS_UNVERIFIED;
        s->res.reason = "TLS established (chain not verified)";
    }
    s->state = c->keep_open ? DBX_SMTP_S_OPEN : DBX_SMTP_S_QUIT;
    return DBX_OK;
}

static int st_quit(dbx_smtp_t *s)
{
    dbx_smtp_send_quit(s);
    if (s->tls_on) dbx_tls_close_notify(&s->tls);
    s->state = DBX_SMTP_S_DONE;
    return DBX_OK;
}

/* One state of the dialogue; each returns DBX_OK (state advanced) or the
 * error that stops it. */
static int step(dbx_smtp_t *s)
{
    switch (s->state) {
    case DBX_SMTP_S_CONNECT: return st_connect(s);
    case DBX_SMTP_S_BANNER: return st_banner(s);
    case DBX_SMTP_S_EHLO: return st_ehlo(s);
    case DBX_SMTP_S_STARTTLS: return st_starttls(s);
    case DBX_SMTP_S_TLS: return st_tls(s);
    case DBX_SMTP_S_VERIFY: return st_verify(s);
    case DBX_SMTP_S_EHLO_TLS: return st_ehlo_tls(s);
    case DBX_SMTP_S_QUIT: return st_quit(s);
    case DBX_SMTP_S_DONE:
    case DBX_SMTP_S_OPEN:
    default:
        return DBX_ERR_INTERNAL;
    }
}

void dbx_smtp_config_defaults(dbx_smtp_config_t *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->peer.port = 25;
    cfg->helo_name = default_helo;
    cfg->connect_ms = 30000u;
    cfg->banner_ms = 300000u;  /* RFC 5321 §4.5.3.2.1 */
    cfg->command_ms = 300000u; /* §4.5.3.2.2-ish: 5 minutes */
    cfg->quit_ms = 10000u;
    cfg->tls.handshake_ms = 60000u;
    cfg->tls.io_ms = 30000u;
}

void dbx_smtp_init(dbx_smtp_t *s)
{
    if (s == NULL) return;
    memset(s, 0, sizeof *s);
    dbx_tls_init(&s->tls);
}

int dbx_smtp_run(dbx_smtp_t *s, const dbx_smtp_config_t *cfg, const dbx_transport_t *tr,
                 dbx_smtp_result_t *res)
{
    int st = DBX_OK;
    DBX_ASSERT(s != NULL && cfg != NULL && tr != NULL && res != NULL);
    DBX_ASSERT(s->sock == NULL && s->state == DBX_SMTP_S_CONNECT);
    s->cfg = cfg;
    s->tr = tr;
    memset(&s->res, 0, sizeof s->res);
    if (cfg->transcript != NULL && cfg->transcript_cap > 0) cfg->transcript[0] = '\0';
    if (cfg->tls.sni == NULL || cfg->tls.sni[0] == '\0') {
        dbx_smtp_fail(s, DBX_ERR_INVAL, "no SNI / TLSA base domain given");
        st = DBX_ERR_INVAL;
    }
    while (st == DBX_OK && s->state != DBX_SMTP_S_DONE && s->state != DBX_SMTP_S_OPEN) {
        st = step(s);
    }
    if (st != DBX_OK) {
        DBX_STICK(s->res.status, st);
        if (s->res.outcome != DBX_SMTP_TLS_FAILED) {
            s->res.outcome = DBX_SMTP_FAILED;
        }
        if (s->res.reason == NULL) s->res.reason = dbx_strerror(st);
    }
    s->res.state = s->state;
    *res = s->res;
    return s->res.status;
}

const dbx_tls_chain_t *dbx_smtp_chain(const dbx_smtp_t *s)
{
    return s != NULL ? dbx_tls_chain(&s->tls) : NULL;
}

const dbx_tls_info_t *dbx_smtp_tls_info(const dbx_smtp_t *s)
{
    return s != NULL ? dbx_tls_info(&s->tls) : NULL;
}

void dbx_smtp_free(dbx_smtp_t *s)
{
    if (s == NULL) return;
    dbx_tls_free(&s->tls);
    if (s->sock != NULL && s->tr != NULL) {
        s->tr->close(s->tr->ctx, s->sock);
    }
    s->sock = NULL;
    s->tls_on = 0;
}

const char *dbx_smtp_state_name(dbx_smtp_state_t st)
{
    static const char *const names[] = {"connect", "banner", "ehlo", "starttls", "tls",
                                        "verify", "ehlo-tls", "quit", "done", "open"};
    return (unsigned)st < DBX_ARRAY_LEN(names) ? names[st] : "?";
}

const char *dbx_smtp_outcome_name(dbx_smtp_outcome_t o)
{
    static const char *const names[] = {"failed", "banner-rejected", "ehlo-rejected",
                                        "no-starttls", "starttls-refused", "tls-failed",
                                        "verify-failed", "tls-unverified", "tls-verified",
                                        "tls-resumed"};
    return (unsigned)o < DBX_ARRAY_LEN(names) ? names[o] : "?";
}
