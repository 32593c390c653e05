/**
 * @file dbx_smtpd_int.h
 * @brief Private helpers shared by the SMTP server's files (not an API).
 */
#ifndef DBX_SMTPD_INT_H
#define DBX_SMTPD_INT_H

#include "smtpd/dbx_smtpd.h"

/** Free reply space kept before handling one more command or end of data. */
#define DBX_SMTPD_OUT_RESERVE 600u

/** Why a message is refused at the end of data (dbx_smtpd_t::dfail). */
enum {
    DBX_SMTPD_DF_OK = 0,
    DBX_SMTPD_DF_BARE,     /**< bare CR / bare LF */
    DBX_SMTPD_DF_NUL,      /**< NUL octet */
    DBX_SMTPD_DF_LINE,     /**< text line over 1000 octets */
    DBX_SMTPD_DF_SIZE,     /**< over max_size */
    DBX_SMTPD_DF_STORE,    /**< the data hook failed */
    DBX_SMTPD_DF_FULL,     /**< the data hook: storage full (DBX_ERR_LIMIT) */
};

/** Append one reply line (CRLF added); cut to fit, never overflows. */
void dbx_smtpd_reply(dbx_smtpd_t *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Scan DATA octets; returns octets used (stops after CRLF.CRLF, which
 *  finishes the message and queues its reply). */
size_t dbx_smtpd_data_feed(dbx_smtpd_t *s, const uint8_t *in, size_t len);

/** Start reading data (after 354). */
void dbx_smtpd_data_start(dbx_smtpd_t *s);

/** CRLF.CRLF seen: refuse or commit the message, queue the reply. */
void dbx_smtpd_data_end(dbx_smtpd_t *s);

/** Drop the current transaction (abort hook if a message was begun). */
void dbx_smtpd_tx_reset(dbx_smtpd_t *s);

#endif /* DBX_SMTPD_INT_H */
