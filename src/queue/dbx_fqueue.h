/**
 * @file dbx_fqueue.h
 * @brief The relay queue (::dbx_queue_t) as a log-structured journal on the
 *        storage HAL (NOR semantics): power-cut safe, bounded RAM index.
 *
 * On-flash format (README "Flash queue format"): every erase block starts
 * with a block header {magic "DBXB", block sequence, next message number,
 * CRC-32} followed by one program unit, the retire mark (all 0xFF while the
 * block is live; programmed to 0 just before the block is erased).  Records
 * follow, each aligned to the program unit:
 *   32-octet header {magic "DBXR", type, len, seq, msgno, idx, aux, CRC-32
 *   over header and payload} + payload (+ 0xFF padding).
 * Types: DATA (body chunk idx of msgno), COMMIT (the envelope; written and
 * synced after every DATA record of the message: the commit marker),
 * STATE (a newer envelope: per-recipient delivery state), DELETE.
 * Boot: blocks in block-sequence order, records in order; the first record
 * with a bad magic, length or CRC ends the block (torn write), and no block
 * found at boot is ever appended to again.  The newest envelope record of a
 * message number without a later DELETE is the message.
 * Space: the oldest block is compacted (live DATA and the newest envelope
 * copied to the head, synced, retire mark programmed, block erased) when a
 * new block is needed; new mail may not use the last DBX_FQ_RESERVE_MAIL
 * free blocks and updates/deletions not the last one, so compaction always
 * has room and a full queue answers DBX_ERR_LIMIT (SMTP 452) without
 * touching what is queued.
 */
#ifndef DBX_FQUEUE_H
#define DBX_FQUEUE_H

#include "queue/dbx_queue.h"
#include "storage/hal_storage.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DBX_FQ_MAX_MSGS
#define DBX_FQ_MAX_MSGS 64u /**< committed messages in the RAM index */
#endif
#ifndef DBX_FQ_MAX_OPEN
#define DBX_FQ_MAX_OPEN 2u /**< messages being received at once */
#endif
#ifndef DBX_FQ_MAX_READERS
#define DBX_FQ_MAX_READERS 1u /**< bodies open for delivery at once */
#endif
#ifndef DBX_FQ_CHUNK
#define DBX_FQ_CHUNK 1024u /**< body octets per DATA record */
#endif
#ifndef DBX_FQ_ENV_MAX
#define DBX_FQ_ENV_MAX 8192u /**< largest envelope record payload */
#endif
#ifndef DBX_FQ_BLOCKS_MAX
#define DBX_FQ_BLOCKS_MAX 64u /**< erase blocks the queue may span */
#endif
#define DBX_FQ_RESERVE_MAIL 3u /**< free blocks new mail leaves */

/** Counters (flash operations are also counted by the storage device). */
typedef struct dbx_fqueue_stats {
    uint32_t records, gc_runs, gc_copied, torn_seen, blocks_opened;
    uint64_t record_bytes, payload_bytes; /**< programmed vs. useful */
    uint8_t phase; /**< what the queue is writing now: ::dbx_fqueue_phase_t */
} dbx_fqueue_stats_t;

/** What a flash operation belongs to (e.g. where a power cut landed). */
typedef enum dbx_fqueue_phase {
    DBX_FQ_PHASE_IDLE = 0,
    DBX_FQ_PHASE_RECEIVE, /**< body records, commit marker of new mail */
    DBX_FQ_PHASE_UPDATE,  /**< state records, deletions */
    DBX_FQ_PHASE_COMPACT, /**< copying live records, retiring, erasing */
} dbx_fqueue_phase_t;

/** Queue state: caller-owned (static on a board); see sizeof for RAM. */
typedef struct dbx_fqueue dbx_fqueue_t;

/** @return sizeof(dbx_fqueue_t) (the queue's whole RAM). */
size_t dbx_fqueue_state_size(void);

/**
 * Scan @p st (boot), rebuild the index into @p fq (dbx_fqueue_state_size()
 * octets, suitably aligned) and fill @p q.  Nothing is written.
 * @return DBX_OK, DBX_ERR_INVAL (geometry: > DBX_FQ_BLOCKS_MAX blocks or a
 *         block too small), DBX_ERR_IO, DBX_ERR_LIMIT (more messages on
 *         flash than the index holds).
 */
int dbx_fqueue_open(dbx_fqueue_t *fq, hal_storage_t *st, dbx_queue_t *q);

/** Committed messages in the index. */
size_t dbx_fqueue_count(const dbx_fqueue_t *fq);

/** Counters since open. */
const dbx_fqueue_stats_t *dbx_fqueue_stats(const dbx_fqueue_t *fq);

#ifdef __cplusplus
}
#endif
#endif /* DBX_FQUEUE_H */
