/**
 * @file host_spool.c
 * @brief Host port of the relay queue: fsync'd files + rename (see header).
 */
#include "host_spool.h"

#include "hal_platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ENV_FILE_MAX (96u * 1024u) /* > a formatted 100-recipient record */

struct host_spool {
    char dir[512];
    size_t max_messages;
    size_t count;
};

typedef struct handle {
    int fd;
    char id[DBX_QUEUE_ID_MAX];
} handle_t;

static int path(const host_spool_t *sp, char *out, size_t cap, const char *sub, const char *id,
                const char *suffix)
{
    int n = snprintf(out, cap, "%s/%s%s%s%s", sp->dir, sub, id ? "/" : "", id ? id : "", suffix);
    return (n > 0 && (size_t)n < cap) ? DBX_OK : DBX_ERR_INVAL;
}

static int fsync_dir(const host_spool_t *sp, const char *sub)
{
    char p[600];
    DBX_CHECK(path(sp, p, sizeof(p), sub, NULL, "") == DBX_OK, DBX_ERR_INVAL);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    DBX_CHECK(fd >= 0, DBX_ERR_IO);
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? DBX_OK : DBX_ERR_IO;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        DBX_CHECK(w > 0, DBX_ERR_IO);
        p += w;
        n -= (size_t)w;
    }
    return DBX_OK;
}

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= DBX_QUEUE_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z'))) {
            return false;
        }
    }
    return true;
}

static bool exists(const host_spool_t *sp, const char *sub, const char *id)
{
    char p[600];
    struct stat st;
    return path(sp, p, sizeof(p), sub, id, "") == DBX_OK && stat(p, &st) == 0;
}

/* Id: microseconds since the epoch (13 hex digits) + 3 random hex digits;
 * unique because the tmp file is created O_EXCL and no env/data file has it. */
static int sp_create(void *ctx, void **h)
{
    host_spool_t *sp = ctx;
    DBX_CHECK(sp->max_messages == 0 || sp->count < sp->max_messages, DBX_ERR_LIMIT);
    handle_t *hd = calloc(1, sizeof(*hd));
    DBX_CHECK(hd != NULL, DBX_ERR_NOMEM);
    for (int tries = 0; tries < 16; tries++) {
        struct timespec ts;
        uint8_t rnd[2] = {0, 0};
        clock_gettime(CLOCK_REALTIME, &ts);
        (void)hal_entropy_get(rnd, sizeof(rnd));
        unsigned long long us = (unsigned long long)ts.tv_sec * 1000000ull +
                                (unsigned long long)(ts.tv_nsec / 1000);
        snprintf(hd->id, sizeof(hd->id), "%013llX%03X", us & 0xFFFFFFFFFFFFFull,
                 (unsigned)((rnd[0] << 4 | rnd[1]) & 0xFFF));
        if (exists(sp, "env", hd->id) || exists(sp, "data", hd->id)) {
            continue;
        }
        char p[600];
        if (path(sp, p, sizeof(p), "tmp", hd->id, ".d") != DBX_OK) {
            break;
        }
        hd->fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (hd->fd >= 0) {
            *h = hd;
            return DBX_OK;
        }
        if (errno != EEXIST) {
            break;
        }
    }
    free(hd);
    return DBX_ERR_IO;
}

static int sp_write(void *ctx, void *h, const uint8_t *p, size_t n)
{
    (void)ctx;
    return write_all(((handle_t *)h)->fd, p, n);
}

static void sp_discard(void *ctx, void *h)
{
    handle_t *hd = h;
    if (hd == NULL) {
        return;
    }
    char p[600];
    close(hd->fd);
    if (path(ctx, p, sizeof(p), "tmp", hd->id, ".d") == DBX_OK) {
        unlink(p);
    }
    free(hd);
}

