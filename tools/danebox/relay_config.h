/**
 * @file relay_config.h
 * @brief `danebox relay` configuration file: "key = value" lines, '#'
 *        comments; every key documented in README.md ("Relay configuration").
 *        A bad key or value is an error naming the file and the line.
 */
#ifndef DBX_RELAY_CONFIG_H
#define DBX_RELAY_CONFIG_H

#include "dbx_transport.h"
#include "dns/dbx_dns.h"
#include "dns/dbx_dns_config.h"
#include "relay/dbx_relay.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_MAX_LISTEN 4
#define RELAY_MAX_ALLOW 32
#define RELAY_MAX_POLICIES 256
#define RELAY_PATH_MAX 400

/** One allowed client network. */
typedef struct relay_net {
    dbx_addr_t addr;
    uint8_t prefix;
} relay_net_t;

/** The whole configuration (defaults from relay_config_defaults()). */
typedef struct relay_config {
    char path[RELAY_PATH_MAX];            /**< the file it came from */
    char hostname[254];
    char spool[RELAY_PATH_MAX];
    char user[64];                        /**< "" keep the uid */
    char anchor[RELAY_PATH_MAX];          /**< "" built-in root anchor */
    char tls_cert[RELAY_PATH_MAX];        /**< inbound STARTTLS chain ("" none) */
    char tls_key[RELAY_PATH_MAX];         /**< its key */
    dbx_addr_t listen[RELAY_MAX_LISTEN];
    size_t n_listen;
    relay_net_t allow[RELAY_MAX_ALLOW];
    size_t n_allow;
    dbx_addr_t resolver[DBX_DNS_MAX_UPSTREAMS];
    size_t n_resolver;
    uint32_t max_sessions;
    uint64_t max_message_size;
    uint32_t max_recipients;
    uint32_t max_line;
    uint32_t command_timeout_s, data_timeout_s;
    uint32_t retry_min_s, retry_max_s, lifetime_s;
    uint32_t queue_run_s;                 /**< scan period of the queue runner */
    uint32_t max_deliveries;              /**< queue runner processes at once */
    uint32_t max_queue;                   /**< messages, 0 = unlimited */
    uint32_t connect_timeout_s, smtp_timeout_s;
    uint32_t nsec3_iterations;            /**< NSEC3 iteration limit, only lowers
                                               DBX_NSEC3_MAX_ITERATIONS (its default) */
    uint16_t smtp_port;                   /**< outbound port (default 25; rigs) */
    int64_t dnssec_time;                  /**< 0: wall clock; else fixed (tests) */
    dbx_tls_policy_t default_policy;
    char policy_domain[RELAY_MAX_POLICIES][254];
    dbx_relay_policy_entry_t policies[RELAY_MAX_POLICIES];
    size_t n_policies;
} relay_config_t;

/** Fill defaults.  Cannot fail. */
void relay_config_defaults(relay_config_t *c);

/** Read and validate @p path into @p c (defaults first).  Errors go to
 *  stderr as "FILE:LINE: message".  @return 0 or -1. */
int relay_config_load(const char *path, relay_config_t *c);

/** True when @p a is inside one of the allowed networks. */
bool relay_config_allowed(const relay_config_t *c, const dbx_addr_t *a);

/** Print the effective configuration (for --check-config). */
void relay_config_print(const relay_config_t *c);

#endif /* DBX_RELAY_CONFIG_H */
