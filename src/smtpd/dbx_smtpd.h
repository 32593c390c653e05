/**
 * @file dbx_smtpd.h
 * @brief Inbound SMTP server (RFC 5321) as a pure state machine: bytes in,
 *        replies out, message data handed to caller hooks.  No OS calls, no
 *        allocation; the context and the recipient buffer are caller-owned,
 *        so the same code runs behind host sockets and behind lwIP.
 *
 * Commands: EHLO/HELO, MAIL (SIZE=, BODY=7BIT|8BITMIME, SMTPUTF8), RCPT,
 * DATA, RSET, NOOP, QUIT, VRFY (252), HELP, STARTTLS (RFC 3207, when
 * cfg.tls_available).  EHLO announces PIPELINING, SIZE <max>, 8BITMIME,
 * SMTPUTF8, ENHANCEDSTATUSCODES (and STARTTLS before TLS is on).
 *
 * STARTTLS: after "220 2.0.0 Ready to start TLS" the machine is in
 * DBX_SMTPD_S_STARTTLS and discards every further plaintext octet the
 * client pipelined (command injection, CVE-2011-0411 class); the caller
 * runs the handshake and calls dbx_smtpd_tls_started(): the session starts
 * over (EHLO required, envelope forgotten) with STARTTLS no longer offered.  Every reply carries an
 * enhanced status code (RFC 3463).
 *
 * Limits (every one of them is hostile-client proof):
 *  - command lines: at most cfg.max_line octets incl. CRLF (default 512, RFC
 *    5321 §4.5.3.1.4); longer lines are discarded up to their LF and answered
 *    500 5.5.2.  A command line must end in CRLF: bare LF -> 500 5.5.2.
 *  - paths: 256 octets (§4.5.3.1.3) incl. the brackets; address literals and
 *    recipients without a domain are refused.
 *  - recipients per message: cfg.max_rcpts (and the caller's buffer).
 *  - message size: cfg.max_size octets of (unstuffed) data, announced in
 *    EHLO as SIZE; a larger SIZE= is refused at MAIL, a larger body at the
 *    end of data (552 5.3.4).
 *  - text lines in DATA: 1000 octets incl. CRLF (§4.5.3.1.6), else 500 5.5.2
 *    at the end of data, the message is discarded.
 *  - errors per session: cfg.max_errors bad commands, then 421 and close.
 *  - timeouts: dbx_smtpd_timeout_ms() names the wait that applies now (the
 *    server timeout of §4.5.3.2.7, 5 min, by default; the caller runs the
 *    clock, moves its deadline with dbx_smtpd_time_left() after each feed
 *    (a command must be complete within the wait; a body must arrive at
 *    DBX_SMTPD_MIN_DATA_RATE at least) and calls dbx_smtpd_timeout() when
 *    it expires: 421 4.4.2, close.
 *
 * STRICT end of data (no "SMTP smuggling"): only CR LF . CR LF ends the
 * data.  A bare CR or bare LF anywhere in the data, or a NUL, marks the
 * message bad: the data is read on (strictly) to the real CRLF.CRLF and the
 * message is refused with 550 5.6.0; nothing of it reaches the queue's commit
 * hook, so no byte sequence another server might read as an end of data is
 * ever forwarded.  Leading dots are unstuffed (§4.5.2).
 *
 * Relay control: the caller tells the machine whether the client address is
 * on the allowlist (cfg.client_allowed); RCPT from others is refused with
 * 554 5.7.1 "Relay access denied".  A session over the concurrency cap is
 * started with cfg.busy: 421 4.3.2 greeting, then closed.
 *
 * Use: dbx_smtpd_init() (queues the greeting) -> loop { send what
 * dbx_smtpd_output() holds, dbx_smtpd_output_consumed(); feed received
 * bytes with dbx_smtpd_feed() } until dbx_smtpd_closed().
 */
#ifndef DBX_SMTPD_H
#define DBX_SMTPD_H

#include "dbx_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_SMTPD_CMD_MAX 1000u   /**< upper bound for cfg.max_line */
#define DBX_SMTPD_TEXT_LINE 1000u /**< DATA text line incl. CRLF */
#define DBX_SMTPD_PATH_MAX 256u   /**< path incl. <> (RFC 5321 §4.5.3.1.3) */
#define DBX_SMTPD_OUT_MAX 1024u   /**< reply buffer */
#define DBX_SMTPD_QID_MAX 24u     /**< queue id incl. NUL */

