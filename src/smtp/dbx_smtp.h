/**
 * @file dbx_smtp.h
 * @brief STARTTLS SMTP client for DANE verification (no mail is ever sent).
 *
 * Dialogue: connect -> 220 banner -> EHLO -> STARTTLS -> 220 -> TLS handshake
 * -> verify hook (e.g. DANE matching) -> EHLO -> QUIT.  HELO is never used as
 * a fallback: an EHLO refusal means "no STARTTLS" and is reported as such.
 * A plaintext session is never reported as success.
 *
 * Keep-open mode (cfg.keep_open, used by the session API dbx_session.h):
 * instead of QUIT the dialogue stops in DBX_SMTP_S_OPEN after the EHLO that
 * ends it (over TLS, or in cleartext after "no STARTTLS" / a refused
 * STARTTLS -- whether cleartext may carry mail is the policy's decision, not
 * this layer's); dbx_smtp_command() / dbx_smtp_send() /
 * dbx_smtp_read_reply() then talk over it and dbx_smtp_quit() ends it.  A
 * rejected chain (verify hook fails) is never left open.
 *
 * Limits (hostile peers; all replies, before and after TLS):
 *  - a reply line may be at most DBX_SMTP_LINE_MAX octets including CRLF.
 *    RFC 5321 §4.5.3.1.5 sets 512 for reply lines; we accept up to the
 *    1000-octet text-line limit of §4.5.3.1.6 because real servers exceed
 *    512 in EHLO/banners, and reject longer lines with DBX_ERR_LIMIT;
 *  - at most DBX_SMTP_REPLY_LINES lines and DBX_SMTP_REPLY_MAX octets per reply;
 *  - every line must be "NNN" [SP|-] text CRLF with NNN in 200..559, one code
 *    per multi-line reply, no NUL, no bare CR or LF: else DBX_ERR_MALFORMED;
 *  - plaintext bytes received after the STARTTLS 220 (response injection)
 *    are DBX_ERR_PROTO.
 * Timeouts default to RFC 5321 §4.5.3.2 (greeting 5 min; 5 min for the other
 * commands since the RFC gives none shorter) and are configurable.
 *
 * Memory: the context (about 2 KiB plus dbx_tls_t) and the transcript buffer
 * are caller-owned; mbedTLS allocates from the counting heap.
 */
#ifndef DBX_SMTP_H
#define DBX_SMTP_H

#include "dbx_common.h"
#include "dbx_limits.h"
#include "dbx_tls.h"
#include "dbx_transport.h"

