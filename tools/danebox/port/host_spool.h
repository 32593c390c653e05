/**
 * @file host_spool.h
 * @brief The relay queue (::dbx_queue_t) on a POSIX file system: one body
 *        file and one envelope file per message, made durable with
 *        write -> fsync -> rename -> directory fsync.
 *
 * Layout under DIR: tmp/ (files being written), data/ID (bodies), env/ID
 * (envelope records, dbx_queue_env_format()).  A message exists once its
 * env/ID exists; commit renames the body first, the envelope last, and
 * fsyncs each directory after its rename.  host_spool_open() removes what a
 * crash can leave behind: anything in tmp/ and bodies without an envelope
 * (never acknowledged).  Removal deletes the envelope first.
 *
 * Every env file ends in a trailer line "sum BODY RECORD": the CRC-32 of
 * the body and of the envelope file up to RECORD.  A file that fails it
 * (truncated, flipped bytes, bad header) loads as DBX_ERR_MALFORMED;
 * host_spool_verify() also checks the body, host_spool_quarantine() moves
 * a damaged message to quarantine/ (ID.env, ID.data), never delivered.
 * Write errors from a full or read-only file system return DBX_ERR_LIMIT
 * (the SMTP server answers 452 4.3.1), others DBX_ERR_IO.
 */
#ifndef HOST_SPOOL_H
#define HOST_SPOOL_H

#include "queue/dbx_queue.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Spool state (one per directory; allocate with host_spool_open). */
typedef struct host_spool host_spool_t;

/**
 * Open (creating the directories, mode 0700) and clean the spool at @p dir,
 * and fill @p q.  @p max_messages > 0 caps the queue (commit then returns
 * DBX_ERR_LIMIT).  With @p removed_orphans non-NULL the crash leftovers are
 * removed and counted there: only the process that owns the spool (the
 * daemon, at start) may do that; a queue runner or the `queue` command
 * passes NULL so that messages being received are not touched.
 * @return DBX_OK, DBX_ERR_IO (with errno), DBX_ERR_NOMEM, DBX_ERR_INVAL.
 */
int host_spool_open(const char *dir, size_t max_messages, dbx_queue_t *q,
                    size_t *removed_orphans);

/** Release the spool state behind @p q (accepts NULL / unopened). */
void host_spool_close(dbx_queue_t *q);

/** Messages committed and not removed. */
size_t host_spool_count(const dbx_queue_t *q);

/**
 * Check message @p id of the open spool @p q: envelope trailer and record,
 * body present, its size and CRC-32 as the envelope says.
 * @param why  set to a static description of the damage (never NULL).
 * @return DBX_OK, DBX_ERR_MALFORMED (damaged: quarantine it),
 *         DBX_ERR_NOTFOUND (gone), DBX_ERR_IO.
 */
int host_spool_verify(const dbx_queue_t *q, const char *id, const char **why);

/**
 * Move message @p id (body, then envelope) to DIR/quarantine/ and fsync.
 * Only the spool's owner (daemon or its queue runner) may call it.
 * @return DBX_OK, DBX_ERR_IO, DBX_ERR_LIMIT (file system full/read-only).
 */
int host_spool_quarantine(dbx_queue_t *q, const char *id);

/**
 * The env file format: dbx_queue_env_format() of @p env plus the trailer
 * "sum BODYCRC RECORDCRC\n" into @p buf (@p cap octets), length in *len.
 * @return DBX_OK, DBX_ERR_BUFFER, DBX_ERR_INVAL (env not formattable).
 */
int host_spool_env_encode(const dbx_queue_env_t *env, uint32_t body_crc, char *buf, size_t cap,
                          size_t *len);

/**
 * Check the trailer of an env file (@p len octets, untrusted) and parse the
 * record before it into @p env; *body_crc from the trailer.
 * @return DBX_OK or DBX_ERR_MALFORMED (damaged: checksum, syntax, limits).
 */
int host_spool_env_decode(const char *buf, size_t len, dbx_queue_env_t *env, uint32_t *body_crc);

/** Files in env/ that were no queue id, moved to quarantine/ by the
 *  cleaning host_spool_open(). */
size_t host_spool_quarantined(const dbx_queue_t *q);

#ifdef __cplusplus
}
#endif
#endif /* HOST_SPOOL_H */
