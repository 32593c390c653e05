/**
 * @file dbx_session.h
 * @brief An open, policy-permitted SMTP session to a recipient domain's
 *        MX, from the RFC 7672 flow (for the relay's delivery engine).
 *
 * This is `check` (dbx_check.h) stopping at the first MX address whose
 * session the TLS policy level permits, and handing that live session
 * over instead of only a report:
 *
 *   dbx_session_t s;                    // caller-owned (static on boards)
 *   dbx_session_config_t c;
 *   dbx_session_config_defaults(&c);
 *   c.check.now = unix_time;            // required
 *   c.check.level = DBX_LEVEL_DANE;     // or dane-only / encrypt / may / dane-test
 *   if (dbx_session_open(&s, &c, resolver, transport, "example.com") == DBX_OK) {
 *       const dbx_session_facts_t *f = dbx_session_facts(&s);
 *       // f->verdict, f->tls ("dane-verified"...), f->host, f->addr ...
 *       dbx_smtp_reply_t rep;
 *       dbx_session_command(&s, "MAIL FROM:<a@b.example>", 0, &rep);
 *       ...                              // RCPT, DATA, dbx_session_send(), ...
 *       // a 4xx on this MX?  dbx_session_next(&s) QUITs it and opens the
 *       // next permitted one (same preference order, same policy)
 *   } else {
 *       // deferred: dbx_session_report(&s)->reason says why (per host)
 *   }
 *   dbx_session_close(&s);              // always; accepts a never-opened one
 *
 * Order and policy: hosts in MX preference order (ties in answer order,
 * implicit MX, null MX -> no session), per host IPv4 addresses before
 * IPv6, exactly as dbx_check_run().  Each address's verdict comes from
 * the one evaluator (dbx_policy_eval()); a session is handed out only when
 * that verdict is not defer AND the session can carry mail under it:
 *  - TLS up (STARTTLS 220, handshake done, EHLO over TLS answered 250),
 *    and, where the level requires DANE, the chain matched usable TLSA
 *    records (a no-match aborts the session before any mail command);
 *  - cleartext only where the verdict is "opportunistic" (levels dane
 *    without DANE for the host, may, dane-test) and the server did not
 *    offer STARTTLS or refused it.
 *  No level ever falls back to a weaker transport than it names: a failed
 *  handshake is never retried in cleartext on the same connection; the
 *  next address/host is tried instead.  DNSSEC bogus/indeterminate data
 *  defers at every level.
 *
 * Limits and timeouts: every reply is bounded (DBX_SMTP_LINE_MAX octets per
 * line, DBX_SMTP_REPLY_LINES lines, DBX_SMTP_REPLY_MAX octets); each
 * command waits at most its timeout_ms (0: cfg.check.command_ms).  After a
 * transport/protocol error the session is dead (dbx_session_is_open() is
 * false); call dbx_session_next() or dbx_session_close().
 *
 * Memory: the session holds a dbx_check_result_t (the report of every
 * address tried, ~3 KiB per MX host with the default limits) and the
 * work area (SMTP + TLS context); mbedTLS allocates from the counting heap
 * while the session is open.  Not thread-safe; one session per object.
 */
#ifndef DBX_SESSION_H
#define DBX_SESSION_H

#include "check/dbx_check.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options: everything dbx_check_config_t has (now, level, families,
 *  port, helo_name, timeouts, DANE options). */
typedef struct dbx_session_config {
    dbx_check_config_t check;
} dbx_session_config_t;

