/**
 * @file dbx_relay.h
 * @brief The relay's delivery engine: one queued message at a time, its
 *        recipients grouped by domain, each domain delivered over ONE session
 *        opened by a connector under that domain's TLS policy; per-recipient
 *        results; retry schedule; RFC 3464 bounces.  Portable: no OS calls;
 *        the queue (::dbx_queue_t), the outbound connector and the clock
 *        (now, passed in) belong to the caller.
 *
 * Results per recipient: 2xx -> delivered; 4xx, a refused or failed session
 * (defer verdict, network, timeout) -> deferred with the reason and a next
 * try from dbx_relay_next_try(); 5xx or a permanent session failure (null
 * MX) -> failed; a deferral at or after arrival + lifetime -> failed with
 * 4.4.7.  Failed recipients get one DSN per run (from the null sender to
 * the envelope sender; none when the sender is null) queued before they
 * are marked bounced, so a crash repeats a DSN rather than losing it.
 *
 * Log lines (one per recipient and attempt), Postfix style:
 *   "ID: to=<r>, relay=host[addr]:25, delay=S, dsn=2.0.0, status=sent
 *    (250 2.0.0 Ok) tls=dane-verified (DANE 3 1 1 @0, TLSv1.3, CIPHER)"
 *
 * Concurrency: the engine delivers one message's domains one after the
 * other; callers may run several engines (each with its own work area) to
 * deliver to distinct domains at once.
 */
#ifndef DBX_RELAY_H
#define DBX_RELAY_H

#include "dbx_common.h"
#include "policy/dbx_policy.h"
#include "queue/dbx_queue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_RELAY_TEXT_MAX 200  /**< a reply / reason kept */
#define DBX_RELAY_TLS_MAX 200   /**< the TLS summary for logs */
#define DBX_RELAY_HOST_MAX 254
#define DBX_RELAY_LINE_MAX 1024 /**< one log line */
#ifndef DBX_RELAY_IO_MAX
#define DBX_RELAY_IO_MAX 2048   /**< body octets read from the queue per send
                                     (boards: smaller, -DDBX_RELAY_IO_MAX=512) */
#endif

/** Per-destination TLS policy = the evaluator's level (policy/dbx_policy.h):
 *  dane (default, RFC 7672 opportunistic DANE), dane-only (defer unless
 *  DANE-verified), encrypt (TLS required, unauthenticated allowed), may
 *  (TLS when offered, else plaintext), dane-test (DANE checked and logged,
 *  delivered as may). */
typedef dbx_tls_level_t dbx_tls_policy_t;
#define DBX_TLS_POLICY_DANE DBX_LEVEL_DANE
#define DBX_TLS_POLICY_DANE_ONLY DBX_LEVEL_DANE_ONLY
#define DBX_TLS_POLICY_ENCRYPT DBX_LEVEL_ENCRYPT
#define DBX_TLS_POLICY_MAY DBX_LEVEL_MAY
#define DBX_TLS_POLICY_DANE_TEST DBX_LEVEL_DANE_TEST

/** What the connector established (for logs). */
typedef struct dbx_relay_session_info {
    char host[DBX_RELAY_HOST_MAX];  /**< MX host name */
    char addr[48];                  /**< its address */
    uint16_t port;
    char tls[DBX_RELAY_TLS_MAX];    /**< "dane-verified (DANE 3 1 1 @0, TLSv1.3, ...)",
                                         "untrusted (TLSv1.3, ...)", "none" */
    uint32_t caps;                  /**< DBX_RELAY_CAP_* of the EHLO in force */
} dbx_relay_session_info_t;

/** Peer EHLO keywords the engine uses (dbx_relay_session_info_t::caps):
 *  SIZE= only when offered; BODY=8BITMIME only when offered (8-bit data is
 *  still sent, as Postfix does); a message that needs SMTPUTF8 fails with
 *  5.6.7 for the recipients of a peer without it (RFC 6531 §3.2). */
#define DBX_RELAY_CAP_SIZE 1u
#define DBX_RELAY_CAP_8BITMIME 2u
#define DBX_RELAY_CAP_SMTPUTF8 4u

/** Why a session could not be opened. */
typedef struct dbx_relay_open_fail {
    bool permanent;                 /**< e.g. null MX: bounce, do not retry */
    char dsn[DBX_QUEUE_DSN_MAX];    /**< "4.7.5", "5.1.10", ... */
    char reason[DBX_RELAY_TEXT_MAX];
    char host[DBX_RELAY_HOST_MAX];  /**< host tried ("" none) */
    char addr[48];
} dbx_relay_open_fail_t;

/**
 * Outbound connector: the RFC 7672 flow producing ONE authenticated (or
 * policy-permitted) session per call, then commands over that very session.
 *  - open: returns DBX_OK with *sess after the server's post-TLS EHLO (or
 *    plaintext EHLO when the policy permits plaintext); otherwise fills
 *    @p fail and returns a negative status.
 *  - send: all octets.  reply: one complete reply (code, first line text).
 *  - close: QUIT when @p quit, then free.  Accepts NULL.
 */
typedef struct dbx_relay_connector {
    void *ctx;
    int (*open)(void *ctx, const char *domain, dbx_tls_policy_t pol, void **sess,
                dbx_relay_session_info_t *info, dbx_relay_open_fail_t *fail);
    int (*send)(void *ctx, void *sess, const uint8_t *p, size_t n);
    int (*reply)(void *ctx, void *sess, int *code, char *text, size_t cap);
    void (*close)(void *ctx, void *sess, bool quit);
} dbx_relay_connector_t;