/** Static settings; dbx_smtpd_config_defaults() fills every field. */
typedef struct dbx_smtpd_config {
    const char *hostname;     /**< our name in the greeting / EHLO */
    uint32_t max_line;        /**< command line limit incl. CRLF (64..1000) */
    uint64_t max_size;        /**< message size limit (SIZE), octets */
    uint16_t max_rcpts;       /**< recipients per message */
    uint16_t max_errors;      /**< bad commands before 421 */
    uint32_t cmd_timeout_ms;  /**< waiting for a command (default 5 min) */
    uint32_t data_timeout_ms; /**< waiting for more data (default 5 min) */
    bool client_allowed;      /**< client on the relay allowlist */
    bool busy;                /**< over the session cap: 421 greeting */
    bool tls_available;       /**< the caller can run a TLS server handshake */
} dbx_smtpd_config_t;

/** Envelope of the message being received (valid inside the hooks). */
typedef struct dbx_smtpd_envelope {
    const char *sender;       /**< "" for the null sender */
    const char *rcpts;        /**< n_rcpts NUL-terminated addresses, back to back */
    uint16_t n_rcpts;
    bool body_8bit;           /**< BODY=8BITMIME */
    bool smtputf8;            /**< SMTPUTF8 */
    uint64_t size_hint;       /**< SIZE= or 0 */
    const char *helo;         /**< client's EHLO/HELO argument */
} dbx_smtpd_envelope_t;

/**
 * Queue hooks.  All run synchronously inside dbx_smtpd_feed().
 *  - begin: at DATA; open storage for one message.  Non-OK -> 451 4.3.0,
 *    DBX_ERR_LIMIT (storage full or read-only) -> 452 4.3.1.
 *  - data: unstuffed message octets, whole lines ending in CRLF.  Non-OK ->
 *    the message fails (451 4.3.0 at the end of data; 452 4.3.1 for
 *    DBX_ERR_LIMIT).
 *  - commit: at a good end of data; make the message durable and write its
 *    queue id (NUL-terminated, < DBX_SMTPD_QID_MAX) to @p qid.  Only DBX_OK
 *    yields "250 2.0.0 Ok: queued as ID"; any error 451 4.3.0.
 *    DBX_ERR_LIMIT (queue full) yields 452 4.3.1.
 *  - abort: the message will not be committed (bad data, reset, close);
 *    drop what begin/data stored.  Called at most once per begin.
 */
typedef struct dbx_smtpd_hooks {
    void *user;
    int (*begin)(void *user, const dbx_smtpd_envelope_t *env);
    int (*data)(void *user, const uint8_t *p, size_t n);
    int (*commit)(void *user, const dbx_smtpd_envelope_t *env, char *qid);
    void (*abort)(void *user);
} dbx_smtpd_hooks_t;

typedef enum dbx_smtpd_state {
    DBX_SMTPD_S_GREET = 0, /**< before EHLO/HELO */
    DBX_SMTPD_S_READY,     /**< after EHLO, no transaction */
    DBX_SMTPD_S_MAIL,      /**< MAIL accepted */
    DBX_SMTPD_S_RCPT,      /**< at least one RCPT accepted */
    DBX_SMTPD_S_DATA,      /**< reading message data */
    DBX_SMTPD_S_STARTTLS,  /**< 220 to STARTTLS queued: caller starts TLS */
    DBX_SMTPD_S_CLOSED,    /**< reply queued, close after sending it */
} dbx_smtpd_state_t;

/** Counters for logs and tests. */
typedef struct dbx_smtpd_stats {
    uint32_t messages;     /**< committed (250 after DATA) */
    uint32_t rejected;     /**< messages refused at end of data */
    uint32_t bad_commands; /**< 5xx for syntax / sequence */
    uint32_t injected;     /**< plaintext octets discarded after STARTTLS */
} dbx_smtpd_stats_t;