/** What the open session is (stable while it stays open). */
typedef struct dbx_session_facts {
    dbx_verdict_t verdict;          /**< dane-verified / encrypt-unauthenticated
                                         / opportunistic (never defer) */
    dbx_policy_reason_t why;        /**< the evaluator's reason */
    dbx_tls_level_t level;
    const char *tls;                /**< "dane-verified", "unauthenticated"
                                         or "plaintext" (static) */
    bool tls_on;                    /**< the session is TLS-protected */
    bool dane_verified;             /**< TLS up and a usable TLSA record matched
                                         (or a session verified under the same
                                         TLSA RRset was resumed) */
    bool resumed;                   /**< TLS session resumed (handshake saved) */
    int8_t dane_usage, dane_selector, dane_mtype; /**< matched record, -1 none */
    int8_t dane_depth;              /**< chain depth of the match, -1 none */
    dbx_verdict_t dane_verdict;     /**< what level dane would say (dane-test) */
    char tls_version[12];           /**< "TLSv1.3", "" in cleartext */
    char cipher[64];                /**< IANA-style suite name, "" in cleartext */
    char host[DBX_CHECK_NAME_LEN];  /**< MX host name */
    char tlsa_base[DBX_CHECK_NAME_LEN]; /**< SNI / TLSA base domain ("" no DANE) */
    uint16_t preference;            /**< its MX preference */
    dbx_addr_t addr;                /**< address connected to (port set) */
    uint32_t caps;                  /**< EHLO keywords (DBX_SMTP_CAP_*) of the
                                         EHLO that is in force (over TLS when
                                         TLS is on) */
    uint64_t size_limit;            /**< SIZE from the cleartext EHLO, 0 none */
    char reason[DBX_CHECK_REASON_LEN]; /**< e.g. "DANE 3 1 1 matched at depth 0" */
} dbx_session_facts_t;

/** Caller-owned session.  Fields are private (read through the getters). */
typedef struct dbx_session {
    dbx_session_config_t cfg;
    dbx_resolver_t *r;
    const dbx_transport_t *tr;
    dbx_check_work_t work;
    dbx_check_result_t report;
    dbx_session_facts_t facts;
    bool begun;
} dbx_session_t;

/** Defaults (dbx_check_config_defaults(); now = 0: set it).  Cannot fail. */
void dbx_session_config_defaults(dbx_session_config_t *cfg);

/**
 * Run the RFC 7672 flow for @p domain under cfg->check.level and stop at
 * the first usable session.  @p s is fully (re)initialised; @p cfg is
 * copied; @p r and @p tr must outlive the session.
 * @return DBX_OK: the session is open (dbx_session_facts()); DBX_ERR_NOTFOUND:
 *         no MX address gives a permitted session -- the message must be
 *         deferred (dbx_session_report() says why per host and address);
 *         DBX_ERR_INVAL (bad domain / config / level), DBX_ERR_NOTIME.
 *         Call dbx_session_close() in every case.
 */
int dbx_session_open(dbx_session_t *s, const dbx_session_config_t *cfg, dbx_resolver_t *r,
                     const dbx_transport_t *tr, const char *domain);

/**
 * QUIT the current session (if open) and open the next permitted one, in
 * the same order (next address of the same host, then the next hosts).
 * @return as dbx_session_open(); DBX_ERR_INVAL when never opened.
 */
int dbx_session_next(dbx_session_t *s);

/** @return true while the session can take commands. */
bool dbx_session_is_open(const dbx_session_t *s);

/** Facts of the open session (NULL when none is open). */
const dbx_session_facts_t *dbx_session_facts(const dbx_session_t *s);

/** The report of everything tried so far (the dbx_check_json() input);
 *  host/domain verdicts are provisional while a session is open. */
const dbx_check_result_t *dbx_session_report(const dbx_session_t *s);

/**
 * Send one command line (no CRLF) and read its complete reply; see
 * dbx_smtp_command() for limits and statuses.  @p timeout_ms 0: the
 * configured command timeout.  DBX_ERR_INVAL when no session is open.
 */
int dbx_session_command(dbx_session_t *s, const char *cmd, uint32_t timeout_ms,
                        dbx_smtp_reply_t *rep);

/** Send raw octets (message data; the caller dot-stuffs and ends with
 *  CRLF.CRLF).  See dbx_smtp_send(). */
int dbx_session_send(dbx_session_t *s, const uint8_t *buf, size_t len);

/** Read one reply without sending (after the final dot, pipelining).
 *  See dbx_smtp_read_reply(). */
int dbx_session_read_reply(dbx_session_t *s, uint32_t timeout_ms, dbx_smtp_reply_t *rep);

/** QUIT (if open), close the connection, free TLS state and the DNS
 *  answers, zeroize the work area.  Accepts NULL and a never-opened
 *  session (zero-initialised or after a failed open).  The report stays
 *  readable until the next dbx_session_open(). */
void dbx_session_close(dbx_session_t *s);

#ifdef __cplusplus
}
#endif
#endif /* DBX_SESSION_H */
