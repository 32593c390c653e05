/**
 * @file cli_dns.h
 * @brief DNS options shared by the operator subcommands (`tlsa --compare`,
 *        `monitor`): --resolver ADDR[:PORT] (repeatable), --anchor FILE,
 *        --time UNIX, and opening the validating resolver from them.
 */
#ifndef DBX_CLI_DNS_H
#define DBX_CLI_DNS_H

#include "dbx_transport.h"
#include "dnssec/dbx_resolver.h"
#include "host_net.h"

#include <stdbool.h>
#include <stdint.h>

/** Parsed DNS options. */
typedef struct dbx_cli_dns {
    dbx_addr_t ups[DBX_DNS_MAX_UPSTREAMS];
    size_t nups;
    const char *anchor_path; /**< NULL: built-in root anchor */
    int64_t now;             /**< --time, else the wall clock */
    bool have_time;
    /* set by dbx_cli_dns_open() */
    dbx_trust_t trust;
    host_net_t net;
    dbx_transport_t tr;
    dbx_resolver_t *r;       /**< calloc'd */
} dbx_cli_dns_t;

/** Zero @p d.  Cannot fail. */
void dbx_cli_dns_init(dbx_cli_dns_t *d);

/**
 * Try option @p opt with value @p val (NULL when there is none).
 * @return 1 consumed (the value too), 0 not a DNS option, -1 bad value
 *         (message on stderr).
 */
int dbx_cli_dns_option(dbx_cli_dns_t *d, const char *opt, const char *val);

/** Fill in defaults (wall clock, /etc/resolv.conf), load the anchor and
 *  open the resolver.  @return a DBX_EXIT_* code (messages on stderr). */
int dbx_cli_dns_open(dbx_cli_dns_t *d);

/** Release what dbx_cli_dns_open() made (accepts a never-opened @p d). */
void dbx_cli_dns_close(dbx_cli_dns_t *d);

#endif /* DBX_CLI_DNS_H */
