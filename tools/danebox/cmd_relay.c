/* danebox relay: the DANE-enforcing SMTP relay daemon (host).
 *
 *   danebox relay --config FILE [--check-config] [--log-stderr | --log-syslog]
 *
 * One process: binds the listen addresses (as root if needed), drops to
 * `user`, locks the spool, then runs the SMTP listener in a poll loop.
 * Deliveries run in queue-runner children (this binary re-executed with
 * --run-queue K/N, so they hold none of the listener's sockets) started at
 * start-up, after each accepted message and every queue_run_interval:
 * max_deliveries runners at once, each over a disjoint share of the
 * messages (hash of the queue id); inside a runner, messages and their
 * domains are delivered one after the other.
 * Signals: SIGTERM/SIGINT drain (stop listening, let sessions end, let the
 * runner finish its message; 30 s at most), SIGHUP reloads the config
 * (listen addresses and spool are kept), SIGUSR1 starts a queue run.
 * Log (port/host_log.h): syslog, facility mail, when stderr is not a
 * terminal and /dev/log exists; else stderr; --log-stderr / --log-syslog
 * force one (the runners get the daemon's choice). */
#include "cli.h"
#include "hal_mbedtls.h"
#include "port/host_log.h"
#include "port/host_spool.h"
#include "relay_host.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_S 30
#define MAX_FDS 1100

static volatile int g_term, g_hup, g_usr1;

static void on_signal(int sig)
{
    if (sig == SIGTERM || sig == SIGINT) {
        g_term = 1;
    } else if (sig == SIGHUP) {
        g_hup = 1;
    } else if (sig == SIGUSR1) {
        g_usr1 = 1;
    }
}

void relay_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_logv(fmt, ap);
    va_end(ap);
}

static void signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int usage(void)
{
    fprintf(stderr, "usage: danebox relay --config FILE [--check-config]"
                    " [--log-stderr | --log-syslog]\n");
    return DBX_EXIT_USAGE;
}

/* Spool owned by the run user; then setgid/setuid.  @return 0 or -1. */
static int drop_root(const relay_config_t *cfg)
{
    if (geteuid() != 0 || cfg->user[0] == '\0') {
        return 0;
    }
    struct passwd *pw = getpwnam(cfg->user);
    if (pw == NULL) {
        relay_log("fatal: unknown user '%s'", cfg->user);
        return -1;
    }
    static const char *const subs[] = {"", "/tmp", "/data", "/env", "/quarantine"};
    for (size_t i = 0; i < 5; i++) {
        char p[RELAY_PATH_MAX + 8];
        snprintf(p, sizeof(p), "%s%s", cfg->spool, subs[i]);
        if (chown(p, pw->pw_uid, pw->pw_gid) != 0) {
            relay_log("fatal: chown %s: %s", p, strerror(errno));
            return -1;
        }
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
        setuid(0) == 0) {
        relay_log("fatal: cannot drop privileges to %s", cfg->user);
        return -1;
    }
    relay_log("running as %s (uid %ld)", cfg->user, (long)pw->pw_uid);
    return 0;
}

static int lock_spool(const relay_config_t *cfg)
{
    char p[RELAY_PATH_MAX + 8];
    snprintf(p, sizeof(p), "%s/lock", cfg->spool);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        relay_log("fatal: spool %s is locked by another relay (or unwritable)", cfg->spool);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        relay_log("warning: cannot write the pid to %s", p);
    }
    return fd;
}

static pid_t start_runner(const char *config_path, unsigned k, unsigned n)
{
    char share[32];
    snprintf(share, sizeof(share), "%u/%u", k, n);
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = {"danebox", "relay", "--config", (char *)config_path, "--run-queue",
                        share,
                        host_log_mode() == HOST_LOG_STDERR ? "--log-stderr" : "--log-syslog",
                        NULL};
        /* exec the binary's path, not /proc/self/exe itself: same file, but a
         * tool that follows exec (valgrind --trace-children in make bench)
         * would run itself for /proc/self/exe; a binary replaced on disk
         * ("... (deleted)") keeps the /proc link */
        char self[4096];
        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (len > 0 && (size_t)len < sizeof(self) - 1) {
            self[len] = '\0';
            if (strstr(self, " (deleted)") == NULL) {
                execv(self, args);
            }
        }
        execv("/proc/self/exe", args);
        _exit(127);
    }
    return pid;
}

typedef struct daemon_state {
    relay_config_t *cfg;
    relay_server_t *srv;
    pid_t runner[16];
    unsigned n_runners;   /**< shares of the current round (max_deliveries) */
    bool want_run, draining;
    time_t next_run, drain_until;
} daemon_t;

static void reload(daemon_t *d)
{
    static relay_config_t fresh;
    if (relay_config_load(d->cfg->path, &fresh) != 0) {
        relay_log("reload: %s has errors; keeping the running configuration", d->cfg->path);
        return;
    }
    *d->cfg = fresh;
    relay_server_set_config(d->srv, d->cfg);
    relay_log("reload: configuration %s applied (listen addresses and spool unchanged)",
              d->cfg->path);
}

static unsigned runners(const daemon_t *d)
{
    unsigned n = 0;
    for (unsigned k = 0; k < 16; k++) {
        n += d->runner[k] > 0;
    }
    return n;
}

