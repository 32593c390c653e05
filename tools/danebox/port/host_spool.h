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

#ifdef __cplusplus
}
#endif
#endif /* HOST_SPOOL_H */
