/* Flash queue internals shared by the log layer and the queue ops. */
#ifndef DBX_FQUEUE_INT_H
#define DBX_FQUEUE_INT_H

#include "queue/dbx_fqueue.h"

#define FQ_REC_HDR 32u
#define FQ_BLK_HDR 16u
#define FQ_REC_MAGIC 0x52584244u /* "DBXR" little endian */
#define FQ_BLK_MAGIC 0x42584244u /* "DBXB" */

enum { FQ_T_DATA = 1, FQ_T_COMMIT = 2, FQ_T_STATE = 3, FQ_T_DELETE = 4 };
/** Space classes: how many free blocks an append must leave. */
enum { FQ_C_GC = 0, FQ_C_UPDATE = DBX_FQ_RESERVE_MAIL - 1, FQ_C_MAIL = DBX_FQ_RESERVE_MAIL };

typedef struct fq_rec {
    uint8_t type;
    uint16_t len;
    uint32_t seq, msgno, idx, aux, crc;
} fq_rec_t;

typedef struct fq_ent {
    uint32_t msgno, env_at, body_len, nchunks;
} fq_ent_t;

typedef struct fq_blk {
    uint32_t bseq; /* 0: free */
    uint32_t end;  /* end of the valid records */
    bool clean;    /* erased by us since boot */
} fq_blk_t;

typedef struct fq_handle {
    bool used;
    int err;
    uint32_t msgno, len, nchunks, fill;
    uint8_t buf[DBX_FQ_CHUNK];
} fq_handle_t;

typedef struct fq_reader {
    bool used;
    uint32_t msgno, nchunks, body_len, next, hint, off, fill;
    uint8_t buf[DBX_FQ_CHUNK];
} fq_reader_t;

struct dbx_fqueue {
    hal_storage_t *st;
    uint32_t unit, cap, data_off, nblk;
    fq_blk_t blk[DBX_FQ_BLOCKS_MAX];
    int32_t head;
    uint32_t head_pos, next_seq, next_msgno, next_bseq;
    fq_ent_t ent[DBX_FQ_MAX_MSGS];
    uint32_t n_ent;
    fq_handle_t h[DBX_FQ_MAX_OPEN];
    fq_reader_t r[DBX_FQ_MAX_READERS];
    dbx_fqueue_stats_t stats;
    uint8_t scratch[DBX_FQ_ENV_MAX];
};

/* log layer (dbx_fqueue_log.c) */
int fq_scan(dbx_fqueue_t *fq);
int fq_make_room(dbx_fqueue_t *fq, int cls, uint32_t payload_len);
int fq_append(dbx_fqueue_t *fq, int cls, const fq_rec_t *r, const void *pl, uint32_t *at);
int fq_read_rec(dbx_fqueue_t *fq, uint32_t at, fq_rec_t *r, void *pl, size_t cap);
int fq_find_data(dbx_fqueue_t *fq, uint32_t msgno, uint32_t idx, uint32_t *hint, void *pl,
                 size_t cap, uint16_t *len);
fq_ent_t *fq_ent_find(dbx_fqueue_t *fq, uint32_t msgno);
int fq_ent_put(dbx_fqueue_t *fq, uint32_t msgno, uint32_t at, uint32_t body_len,
               uint32_t nchunks);
void fq_ent_drop(dbx_fqueue_t *fq, uint32_t msgno);

#endif /* DBX_FQUEUE_INT_H */
