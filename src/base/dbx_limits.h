/**
 * @file dbx_limits.h
 * @brief Every resource limit of the core in one place (check, DANE, TLS,
 *        SMTP), each overridable with -D, and #error checks that the
 *        fields holding counts and indexes cannot overflow when a limit is
 *        raised.  Dependency-free (part of the base).
 *
 * The DNS transport limits live in src/dns/dbx_dns_config.h, the DNSSEC
 * validator limits in src/dnssec/dbx_dnssec_config.h.
 */
#ifndef DBX_LIMITS_H
#define DBX_LIMITS_H

/* ---- check (src/check/dbx_check.h) -------------------------------------- */
#ifndef DBX_CHECK_MAX_HOSTS
#define DBX_CHECK_MAX_HOSTS 8 /**< MX hosts checked (rest ignored, counted) */
#endif
#ifndef DBX_CHECK_MAX_ADDRS
#define DBX_CHECK_MAX_ADDRS 4 /**< addresses probed per host (both families) */
#endif
#ifndef DBX_CHECK_MAX_TLSA
#define DBX_CHECK_MAX_TLSA 8 /**< TLSA records kept in the report per host */
#endif

/* ---- DANE matching (src/dane/dbx_dane.h) -------------------------------- */
#ifndef DBX_DANE_MAX_RECORDS
#define DBX_DANE_MAX_RECORDS 16 /**< TLSA records considered, rest ignored */
#endif
#ifndef DBX_DANE_MAX_CHAIN
#define DBX_DANE_MAX_CHAIN 8 /**< certificates of the sent chain considered */
#endif
#ifndef DBX_DANE_MAX_NAMES
#define DBX_DANE_MAX_NAMES 8 /**< reference identifiers considered */
#endif

/* ---- TLS (src/smtp/dbx_tls.h) ------------------------------------------- */
#ifndef DBX_TLS_CHAIN_MAX
#define DBX_TLS_CHAIN_MAX 8 /**< certificates exposed to the verifier: the leaf,
                                 its issuer path, then the rest as sent; a
                                 longer chain is cut, never an error */
#endif
#ifndef DBX_TLS_SNI_MAX
#define DBX_TLS_SNI_MAX 253 /**< longest DNS name (presentation, no final dot) */
#endif

/* ---- SMTP (src/smtp/dbx_smtp.h) ----------------------------------------- */
#ifndef DBX_TLS_CACHE_ENTRIES
#if defined(__arm__)
#define DBX_TLS_CACHE_ENTRIES 2 /**< resumable TLS sessions kept (board) */
#else
#define DBX_TLS_CACHE_ENTRIES 16 /**< resumable TLS sessions kept (host) */
#endif
#endif
#ifndef DBX_TLS_CACHE_BLOB_MAX
#if defined(__arm__)
#define DBX_TLS_CACHE_BLOB_MAX 1280u /**< octets of one saved session (a TLS 1.2
                                          session carries the leaf certificate) */
#else
#define DBX_TLS_CACHE_BLOB_MAX 2560u
#endif
#endif
#ifndef DBX_TLS_CACHE_MAX_AGE_S
#define DBX_TLS_CACHE_MAX_AGE_S 3600u /**< a saved session is never offered after
                                           this (Postfix: smtp_tls_session_cache_timeout) */
#endif

#ifndef DBX_SMTP_LINE_MAX
#define DBX_SMTP_LINE_MAX 1000u /**< octets per reply line incl. CRLF */
#endif
#ifndef DBX_SMTP_REPLY_LINES
#define DBX_SMTP_REPLY_LINES 64u /**< lines per reply */
#endif
#ifndef DBX_SMTP_REPLY_MAX
#define DBX_SMTP_REPLY_MAX 16384u /**< octets per reply */
#endif
#ifndef DBX_SMTP_TEXT_MAX
#define DBX_SMTP_TEXT_MAX 160u /**< first reply line kept for reports */
#endif
#ifndef DBX_SMTP_HELO_MAX
#define DBX_SMTP_HELO_MAX 253u
#endif
#ifndef DBX_SMTP_REPLY_TEXT
#define DBX_SMTP_REPLY_TEXT 512u /**< reply text kept by the command API */
#endif

