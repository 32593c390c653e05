/* Flash queue: the ::dbx_queue_ops_t of the log-structured journal
 * (format and rules: dbx_fqueue.h; log layer: dbx_fqueue_log.c). */
#include "dbx_fqueue_int.h"

#include <stdio.h>
#include <string.h>

_Static_assert(DBX_FQ_CHUNK <= DBX_FQ_ENV_MAX, "chunk must fit the scratch buffer");
_Static_assert(DBX_FQ_ENV_MAX <= 0xFFFFu, "record length is 16 bits");

/* ---- RAM index (sorted by message number = arrival order) ---------------- */

fq_ent_t *fq_ent_find(dbx_fqueue_t *fq, uint32_t msgno)
{
    for (uint32_t i = 0; i < fq->n_ent; i++) {
        if (fq->ent[i].msgno == msgno) {
            return &fq->ent[i];
        }
    }
    return NULL;
}

int fq_ent_put(dbx_fqueue_t *fq, uint32_t msgno, uint32_t at, uint32_t body_len,
               uint32_t nchunks)
{
    fq_ent_t *e = fq_ent_find(fq, msgno);
    if (e == NULL) {
        DBX_CHECK(fq->n_ent < DBX_FQ_MAX_MSGS, DBX_ERR_LIMIT);
        uint32_t i = fq->n_ent++;
        while (i > 0 && fq->ent[i - 1].msgno > msgno) {
            fq->ent[i] = fq->ent[i - 1];
            i--;
        }
        e = &fq->ent[i];
    }
    *e = (fq_ent_t){.msgno = msgno, .env_at = at, .body_len = body_len, .nchunks = nchunks};
    return DBX_OK;
}

void fq_ent_drop(dbx_fqueue_t *fq, uint32_t msgno)
{
    fq_ent_t *e = fq_ent_find(fq, msgno);
    if (e != NULL) {
        size_t i = (size_t)(e - fq->ent);
        memmove(e, e + 1, (fq->n_ent - i - 1u) * sizeof(*e));
        fq->n_ent--;
    }
}

/* Queue ids: the message number as 8 upper-case hex digits. */
static bool id_parse(const char *id, uint32_t *msgno)
{
    uint32_t v = 0;
    size_t n = strlen(id);
    if (n != 8u) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        uint32_t d = (c >= '0' && c <= '9') ? (uint32_t)(c - '0')
                     : (c >= 'A' && c <= 'F') ? (uint32_t)(c - 'A' + 10) : 16u;
        if (d > 15u) {
            return false;
        }
        v = v << 4 | d;
    }
    *msgno = v;
    return true;
}

static void id_format(uint32_t msgno, char out[DBX_QUEUE_ID_MAX])
{
    snprintf(out, DBX_QUEUE_ID_MAX, "%08lX", (unsigned long)msgno);
}

/* ---- receiving ------------------------------------------------------------- */

static int fq_create(void *ctx, void **h)
{
    dbx_fqueue_t *fq = ctx;
    uint32_t open = 0;
    fq_handle_t *slot = NULL;
    for (uint32_t i = 0; i < DBX_FQ_MAX_OPEN; i++) {
        open += fq->h[i].used;
        if (!fq->h[i].used && slot == NULL) {
            slot = &fq->h[i];
        }
    }
    DBX_CHECK(slot != NULL && fq->n_ent + open < DBX_FQ_MAX_MSGS, DBX_ERR_LIMIT);
    memset(slot, 0, offsetof(fq_handle_t, buf));
    slot->used = true;
    slot->msgno = fq->next_msgno++;
    *h = slot;
    return DBX_OK;
}

static int flush_chunk(dbx_fqueue_t *fq, fq_handle_t *hd)
{
    fq_rec_t r = {.type = FQ_T_DATA, .len = (uint16_t)hd->fill, .msgno = hd->msgno,
                  .idx = hd->nchunks};
    uint32_t at;
    int rc = fq_append(fq, FQ_C_MAIL, &r, hd->buf, &at);
    DBX_STICK(hd->err, rc);
    if (rc == DBX_OK) {
        hd->nchunks++;
        hd->fill = 0;
    }
    return rc;
}

/* Queue full (DBX_ERR_LIMIT) is kept for commit(), which reports it (SMTP
 * 452 rather than a 451 for a failed write); the rest of the body is
 * dropped.  Other errors fail the write at once. */
static int fq_write(void *ctx, void *h, const uint8_t *p, size_t n)
{
    fq_handle_t *hd = h;
    if (hd->err == DBX_ERR_LIMIT) {
        return DBX_OK;
    }
    DBX_CHECK(hd->err == DBX_OK, hd->err);
    while (n > 0) {
        size_t k = DBX_FQ_CHUNK - hd->fill;
        k = k < n ? k : n;
        memcpy(hd->buf + hd->fill, p, k);
        hd->fill += (uint32_t)k;
        hd->len += (uint32_t)k;
        p += k;
        n -= k;
        if (hd->fill == DBX_FQ_CHUNK) {
            int rc = flush_chunk(ctx, hd);
            DBX_CHECK(rc == DBX_OK || rc == DBX_ERR_LIMIT, rc);
            if (rc != DBX_OK) {
                return DBX_OK; /* full: commit() says so */
            }
        }
    }
    return DBX_OK;
}

