/* Host storage of the relay's TLS reporting records: see tlsrpt_store.h. */
#include "tlsrpt_store.h"

#include "dbx_str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tlsrpt_store_day_path(const char *spool, int64_t t, char *out, size_t cap)
{
    dbx_utc_t u;
    dbx_utc_from_unix(t, &u);
    int n = snprintf(out, cap, "%s/tlsrpt/%04d-%02d-%02d.log", spool, u.year, u.mon, u.day);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Remove day files older than TLSRPT_KEEP_DAYS before @p now. */
static void prune(const tlsrpt_store_t *s, int64_t now)
{
    char oldest[32], p[600];
    dbx_utc_t u;
    dbx_utc_from_unix(now - (int64_t)TLSRPT_KEEP_DAYS * 86400, &u);
    snprintf(oldest, sizeof(oldest), "%04d-%02d-%02d.log", u.year, u.mon, u.day);
    DIR *d = opendir(s->dir);
    if (d == NULL) {
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n == 14 && strcmp(e->d_name + 10, ".log") == 0 && strcmp(e->d_name, oldest) < 0 &&
            snprintf(p, sizeof(p), "%s/%s", s->dir, e->d_name) < (int)sizeof(p)) {
            unlink(p);
        }
    }
    closedir(d);
}

static void store_append(void *user, const char *line, size_t len)
{
    tlsrpt_store_t *s = user;
    char path[600];
    long long when = 0;
    dbx_utc_t u;
    /* the record's own time names the day: "T1\tUNIX\t..." */
    if (sscanf(line, "T1\t%lld", &when) != 1) {
        s->dropped++;
        return;
    }
    dbx_utc_from_unix((int64_t)when, &u);
    snprintf(path, sizeof(path), "%s/%04d-%02d-%02d.log", s->dir, u.year, u.mon, u.day);
    (void)mkdir(s->dir, 0700);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size + len > TLSRPT_DAY_MAX) {
        s->dropped++;
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    if (st.st_size == 0) {
        prune(s, (int64_t)when);
    }
    if (write(fd, line, len) != (ssize_t)len || fdatasync(fd) != 0) {
        s->dropped++;
    }
    close(fd);
}

int tlsrpt_store_init(tlsrpt_store_t *s, const char *spool)
{
    memset(s, 0, sizeof(*s));
    int n = snprintf(s->dir, sizeof(s->dir), "%s/tlsrpt", spool);
    s->sink.append = store_append;
    s->sink.user = s;
    return n > 0 && (size_t)n < sizeof(s->dir) ? 0 : -1;
}
