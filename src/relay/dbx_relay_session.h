/**
 * @file dbx_relay_session.h
 * @brief The real outbound connector of the delivery engine: the RFC 7672
 *        session API (check/dbx_session.h) behind ::dbx_relay_connector_t.
 *        The mail goes over the very session the flow authenticated (or the
 *        level permitted).  Portable: resolver and transport are the
 *        caller's (host sockets, lwIP).
 *
 * Open failures: a null MX (RFC 7505) is permanent (5.1.10); every other
 * "no permitted session" is temporary: 4.7.5 when TLS/DANE refused it
 * (tlsa mismatch, STARTTLS missing where required, handshake), else 4.4.1.
 * With level dane-test the DANE outcome is part of the TLS summary,
 * prefixed "dane-test:" so logs show the weaker policy loudly.
 *
 * TLS reporting (RFC 8460): with `tlsrpt` set, every open (permitted or
 * not) hands its session report to dbx_tlsrpt_note(), stamped with the
 * wall clock (hal_clock_unix()), so the relay records per policy domain
 * the successful and failed sessions.
 */
#ifndef DBX_RELAY_SESSION_H
#define DBX_RELAY_SESSION_H

#include "check/dbx_session.h"
#include "relay/dbx_relay.h"
#include "tlsrpt/dbx_tlsrpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Connector state (caller-owned; holds one dbx_session_t, several KiB). */
typedef struct dbx_relay_sessconn {
    dbx_session_t sess;
    dbx_session_config_t base; /**< copied per open; level set from the policy */
    dbx_resolver_t *r;
    const dbx_transport_t *tr;
    bool busy;
    dbx_tlsrpt_sink_t *tlsrpt; /**< NULL: no TLS reporting records */
} dbx_relay_sessconn_t;

/**
 * Bind @p c to @p base (now, port, helo, timeouts; set base->check.now
 * before each delivery run through c->base.check.now), @p r and @p tr, and
 * fill @p out.  Cannot fail on valid pointers.
 * @return DBX_OK or DBX_ERR_INVAL.
 */
int dbx_relay_sessconn_init(dbx_relay_sessconn_t *c, const dbx_session_config_t *base,
                            dbx_resolver_t *r, const dbx_transport_t *tr,
                            dbx_relay_connector_t *out);

/** The TLS summary used in log lines, from session facts, e.g.
 *  "dane-verified (DANE 3 1 1 @0, TLSv1.3, TLS_AES_256_GCM_SHA384)". */
void dbx_relay_tls_summary(const dbx_session_facts_t *f, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* DBX_RELAY_SESSION_H */
