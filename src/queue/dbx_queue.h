/**
 * @file dbx_queue.h
 * @brief The relay's mail queue as an interface (a const ops struct), plus
 *        the portable envelope record every backend stores.
 *
 * Backends: the host spool (tools/danebox/port/host_spool.c: fsync'd files + rename)
 * and, next, a log-structured journal on the storage HAL for boards.  The
 * delivery engine and the SMTP server only ever see ::dbx_queue_t.
 *
 * Contract every backend keeps:
 *  - commit() returns DBX_OK only once the body AND the envelope are on
 *    stable storage; before that, a crash leaves no trace that a later
 *    list() reports (half-written messages are invisible and cleaned up).
 *  - update() replaces a message's envelope atomically: after a crash either
 *    the old or the new record is seen, never a mix.
 *  - queue ids are unique over the queue's life, at most DBX_QUEUE_ID_MAX-1
 *    characters of [0-9A-Z].
 *
 * Envelope record (text, one item per line, also what `queue show` prints):
 *   "DBXQ 1" / "id ID" / "from SENDER" / "arrival UNIX" / "size N" /
 *   "flags [8bitmime] [smtputf8]" / per recipient
 *   "rcpt STATE ATTEMPTS NEXT_TRY DSN ADDR" and "reason TEXT" / "end".
 */
#ifndef DBX_QUEUE_H
#define DBX_QUEUE_H

#include "dbx_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DBX_QUEUE_MAX_RCPTS
#define DBX_QUEUE_MAX_RCPTS 100 /**< recipients per message */
#endif
#define DBX_QUEUE_ID_MAX 24      /**< id incl. NUL */
#define DBX_QUEUE_ADDR_MAX 256   /**< address incl. NUL */
#define DBX_QUEUE_REASON_MAX 200 /**< last reason incl. NUL */
#define DBX_QUEUE_DSN_MAX 12     /**< "4.7.5" incl. NUL */

/** Per-recipient delivery state. */
typedef enum dbx_rcpt_state {
    DBX_RCPT_PENDING = 0, /**< never tried */
    DBX_RCPT_DEFERRED,    /**< temporary failure, next_try set */
    DBX_RCPT_DELIVERED,   /**< 2xx from the recipient's MX */
    DBX_RCPT_BOUNCED,     /**< failed for good; the DSN is queued (or the
                               sender was null: no DSN) */
    DBX_RCPT_FAILED,      /**< failed for good, DSN not queued yet (a crash
                               here yields the DSN at the next run) */
} dbx_rcpt_state_t;

/** One recipient. */
typedef struct dbx_queue_rcpt {
    char addr[DBX_QUEUE_ADDR_MAX];
    uint8_t state;                    /**< ::dbx_rcpt_state_t */
    uint16_t attempts;                /**< delivery attempts so far */
    int64_t next_try;                 /**< Unix time (DEFERRED), else 0 */
    char dsn[DBX_QUEUE_DSN_MAX];      /**< last enhanced status ("" none) */
    char reason[DBX_QUEUE_REASON_MAX]; /**< last reply / reason ("" none) */
} dbx_queue_rcpt_t;

/** A message's envelope and delivery state (caller-owned; ~65 KiB with
 *  100 recipients: static or heap on the host, small MAX on boards). */
typedef struct dbx_queue_env {
    char id[DBX_QUEUE_ID_MAX];
    char sender[DBX_QUEUE_ADDR_MAX]; /**< "" = null sender (a bounce) */
    int64_t arrival;                 /**< Unix time of the 250 */
    uint64_t size;                   /**< body octets */
    bool body_8bit, smtputf8;
    uint16_t n_rcpts;
    dbx_queue_rcpt_t rcpt[DBX_QUEUE_MAX_RCPTS];
} dbx_queue_env_t;

/** Backend operations.  Every function returns a ::dbx_status_t. */
typedef struct dbx_queue_ops {
    /** Start a new message; *h is the backend's handle for it. */
    int (*create)(void *ctx, void **h);
    /** Append body octets. */
    int (*write)(void *ctx, void *h, const uint8_t *p, size_t n);
    /** Make body + @p env durable; writes the new id into env->id.
     *  The handle is consumed whatever the result. DBX_ERR_LIMIT: full. */
    int (*commit)(void *ctx, void *h, dbx_queue_env_t *env);
    /** Drop an uncommitted message (accepts NULL). */
    void (*discard)(void *ctx, void *h);
    /** Ids of committed messages, oldest first, at most @p cap; *n set.
     *  DBX_ERR_BUFFER when there were more (the first cap are returned). */
    int (*list)(void *ctx, char (*ids)[DBX_QUEUE_ID_MAX], size_t cap, size_t *n);
    /** Read a committed envelope. DBX_ERR_NOTFOUND when gone. */
    int (*load)(void *ctx, const char *id, dbx_queue_env_t *env);
    /** Atomically replace the envelope of env->id. */
    int (*update)(void *ctx, const dbx_queue_env_t *env);
    /** Open / read / close a committed body (read: *got = 0 at the end). */
    int (*body_open)(void *ctx, const char *id, void **h);
    int (*body_read)(void *ctx, void *h, uint8_t *buf, size_t cap, size_t *got);
    void (*body_close)(void *ctx, void *h);
    /** Remove a message (body and envelope) for good. */
    int (*remove)(void *ctx, const char *id);
} dbx_queue_ops_t;

/** A queue: ops + backend state. */
typedef struct dbx_queue {
    const dbx_queue_ops_t *ops;
    void *ctx;
} dbx_queue_t;

/** Serialise @p env into @p buf (NUL-terminated).
 *  @return DBX_OK, DBX_ERR_BUFFER, DBX_ERR_INVAL. */
int dbx_queue_env_format(const dbx_queue_env_t *env, char *buf, size_t cap, size_t *len);

/** Parse a record written by dbx_queue_env_format() (@p len octets).
 *  A record without its final "end" line, with any unknown or bad line, or
 *  with the header lines (id, from, arrival, size, flags) missing,
 *  repeated or out of order, is refused.  @return DBX_OK, DBX_ERR_MALFORMED, DBX_ERR_LIMIT. */
int dbx_queue_env_parse(const char *buf, size_t len, dbx_queue_env_t *env);

/** "pending", "deferred", "delivered", "bounced", "failed" (or "?"). */
const char *dbx_rcpt_state_name(int st);

/** Recipients still to deliver (PENDING or DEFERRED). FAILED ones are
 *  not counted: they need a DSN, not a delivery. */
size_t dbx_queue_env_open_rcpts(const dbx_queue_env_t *env);

#ifdef __cplusplus
}
#endif
#endif /* DBX_QUEUE_H */
