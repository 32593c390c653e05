/**
 * @file dbx_smtp_int.h
 * @brief Private to src/smtp: what the state machine (dbx_smtp.c) and the
 *        reply reader / I/O / command API (dbx_smtp_io.c) share.
 */
#ifndef DBX_SMTP_INT_H
#define DBX_SMTP_INT_H

#include "dbx_smtp.h"

/** Record the first error and its reason (sticky). */
void dbx_smtp_fail(dbx_smtp_t *s, int st, const char *reason);
/** Append @p n bytes (sanitised) to the caller's transcript, if any. */
void dbx_smtp_tx_append(dbx_smtp_t *s, const char *p, size_t n);
/** Append "PREFIX text\n" to the transcript. */
void dbx_smtp_tx_line(dbx_smtp_t *s, const char *prefix, const char *p, size_t n);
/** Send a NUL-terminated command ending in CRLF (plaintext or TLS). */
int dbx_smtp_io_send(dbx_smtp_t *s, const char *cmd);
/** Read one complete reply within @p ms; EHLO keywords into @p caps (may be
 *  NULL).  @return DBX_OK with *code, or an error (reason recorded). */
int dbx_smtp_read_reply_int(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps);
/** As dbx_smtp_read_reply_int(), also filling @p rep (may be NULL). */
int dbx_smtp_read_reply_full(dbx_smtp_t *s, uint32_t ms, int *code, uint32_t *caps,
                             dbx_smtp_reply_t *rep);
/** QUIT and a short wait for 221; the outcome and status are kept. */
void dbx_smtp_send_quit(dbx_smtp_t *s);

#endif /* DBX_SMTP_INT_H */
