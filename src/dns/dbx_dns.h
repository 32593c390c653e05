/**
 * @file dbx_dns.h
 * @brief Stub DNS exchange: one question to a list of upstreams over
 *        ::dbx_transport_t (UDP with retries, TCP fallback on TC), strict
 *        response matching, size and RR-count caps, parsed with ldns.
 *
 * Queries carry EDNS0 (payload DBX_DNS_EDNS_SIZE), DO=1, CD=1, RD=1 and a
 * random 16-bit ID from hal_crypto_random().  A response is accepted only
 * when it comes from the upstream asked (transport guarantees the source),
 * carries the same ID, is a response (QR=1), opcode QUERY, has exactly one
 * question equal (case-insensitively) to ours with the same QTYPE/QCLASS.
 */
#ifndef DBX_DNS_H
#define DBX_DNS_H

#include "dbx_common.h"
#include "dbx_transport.h"
#include "dns/dbx_dns_stats.h"

#include <ldns/ldns.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Build the wire form of a query.  @p id is the message ID.
 * @return DBX_OK (with *@p wire malloc'd, free with free()), DBX_ERR_INVAL
 * or DBX_ERR_NOMEM.
 */
int dbx_dns_build_query(const ldns_rdf *qname, ldns_rr_type qtype, uint16_t id,
                        uint8_t **wire, size_t *len);

/**
 * Check that @p pkt answers the question (@p id, @p qname, @p qtype, IN).
 * @return DBX_OK or DBX_ERR_PROTO.
 */
int dbx_dns_match(const ldns_pkt *pkt, uint16_t id, const ldns_rdf *qname,
                  ldns_rr_type qtype);

/**
 * Parse a response of @p len bytes with the size and RR-count caps.
 * @return DBX_OK (*@p out owned by the caller, ldns_pkt_free()),
 * DBX_ERR_LIMIT or DBX_ERR_MALFORMED.
 */
int dbx_dns_parse(const uint8_t *wire, size_t len, ldns_pkt **out);

/**
 * Ask @p qname/@p qtype (class IN) of @p ups in order until one gives a
 * matching answer.  Any RCODE is returned to the caller in the packet.
 * @return DBX_OK, DBX_ERR_TIMEOUT (nobody answered), DBX_ERR_IO,
 * DBX_ERR_NOENTROPY, DBX_ERR_LIMIT, DBX_ERR_MALFORMED, DBX_ERR_NOMEM.
 */
int dbx_dns_query(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                  const ldns_rdf *qname, ldns_rr_type qtype, dbx_dns_stats_t *stats,
                  ldns_pkt **out);

/** One question of dbx_dns_query_batch() (class IN). */
typedef struct dbx_dns_question {
    const ldns_rdf *qname;
    ldns_rr_type qtype;
} dbx_dns_question_t;

/**
 * Ask the @p n questions of @p qs concurrently: one UDP socket per question
 * (its own source port from the transport and its own random ID, the IDs of
 * one batch pairwise distinct) to the first upstream, every question sent
 * before any answer is awaited, each reply matched on its own socket (ID and
 * question, as dbx_dns_query()); one DBX_DNS_UDP_TIMEOUT_MS for the whole
 * batch, the sockets read in turn in DBX_DNS_BATCH_SLICE_MS slices.
 * Questions left without a usable answer (timeout, truncation, errors) are
 * then asked one by one with dbx_dns_query() (retries, other upstreams, TCP).
 * At most DBX_DNS_MAX_OUTSTANDING questions: more is DBX_ERR_LIMIT before
 * anything is sent.  @p out[i] / @p status[i]: answer (caller frees) and
 * status of question i (as dbx_dns_query()).  stats->outstanding_peak: the
 * most questions outstanding at once.
 * @return DBX_OK (see @p status), DBX_ERR_INVAL, DBX_ERR_LIMIT,
 * DBX_ERR_NOENTROPY, DBX_ERR_NOMEM.
 */
int dbx_dns_query_batch(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                        const dbx_dns_question_t *qs, size_t n, dbx_dns_stats_t *stats,
                        ldns_pkt **out, int *status);

/**
 * dbx_dns_query_batch() without the one-by-one redos: one round of UDP
 * questions to the first upstream; a question left without a usable answer
 * keeps *@p out NULL and its status (DBX_ERR_TIMEOUT when nothing matching
 * came, DBX_ERR_PROTO after truncation or too many mismatching datagrams).
 * For prefetching, where the consumer asks again on its own.
 * @return as dbx_dns_query_batch().
 */
int dbx_dns_query_batch_udp(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                            const dbx_dns_question_t *qs, size_t n, dbx_dns_stats_t *stats,
                            ldns_pkt **out, int *status);

#ifdef __cplusplus
}
#endif
#endif /* DBX_DNS_H */