#ifdef __cplusplus
extern "C" {
#endif


/** Where the dialogue is (or stopped). */
typedef enum dbx_smtp_state {
    DBX_SMTP_S_CONNECT = 0,
    DBX_SMTP_S_BANNER,
    DBX_SMTP_S_EHLO,
    DBX_SMTP_S_STARTTLS,
    DBX_SMTP_S_TLS,
    DBX_SMTP_S_VERIFY,
    DBX_SMTP_S_EHLO_TLS,
    DBX_SMTP_S_QUIT,
    DBX_SMTP_S_DONE,
    DBX_SMTP_S_OPEN, /**< keep-open mode: session usable for commands */
} dbx_smtp_state_t;

/** What the session established.  Only the two TLS_* values mean TLS. */
typedef enum dbx_smtp_outcome {
    DBX_SMTP_FAILED = 0,        /**< error: see status, state and reason */
    DBX_SMTP_BANNER_REJECTED,   /**< 554 (or other non-220) greeting */
    DBX_SMTP_EHLO_REJECTED,     /**< EHLO refused; HELO would mean no STARTTLS */
    DBX_SMTP_NO_STARTTLS,       /**< EHLO fine but STARTTLS not offered */
    DBX_SMTP_STARTTLS_REFUSED,  /**< STARTTLS answered with non-220 (e.g. 454) */
    DBX_SMTP_TLS_FAILED,        /**< handshake failed */
    DBX_SMTP_VERIFY_FAILED,     /**< verify hook rejected the chain */
    DBX_SMTP_TLS_UNVERIFIED,    /**< TLS up, no verify hook given (probe only) */
    DBX_SMTP_TLS_VERIFIED,      /**< TLS up and the verify hook accepted */
    DBX_SMTP_TLS_RESUMED,       /**< TLS up by resuming the offered session
                                     (cfg.tls.resume): no certificate was
                                     presented, the verify hook did not run;
                                     whether that authenticates is the
                                     caller's policy */
} dbx_smtp_outcome_t;

/** EHLO capability bits. */
enum {
    DBX_SMTP_CAP_STARTTLS = 1u << 0,
    DBX_SMTP_CAP_SIZE = 1u << 1,
    DBX_SMTP_CAP_PIPELINING = 1u << 2,
    DBX_SMTP_CAP_8BITMIME = 1u << 3,
    DBX_SMTP_CAP_ENHANCEDSTATUSCODES = 1u << 4,
    DBX_SMTP_CAP_SMTPUTF8 = 1u << 5,
    DBX_SMTP_CAP_CHUNKING = 1u << 6,
    DBX_SMTP_CAP_DSN = 1u << 7,
    DBX_SMTP_CAP_REQUIRETLS = 1u << 8,
};

/** Session parameters.  dbx_smtp_config_defaults() fills the timeouts. */
typedef struct dbx_smtp_config {
    dbx_addr_t peer;          /**< MX address; port 25 when 0 */
    const char *helo_name;    /**< our EHLO name (default "danebox.invalid") */
    dbx_tls_config_t tls;     /**< tls.sni is required (TLSA base domain) */
    dbx_tls_verify_fn verify; /**< may be NULL: outcome then TLS_UNVERIFIED */
    void *verify_user;
    uint32_t connect_ms;      /**< TCP connect */
    uint32_t banner_ms;       /**< 220 greeting (RFC 5321: 5 min) */
    uint32_t command_ms;      /**< EHLO / STARTTLS replies (5 min) */
    uint32_t quit_ms;         /**< QUIT reply (short; not waited beyond) */
    char *transcript;         /**< optional caller buffer for "S: / C:" lines */
    size_t transcript_cap;
    uint8_t keep_open;        /**< 1: stop in DBX_SMTP_S_OPEN instead of QUIT */
    uint8_t verify_advisory;  /**< 1: a verify hook rejection is recorded
                                   (verify_status) but does not abort; the
                                   outcome is then TLS_UNVERIFIED (used for
                                   report-only DANE, level dane-test) */
} dbx_smtp_config_t;

/** Result of one session. */
typedef struct dbx_smtp_result {
    int status;                 /**< DBX_OK unless outcome == FAILED etc. */
    dbx_smtp_outcome_t outcome;
    dbx_smtp_state_t state;     /**< state reached / failed in */
    const char *reason;         /**< static text, never NULL after a run */
    int last_code;              /**< last reply code seen (0 if none) */
    char last_text[DBX_SMTP_TEXT_MAX]; /**< its first line, sanitised */
    uint32_t caps;              /**< plaintext EHLO capabilities */
    uint32_t caps_tls;          /**< EHLO capabilities after TLS */
    uint64_t size_limit;        /**< SIZE value, 0 if absent/unspecified */
    uint32_t round_trips;       /**< server replies waited for (banner included) */
    int verify_status;          /**< verify hook's return (DBX_OK if accepted) */
    size_t transcript_len;
    uint8_t transcript_truncated;
} dbx_smtp_result_t;

/** Caller-owned session context.  Fields are private. */
typedef struct dbx_smtp {
    const dbx_transport_t *tr;
    const dbx_smtp_config_t *cfg;
    void *sock;
    dbx_tls_t tls;
    uint8_t tls_on;
    dbx_smtp_state_t state;
    dbx_smtp_result_t res;
    size_t rx_len;                       /**< bytes held in rx */
    uint8_t rx[DBX_SMTP_LINE_MAX + 1];
    uint8_t line[DBX_SMTP_LINE_MAX + 1];
} dbx_smtp_t;

/** A complete reply as returned by the command API. */
typedef struct dbx_smtp_reply {
    int code;                        /**< 200..559 */
    uint16_t lines;                  /**< lines in the reply */
    uint8_t truncated;               /**< text cut at DBX_SMTP_REPLY_TEXT */
    char text[DBX_SMTP_REPLY_TEXT];  /**< the lines' text after "NNN-"/"NNN ",
                                          joined by '\n', non-printables as
                                          '?', NUL-terminated */
} dbx_smtp_reply_t;

/** One parsed reply line (for the reply parser; exported for tests). */
typedef struct dbx_smtp_line {
    int code;       /**< 200..559 */
    int last;       /**< 1 if "NNN " or "NNN" CRLF, 0 if "NNN-" */
    const char *text; /**< after the separator, not NUL-terminated */
    size_t text_len;
} dbx_smtp_line_t;

/** Parse one line (without CRLF, @p len octets).
 *  @return DBX_OK or DBX_ERR_MALFORMED. */
int dbx_smtp_parse_line(const uint8_t *s, size_t len, dbx_smtp_line_t *out);

/** Fill @p cfg with defaults (RFC 5321 timeouts, port 25).  Cannot fail. */
void dbx_smtp_config_defaults(dbx_smtp_config_t *cfg);

/** Zero @p s.  Cannot fail. */
void dbx_smtp_init(dbx_smtp_t *s);

/**
 * Run the whole dialogue.  @p cfg and @p tr must outlive the call; the TLS
 * chain stays readable through dbx_smtp_chain() until dbx_smtp_free().
 * @return res->status: DBX_OK when the dialogue ran to a clear outcome
 *         (including NO_STARTTLS, BANNER_REJECTED, VERIFY_FAILED, ...), or the
 *         error that stopped it: DBX_ERR_TIMEOUT, DBX_ERR_IO, DBX_ERR_MALFORMED,
 *         DBX_ERR_LIMIT, DBX_ERR_PROTO, DBX_ERR_TLS, DBX_ERR_NOENTROPY,
 *         DBX_ERR_INVAL.  Callers decide from res->outcome, never from status.
 */
int dbx_smtp_run(dbx_smtp_t *s, const dbx_smtp_config_t *cfg, const dbx_transport_t *tr,
                 dbx_smtp_result_t *res);

/** @return 1 when @p s is in DBX_SMTP_S_OPEN (keep-open mode, usable). */
int dbx_smtp_is_open(const dbx_smtp_t *s);

/**
 * Send one command line @p cmd (without CRLF; at most DBX_SMTP_LINE_MAX - 2
 * octets of printable ASCII, no CR/LF/NUL) over the open session (TLS when
 * up) and read its complete reply (multi-line, bounded like every reply)
 * within @p timeout_ms (0: cfg.command_ms) into @p rep (may be NULL).
 * The command is logged to the transcript when one is configured.
 * @return DBX_OK (any reply code: look at rep->code), DBX_ERR_INVAL (not
 *         open, bad command), DBX_ERR_TIMEOUT, DBX_ERR_IO, DBX_ERR_TLS,
 *         DBX_ERR_MALFORMED, DBX_ERR_LIMIT.  After an error other than
 *         DBX_ERR_INVAL the session is closed (state DONE): the caller
 *         must not reuse it.
 */
int dbx_smtp_command(dbx_smtp_t *s, const char *cmd, uint32_t timeout_ms,
                     dbx_smtp_reply_t *rep);

/**
 * Send raw octets over the open session (e.g. message data after DATA's
 * 354; dot-stuffing and the final CRLF.CRLF are the caller's job).  Not
 * logged to the transcript.
 * @return DBX_OK, DBX_ERR_INVAL (not open), DBX_ERR_IO, DBX_ERR_TIMEOUT,
 *         DBX_ERR_TLS (session closed after an error).
 */
int dbx_smtp_send(dbx_smtp_t *s, const uint8_t *buf, size_t len);

/**
 * Read one complete reply without sending anything (e.g. after the data's
 * final dot, or pipelined replies) within @p timeout_ms (0: cfg.command_ms).
 * @return as dbx_smtp_command().
 */
int dbx_smtp_read_reply(dbx_smtp_t *s, uint32_t timeout_ms, dbx_smtp_reply_t *rep);

/** End an open session politely: QUIT, wait at most cfg.quit_ms for 221,
 *  TLS close_notify; state DONE.  No-op when not open.  The socket is
 *  closed by dbx_smtp_free(). */
void dbx_smtp_quit(dbx_smtp_t *s);

/** Peer chain of the TLS session (after the handshake), else NULL. */
const dbx_tls_chain_t *dbx_smtp_chain(const dbx_smtp_t *s);
/** TLS facts (after the handshake), else NULL. */
const dbx_tls_info_t *dbx_smtp_tls_info(const dbx_smtp_t *s);

/** Close the socket if open and free TLS state.  Accepts NULL. */
void dbx_smtp_free(dbx_smtp_t *s);

/** Static names for reports. */
const char *dbx_smtp_state_name(dbx_smtp_state_t st);
const char *dbx_smtp_outcome_name(dbx_smtp_outcome_t o);

#ifdef __cplusplus
}
#endif
#endif /* DBX_SMTP_H */
