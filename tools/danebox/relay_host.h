/**
 * @file relay_host.h
 * @brief Host side of `danebox relay` (not part of the portable core): the
 *        SMTP listener (relay_server.c), the queue runner (relay_runner.c,
 *        delivering through src/relay/dbx_relay_session.c) and the log.
 */
#ifndef DBX_RELAY_HOST_H
#define DBX_RELAY_HOST_H

#include "queue/dbx_queue.h"
#include "relay/dbx_relay.h"
#include "relay_config.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

/** Log one line through port/host_log.h: syslog (facility mail) or stderr
 *  ("TIME danebox[PID]: text"), as the daemon chose at start. */
void relay_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- SMTP listener ---- */
typedef struct relay_server relay_server_t;

/** Bind every listen address of @p cfg.  @return NULL (logged) on error. */
relay_server_t *relay_server_new(const relay_config_t *cfg);
/** Use @p q for accepted mail (after privileges are dropped). */
void relay_server_set_queue(relay_server_t *s, dbx_queue_t *q);
/** Replace the configuration (SIGHUP); listen addresses are kept. */
void relay_server_set_config(relay_server_t *s, const relay_config_t *cfg);
/** Stop accepting (drain). */
void relay_server_stop_listening(relay_server_t *s);
/** Poll set for the next wait: fills @p fds (cap entries), returns count;
 *  *timeout_ms lowered to the next session deadline. */
size_t relay_server_pollfds(relay_server_t *s, struct pollfd *fds, size_t cap, int *timeout_ms);
/** Handle poll results for the fds filled by relay_server_pollfds().
 *  @return number of messages committed (a queue run is due). */
unsigned relay_server_handle(relay_server_t *s, const struct pollfd *fds, size_t n);
/** Open inbound sessions. */
size_t relay_server_sessions(const relay_server_t *s);
/** Close everything.  Accepts NULL. */
void relay_server_free(relay_server_t *s);

/* ---- queue runner (a child process) ---- */
/** One pass over the spool: deliver every due message whose id falls into
 *  share @p k of @p n (a hash of the id; n runners deliver disjoint sets of
 *  messages at once).  Runs in the child; returns its exit code.  @p stop
 *  is polled between messages. */
int relay_runner_main(const relay_config_t *cfg, volatile int *stop, unsigned k, unsigned n);

#endif /* DBX_RELAY_HOST_H */
