/* The host daemon's log: stderr or syslog (facility mail), see host_log.h. */
#include "host_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define HOST_LOG_LINE_MAX 2048
#define HOST_LOG_SOCKET "/dev/log" /* glibc's _PATH_LOG */

static host_log_mode_t g_mode = HOST_LOG_STDERR;

host_log_mode_t host_log_init(host_log_mode_t mode)
{
    if (mode == HOST_LOG_AUTO) {
        /* no syslog socket (a container without a syslog daemon): syslog(3)
         * would drop every line, stderr keeps them */
        struct stat st;
        bool have_log = stat(HOST_LOG_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
        mode = isatty(STDERR_FILENO) || !have_log ? HOST_LOG_STDERR : HOST_LOG_SYSLOG;
    }
    if (mode == HOST_LOG_SYSLOG) {
        openlog("danebox", LOG_PID | LOG_NDELAY, LOG_MAIL);
    }
    g_mode = mode;
    return mode;
}

host_log_mode_t host_log_mode(void)
{
    return g_mode;
}

static int priority(const char *msg)
{
    if (strncmp(msg, "fatal:", 6) == 0) {
        return LOG_ERR;
    }
    if (strncmp(msg, "warning:", 8) == 0) {
        return LOG_WARNING;
    }
    return LOG_INFO;
}

void host_logv(const char *fmt, va_list ap)
{
    char msg[HOST_LOG_LINE_MAX];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (g_mode == HOST_LOG_SYSLOG) {
        syslog(LOG_MAIL | priority(msg), "%s", msg);
        return;
    }
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s danebox[%ld]: %s\n", ts, (long)getpid(), msg);
    fflush(stderr);
}