/** One policy entry: domain (exact, case-insensitive) -> policy. */
typedef struct dbx_relay_policy_entry {
    const char *domain;
    dbx_tls_policy_t policy;
} dbx_relay_policy_entry_t;

/** Engine settings; dbx_relay_config_defaults() fills every field. */
typedef struct dbx_relay_config {
    const char *hostname;         /**< Reporting-MTA, MAILER-DAEMON@hostname */
    uint32_t retry_min_s;         /**< first retry delay (default 300) */
    uint32_t retry_max_s;         /**< cap of the doubling delay (default 3600) */
    uint32_t lifetime_s;          /**< queue lifetime (default 5 days) */
    dbx_tls_policy_t default_policy;
    const dbx_relay_policy_entry_t *policies;
    size_t n_policies;
    void (*log)(void *user, const char *line); /**< may be NULL */
    void *log_user;
} dbx_relay_config_t;

/** Counters of one run. */
typedef struct dbx_relay_stats {
    uint32_t sessions, sent, deferred, bounced, dsns;
} dbx_relay_stats_t;

/** Caller-owned engine state (holds an envelope: ~65 KiB by default). */
typedef struct dbx_relay {
    const dbx_relay_config_t *cfg;
    dbx_queue_t *queue;
    const dbx_relay_connector_t *conn;
    dbx_queue_env_t env;
    /** The DSN's envelope: used only inside the bounce step of
     *  dbx_relay_run(), between queue calls and never across a connector
     *  call, so a caller may lend it to code that needs an envelope
     *  synchronously outside the engine (the board's SMTP listener). */
    dbx_queue_env_t dsn_env;
    dbx_relay_session_info_t info;
    dbx_relay_open_fail_t fail;
    uint8_t io[DBX_RELAY_IO_MAX];
    char text[DBX_RELAY_TEXT_MAX];
    char line[DBX_RELAY_LINE_MAX];
} dbx_relay_t;

/** Defaults (see the fields).  Cannot fail. */
void dbx_relay_config_defaults(dbx_relay_config_t *cfg);

/** Bind @p rl to its config, queue and connector (all must outlive it).
 *  @return DBX_OK or DBX_ERR_INVAL. */
int dbx_relay_init(dbx_relay_t *rl, const dbx_relay_config_t *cfg, dbx_queue_t *queue,
                   const dbx_relay_connector_t *conn);

/**
 * One delivery run for message @p id at Unix time @p now: every recipient
 * due (pending, or deferred with next_try <= now) is tried, failed ones get
 * their DSN, the envelope is updated after each domain, and the message is
 * removed once no recipient is left to deliver.
 * @return DBX_OK (whatever the recipients' fates), DBX_ERR_NOTFOUND, or a
 *         queue error (the message is then left as it was on storage).
 */
int dbx_relay_run(dbx_relay_t *rl, const char *id, int64_t now, dbx_relay_stats_t *stats);

/** When @p env's message is due for a run: 0 if a recipient is pending or
 *  failed (DSN not queued yet), or if every recipient is settled (the run
 *  then removes the message: a crash between the last state update and the
 *  removal must not leave it queued forever); else the earliest next_try of
 *  its deferred recipients. */
int64_t dbx_relay_due(const dbx_queue_env_t *env);

/**
 * Retry schedule: after the @p attempts-th failed attempt (>= 1) at @p now,
 * wait retry_min_s * 2^(attempts-1), at most retry_max_s, and never past
 * arrival + lifetime_s (the last try happens at expiry).
 */
int64_t dbx_relay_next_try(const dbx_relay_config_t *cfg, uint16_t attempts, int64_t arrival,
                           int64_t now);

/** True when a message that arrived at @p arrival has outlived the queue
 *  lifetime at @p now. */
bool dbx_relay_expired(const dbx_relay_config_t *cfg, int64_t arrival, int64_t now);

/** Policy for @p domain from cfg->policies, else cfg->default_policy. */
dbx_tls_policy_t dbx_relay_policy_for(const dbx_relay_config_t *cfg, const char *domain);

/** "dane", "dane-only", "encrypt", "may", "dane-test" (dbx_tls_level_str). */
const char *dbx_tls_policy_name(dbx_tls_policy_t p);
/** Parse a policy name.  @return DBX_OK or DBX_ERR_MALFORMED. */
int dbx_tls_policy_parse(const char *s, dbx_tls_policy_t *out);

/**
 * Queue an RFC 3464 multipart/report DSN for the FAILED recipients of
 * @p env in @p q: a new message from the null sender to env->sender,
 * arrival @p now, its envelope left in @p out.  The original's header
 * section (about 16 KiB at most, cut at a line end) is read from @p q.
 * @return DBX_OK, DBX_ERR_INVAL (null sender: never bounce a bounce),
 *         DBX_ERR_NOTFOUND (no failed recipient), a queue error.
 */
int dbx_relay_dsn(const dbx_relay_config_t *cfg, dbx_queue_t *q, const dbx_queue_env_t *env,
                  int64_t now, dbx_queue_env_t *out);

/** RFC 5322 date of Unix time @p t in UTC ("Mon, 30 Nov 2026 17:09:20 +0000").
 *  @p buf at least 32 octets.  @return @p buf. */
const char *dbx_relay_date(int64_t t, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* DBX_RELAY_H */
