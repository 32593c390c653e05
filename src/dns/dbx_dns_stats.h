/**
 * @file dbx_dns_stats.h
 * @brief Statistics of the stub DNS exchange (no ldns types, so that
 *        headers above src/dns can hold them without including ldns).
 */
#ifndef DBX_DNS_STATS_H
#define DBX_DNS_STATS_H

#include <stdint.h>

/** Exchange statistics (across calls; the caller zeroes them). */
typedef struct dbx_dns_stats {
    uint32_t queries;  /**< questions sent (each try of each upstream) */
    uint32_t tcp;      /**< TCP fallbacks */
    uint32_t timeouts; /**< tries that timed out */
    uint32_t mismatch; /**< datagrams dropped by matching */
    uint32_t outstanding_peak; /**< most questions outstanding at once (batches) */
    uint32_t rounds;   /**< dependent exchanges: one per dbx_dns_query(), one per batch
                            (its one-by-one redos count as their own) */
} dbx_dns_stats_t;

#endif /* DBX_DNS_STATS_H */
