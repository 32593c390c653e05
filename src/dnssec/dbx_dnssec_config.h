/**
 * @file dbx_dnssec_config.h
 * @brief Every limit of the stub resolver and validator, with defaults.
 *
 * Override any value with -D on the compiler line, or put overrides in a file
 * named by -DDBX_DNSSEC_CONFIG_FILE='"my_config.h"' (included first,
 * by dns/dbx_dns_config.h, which holds the DNS transport limits and is
 * included here).  The check block at the end stops the build on nonsense values.
 *
 * The limits defend against hostile zones and upstreams: KeyTrap
 * (CVE-2023-50387: many keys x many signatures with colliding key tags) and
 * NSEC3 hash exhaustion (CVE-2023-50868), oversized answers and long chains.
 * Every limit hit ends the resolution with a reason naming the limit.
 */
#ifndef DBX_DNSSEC_CONFIG_H
#define DBX_DNSSEC_CONFIG_H

/* The DNS transport limits (and the DBX_DNSSEC_CONFIG_FILE overrides,
 * included there first) come from src/dns. */
#include "dns/dbx_dns_config.h"

/* ---- validator (src/dnssec) ------------------------------------------- */

/** Upstream queries (answer-source fetches) per dbx_resolve() call. */
/** Wall time one resolution may spend before it sends no further query
 *  (ms).  Each query has its own timeouts; this bounds their sum against
 *  upstreams that answer slowly on purpose.  Exceeded -> indeterminate. */
#ifndef DBX_RESOLVE_TIME_LIMIT_MS
#define DBX_RESOLVE_TIME_LIMIT_MS 60000u
#endif

#ifndef DBX_MAX_QUERIES
#define DBX_MAX_QUERIES 48
#endif
/** Zones whose DS/DNSKEY questions one check remembers having prefetched
 *  (32-bit name hashes; a collision only costs a prefetch). */
#ifndef DBX_PREFETCH_ASKED
#define DBX_PREFETCH_ASKED 8
#endif
/** Deepest zone a prefetch round guesses a cut at (labels; 0: the root
 *  only).  1: the TLDs.  2 would also ask the keys of every second-level
 *  name (example.com), which costs two wasted questions per check wherever
 *  that name is no zone cut, and makes round 1 wider than the board's 4. */
#ifndef DBX_PREFETCH_GUESS_LABELS
#define DBX_PREFETCH_GUESS_LABELS 1
#endif
/** Signature verifications (RSA/ECDSA operations) per dbx_resolve(). */
#ifndef DBX_MAX_SIG_VERIFY
#define DBX_MAX_SIG_VERIFY 64
#endif
/** Signature verifications tried for one RRset (KeyTrap: colliding tags). */
#ifndef DBX_MAX_SIG_PER_RRSET
#define DBX_MAX_SIG_PER_RRSET 8
#endif
/** DNSKEYs considered in one zone's DNSKEY RRset; more: bogus. */
#ifndef DBX_MAX_DNSKEYS
#define DBX_MAX_DNSKEYS 16
#endif
/** DS records considered at one zone cut; more: bogus. */
#ifndef DBX_MAX_DS
#define DBX_MAX_DS 16
#endif
/** NSEC3 name hashes computed per dbx_resolve() (CVE-2023-50868). */
#ifndef DBX_MAX_NSEC3_HASHES
#define DBX_MAX_NSEC3_HASHES 32
#endif
/** NSEC3 iterations above this: the answer is treated as insecure (RFC 9276 s3.2). */
#ifndef DBX_NSEC3_MAX_ITERATIONS
#define DBX_NSEC3_MAX_ITERATIONS 150
#endif
/** NSEC/NSEC3 RRsets validated per denial proof; more: bogus. */
#ifndef DBX_MAX_DENIAL_RRSETS
#define DBX_MAX_DENIAL_RRSETS 8
#endif
/** RRsets (distinct types at the name) validated in one ANY answer; more: bogus. */
#ifndef DBX_MAX_ANY_RRSETS
#define DBX_MAX_ANY_RRSETS 32
#endif
/** CNAME/DNAME links followed per resolution. */
#ifndef DBX_MAX_CNAME_HOPS
#define DBX_MAX_CNAME_HOPS 8
#endif
/** Zone cuts not yet known that one signer-driven chain may need below the
 *  deepest known one (pending DS answers held while the parent's chain is
 *  built); more: the label walk proves the rest. */
#ifndef DBX_MAX_CUT_STACK
#define DBX_MAX_CUT_STACK 8
#endif
/** Zone cuts (secure or insecure) the key cache keeps; LRU beyond that. */
#ifndef DBX_CACHE_ENTRIES
#define DBX_CACHE_ENTRIES 32
#endif
/** Validated answers (RRsets and proven denials, keyed by question name,
 *  type and class IN) the answer cache keeps; LRU beyond that. */
#ifndef DBX_ACACHE_ENTRIES
#define DBX_ACACHE_ENTRIES 16
#endif
/** Bytes of the answer cache's record arena (names, reasons and RRs in
 *  wire form, inside the resolver state); LRU beyond that.  A check of a
 *  one-MX domain (MX, A, AAAA, TLSA) takes ~400 bytes. */
#ifndef DBX_ACACHE_BYTES
#define DBX_ACACHE_BYTES 2048
#endif
/** Seconds a bogus result is remembered (so a broken zone is not validated
 *  again on every message), whatever its TTLs say. */