/* ---- SMTP server (src/smtpd/dbx_smtpd.h) -------------------------------- */
#ifndef DBX_SMTPD_MIN_DATA_RATE
#define DBX_SMTPD_MIN_DATA_RATE 500u /**< octets/s a body must keep up (Postfix's
                                          smtpd_min_data_rate); slower is a
                                          slowloris: 421 4.4.2 at the data timeout */
#endif

/* ---- consistency: field widths -------------------------------------------- */
#if DBX_CHECK_MAX_HOSTS < 1 || DBX_CHECK_MAX_HOSTS > 127
#error "DBX_CHECK_MAX_HOSTS: 1..127 (int8_t deciding_host, uint8_t n_hosts/cursor)"
#endif
#if DBX_CHECK_MAX_ADDRS < 1 || DBX_CHECK_MAX_ADDRS > 127
#error "DBX_CHECK_MAX_ADDRS: 1..127 (int8_t deciding_addr, uint8_t n_addrs/cursor)"
#endif
#if DBX_CHECK_MAX_TLSA < 1 || DBX_CHECK_MAX_TLSA > DBX_DANE_MAX_RECORDS
#error "DBX_CHECK_MAX_TLSA: 1..DBX_DANE_MAX_RECORDS (the report keeps what the matcher saw)"
#endif
#if DBX_DANE_MAX_RECORDS < 1 || DBX_DANE_MAX_RECORDS > 127
#error "DBX_DANE_MAX_RECORDS: 1..127 (int8_t matched_record, uint8_t usable_tlsa)"
#endif
#if DBX_DANE_MAX_CHAIN < 1 || DBX_DANE_MAX_CHAIN > 127
#error "DBX_DANE_MAX_CHAIN: 1..127 (int8_t matched_depth)"
#endif
#if DBX_DANE_MAX_NAMES < 3
#error "DBX_DANE_MAX_NAMES: >= 3 (TLSA base, MX host, CNAME-expanded name)"
#endif
#if DBX_TLS_CHAIN_MAX < 1 || DBX_TLS_CHAIN_MAX > 255
#error "DBX_TLS_CHAIN_MAX: 1..255 (uint8_t chain_len)"
#endif
#if DBX_TLS_SNI_MAX < 253
#error "DBX_TLS_SNI_MAX: >= 253 (any DNS name)"
#endif
#if DBX_SMTP_LINE_MAX < 512u || DBX_SMTP_LINE_MAX > 65535u
#error "DBX_SMTP_LINE_MAX: 512 (RFC 5321 4.5.3.1.5) .. 65535"
#endif
#if DBX_SMTP_REPLY_MAX < DBX_SMTP_LINE_MAX
#error "DBX_SMTP_REPLY_MAX: >= DBX_SMTP_LINE_MAX"
#endif
#if DBX_SMTP_REPLY_LINES < 1u || DBX_SMTP_REPLY_LINES > 65535u
#error "DBX_SMTP_REPLY_LINES: 1..65535 (uint16_t dbx_smtp_reply_t.lines)"
#endif
#if DBX_SMTP_TEXT_MAX < 16u || DBX_SMTP_REPLY_TEXT < 16u
#error "DBX_SMTP_TEXT_MAX / DBX_SMTP_REPLY_TEXT: >= 16"
#endif
#if DBX_SMTPD_MIN_DATA_RATE < 1u || DBX_SMTPD_MIN_DATA_RATE > 1000000u
#error "DBX_SMTPD_MIN_DATA_RATE: 1..1000000 octets/s"
#endif
#if DBX_SMTP_HELO_MAX < 1u || DBX_SMTP_HELO_MAX > 253u
#error "DBX_SMTP_HELO_MAX: 1..253"
#endif

#endif /* DBX_LIMITS_H */
