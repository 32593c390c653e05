/**
 * @file host_log.h
 * @brief The host daemon's log (one module for `danebox relay` and its queue
 *        runners): one line per event, either on stderr as
 *        "TIME danebox[PID]: text" or through syslog(3) with facility mail
 *        and ident "danebox" (like Postfix), the same text.
 */
#ifndef DBX_HOST_LOG_H
#define DBX_HOST_LOG_H

#include <stdarg.h>

/** Where the lines go. */
typedef enum host_log_mode {
    HOST_LOG_AUTO = 0, /**< stderr when it is a terminal or there is no
                            /dev/log socket, else syslog */
    HOST_LOG_STDERR,   /**< always stderr (`--log-stderr`) */
    HOST_LOG_SYSLOG    /**< always syslog, facility mail */
} host_log_mode_t;

/** Choose the destination once per process (before the first line; a
 *  process that never calls it logs on stderr).  HOST_LOG_AUTO is resolved
 *  here with isatty(2).  Syslog is opened at once (LOG_NDELAY), so it works
 *  after privileges are dropped.  @return the resolved mode. */
host_log_mode_t host_log_init(host_log_mode_t mode);

/** The resolved mode (HOST_LOG_STDERR before host_log_init()). */
host_log_mode_t host_log_mode(void);

/** Log one line from a printf format.  On syslog a text starting with
 *  "fatal:" goes out at LOG_ERR, "warning:" at LOG_WARNING, the rest at
 *  LOG_INFO; the text itself is the same in both modes. */
void host_logv(const char *fmt, va_list ap);

#endif /* DBX_HOST_LOG_H */
