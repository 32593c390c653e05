/**
 * @file dbx_config.h
 * @brief The firmware run configuration ("config block"): space-separated
 *        `key=value` words, e.g. from the semihosting command line.
 *
 *   ip=192.0.2.100/24 gw=192.0.2.1 ip6=2001:db8::100 resolver=192.0.2.2
 *   resolver=2001:db8::2 mode=dnsprobe query=./SOA,_25._tcp.mx.rsa.test/TLSA
 *   check=rsa.test,ecdsa.test anchor=rig time=auto timeout=3000
 *   mode=resolve anchor=rig anchor-ds=12345:8:2:49AAC1...  query=...
 *   mode=probe probe=192.0.2.25 sni=mx1.dane-ee.test
 *
 * Keys (each at most once, except resolver= up to DBX_CFG_MAX_RESOLVERS):
 *  - mode=selftest|ping|dnsprobe|resolve|probe|bench|check|relay   default selftest
 *                                      (bench: crypto timings, tools/bench/;
 *                                      check: RFC 7672 check of check= domains,
 *                                      needs resolver= and check=)
 *  - ip=A.B.C.D/N | dhcp               IPv4 address, prefix length required;
 *                                      or dhcp: lease from a DHCPv4 server
 *                                      (address, mask, router, DNS server)
 *  - gw=A.B.C.D                        IPv4 default gateway (with ip=dhcp:
 *                                      overrides the DHCP router)
 *  - ip6=ADDR[/64]                     static IPv6 address (lwIP: /64 only)
 *  - resolver=ADDR | [ADDR6]:PORT | ADDR4:PORT   port defaults to 53; with
 *                                      ip=dhcp and no resolver= the DNS
 *                                      server of the lease is used
 *  - ping=ADDR                         mode=ping target (default: gw)
 *  - query=NAME/TYPE[,NAME/TYPE...]    mode=dnsprobe / mode=resolve questions
 *  - check=DOMAIN[,DOMAIN...]          mail domains to verify (mode=check)
 *  - anchor=builtin|rig                trust anchor source
 *  - anchor-ds=TAG:ALG:DIGTYPE:HEX[,...]  the rig's root DS record(s) (owner
 *                                      ".", at most DBX_CFG_MAX_DS, digest
 *                                      1..DBX_CFG_DS_DIGEST_MAX octets);
 *                                      needed by anchor=rig in mode=resolve
 *                                      and mode=check,
 *                                      refused with anchor=builtin
 *  - probe=ADDR | ADDR4:PORT | [ADDR6]:PORT   mode=probe SMTP peer (port 25)
 *  - sni=NAME                          mode=probe TLS SNI (required there)
 *  - time=auto|UNIXSECONDS             wall clock source
 *  - timeout=MS                        per-exchange timeout, 100..60000
 *  - nsec3-iterations=N                NSEC3 iteration limit, 0..150 (default
 *                                      150, the built-in maximum: it can only
 *                                      be lowered; denials above it are
 *                                      insecure, RFC 9276)
 *  - resume=on|off                    mode=check: TLS session resumption (on)
 * mode=relay (the SMTP relay on the board; needs ip= and flash=):
 *  - flash=PATH                        the queue's flash image (QEMU: a
 *                                      host file via semihosting, created
 *                                      blank when missing)
 *  - allow=A.B.C.D/N[,...]             clients that may relay (max 4;
 *                                      others may only send to nobody: 554)
 *  - max-size=N                        message size limit, 1024..1048576
 *                                      (default 65536)
 *  - max-rcpts=N                       recipients per message, 1..8 (8)
 *  - port=N                            listening port (default 25); 0: no
 *                                      listener, print the queue and exit
 *  - powercut=N                        TEST ONLY: cut the power at the N-th
 *                                      flash program/erase operation
 *  - powercut-torn=0|1                 TEST ONLY: the cut leaves a torn unit
 * Parsing is strict: an unknown key, a repeated key, an empty or malformed
 * value, or a missing prerequisite (a mode needing an address) is an error
 * with a one-line explanation.  Portable C, no OS calls.
 */
#ifndef DBX_CONFIG_H
#define DBX_CONFIG_H

#include "dbx_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DBX_CFG_MAX_RESOLVERS 4
#define DBX_CFG_MAX_NAMES     8
#define DBX_CFG_NAME_MAX      256 /**< presentation name incl. NUL */
#define DBX_CFG_MAX_DS        2
#define DBX_CFG_DS_DIGEST_MAX 64  /**< SHA-512 size; SHA-256 is 32 */

/** One DS record of a configured trust anchor (owner: the root). */
typedef struct dbx_cfg_ds {
    uint16_t key_tag;
    uint8_t alg;
    uint8_t digest_type;
    uint8_t digest_len;
    uint8_t digest[DBX_CFG_DS_DIGEST_MAX];
} dbx_cfg_ds_t;

typedef enum dbx_mode {
    DBX_MODE_SELFTEST = 0, /**< boot checks only */
    DBX_MODE_PING,         /**< ARP + ICMP echo diagnostic */
    DBX_MODE_DNSPROBE,     /**< DNS exchanges over the transport (UDP + TCP) */
    DBX_MODE_RESOLVE,      /**< validated lookups (dbx_resolve) of query= */
    DBX_MODE_PROBE,        /**< one STARTTLS + TLS session to probe= */
    DBX_MODE_BENCH,        /**< crypto HAL timings (needs no network) */
    DBX_MODE_CHECK,        /**< dbx_check_run() for every check= domain */
    DBX_MODE_RELAY,        /**< SMTP relay: listener + flash queue */
} dbx_mode_t;