/* Write @p env to tmp/ID<suffix>, fsync, rename to env/ID, fsync env/. */
static int put_env(host_spool_t *sp, const dbx_queue_env_t *env, const char *suffix)
{
    static char buf[ENV_FILE_MAX];
    size_t len = 0;
    int st = dbx_queue_env_format(env, buf, sizeof(buf), &len);
    DBX_CHECK(st == DBX_OK, st);
    char tmp[600], dst[600];
    DBX_CHECK(path(sp, tmp, sizeof(tmp), "tmp", env->id, suffix) == DBX_OK &&
                  path(sp, dst, sizeof(dst), "env", env->id, "") == DBX_OK,
              DBX_ERR_INVAL);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    DBX_CHECK(fd >= 0, DBX_ERR_IO);
    st = write_all(fd, (const uint8_t *)buf, len);
    if (st == DBX_OK && fsync(fd) != 0) {
        st = DBX_ERR_IO;
    }
    close(fd);
    if (st == DBX_OK && rename(tmp, dst) != 0) {
        st = DBX_ERR_IO;
    }
    if (st != DBX_OK) {
        unlink(tmp);
        return st;
    }
    return fsync_dir(sp, "env");
}

static int sp_commit(void *ctx, void *h, dbx_queue_env_t *env)
{
    host_spool_t *sp = ctx;
    handle_t *hd = h;
    char tmp[600], dst[600];
    int st = DBX_OK;
    snprintf(env->id, sizeof(env->id), "%s", hd->id);
    if (fsync(hd->fd) != 0) {
        st = DBX_ERR_IO;
    }
    close(hd->fd);
    hd->fd = -1;
    if (st == DBX_OK && (path(sp, tmp, sizeof(tmp), "tmp", hd->id, ".d") != DBX_OK ||
                         path(sp, dst, sizeof(dst), "data", hd->id, "") != DBX_OK ||
                         rename(tmp, dst) != 0 || fsync_dir(sp, "data") != DBX_OK)) {
        st = DBX_ERR_IO;
    }
    if (st == DBX_OK) {
        st = put_env(sp, env, ".e");
    }
    if (st != DBX_OK) { /* never acknowledged: leave nothing behind */
        path(sp, tmp, sizeof(tmp), "tmp", hd->id, ".d");
        unlink(tmp);
        path(sp, dst, sizeof(dst), "data", hd->id, "");
        unlink(dst);
    } else {
        sp->count++;
    }
    free(hd);
    return st;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int sp_list(void *ctx, char (*ids)[DBX_QUEUE_ID_MAX], size_t cap, size_t *n)
{
    host_spool_t *sp = ctx;
    char p[600];
    DBX_CHECK(path(sp, p, sizeof(p), "env", NULL, "") == DBX_OK, DBX_ERR_INVAL);
    DIR *d = opendir(p);
    DBX_CHECK(d != NULL, DBX_ERR_IO);
    size_t k = 0, total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!id_ok(e->d_name)) {
            continue;
        }
        total++;
        if (k < cap) {
            memcpy(ids[k++], e->d_name, strlen(e->d_name) + 1); /* id_ok: fits */
        }
    }
    closedir(d);
    qsort(ids, k, DBX_QUEUE_ID_MAX, cmp_id);
    *n = k;
    return total > k ? DBX_ERR_BUFFER : DBX_OK;
}

static int sp_load(void *ctx, const char *id, dbx_queue_env_t *env)
{
    static char buf[ENV_FILE_MAX];
    char p[600];
    DBX_CHECK(id_ok(id), DBX_ERR_NOTFOUND);
    DBX_CHECK(path(ctx, p, sizeof(p), "env", id, "") == DBX_OK, DBX_ERR_INVAL);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    DBX_CHECK(fd >= 0, errno == ENOENT ? DBX_ERR_NOTFOUND : DBX_ERR_IO);
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0) {
        len += (size_t)r;
    }
    close(fd);
    DBX_CHECK(r == 0, DBX_ERR_IO);
    int st = dbx_queue_env_parse(buf, len, env);
    DBX_CHECK(st == DBX_OK, st);
    DBX_CHECK(strcmp(env->id, id) == 0, DBX_ERR_MALFORMED);
    return DBX_OK;
}

static int sp_update(void *ctx, const dbx_queue_env_t *env)
{
    DBX_CHECK(id_ok(env->id) && exists(ctx, "env", env->id), DBX_ERR_NOTFOUND);
    return put_env(ctx, env, ".u");
}

