/**
 * @file dbx_dns_config.h
 * @brief Limits of the DNS transport (src/dns), with defaults.
 *
 * Override any value with -D on the compiler line, or put overrides in a file
 * named by -DDBX_DNSSEC_CONFIG_FILE='"my_config.h"' (included first, here
 * only; dnssec/dbx_dnssec_config.h includes this header before its own
 * defaults).  The check block at the end stops the build on nonsense values.
 */
#ifndef DBX_DNS_CONFIG_H
#define DBX_DNS_CONFIG_H

#ifdef DBX_DNSSEC_CONFIG_FILE
#include DBX_DNSSEC_CONFIG_FILE
#endif

/* ---- transport (src/dns) ---------------------------------------------- */

/** EDNS0 UDP payload size advertised (DNS flag day 2020 value). */
#ifndef DBX_DNS_EDNS_SIZE
#define DBX_DNS_EDNS_SIZE 1232
#endif
/** Largest response accepted (UDP and TCP).  Bigger TCP answers: limit. */
#ifndef DBX_DNS_MAX_RESPONSE
#define DBX_DNS_MAX_RESPONSE 16384
#endif
/** UDP receive buffer, allocated per query (a longer datagram is cut and
 *  fails to parse: dropped like a stray one).  TCP answers get a buffer of
 *  their announced length (<= DBX_DNS_MAX_RESPONSE).  Boards with little
 *  RAM set it to a few KB (above DBX_DNS_EDNS_SIZE): no 16 KB transient. */
#ifndef DBX_DNS_UDP_BUF
#define DBX_DNS_UDP_BUF DBX_DNS_MAX_RESPONSE
#endif
/** Per-try UDP receive timeout, milliseconds. */
#ifndef DBX_DNS_UDP_TIMEOUT_MS
#define DBX_DNS_UDP_TIMEOUT_MS 1500
#endif
/** TCP connect + whole-exchange timeout, milliseconds. */
#ifndef DBX_DNS_TCP_TIMEOUT_MS
#define DBX_DNS_TCP_TIMEOUT_MS 4000
#endif
/** UDP tries per upstream before moving to the next upstream. */
#ifndef DBX_DNS_UDP_TRIES
#define DBX_DNS_UDP_TRIES 2
#endif
/** Upstream resolvers remembered by one resolver. */
#ifndef DBX_DNS_MAX_UPSTREAMS
#define DBX_DNS_MAX_UPSTREAMS 4
#endif
/** Datagrams that fail to match (wrong ID/question) ignored per try. */
#ifndef DBX_DNS_MAX_MISMATCH
#define DBX_DNS_MAX_MISMATCH 8
#endif
/** Questions outstanding at once in one dbx_dns_query_batch() (one UDP
 *  socket each), which is also the width of one prefetch round of the
 *  validating resolver.  The board sets 4: its lwIP has MEMP_NUM_UDP_PCB
 *  of them (and the replies queue in its small pbuf pool). */
#ifndef DBX_DNS_MAX_OUTSTANDING
#define DBX_DNS_MAX_OUTSTANDING 8
#endif
/** Receive slice per socket while a batch is outstanding, milliseconds. */
#ifndef DBX_DNS_BATCH_SLICE_MS
#define DBX_DNS_BATCH_SLICE_MS 2
#endif
/** RRs accepted in one response (all sections together). */
#ifndef DBX_DNS_MAX_RRS
#define DBX_DNS_MAX_RRS 128
#endif

/* ---- check block --------------------------------------------------------- */
#if DBX_DNS_EDNS_SIZE < 512 || DBX_DNS_EDNS_SIZE > 4096
#error "DBX_DNS_EDNS_SIZE must be 512..4096"
#endif
#if DBX_DNS_UDP_BUF < DBX_DNS_EDNS_SIZE || DBX_DNS_UDP_BUF > DBX_DNS_MAX_RESPONSE
#error "DBX_DNS_UDP_BUF must be DBX_DNS_EDNS_SIZE..DBX_DNS_MAX_RESPONSE"
#endif
#if DBX_DNS_MAX_RESPONSE < DBX_DNS_EDNS_SIZE || DBX_DNS_MAX_RESPONSE > 65535
#error "DBX_DNS_MAX_RESPONSE must be DBX_DNS_EDNS_SIZE..65535"
#endif
#if DBX_DNS_UDP_TIMEOUT_MS < 10 || DBX_DNS_TCP_TIMEOUT_MS < 10
#error "DNS timeouts must be at least 10 ms"
#endif
#if DBX_DNS_UDP_TRIES < 1 || DBX_DNS_MAX_UPSTREAMS < 1
#error "need at least one try and one upstream"
#endif
#if DBX_DNS_MAX_OUTSTANDING < 1 || DBX_DNS_MAX_OUTSTANDING > 64 || DBX_DNS_BATCH_SLICE_MS < 1
#error "DBX_DNS_MAX_OUTSTANDING must be 1..64, DBX_DNS_BATCH_SLICE_MS >= 1"
#endif
#if DBX_DNS_MAX_RRS < 8
#error "DBX_DNS_MAX_RRS too small for any DNSSEC answer"
#endif

#endif /* DBX_DNS_CONFIG_H */