/** Caller-owned session context (about 2.5 KiB plus the recipient buffer). */
typedef struct dbx_smtpd {
    dbx_smtpd_config_t cfg;
    dbx_smtpd_hooks_t hooks;
    dbx_smtpd_state_t state;
    dbx_smtpd_stats_t stats;
    /* command line assembly, or the DATA line: never both in use (a command
     * line is done before DATA starts, DATA ends before the next command) */
    union {
        uint8_t line[DBX_SMTPD_CMD_MAX + 1];
        uint8_t dline[DBX_SMTPD_TEXT_LINE + 2];
    };
    size_t line_len;
    bool line_overflow;
    bool line_cr;          /**< last octet was CR */
    /* envelope */
    char helo[DBX_SMTPD_PATH_MAX];
    char sender[DBX_SMTPD_PATH_MAX];
    char *rcpt_buf;
    size_t rcpt_cap, rcpt_len;
    uint16_t n_rcpts;
    bool body_8bit, smtputf8;
    uint64_t size_hint;
    /* DATA */
    size_t dline_len;
    uint8_t dstate;        /**< body scanner state */
    uint64_t dsize;
    int dfail;             /**< why the message is refused (0 = good) */
    bool in_tx;            /**< begin hook called, no commit/abort yet */
    uint16_t errors;
    bool tls_on;           /**< dbx_smtpd_tls_started() was called */
    bool progress;         /**< a reply was queued since dbx_smtpd_time_left() */
    uint64_t data_fed;     /**< DATA octets fed since dbx_smtpd_time_left() */
    /* replies */
    char out[DBX_SMTPD_OUT_MAX];
    size_t out_len;
    char last_qid[DBX_SMTPD_QID_MAX];
} dbx_smtpd_t;

/** Defaults: 512-octet lines, 10 MiB, 100 recipients, 5 min timeouts,
 *  client not allowed, not busy.  Cannot fail. */
void dbx_smtpd_config_defaults(dbx_smtpd_config_t *cfg);

/**
 * Start a session: copy @p cfg and @p hooks, queue the greeting (220, or
 * 421 when cfg->busy).  @p rcpt_buf (caller-owned, @p rcpt_cap octets, at
 * least DBX_SMTPD_PATH_MAX) holds the recipients of one message.
 * @return DBX_OK, DBX_ERR_INVAL (NULL, hooks missing, limits out of range).
 */
int dbx_smtpd_init(dbx_smtpd_t *s, const dbx_smtpd_config_t *cfg, const dbx_smtpd_hooks_t *hooks,
                   char *rcpt_buf, size_t rcpt_cap);

/**
 * Feed received octets.  Consumes input until everything is used, the
 * session closes, or the reply buffer has less room than one reply (then
 * send the output and feed the rest).  *consumed is set to the octets used.
 * @return DBX_OK, or DBX_ERR_INVAL.
 */
int dbx_smtpd_feed(dbx_smtpd_t *s, const uint8_t *in, size_t len, size_t *consumed);

/** Pending reply octets (not NUL-terminated); *len may be 0. */
const char *dbx_smtpd_output(const dbx_smtpd_t *s, size_t *len);
/** Drop the first @p n octets of the pending output (after sending them). */
void dbx_smtpd_output_consumed(dbx_smtpd_t *s, size_t n);

/** The wait that applies in the current state, in ms. */
uint32_t dbx_smtpd_timeout_ms(const dbx_smtpd_t *s);
/**
 * The client's time left after dbx_smtpd_feed() (slowloris-proof timer),
 * given @p left_ms, what was left before the feed.  A reply queued since the
 * last call (a command or the message finished) restarts the wait of the
 * state now in force; octets of an unfinished command line never extend it,
 * so a client dribbling a command one octet at a time is cut off after the
 * command timeout; in DATA, each octet extends the wait by
 * 1000 / DBX_SMTPD_MIN_DATA_RATE ms, never beyond the data timeout (a body
 * trickled slower than that rate times out; Postfix's smtpd_min_data_rate).
 * @return the new time left in ms; the caller sets its deadline from it.
 */
uint32_t dbx_smtpd_time_left(dbx_smtpd_t *s, uint32_t left_ms);
/** The caller's timer expired: 421 4.4.2, abort a message, close. */
void dbx_smtpd_timeout(dbx_smtpd_t *s);
/** The connection is gone (peer closed, I/O error): abort a message. */
void dbx_smtpd_disconnect(dbx_smtpd_t *s);

/** True when the caller must now start TLS (after sending the output). */
bool dbx_smtpd_want_tls(const dbx_smtpd_t *s);
/** The TLS handshake succeeded: start the session over under TLS. */
void dbx_smtpd_tls_started(dbx_smtpd_t *s);

/** True once the session is over; close after sending the output. */
bool dbx_smtpd_closed(const dbx_smtpd_t *s);

/** Parse "<path>" at @p p (leading spaces skipped) into @p out without
 *  brackets and source route; *end points past '>'.
 *  @return DBX_OK, DBX_ERR_MALFORMED, DBX_ERR_LIMIT (too long).
 *  Exported for tests and the fuzz harness. */
int dbx_smtpd_parse_path(const char *p, char *out, size_t cap, const char **end);

#ifdef __cplusplus
}
#endif
#endif /* DBX_SMTPD_H */
