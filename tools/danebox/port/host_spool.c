/**
 * @file host_spool.c
 * @brief Host port of the relay queue: fsync'd files + rename (see header).
 */
#include "host_spool.h"

#include "core/dbx_crc32.h"
#include "dbx_crashpoint.h"
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

#define SUM_LINE_MAX 32 /* "sum XXXXXXXX XXXXXXXX\n" */

struct host_spool {
    char dir[512];
    size_t max_messages;
    size_t count;
    size_t quarantined; /**< garbage files moved away by open */
};

typedef struct handle {
    int fd;
    uint32_t crc;  /**< CRC-32 of the body written so far */
    char id[DBX_QUEUE_ID_MAX];
} handle_t;

/* A full or read-only file system is "insufficient storage" (452 4.3.1
 * upstream), anything else an I/O error (451). */
static int io_err(int e)
{
    return (e == ENOSPC || e == EDQUOT || e == EROFS) ? DBX_ERR_LIMIT : DBX_ERR_IO;
}

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
        DBX_CHECK(w > 0, w < 0 ? io_err(errno) : DBX_ERR_IO);
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
    int e = errno;
    free(hd);
    return io_err(e);
}

static int sp_write(void *ctx, void *h, const uint8_t *p, size_t n)
{
    (void)ctx;
    handle_t *hd = h;
    hd->crc = dbx_crc32(hd->crc, p, n);
    return write_all(hd->fd, p, n);
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

/* The trailer of an env file: "sum BODY RECORD", BODY the body's CRC-32,
 * RECORD the CRC-32 of every octet before RECORD (record + "sum BODY "). */
static size_t put_sum(char *buf, size_t len, uint32_t body_crc)
{
    len += (size_t)snprintf(buf + len, 14, "sum %08X ", (unsigned)body_crc);
    uint32_t rec = dbx_crc32(0, buf, len);
    len += (size_t)snprintf(buf + len, 10, "%08X\n", (unsigned)rec);
    return len;
}

/* Check and strip the trailer of an env file of @p *len octets. */
static int check_sum(const char *buf, size_t *len, uint32_t *body_crc)
{
    static const size_t n = 22; /* "sum XXXXXXXX XXXXXXXX\n" */
    DBX_CHECK(*len >= n && buf[*len - 1] == '\n', DBX_ERR_MALFORMED);
    const char *t = buf + *len - n;
    DBX_CHECK(memcmp(t, "sum ", 4) == 0 && t[12] == ' ', DBX_ERR_MALFORMED);
    char hex[9];
    uint32_t v[2];
    for (int k = 0; k < 2; k++) {
        memcpy(hex, t + 4 + 9 * k, 8);
        hex[8] = '\0';
        DBX_CHECK(strspn(hex, "0123456789ABCDEF") == 8, DBX_ERR_MALFORMED);
        v[k] = (uint32_t)strtoul(hex, NULL, 16);
    }
    DBX_CHECK(dbx_crc32(0, buf, *len - 9) == v[1], DBX_ERR_MALFORMED);
    *body_crc = v[0];
    *len -= n;
    return DBX_OK;
}

/* Crash point name "spool-<what>-<step>" (what: env at commit, update). */
static void crash(const char *suffix, const char *step)
{
    char name[48];
    snprintf(name, sizeof(name), "spool-%s-%s", strcmp(suffix, ".e") == 0 ? "env" : "update",
             step);
    DBX_CRASHPOINT(name);
    (void)name;
}

int host_spool_env_encode(const dbx_queue_env_t *env, uint32_t body_crc, char *buf, size_t cap,
                          size_t *len)
{
    DBX_CHECK(cap > SUM_LINE_MAX, DBX_ERR_BUFFER);
    int st = dbx_queue_env_format(env, buf, cap - SUM_LINE_MAX, len);
    DBX_CHECK(st == DBX_OK, st);
    *len = put_sum(buf, *len, body_crc);
    return DBX_OK;
}

int host_spool_env_decode(const char *buf, size_t len, dbx_queue_env_t *env, uint32_t *body_crc)
{
    int st = check_sum(buf, &len, body_crc);
    DBX_CHECK(st == DBX_OK, st);
    st = dbx_queue_env_parse(buf, len, env);
    DBX_CHECK(st == DBX_OK, st == DBX_ERR_LIMIT ? DBX_ERR_MALFORMED : st);
    return DBX_OK;
}

/* Write @p env (+ trailer) to tmp/ID<suffix>, fsync, rename to env/ID,
 * fsync env/. */
static int put_env(host_spool_t *sp, const dbx_queue_env_t *env, const char *suffix,
                   uint32_t body_crc)
{
    static char buf[ENV_FILE_MAX + SUM_LINE_MAX];
    size_t len = 0;
    int st = host_spool_env_encode(env, body_crc, buf, sizeof(buf), &len);
    DBX_CHECK(st == DBX_OK, st);
    char tmp[600], dst[600];
    DBX_CHECK(path(sp, tmp, sizeof(tmp), "tmp", env->id, suffix) == DBX_OK &&
                  path(sp, dst, sizeof(dst), "env", env->id, "") == DBX_OK,
              DBX_ERR_INVAL);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    DBX_CHECK(fd >= 0, io_err(errno));
    st = write_all(fd, (const uint8_t *)buf, len);
    crash(suffix, "written");
    if (st == DBX_OK && fsync(fd) != 0) {
        st = io_err(errno);
    }
    close(fd);
    crash(suffix, "fsynced");
    if (st == DBX_OK && rename(tmp, dst) != 0) {
        st = io_err(errno);
    }
    if (st != DBX_OK) {
        unlink(tmp);
        return st;
    }
    crash(suffix, "renamed");
    return fsync_dir(sp, "env");
}

static int sp_commit(void *ctx, void *h, dbx_queue_env_t *env)
{
    host_spool_t *sp = ctx;
    handle_t *hd = h;
    char tmp[600], dst[600];
    int st = DBX_OK;
    snprintf(env->id, sizeof(env->id), "%s", hd->id);
    DBX_CRASHPOINT("spool-body-written");
    if (fsync(hd->fd) != 0) {
        st = io_err(errno);
    }
    close(hd->fd);
    hd->fd = -1;
    DBX_CRASHPOINT("spool-body-fsynced");
    if (st == DBX_OK && (path(sp, tmp, sizeof(tmp), "tmp", hd->id, ".d") != DBX_OK ||
                         path(sp, dst, sizeof(dst), "data", hd->id, "") != DBX_OK ||
                         rename(tmp, dst) != 0)) {
        st = io_err(errno);
    }
    if (st == DBX_OK) {
        DBX_CRASHPOINT("spool-body-renamed");
        st = fsync_dir(sp, "data");
    }
    if (st == DBX_OK) {
        st = put_env(sp, env, ".e", hd->crc);
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

/* Read env/ID, check its trailer, parse it; *body_crc from the trailer.
 * DBX_ERR_MALFORMED: the file is damaged (see host_spool_verify). */
static int read_env(host_spool_t *sp, const char *id, dbx_queue_env_t *env, uint32_t *body_crc)
{
    static char buf[ENV_FILE_MAX + SUM_LINE_MAX];
    char p[600];
    DBX_CHECK(id_ok(id), DBX_ERR_NOTFOUND);
    DBX_CHECK(path(sp, p, sizeof(p), "env", id, "") == DBX_OK, DBX_ERR_INVAL);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    DBX_CHECK(fd >= 0, errno == ENOENT ? DBX_ERR_NOTFOUND : DBX_ERR_IO);
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0) {
        len += (size_t)r;
    }
    close(fd);
    DBX_CHECK(r == 0, DBX_ERR_IO);
    DBX_CHECK(len < sizeof(buf), DBX_ERR_MALFORMED); /* longer than any record */
    int st = host_spool_env_decode(buf, len, env, body_crc);
    DBX_CHECK(st == DBX_OK, st);
    DBX_CHECK(strcmp(env->id, id) == 0, DBX_ERR_MALFORMED);
    return DBX_OK;
}

static int sp_load(void *ctx, const char *id, dbx_queue_env_t *env)
{
    uint32_t body_crc;
    return read_env(ctx, id, env, &body_crc);
}

static int sp_update(void *ctx, const dbx_queue_env_t *env)
{
    static dbx_queue_env_t old;
    uint32_t body_crc = 0;
    DBX_CHECK(id_ok(env->id), DBX_ERR_NOTFOUND);
    int st = read_env(ctx, env->id, &old, &body_crc); /* keeps the body's CRC */
    DBX_CHECK(st == DBX_OK, st);
    return put_env(ctx, env, ".u", body_crc);
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
    DBX_CRASHPOINT("spool-remove-env"); /* the body is an orphan now */
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

/* Move data/NAME then env/NAME into quarantine/ (NAME.data, NAME.env).
 * Body first: a crash in between leaves an envelope without body, which
 * the next check quarantines too; the body is never taken for an orphan. */
static int quarantine(host_spool_t *sp, const char *name)
{
    char q[600], from[600], to[600];
    DBX_CHECK(strchr(name, '/') == NULL && name[0] != '.', DBX_ERR_INVAL);
    DBX_CHECK(path(sp, q, sizeof(q), "quarantine", NULL, "") == DBX_OK, DBX_ERR_INVAL);
    DBX_CHECK(mkdir(q, 0700) == 0 || errno == EEXIST, io_err(errno));
    static const char *const subs[] = {"data", "env"};
    int st = DBX_OK;
    for (size_t i = 0; i < 2 && st == DBX_OK; i++) {
        char suffix[8];
        snprintf(suffix, sizeof(suffix), ".%s", subs[i]);
        DBX_CHECK(path(sp, from, sizeof(from), subs[i], name, "") == DBX_OK &&
                      path(sp, to, sizeof(to), "quarantine", name, suffix) == DBX_OK,
                  DBX_ERR_INVAL);
        if (rename(from, to) != 0 && errno != ENOENT) {
            st = io_err(errno);
        }
        if (i == 0) {
            DBX_CRASHPOINT("spool-quarantine");
        }
    }
    if (st == DBX_OK) {
        st = fsync_dir(sp, "quarantine");
    }
    if (st == DBX_OK) {
        st = fsync_dir(sp, "env");
    }
    return st;
}

int host_spool_verify(const dbx_queue_t *q, const char *id, const char **why)
{
    static dbx_queue_env_t env;
    static uint8_t buf[16384];
    host_spool_t *sp = q->ctx;
    uint32_t body_crc = 0;
    *why = "envelope damaged (checksum, truncation or syntax)";
    int st = read_env(sp, id, &env, &body_crc);
    DBX_CHECK(st == DBX_OK, st);
    char p[600];
    DBX_CHECK(path(sp, p, sizeof(p), "data", id, "") == DBX_OK, DBX_ERR_INVAL);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    *why = "body missing";
    DBX_CHECK(fd >= 0, errno == ENOENT ? DBX_ERR_MALFORMED : DBX_ERR_IO);
    uint32_t crc = 0;
    uint64_t size = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        crc = dbx_crc32(crc, buf, (size_t)r);
        size += (uint64_t)r;
    }
    close(fd);
    DBX_CHECK(r == 0, DBX_ERR_IO);
    *why = "body size differs from the envelope";
    DBX_CHECK(size == env.size, DBX_ERR_MALFORMED);
    *why = "body checksum mismatch";
    DBX_CHECK(crc == body_crc, DBX_ERR_MALFORMED);
    *why = "";
    return DBX_OK;
}

int host_spool_quarantine(dbx_queue_t *q, const char *id)
{
    host_spool_t *sp = q->ctx;
    int st = quarantine(sp, id);
    if (st == DBX_OK && sp->count > 0) {
        sp->count--;
    }
    return st;
}

size_t host_spool_quarantined(const dbx_queue_t *q)
{
    return ((const host_spool_t *)q->ctx)->quarantined;
}

/* Remove tmp/ files and bodies without an envelope; count envelopes;
 * quarantine files in env/ that are no queue id (garbage). */
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
            if (i == 2 && id_ok(e->d_name)) {
                sp->count++;
            } else if (i == 2 && do_clean && quarantine(sp, e->d_name) == DBX_OK) {
                sp->quarantined++;
            } else if (i < 2 && do_clean && orphan &&
                       path(sp, f, sizeof(f), subs[i], e->d_name, "") == DBX_OK && unlink(f) == 0) {
                (*removed)++;
                DBX_CRASHPOINT("spool-clean");
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
    static const char *const subs[] = {"", "/tmp", "/data", "/env", "/quarantine"};
    for (size_t i = 0; i < 5; i++) {
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