static void fq_discard(void *ctx, void *h)
{
    (void)ctx;
    if (h != NULL) {
        ((fq_handle_t *)h)->used = false; /* its DATA records are garbage now */
    }
}

/* Append an envelope record (COMMIT or STATE) and sync it. */
static int put_env(dbx_fqueue_t *fq, int cls, uint8_t type, uint32_t msgno, uint32_t nchunks,
                   uint32_t body_len, const dbx_queue_env_t *env, uint32_t *at)
{
    size_t len = 0;
    int rc = dbx_queue_env_format(env, (char *)fq->scratch, sizeof(fq->scratch), &len);
    DBX_CHECK(rc != DBX_ERR_BUFFER, DBX_ERR_LIMIT);
    DBX_CHECK(rc == DBX_OK, rc);
    rc = fq_make_room(fq, cls, (uint32_t)len); /* may compact: scratch reused */
    DBX_CHECK(rc == DBX_OK, rc);
    rc = dbx_queue_env_format(env, (char *)fq->scratch, sizeof(fq->scratch), &len);
    DBX_CHECK(rc == DBX_OK, rc);
    fq_rec_t r = {.type = type, .len = (uint16_t)len, .msgno = msgno, .idx = nchunks,
                  .aux = body_len};
    rc = fq_append(fq, cls, &r, fq->scratch, at);
    DBX_CHECK(rc == DBX_OK, rc);
    return fq->st->ops->sync(fq->st);
}

static int fq_commit(void *ctx, void *h, dbx_queue_env_t *env)
{
    dbx_fqueue_t *fq = ctx;
    fq_handle_t *hd = h;
    int rc = hd->err;
    if (rc == DBX_OK && hd->fill > 0) {
        rc = flush_chunk(fq, hd);
    }
    id_format(hd->msgno, env->id);
    uint32_t at = 0;
    if (rc == DBX_OK) {
        rc = put_env(fq, FQ_C_MAIL, FQ_T_COMMIT, hd->msgno, hd->nchunks, hd->len, env, &at);
    }
    if (rc == DBX_OK) { /* durable: index it (room: checked at create) */
        rc = fq_ent_put(fq, hd->msgno, at, hd->len, hd->nchunks);
    }
    hd->used = false;
    return rc;
}

/* ---- the queue as the delivery engine sees it ------------------------------ */

static int fq_list(void *ctx, char (*ids)[DBX_QUEUE_ID_MAX], size_t cap, size_t *n)
{
    dbx_fqueue_t *fq = ctx;
    size_t k = 0;
    for (; k < fq->n_ent && k < cap; k++) {
        id_format(fq->ent[k].msgno, ids[k]);
    }
    *n = k;
    return k < fq->n_ent ? DBX_ERR_BUFFER : DBX_OK;
}

static fq_ent_t *lookup(dbx_fqueue_t *fq, const char *id)
{
    uint32_t msgno;
    return id_parse(id, &msgno) ? fq_ent_find(fq, msgno) : NULL;
}

static int fq_load(void *ctx, const char *id, dbx_queue_env_t *env)
{
    dbx_fqueue_t *fq = ctx;
    fq_ent_t *e = lookup(fq, id);
    DBX_CHECK(e != NULL, DBX_ERR_NOTFOUND);
    fq_rec_t r;
    int rc = fq_read_rec(fq, e->env_at, &r, fq->scratch, sizeof(fq->scratch));
    DBX_CHECK(rc == DBX_OK, rc == DBX_ERR_MALFORMED ? DBX_ERR_IO : rc);
    DBX_CHECK(r.msgno == e->msgno && r.type != FQ_T_DATA, DBX_ERR_IO);
    return dbx_queue_env_parse((const char *)fq->scratch, r.len, env);
}

static int fq_update(void *ctx, const dbx_queue_env_t *env)
{
    dbx_fqueue_t *fq = ctx;
    fq_ent_t *e = lookup(fq, env->id);
    DBX_CHECK(e != NULL, DBX_ERR_NOTFOUND);
    uint32_t msgno = e->msgno, at = 0;
    int rc = put_env(fq, FQ_C_UPDATE, FQ_T_STATE, msgno, e->nchunks, e->body_len, env, &at);
    DBX_CHECK(rc == DBX_OK, rc);
    e = fq_ent_find(fq, msgno); /* compaction never drops index entries */
    e->env_at = at;
    return DBX_OK;
}

