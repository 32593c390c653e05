/**
 * @file tlsrpt_send.h
 * @brief Delivery of an RFC 8460 report (host): gzip (zlib), mailto: as a
 *        multipart/report message queued in the relay's spool (§5.3), and
 *        https: as a POST over the project's TLS client, the server
 *        authenticated by DANE (a DNSSEC-validated TLSA RRset at
 *        _PORT._tcp.HOST must exist and match; there is no PKIX here, so
 *        without one the report is not sent: never an unauthenticated POST).
 */
#ifndef DBX_TLSRPT_SEND_H
#define DBX_TLSRPT_SEND_H

#include "cli_dns.h"
#include "queue/dbx_queue.h"

#include <stddef.h>
#include <stdint.h>

#define TLSRPT_GZ_MAX (1024u * 1024u) /**< largest gzip'd report sent */

/** One report ready to go. */
typedef struct tlsrpt_msg {
    const char *domain;      /**< policy domain */
    const char *submitter;   /**< TLS-Report-Submitter (our host name) */
    const char *report_id;
    int64_t start, end;      /**< date range [start, end) */
    int64_t now;             /**< Date: header, queue arrival */
    const uint8_t *gz;       /**< the gzip'd JSON */
    size_t gz_len;
} tlsrpt_msg_t;

/** gzip @p in into a malloc'd buffer (*out, *out_len); fails beyond
 *  TLSRPT_GZ_MAX.  @return 0 or -1. */
int tlsrpt_gzip(const char *in, size_t len, uint8_t **out, size_t *out_len);

/** Queue @p m for the mailto: URI @p uri in @p q (null envelope sender).
 *  @p id receives the queue id.  @return 0, -1 with a reason in @p err. */
int tlsrpt_send_mailto(dbx_queue_t *q, const tlsrpt_msg_t *m, const char *uri,
                       char id[DBX_QUEUE_ID_MAX], char *err, size_t errcap);

/** POST @p m to the https: URI @p uri (DANE-authenticated, see the file
 *  comment); @p status receives the HTTP status.  @return 0 (2xx), -1 with
 *  a reason in @p err. */
int tlsrpt_send_https(dbx_cli_dns_t *dns, const tlsrpt_msg_t *m, const char *uri, int *status,
                      char *err, size_t errcap);

#endif /* DBX_TLSRPT_SEND_H */