#define DBX_CFG_MAX_ALLOW 4
#define DBX_CFG_PATH_MAX  96 /**< flash= host file path incl. NUL */

/** One allowed client network (relay allowlist). */
typedef struct dbx_cfg_net {
    dbx_addr_t addr; /**< port unused */
    uint8_t prefix;
} dbx_cfg_net_t;

typedef enum dbx_anchor_src {
    DBX_ANCHOR_BUILTIN = 0, /**< the compiled-in IANA root anchor */
    DBX_ANCHOR_RIG,         /**< the test rig's root anchor */
} dbx_anchor_src_t;

/** One question: presentation name (absolute, with final dot) and type. */
typedef struct dbx_cfg_query {
    char name[DBX_CFG_NAME_MAX];
    uint16_t type;
} dbx_cfg_query_t;

typedef struct dbx_config {
    dbx_mode_t mode;
    int has_ip4, has_gw4, has_ip6, has_ping;
    /** ip=dhcp: ip4/prefix4 (has_ip4), gw4 unless gw= given (has_gw4) and
     *  resolver[0] when resolver_dhcp are filled in by the firmware from
     *  the lease; the parser leaves has_ip4 0 */
    int dhcp4;
    int resolver_dhcp;   /**< ip=dhcp, a DNS mode and no resolver= given */
    dbx_addr_t ip4;      /**< port unused */
    uint8_t prefix4;
    dbx_addr_t gw4;
    dbx_addr_t ip6;
    dbx_addr_t ping;
    dbx_addr_t resolver[DBX_CFG_MAX_RESOLVERS];
    size_t n_resolvers;
    dbx_cfg_query_t query[DBX_CFG_MAX_NAMES];
    size_t n_queries;
    char check[DBX_CFG_MAX_NAMES][DBX_CFG_NAME_MAX];
    size_t n_checks;
    dbx_anchor_src_t anchor;
    dbx_cfg_ds_t anchor_ds[DBX_CFG_MAX_DS];
    size_t n_anchor_ds;
    int has_probe;
    dbx_addr_t probe;    /**< mode=probe peer; port 25 unless given */
    char sni[DBX_CFG_NAME_MAX]; /**< mode=probe SNI, as given (no dot added) */
    int64_t time;        /**< 0 = auto (board clock), else fixed Unix time */
    uint32_t timeout_ms; /**< per exchange; default 3000 */
    uint16_t nsec3_iter; /**< NSEC3 iteration limit; default (and at most)
                              DBX_NSEC3_MAX_ITERATIONS */
    int no_resume;       /**< mode=check resume=off: no TLS session resumption
                              (default on: src/smtp/dbx_tls_cache.h) */
    /* mode=relay */
    char flash[DBX_CFG_PATH_MAX]; /**< queue image (QEMU: host file) */
    uint32_t powercut;            /**< power cut at flash op N (0 = never) */
    int powercut_torn;            /**< the cut leaves a torn unit */
    dbx_cfg_net_t allow[DBX_CFG_MAX_ALLOW]; /**< clients that may relay */
    size_t n_allow;
    uint32_t max_size;            /**< message size limit; default 65536 */
    uint16_t max_rcpts;           /**< recipients per message; default 8 */
    uint16_t relay_port;          /**< listening port; default 25 */
} dbx_config_t;

/** Parse the words of @p line (NUL-terminated; words separated by spaces or
 *  tabs) into @p cfg.  On error writes a one-line reason into @p err.
 *  @return DBX_OK, DBX_ERR_MALFORMED (bad word/value), DBX_ERR_LIMIT (too
 *  many values), DBX_ERR_INVAL (inconsistent: e.g. dnsprobe without resolver). */
int dbx_config_parse(const char *line, dbx_config_t *cfg, char *err, size_t errcap);

#define DBX_CFG_DHCP_WAIT_MIN_MS 20000u
#define DBX_CFG_DHCP_WAIT_MAX_MS 60000u

/** ip=dhcp: how long the firmware waits for a lease: 5 x timeout=,
 *  clamped to 20..60 s (default timeout 3000 ms -> 20 s).  A lease takes
 *  ~7.5 s on a quiet LAN (RFC 5227 probing), plus 2 s / 6 s / 14 s when
 *  the first DISCOVERs go unanswered. */
uint32_t dbx_config_dhcp_wait_ms(const dbx_config_t *cfg);

/** @return the text of @p mode ("selftest", ...). */
const char *dbx_mode_name(dbx_mode_t mode);

/** RR type mnemonic <-> number for the types the config accepts
 *  (A NS SOA MX TXT AAAA DS RRSIG NSEC DNSKEY NSEC3 TLSA).
 *  @return 0 when unknown / NULL when unknown. */
uint16_t dbx_rrtype_from_name(const char *s, size_t n);
const char *dbx_rrtype_name(uint16_t type);

#ifdef __cplusplus
}
#endif
#endif /* DBX_CONFIG_H */