static int fq_remove(void *ctx, const char *id)
{
    dbx_fqueue_t *fq = ctx;
    fq_ent_t *e = lookup(fq, id);
    DBX_CHECK(e != NULL, DBX_ERR_NOTFOUND);
    uint32_t msgno = e->msgno, at;
    fq_rec_t r = {.type = FQ_T_DELETE, .msgno = msgno};
    int rc = fq_append(fq, FQ_C_UPDATE, &r, NULL, &at);
    if (rc == DBX_OK) {
        rc = fq->st->ops->sync(fq->st);
    }
    DBX_CHECK(rc == DBX_OK, rc);
    fq_ent_drop(fq, msgno);
    return DBX_OK;
}

static int fq_body_open(void *ctx, const char *id, void **h)
{
    dbx_fqueue_t *fq = ctx;
    fq_ent_t *e = lookup(fq, id);
    DBX_CHECK(e != NULL, DBX_ERR_NOTFOUND);
    for (uint32_t i = 0; i < DBX_FQ_MAX_READERS; i++) {
        fq_reader_t *rd = &fq->r[i];
        if (!rd->used) {
            memset(rd, 0, offsetof(fq_reader_t, buf));
            rd->used = true;
            rd->msgno = e->msgno;
            rd->nchunks = e->nchunks;
            rd->body_len = e->body_len;
            rd->hint = UINT32_MAX; /* start at the oldest block */
            *h = rd;
            return DBX_OK;
        }
    }
    return DBX_ERR_LIMIT;
}

static int fq_body_read(void *ctx, void *h, uint8_t *buf, size_t cap, size_t *got)
{
    dbx_fqueue_t *fq = ctx;
    fq_reader_t *rd = h;
    *got = 0;
    if (rd->off == rd->fill) {
        if (rd->next == rd->nchunks) {
            return DBX_OK; /* end of body */
        }
        uint16_t len = 0;
        int rc = fq_find_data(fq, rd->msgno, rd->next, &rd->hint, rd->buf, sizeof(rd->buf), &len);
        DBX_CHECK(rc == DBX_OK, DBX_ERR_IO); /* a committed chunk must exist */
        uint32_t want = rd->body_len - rd->next * DBX_FQ_CHUNK;
        DBX_CHECK(len == (want < DBX_FQ_CHUNK ? want : DBX_FQ_CHUNK), DBX_ERR_IO);
        rd->next++;
        rd->off = 0;
        rd->fill = len;
    }
    size_t k = rd->fill - rd->off;
    k = k < cap ? k : cap;
    memcpy(buf, rd->buf + rd->off, k);
    rd->off += (uint32_t)k;
    *got = k;
    return DBX_OK;
}

static void fq_body_close(void *ctx, void *h)
{
    (void)ctx;
    if (h != NULL) {
        ((fq_reader_t *)h)->used = false;
    }
}

static const dbx_queue_ops_t FQ_OPS = {
    .create = fq_create,
    .write = fq_write,
    .commit = fq_commit,
    .discard = fq_discard,
    .list = fq_list,
    .load = fq_load,
    .update = fq_update,
    .body_open = fq_body_open,
    .body_read = fq_body_read,
    .body_close = fq_body_close,
    .remove = fq_remove,
};

size_t dbx_fqueue_state_size(void)
{
    return sizeof(dbx_fqueue_t);
}

int dbx_fqueue_open(dbx_fqueue_t *fq, hal_storage_t *st, dbx_queue_t *q)
{
    DBX_ASSERT(fq != NULL && st != NULL && q != NULL);
    const hal_storage_geom_t *g = &st->geom;
    DBX_CHECK(hal_storage_geom_check(g) == DBX_OK && g->blocks <= DBX_FQ_BLOCKS_MAX &&
                  g->blocks >= DBX_FQ_RESERVE_MAIL + 2u,
              DBX_ERR_INVAL);
    memset(fq, 0, sizeof(*fq));
    fq->st = st;
    fq->unit = g->prog_unit < 4u ? 4u : g->prog_unit; /* records stay 4-aligned */
    fq->cap = g->erase_size;
    fq->nblk = g->blocks;
    /* block header unit(s), then the retire mark unit, then records */
    fq->data_off = ((FQ_BLK_HDR + fq->unit - 1u) & ~(fq->unit - 1u)) + fq->unit;
    DBX_CHECK(fq->cap >= fq->data_off + FQ_REC_HDR + DBX_FQ_CHUNK, DBX_ERR_INVAL);
    fq->head = -1;
    fq->next_seq = 1;
    fq->next_msgno = 1;
    fq->next_bseq = 1;
    int rc = fq_scan(fq);
    DBX_CHECK(rc == DBX_OK, rc);
    q->ops = &FQ_OPS;
    q->ctx = fq;
    return DBX_OK;
}

size_t dbx_fqueue_count(const dbx_fqueue_t *fq)
{
    return fq->n_ent;
}

const dbx_fqueue_stats_t *dbx_fqueue_stats(const dbx_fqueue_t *fq)
{
    return &fq->stats;
}
