/* Flash queue, log layer: records, block rotation, compaction, boot scan
 * (format: dbx_fqueue.h). */
#include "dbx_fqueue_int.h"

#include "dbx_crc32.h"

#include <string.h>

static uint32_t align_up(uint32_t v, uint32_t u)
{
    return (v + u - 1u) & ~(u - 1u);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rec_total(const dbx_fqueue_t *fq, uint32_t len)
{
    return align_up(FQ_REC_HDR + len, fq->unit);
}

static void rec_encode(const fq_rec_t *r, uint8_t h[FQ_REC_HDR])
{
    memset(h, 0xFF, FQ_REC_HDR);
    put32(h, FQ_REC_MAGIC);
    h[4] = r->type;
    h[6] = (uint8_t)r->len;
    h[7] = (uint8_t)(r->len >> 8);
    put32(h + 8, r->seq);
    put32(h + 12, r->msgno);
    put32(h + 16, r->idx);
    put32(h + 20, r->aux);
}

static void rec_decode(const uint8_t h[FQ_REC_HDR], fq_rec_t *r)
{
    r->type = h[4];
    r->len = (uint16_t)(h[6] | h[7] << 8);
    r->seq = get32(h + 8);
    r->msgno = get32(h + 12);
    r->idx = get32(h + 16);
    r->aux = get32(h + 20);
    r->crc = get32(h + 28);
}

/* Block ordering: log order is block-sequence order. */
static int32_t blk_after(const dbx_fqueue_t *fq, uint32_t bseq)
{
    int32_t best = -1;
    for (uint32_t b = 0; b < fq->nblk; b++) {
        uint32_t s = fq->blk[b].bseq;
        if (s != 0 && s > bseq && (best < 0 || s < fq->blk[best].bseq)) {
            best = (int32_t)b;
        }
    }
    return best;
}

/* Read and check the record at @p at (header, payload into @p pl, CRC). */
int fq_read_rec(dbx_fqueue_t *fq, uint32_t at, fq_rec_t *r, void *pl, size_t cap)
{
    uint8_t h[FQ_REC_HDR];
    hal_storage_t *st = fq->st;
    uint32_t in_blk = at % fq->cap;
    DBX_CHECK(in_blk + FQ_REC_HDR <= fq->cap, DBX_ERR_MALFORMED);
    int rc = st->ops->read(st, at, h, sizeof(h));
    DBX_CHECK(rc == DBX_OK, rc);
    DBX_CHECK(get32(h) == FQ_REC_MAGIC, DBX_ERR_MALFORMED);
    rec_decode(h, r);
    DBX_CHECK(r->type >= FQ_T_DATA && r->type <= FQ_T_DELETE, DBX_ERR_MALFORMED);
    DBX_CHECK(r->len <= cap && in_blk + rec_total(fq, r->len) <= fq->cap, DBX_ERR_MALFORMED);
    if (r->len > 0) {
        rc = st->ops->read(st, at + FQ_REC_HDR, pl, r->len);
        DBX_CHECK(rc == DBX_OK, rc);
    }
    uint32_t crc = dbx_crc32(dbx_crc32(0, h, 28), pl, r->len);
    DBX_CHECK(crc == r->crc, DBX_ERR_MALFORMED);
    return DBX_OK;
}

/* Erase (unless clean) block @p b and write its header: the new head. */
static int open_block(dbx_fqueue_t *fq, uint32_t b)
{
    hal_storage_t *st = fq->st;
    int rc = DBX_OK;
    if (!fq->blk[b].clean) {
        rc = st->ops->erase(st, b);
        DBX_CHECK(rc == DBX_OK, rc);
    }
    fq->blk[b].clean = false;
    uint8_t h[HAL_STORAGE_UNIT_MAX > FQ_BLK_HDR ? HAL_STORAGE_UNIT_MAX : FQ_BLK_HDR];
    uint32_t hl = align_up(FQ_BLK_HDR, fq->unit);
    memset(h, 0xFF, sizeof(h));
    put32(h, FQ_BLK_MAGIC);
    put32(h + 4, fq->next_bseq);
    put32(h + 8, fq->next_msgno);
    put32(h + 12, dbx_crc32(0, h, 12));
    rc = st->ops->program(st, b * fq->cap, h, hl);
    DBX_CHECK(rc == DBX_OK, rc);
    fq->blk[b].bseq = fq->next_bseq++;
    fq->blk[b].end = fq->data_off;
    fq->head = (int32_t)b;
    fq->head_pos = fq->data_off;
    fq->stats.blocks_opened++;
    return DBX_OK;
}

static uint32_t free_blocks(const dbx_fqueue_t *fq)
{
    uint32_t n = 0;
    for (uint32_t b = 0; b < fq->nblk; b++) {
        n += fq->blk[b].bseq == 0;
    }
    return n;
}

static bool msg_live(dbx_fqueue_t *fq, uint32_t msgno)
{
    for (uint32_t i = 0; i < DBX_FQ_MAX_OPEN; i++) {
        if (fq->h[i].used && fq->h[i].msgno == msgno) {
            return true;
        }
    }
    return fq_ent_find(fq, msgno) != NULL;
}

/* A record compaction must keep: DATA of a live or open message, the
 * newest envelope record of a queued message. */
static bool rec_live(dbx_fqueue_t *fq, const fq_rec_t *r, uint32_t at)
{
    if (r->type == FQ_T_DATA) {
        return msg_live(fq, r->msgno);
    }
    fq_ent_t *e = fq_ent_find(fq, r->msgno);
    return (r->type == FQ_T_COMMIT || r->type == FQ_T_STATE) && e != NULL && e->env_at == at;
}

static int read_hdr(dbx_fqueue_t *fq, uint32_t at, fq_rec_t *r);

/* Octets compaction would reclaim from every block but the head. */
static uint32_t dead_bytes(dbx_fqueue_t *fq)
{
    uint32_t dead = 0;
    for (uint32_t b = 0; b < fq->nblk; b++) {
        if (fq->blk[b].bseq == 0 || (int32_t)b == fq->head) {
            continue;
        }
        uint32_t base = b * fq->cap, pos = fq->data_off;
        while (pos < fq->blk[b].end) {
            fq_rec_t r;
            if (read_hdr(fq, base + pos, &r) != DBX_OK) {
                break;
            }
            uint32_t t = rec_total(fq, r.len);
            dead += rec_live(fq, &r, base + pos) ? 0u : t;
            pos += t;
        }
        dead += fq->cap - fq->blk[b].end; /* sealed tails */
    }
    return dead;
}

/* Copy the live records of block @p b to the head, then retire + erase it. */
static int gc_block(dbx_fqueue_t *fq, uint32_t b)
{
    hal_storage_t *st = fq->st;
    uint32_t base = b * fq->cap, pos = fq->data_off;
    int rc;
    while (pos < fq->blk[b].end) {
        fq_rec_t r;
        rc = fq_read_rec(fq, base + pos, &r, fq->scratch, sizeof(fq->scratch));
        DBX_CHECK(rc == DBX_OK || rc == DBX_ERR_MALFORMED, rc);
        if (rc != DBX_OK) {
            break; /* bit rot after boot: nothing beyond it is trusted */
        }
        uint32_t at = base + pos;
        pos += rec_total(fq, r.len);
        if (!rec_live(fq, &r, at)) {
            continue;
        }
        fq_ent_t *e = fq_ent_find(fq, r.msgno);
        uint32_t nat;
        rc = fq_append(fq, FQ_C_GC, &r, fq->scratch, &nat);
        DBX_CHECK(rc == DBX_OK, rc);
        fq->stats.gc_copied++;
        if (r.type != FQ_T_DATA) {
            e->env_at = nat;
        }
    }
    rc = st->ops->sync(st);
    DBX_CHECK(rc == DBX_OK, rc);
    uint8_t zero[HAL_STORAGE_UNIT_MAX];
    memset(zero, 0, sizeof(zero));
    rc = st->ops->program(st, base + align_up(FQ_BLK_HDR, fq->unit), zero, fq->unit);
    DBX_CHECK(rc == DBX_OK, rc);
    fq->blk[b].bseq = 0; /* retired: free from now on, whatever follows */
    rc = st->ops->erase(st, b);
    DBX_CHECK(rc == DBX_OK, rc);
    fq->blk[b].clean = true;
    fq->stats.gc_runs++;
    return DBX_OK;
}

/* Compact the oldest block that is not the head.  DBX_ERR_LIMIT: none. */
static int gc_one(dbx_fqueue_t *fq)
{
    int32_t b = blk_after(fq, 0);
    if (b >= 0 && b == fq->head) {
        b = blk_after(fq, fq->blk[b].bseq);
    }
    DBX_CHECK(b >= 0 && b != fq->head, DBX_ERR_LIMIT);
    uint8_t was = fq->stats.phase;
    fq->stats.phase = DBX_FQ_PHASE_COMPACT;
    int rc = gc_block(fq, (uint32_t)b);
    fq->stats.phase = was;
    return rc;
}

int fq_make_room(dbx_fqueue_t *fq, int cls, uint32_t payload_len)
{
    if (cls != FQ_C_GC) {
        fq->stats.phase = cls == FQ_C_MAIL ? DBX_FQ_PHASE_RECEIVE : DBX_FQ_PHASE_UPDATE;
    }
    uint32_t total = rec_total(fq, payload_len);
    DBX_CHECK(total <= fq->cap - fq->data_off, DBX_ERR_LIMIT);
    if (fq->head >= 0 && fq->head_pos + total <= fq->cap) {
        return DBX_OK;
    }
    /* a new block: keep the class's reserve, compacting the oldest blocks
     * while that can win a block (a queue full of live mail is not moved) */
    for (uint32_t i = 0; cls != FQ_C_GC && i < fq->nblk && free_blocks(fq) < (uint32_t)cls + 1u &&
                         dead_bytes(fq) >= fq->cap;
         i++) {
        int rc = gc_one(fq);
        if (rc != DBX_OK) {
            DBX_CHECK(rc == DBX_ERR_LIMIT, rc);
            break;
        }
        if (fq->head >= 0 && fq->head_pos + total <= fq->cap) {
            return DBX_OK; /* compaction left room in its head block */
        }
    }
    DBX_CHECK(free_blocks(fq) >= (uint32_t)cls + 1u, DBX_ERR_LIMIT);
    uint32_t start = fq->head >= 0 ? (uint32_t)fq->head + 1u : 0u;
    for (uint32_t i = 0; i < fq->nblk; i++) { /* next free block round-robin */
        uint32_t b = (start + i) % fq->nblk;
        if (fq->blk[b].bseq == 0) {
            fq->head = -1; /* sealed: a failure below leaves no head */
            return open_block(fq, b);
        }
    }
    return DBX_ERR_LIMIT;
}

int fq_append(dbx_fqueue_t *fq, int cls, const fq_rec_t *r, const void *pl, uint32_t *at)
{
    hal_storage_t *st = fq->st;
    int rc = fq_make_room(fq, cls, r->len);
    DBX_CHECK(rc == DBX_OK, rc);
    fq_rec_t w = *r;
    w.seq = fq->next_seq++;
    uint8_t h[FQ_REC_HDR];
    rec_encode(&w, h);
    put32(h + 28, dbx_crc32(dbx_crc32(0, h, 28), pl, w.len));
    uint32_t base = (uint32_t)fq->head * fq->cap + fq->head_pos;
    uint32_t bulk = w.len & ~(fq->unit - 1u), rest = w.len - bulk;
    rc = st->ops->program(st, base, h, FQ_REC_HDR);
    if (rc == DBX_OK && bulk > 0) {
        rc = st->ops->program(st, base + FQ_REC_HDR, pl, bulk);
    }
    if (rc == DBX_OK && rest > 0) {
        uint8_t tail[HAL_STORAGE_UNIT_MAX];
        memset(tail, 0xFF, sizeof(tail));
        memcpy(tail, (const uint8_t *)pl + bulk, rest);
        rc = st->ops->program(st, base + FQ_REC_HDR + bulk, tail, fq->unit);
    }
    if (rc != DBX_OK) {
        fq->head = -1; /* a torn record ends this block for good */
        return rc;
    }
    uint32_t total = rec_total(fq, w.len);
    fq->head_pos += total;
    fq->blk[fq->head].end = fq->head_pos;
    fq->stats.records++;
    fq->stats.record_bytes += total;
    fq->stats.payload_bytes += w.len;
    *at = base;
    return DBX_OK;
}

/* Boot: one block's header.  Valid = magic, CRC and retire mark unset. */
static int scan_header(dbx_fqueue_t *fq, uint32_t b)
{
    uint8_t h[FQ_BLK_HDR], mark[HAL_STORAGE_UNIT_MAX];
    hal_storage_t *st = fq->st;
    uint32_t base = b * fq->cap;
    int rc = st->ops->read(st, base, h, sizeof(h));
    DBX_CHECK(rc == DBX_OK, rc);
    rc = st->ops->read(st, base + align_up(FQ_BLK_HDR, fq->unit), mark, fq->unit);
    DBX_CHECK(rc == DBX_OK, rc);
    fq->blk[b].bseq = 0;
    fq->blk[b].clean = false;
    if (get32(h) != FQ_BLK_MAGIC || get32(h + 12) != dbx_crc32(0, h, 12) ||
        !hal_storage_unit_erased(mark, fq->unit) || get32(h + 4) == 0) {
        return DBX_OK; /* free (erased, torn, retired): erase before use */
    }
    fq->blk[b].bseq = get32(h + 4);
    if (fq->blk[b].bseq >= fq->next_bseq) {
        fq->next_bseq = fq->blk[b].bseq + 1u;
    }
    if (get32(h + 8) > fq->next_msgno) {
        fq->next_msgno = get32(h + 8);
    }
    return DBX_OK;
}

static int scan_apply(dbx_fqueue_t *fq, const fq_rec_t *r, uint32_t at)
{
    if (r->msgno >= fq->next_msgno) {
        fq->next_msgno = r->msgno + 1u;
    }
    fq->next_seq = r->seq + 1u;
    if (r->type == FQ_T_COMMIT || r->type == FQ_T_STATE) {
        return fq_ent_put(fq, r->msgno, at, r->aux, r->idx);
    }
    if (r->type == FQ_T_DELETE) {
        fq_ent_drop(fq, r->msgno);
    }
    return DBX_OK;
}

int fq_scan(dbx_fqueue_t *fq)
{
    int rc;
    for (uint32_t b = 0; b < fq->nblk; b++) {
        rc = scan_header(fq, b);
        DBX_CHECK(rc == DBX_OK, rc);
    }
    for (int32_t b = blk_after(fq, 0); b >= 0; b = blk_after(fq, fq->blk[b].bseq)) {
        uint32_t base = (uint32_t)b * fq->cap, pos = fq->data_off;
        while (pos + FQ_REC_HDR <= fq->cap) {
            fq_rec_t r;
            rc = fq_read_rec(fq, base + pos, &r, fq->scratch, sizeof(fq->scratch));
            if (rc == DBX_ERR_MALFORMED || (rc == DBX_OK && r.seq < fq->next_seq)) {
                uint8_t h[FQ_REC_HDR];
                if (fq->st->ops->read(fq->st, base + pos, h, sizeof(h)) == DBX_OK &&
                    !hal_storage_unit_erased(h, sizeof(h))) {
                    fq->stats.torn_seen++; /* torn or corrupt: the block ends */
                }
                break;
            }
            DBX_CHECK(rc == DBX_OK, rc);
            rc = scan_apply(fq, &r, base + pos);
            DBX_CHECK(rc == DBX_OK, rc);
            pos += rec_total(fq, r.len);
        }
        fq->blk[b].end = pos;
    }
    fq->head = -1; /* never append to a block found at boot */
    return DBX_OK;
}

/* Header only (bounds checked, CRC not): for skipping through valid blocks. */
static int read_hdr(dbx_fqueue_t *fq, uint32_t at, fq_rec_t *r)
{
    uint8_t h[FQ_REC_HDR];
    DBX_CHECK(at % fq->cap + FQ_REC_HDR <= fq->cap, DBX_ERR_MALFORMED);
    int rc = fq->st->ops->read(fq->st, at, h, sizeof(h));
    DBX_CHECK(rc == DBX_OK, rc);
    DBX_CHECK(get32(h) == FQ_REC_MAGIC, DBX_ERR_MALFORMED);
    rec_decode(h, r);
    DBX_CHECK(at % fq->cap + rec_total(fq, r->len) <= fq->cap, DBX_ERR_MALFORMED);
    return DBX_OK;
}

/* Body chunk @p idx of @p msgno: search the log from *hint on, once round;
 * the chunk found is CRC-checked (a bad copy: the search goes on). */
int fq_find_data(dbx_fqueue_t *fq, uint32_t msgno, uint32_t idx, uint32_t *hint, void *pl,
                 size_t cap, uint16_t *len)
{
    uint32_t hb = *hint / fq->cap, pos = *hint % fq->cap;
    int32_t b = (hb < fq->nblk && fq->blk[hb].bseq != 0) ? (int32_t)hb : blk_after(fq, 0);
    if (b != (int32_t)hb || pos < fq->data_off) {
        pos = fq->data_off;
    }
    for (uint32_t n = 0; b >= 0 && n <= fq->nblk; n++) {
        uint32_t base = (uint32_t)b * fq->cap;
        while (pos < fq->blk[b].end) {
            fq_rec_t r;
            if (read_hdr(fq, base + pos, &r) != DBX_OK) {
                break;
            }
            uint32_t at = base + pos;
            pos += rec_total(fq, r.len);
            if (r.type == FQ_T_DATA && r.msgno == msgno && r.idx == idx &&
                fq_read_rec(fq, at, &r, pl, cap) == DBX_OK) {
                *hint = base + pos;
                *len = r.len;
                return DBX_OK;
            }
        }
        b = blk_after(fq, fq->blk[b].bseq);
        if (b < 0) {
            b = blk_after(fq, 0);
        }
        pos = fq->data_off;
    }
    return DBX_ERR_NOTFOUND;
}
