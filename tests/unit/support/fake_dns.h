/**
 * @file fake_dns.h
 * @brief A fake ::dbx_transport_t for the DNS unit tests: every question
 *        sent is answered from an in-memory zone tree (::dbx_memsrc_t), one
 *        reply queue per socket, with switches for late, cross-wired,
 *        truncated and forged replies.
 */
#ifndef DBX_FAKE_DNS_H
#define DBX_FAKE_DNS_H

#include "dbx_transport.h"
#include "dnssec/dbx_resolver.h"
#include "test_util.h"

#include <stdint.h>

#define DBX_FAKE_DNS_SOCKS 64

/** One socket of the fake. */
typedef struct dbx_fake_sock {
    dbx_sock_type_t type;
    int idx;          /**< open order */
    uint16_t id;      /**< ID of the query sent on it */
    uint16_t qtype;   /**< its question's type */
    uint8_t *reply;   /**< what it will deliver */
    size_t len, pos;
    int delay;        /**< recv calls answered with a timeout first */
    int open;
} dbx_fake_sock_t;

/** The fake's state; zero it, then set mem (and the switches). */
typedef struct dbx_fake_dns {
    dbx_memsrc_t *mem;          /**< answers come from here */
    dbx_fake_sock_t socks[DBX_FAKE_DNS_SOCKS];
    int nsocks, open_now, open_peak;
    int sends, recv_data, sends_before_first_data;
    int delay_first;  /**< delay for socket 0 */
    int cross;        /**< socket 1 first gets socket 0's reply */
    int tc_socket;    /**< UDP socket whose reply is truncated (-1: none, -2: all) */
    int forge_socket; /**< socket that first gets a forged reply (-1: none) */
    int forge_kind;   /**< 1: wrong ID, 2: right ID, another question */
    int errors;       /**< calls the fake could not serve (a test asserts 0) */
} dbx_fake_dns_t;

/** The tree @p mem's answer (ldns_pkt_free()) to the query @p wire of
 *  @p len bytes, its ID and question (case preserved) echoed; *@p qtype
 *  (may be NULL) its type.  NULL when it does not parse or has no answer. */
ldns_pkt *dbx_fake_dns_reply(dbx_memsrc_t *mem, const uint8_t *wire, size_t len, uint16_t *qtype);

/** Reset @p f for the tree @p mem (switches off). */
void dbx_fake_dns_reset(dbx_fake_dns_t *f, dbx_memsrc_t *mem);
/** The transport view of @p f (valid while @p f lives). */
dbx_transport_t dbx_fake_dns_transport(dbx_fake_dns_t *f);
/** Questions of type @p qtype sent so far (0: any). */
int dbx_fake_dns_sent(const dbx_fake_dns_t *f, uint16_t qtype);

/** The signed test tree behind a fake, its transport and one upstream. */
typedef struct dbx_fake_dns_fx {
    dbx_test_zones_t z;
    dbx_fake_dns_t f;
    dbx_transport_t tr;
    dbx_addr_t up;     /**< 192.0.2.53:53 (the fake ignores it) */
} dbx_fake_dns_fx_t;

/** Load the tree in @p zdir (dbx_test_zones_init()) and reset the fake.
 *  @return the fixture (dbx_fake_dns_fx_free()) or NULL. */
dbx_fake_dns_fx_t *dbx_fake_dns_fx_new(const char *zdir);
/** Free the fixture (accepts NULL). */
void dbx_fake_dns_fx_free(dbx_fake_dns_fx_t *fx);

#endif /* DBX_FAKE_DNS_H */