static void tick(daemon_t *d)
{
    time_t now = time(NULL);
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        for (unsigned k = 0; k < 16; k++) {
            if (d->runner[k] == p) {
                d->runner[k] = 0;
            }
        }
    }
    if (g_hup) {
        g_hup = 0;
        reload(d);
    }
    if (g_usr1) {
        g_usr1 = 0;
        d->want_run = true;
    }
    if (g_term && !d->draining) {
        d->draining = true;
        d->drain_until = now + DRAIN_S;
        relay_server_stop_listening(d->srv);
        relay_log("stopping: draining %zu session(s) and %u queue runner(s)",
                  relay_server_sessions(d->srv), runners(d));
        for (unsigned k = 0; k < 16; k++) {
            if (d->runner[k] > 0) {
                kill(d->runner[k], SIGTERM);
            }
        }
    }
    /* a new round once the previous one is over: every runner of a round
     * scans its share, so rounds never overlap on a message */
    if (!d->draining && runners(d) == 0 && (d->want_run || now >= d->next_run)) {
        d->want_run = false;
        d->next_run = now + (time_t)d->cfg->queue_run_s;
        d->n_runners = d->cfg->max_deliveries;
        for (unsigned k = 0; k < d->n_runners && k < 16; k++) {
            d->runner[k] = start_runner(d->cfg->path, k, d->n_runners);
            if (d->runner[k] < 0) {
                relay_log("warning: cannot start a queue runner: %s", strerror(errno));
                d->runner[k] = 0;
            }
        }
    }
}

static int serve(daemon_t *d)
{
    static struct pollfd fds[MAX_FDS];
    for (;;) {
        tick(d);
        if (d->draining && ((relay_server_sessions(d->srv) == 0 && runners(d) == 0) ||
                            time(NULL) >= d->drain_until)) {
            break;
        }
        int timeout = 1000;
        size_t n = relay_server_pollfds(d->srv, fds, MAX_FDS, &timeout);
        int rc = poll(fds, n, timeout);
        if (rc < 0 && errno != EINTR) {
            relay_log("fatal: poll: %s", strerror(errno));
            return DBX_EXIT_INTERNAL;
        }
        if (rc < 0) {
            continue;
        }
        if (relay_server_handle(d->srv, fds, n) > 0) {
            d->want_run = true;
        }
    }
    for (unsigned k = 0; k < 16; k++) {
        if (d->runner[k] > 0) {
            kill(d->runner[k], SIGKILL); /* drain time over: the queue stays consistent */
            waitpid(d->runner[k], NULL, 0);
        }
    }
    relay_log("stopped");
    return DBX_EXIT_OK;
}

int dbx_cmd_relay(int argc, char **argv)
{
    static relay_config_t cfg;
    const char *path = NULL;
    bool check = false, run_queue = false;
    host_log_mode_t log_mode = HOST_LOG_AUTO;
    unsigned share_k = 0, share_n = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check = true;
        } else if (strcmp(argv[i], "--log-stderr") == 0) {
            log_mode = HOST_LOG_STDERR;
        } else if (strcmp(argv[i], "--log-syslog") == 0) {
            log_mode = HOST_LOG_SYSLOG;
        } else if (strcmp(argv[i], "--run-queue") == 0 && i + 1 < argc) {
            run_queue = true;
            if (sscanf(argv[++i], "%u/%u", &share_k, &share_n) != 2 || share_n == 0 ||
                share_k >= share_n) {
                return usage();
            }
        } else {
            return usage();
        }
    }
    if (path == NULL) {
        return usage();
    }
    if (relay_config_load(path, &cfg) != 0) {
        return DBX_EXIT_USAGE;
    }
    if (check) {
        relay_config_print(&cfg);
        return DBX_EXIT_OK;
    }
    host_log_init(log_mode);
    signals();
    if (run_queue) {
        return relay_runner_main(&cfg, &g_term, share_k, share_n);
    }
    if (cfg.tls_cert[0] != '\0') { /* mbedTLS heap: room for every inbound TLS session */
        hal_mbedtls_heap_set_cap((size_t)cfg.max_sessions * 80u * 1024u + 256u * 1024u);
    }
    daemon_t d;
    memset(&d, 0, sizeof(d));
    d.cfg = &cfg;
    d.want_run = true;
    d.srv = relay_server_new(&cfg);
    dbx_queue_t q = {0};
    size_t orphans = 0;
    if (d.srv == NULL) {
        return DBX_EXIT_INTERNAL;
    }
    if (host_spool_open(cfg.spool, cfg.max_queue, &q, &orphans) != DBX_OK) {
        relay_log("fatal: cannot open the spool %s: %s", cfg.spool, strerror(errno));
        relay_server_free(d.srv);
        return DBX_EXIT_INTERNAL;
    }
    int lock = -1;
    if (drop_root(&cfg) != 0 || (lock = lock_spool(&cfg)) < 0) {
        relay_server_free(d.srv);
        host_spool_close(&q);
        return DBX_EXIT_INTERNAL;
    }
    relay_log("spool %s: %zu message(s) queued, %zu crash leftover(s) removed", cfg.spool,
              host_spool_count(&q), orphans);
    if (host_spool_quarantined(&q) > 0) {
        relay_log("spool %s: %zu garbage file(s) in env/ quarantined to %s/quarantine",
                  cfg.spool, host_spool_quarantined(&q), cfg.spool);
    }
    if (getenv("DANEBOX_CRASHPOINT") != NULL) { /* a runner's crash point kills us too */
        char self[24];
        snprintf(self, sizeof(self), "%ld", (long)getpid());
        setenv("DANEBOX_CRASHPOINT_ALSO", self, 1);
    }
    relay_server_set_queue(d.srv, &q);
    int rc = serve(&d);
    relay_server_free(d.srv);
    host_spool_close(&q);
    close(lock);
    return rc;
}
