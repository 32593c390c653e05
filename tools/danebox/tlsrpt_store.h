/**
 * @file tlsrpt_store.h
 * @brief Host storage of the relay's TLS reporting records (RFC 8460):
 *        SPOOL/tlsrpt/YYYY-MM-DD.log, one file per UTC day, append-only.
 *
 * Durable: each record line is one O_APPEND write() followed by
 * fdatasync(), so a crash loses at most the line being written (a torn
 * last line is skipped by the reader).  Bounded: a day file stops growing
 * at TLSRPT_DAY_MAX octets (later records of that day are dropped and
 * counted in the log line of the relay), and day files older than
 * TLSRPT_KEEP_DAYS days are removed when a new day file is started.
 */
#ifndef DBX_TLSRPT_STORE_H
#define DBX_TLSRPT_STORE_H

#include "tlsrpt/dbx_tlsrpt.h"

#include <stdint.h>

#define TLSRPT_DAY_MAX (16u * 1024u * 1024u)
#define TLSRPT_KEEP_DAYS 31

/** Record store of one spool (caller-owned). */
typedef struct tlsrpt_store {
    char dir[512];          /**< SPOOL/tlsrpt */
    uint64_t dropped;       /**< records not written (full day, I/O error) */
    dbx_tlsrpt_sink_t sink; /**< hand this to the relay connector */
} tlsrpt_store_t;

/** Bind @p s to @p spool (the directory is created on the first record).
 *  @return 0, or -1 when the path is too long. */
int tlsrpt_store_init(tlsrpt_store_t *s, const char *spool);

/** Path of the day file holding Unix time @p t into @p out.
 *  @return 0 or -1 (too long). */
int tlsrpt_store_day_path(const char *spool, int64_t t, char *out, size_t cap);

#endif /* DBX_TLSRPT_STORE_H */