#ifndef DBX_ACACHE_BOGUS_TTL
#define DBX_ACACHE_BOGUS_TTL 30
#endif
/** Upper bound on any cached TTL, seconds. */
#ifndef DBX_CACHE_MAX_TTL
#define DBX_CACHE_MAX_TTL 86400
#endif
/** Default clock skew allowed on RRSIG inception/expiration, seconds. */
#ifndef DBX_DEFAULT_CLOCK_SKEW
#define DBX_DEFAULT_CLOCK_SKEW 300
#endif
/** RRs in one RRset accepted for validation. */
#ifndef DBX_MAX_RRSET_RRS
#define DBX_MAX_RRSET_RRS 64
#endif
/** Signed data (RFC 4034 s3.1.8.1) built to verify one RRSIG, bytes: the
 *  RRset uncompressed, its owner name repeated per RR.  Default: the
 *  largest response plus a full-length owner name per RR.  More: bogus. */
#ifndef DBX_MAX_SIGNED_DATA
#define DBX_MAX_SIGNED_DATA (DBX_DNS_MAX_RESPONSE + DBX_MAX_RRSET_RRS * 256)
#endif
/** RRs held by the in-memory (offline) answer source. */
#ifndef DBX_MEMSRC_MAX_RRS
#define DBX_MEMSRC_MAX_RRS 4096
#endif

/* ---- check block --------------------------------------------------------- */
#if DBX_RESOLVE_TIME_LIMIT_MS < 1000u || DBX_RESOLVE_TIME_LIMIT_MS > 600000u
#error "DBX_RESOLVE_TIME_LIMIT_MS must be 1000..600000"
#endif
#if DBX_PREFETCH_ASKED < 1 || DBX_PREFETCH_GUESS_LABELS < 0 || DBX_PREFETCH_GUESS_LABELS > 8
#error "DBX_PREFETCH_ASKED must be >= 1, DBX_PREFETCH_GUESS_LABELS 0..8"
#endif
#if DBX_MAX_QUERIES < 2 || DBX_MAX_QUERIES > 1000
#error "DBX_MAX_QUERIES must be 2..1000"
#endif
#if DBX_MAX_SIG_VERIFY < 2 || DBX_MAX_SIG_PER_RRSET < 1 || DBX_MAX_SIG_PER_RRSET > DBX_MAX_SIG_VERIFY
#error "signature budgets: need 1 <= DBX_MAX_SIG_PER_RRSET <= DBX_MAX_SIG_VERIFY, total >= 2"
#endif
#if DBX_MAX_DNSKEYS < 1 || DBX_MAX_DS < 1
#error "DBX_MAX_DNSKEYS and DBX_MAX_DS must be >= 1"
#endif
#if DBX_MAX_NSEC3_HASHES < 3
#error "DBX_MAX_NSEC3_HASHES must allow a closest-encloser proof (>= 3)"
#endif
#if DBX_MAX_DENIAL_RRSETS < 3
#error "DBX_MAX_DENIAL_RRSETS must allow an NSEC3 NXDOMAIN proof (>= 3)"
#endif
#if DBX_NSEC3_MAX_ITERATIONS < 0 || DBX_NSEC3_MAX_ITERATIONS > 2500
#error "DBX_NSEC3_MAX_ITERATIONS must be 0..2500 (RFC 5155 s10.3 bound)"
#endif
#if DBX_MAX_ANY_RRSETS < 1 || DBX_MAX_ANY_RRSETS > 256
#error "DBX_MAX_ANY_RRSETS must be 1..256"
#endif
#if DBX_MAX_CNAME_HOPS < 1 || DBX_MAX_CNAME_HOPS > 32
#error "DBX_MAX_CNAME_HOPS must be 1..32"
#endif
#if DBX_MAX_CUT_STACK < 2 || DBX_MAX_CUT_STACK > 64
#error "DBX_MAX_CUT_STACK must be 2..64"
#endif
#if DBX_CACHE_ENTRIES < 1 || DBX_CACHE_MAX_TTL < 0
#error "DBX_CACHE_ENTRIES must be >= 1, DBX_CACHE_MAX_TTL >= 0"
#endif
#if DBX_ACACHE_ENTRIES < 1 || DBX_ACACHE_ENTRIES > 1024 || DBX_ACACHE_BYTES < 1024 || \
    DBX_ACACHE_BYTES > 65535
#error "DBX_ACACHE_ENTRIES must be 1..1024, DBX_ACACHE_BYTES 1024..65535 (uint16_t offsets)"
#endif
#if DBX_ACACHE_BOGUS_TTL < 5 || DBX_ACACHE_BOGUS_TTL > 60
#error "DBX_ACACHE_BOGUS_TTL must be 5..60 seconds (bogus results are kept only briefly)"
#endif
#if DBX_DEFAULT_CLOCK_SKEW < 0 || DBX_DEFAULT_CLOCK_SKEW > 86400
#error "DBX_DEFAULT_CLOCK_SKEW must be 0..86400"
#endif
#if DBX_MAX_SIGNED_DATA < 1024 || DBX_MAX_SIGNED_DATA > 1048576
#error "DBX_MAX_SIGNED_DATA must be 1024..1048576"
#endif
#if DBX_MAX_RRSET_RRS < 1 || DBX_MEMSRC_MAX_RRS < 1
#error "RR-count limits must be >= 1"
#endif

#endif /* DBX_DNSSEC_CONFIG_H */