static int sp_body_open(void *ctx, const char *id, void **h)
{
    char p[600];
    DBX_CHECK(id_ok(id), DBX_ERR_NOTFOUND);
    DBX_CHECK(path(ctx, p, sizeof(p), "data", id, "") == DBX_OK, DBX_ERR_INVAL);
    handle_t *hd = calloc(1, sizeof(*hd));
    DBX_CHECK(hd != NULL, DBX_ERR_NOMEM);
    hd->fd = open(p, O_RDONLY | O_CLOEXEC);
    if (hd->fd < 0) {
        free(hd);
        return errno == ENOENT ? DBX_ERR_NOTFOUND : DBX_ERR_IO;
    }
    *h = hd;
    return DBX_OK;
}

static int sp_body_read(void *ctx, void *h, uint8_t *buf, size_t cap, size_t *got)
{
    (void)ctx;
    ssize_t r;
    do {
        r = read(((handle_t *)h)->fd, buf, cap);
    } while (r < 0 && errno == EINTR);
    DBX_CHECK(r >= 0, DBX_ERR_IO);
    *got = (size_t)r;
    return DBX_OK;
}

static void sp_body_close(void *ctx, void *h)
{
    (void)ctx;
    if (h != NULL) {
        close(((handle_t *)h)->fd);
        free(h);
    }
}

static int sp_remove(void *ctx, const char *id)
{
    host_spool_t *sp = ctx;
    char p[600];
    DBX_CHECK(id_ok(id), DBX_ERR_NOTFOUND);
    DBX_CHECK(path(sp, p, sizeof(p), "env", id, "") == DBX_OK, DBX_ERR_INVAL);
    DBX_CHECK(unlink(p) == 0, errno == ENOENT ? DBX_ERR_NOTFOUND : DBX_ERR_IO);
    int st = fsync_dir(sp, "env");
    if (sp->count > 0) {
        sp->count--;
    }
    if (path(sp, p, sizeof(p), "data", id, "") == DBX_OK) {
        unlink(p); /* a leftover body is an orphan the next open removes */
    }
    return st;
}

static const dbx_queue_ops_t OPS = {
    sp_create, sp_write, sp_commit, sp_discard, sp_list, sp_load,
    sp_update, sp_body_open, sp_body_read, sp_body_close, sp_remove,
};

/* Remove tmp/ files and bodies without an envelope; count envelopes. */
static int clean(host_spool_t *sp, size_t *removed, bool do_clean)
{
    static const char *const subs[] = {"tmp", "data", "env"};
    char p[600], f[600];
    for (size_t i = 0; i < 3; i++) {
        DBX_CHECK(path(sp, p, sizeof(p), subs[i], NULL, "") == DBX_OK, DBX_ERR_INVAL);
        DIR *d = opendir(p);
        DBX_CHECK(d != NULL, DBX_ERR_IO);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            bool orphan = (i == 0) || (i == 1 && !exists(sp, "env", e->d_name));
            if (i == 2) {
                sp->count += id_ok(e->d_name);
            } else if (do_clean && orphan && path(sp, f, sizeof(f), subs[i], e->d_name, "") == DBX_OK &&
                       unlink(f) == 0) {
                (*removed)++;
            }
        }
        closedir(d);
    }
    return DBX_OK;
}

int host_spool_open(const char *dir, size_t max_messages, dbx_queue_t *q,
                    size_t *removed_orphans)
{
    DBX_CHECK(dir != NULL && q != NULL && strlen(dir) < 400, DBX_ERR_INVAL);
    host_spool_t *sp = calloc(1, sizeof(*sp));
    DBX_CHECK(sp != NULL, DBX_ERR_NOMEM);
    snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
    sp->max_messages = max_messages;
    static const char *const subs[] = {"", "/tmp", "/data", "/env"};
    for (size_t i = 0; i < 4; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s%s", dir, subs[i]);
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(sp);
            return DBX_ERR_IO;
        }
    }
    size_t removed = 0;
    int st = clean(sp, &removed, removed_orphans != NULL);
    if (st != DBX_OK) {
        free(sp);
        return st;
    }
    if (removed_orphans != NULL) {
        *removed_orphans = removed;
    }
    q->ops = &OPS;
    q->ctx = sp;
    return DBX_OK;
}

void host_spool_close(dbx_queue_t *q)
{
    if (q != NULL && q->ctx != NULL) {
        free(q->ctx);
        q->ctx = NULL;
        q->ops = NULL;
    }
}

size_t host_spool_count(const dbx_queue_t *q)
{
    return ((const host_spool_t *)q->ctx)->count;
}
