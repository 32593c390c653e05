/**
 * @file dbx_mbedtls_config.h
 * @brief mbedTLS 3.6 configuration shared by the host CLI and the firmware.
 *
 * What danebox needs: SHA-1/256/384/512 digests (DS, NSEC3, TLSA), RSA and
 * ECDSA P-256/P-384 verification (RRSIG, X.509), X.509 parsing, and a TLS
 * 1.2 + 1.3 client for STARTTLS that completes a handshake with what real MX
 * hosts run (a failed handshake under DANE is a deferral).
 *
 * TLS additions beyond ECDHE + AEAD, one switch each (1 = on).  The host
 * build takes the defaults (all on: what Postfix's default client cipher list
 * offers); a board turns them off in its board.mk (DBX_TLS_OPTS) after
 * weighing the flash cost that `make size` shows (README, "Footprint"):
 *   DBX_TLS_P521     ECDSA P-521 certificates / ECDHE secp521r1
 *   DBX_TLS_DHE      TLS 1.2 DHE-RSA key exchange (finite-field DH)
 *   DBX_TLS_CBC      TLS 1.2 AES-CBC suites (HMAC-SHA1/256/384, EtM)
 *   DBX_TLS_RSA_KEX  TLS 1.2 static RSA key exchange (no forward secrecy:
 *                    only ever chosen when the server offers nothing else)  Entropy comes only from the board's HAL
 * (mbedtls_hardware_poll in hal/crypto/hal_crypto_mbedtls.c); there is no
 * platform entropy and no file or socket code.  Heap goes through
 * MBEDTLS_PLATFORM_MEMORY so the arena can bound and measure it.
 */
#ifndef DBX_MBEDTLS_CONFIG_H
#define DBX_MBEDTLS_CONFIG_H

#ifndef DBX_TLS_P521
#define DBX_TLS_P521 1
#endif
#ifndef DBX_TLS_DHE
#define DBX_TLS_DHE 1
#endif
#ifndef DBX_TLS_CBC
#define DBX_TLS_CBC 1
#endif
#ifndef DBX_TLS_RSA_KEX
#define DBX_TLS_RSA_KEX 1
#endif

/* ---- platform ---------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_DEPRECATED_REMOVED
/* MBEDTLS_HAVE_ASM: bignum multiply-accumulate in inline assembly (bn_mul.h:
 * UMAAL on cores with the DSP extension, e.g. the Cortex-M4: RSA-2048 verify
 * 4.0 M -> 2.6 M instructions, BENCHMARKS.md "crypto backends").  Default:
 * on for the host and DSP cores, off for the others (Cortex-M3);
 * -DDBX_MBEDTLS_ASM=0/1 overrides. */
#ifndef DBX_MBEDTLS_ASM
#if !defined(__arm__) || (defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP == 1)
#define DBX_MBEDTLS_ASM 1
#else
#define DBX_MBEDTLS_ASM 0
#endif
#endif
#if DBX_MBEDTLS_ASM
#define MBEDTLS_HAVE_ASM
#endif

/* ---- digests ------------------------------------------------------------ */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#if defined(__arm__)
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER
#endif

/* ---- public key --------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#if !defined(__arm__)
/* host only: `danebox tlsa` derives the SPKI of a (next) private key */
#define MBEDTLS_PK_WRITE_C
#endif
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#if DBX_TLS_P521
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#endif
#if DBX_TLS_DHE
#define MBEDTLS_DHM_C
#endif
#define MBEDTLS_ECP_NIST_OPTIM
/* RAM-saving ECP settings on ARM; other values are measured variants
 * (-DMBEDTLS_ECP_WINDOW_SIZE=N -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1 in
 * DBX_CFLAGS; BENCHMARKS.md "crypto backends") */
#if defined(__arm__)
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 2
#endif
#ifndef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#endif
#define MBEDTLS_MPI_WINDOW_SIZE 2
#endif
/* DBX_X25519_HAL: mbedTLS' x/z ladder for Curve25519 (the TLS 1.3 x25519
 * key share: key generation and shared secret) runs on our constant-time
 * field arithmetic (hal/crypto/hal_x25519_mbedtls.c; 8.2 M -> 1.3 M M4
 * instructions per scalar multiplication, BENCHMARKS.md); other curves stay
 * on mbedTLS.  Default: on for the boards, off for the host (whose unit test
 * compares our X25519 with mbedTLS'); -DDBX_X25519_HAL=0/1 overrides. */
#ifndef DBX_X25519_HAL
#if defined(__arm__)
#define DBX_X25519_HAL 1
#else
#define DBX_X25519_HAL 0
#endif
#endif
#if DBX_X25519_HAL
#define MBEDTLS_ECP_INTERNAL_ALT
#define MBEDTLS_ECP_DOUBLE_ADD_MXZ_ALT
#define MBEDTLS_ECP_RANDOMIZE_MXZ_ALT
#define MBEDTLS_ECP_NORMALIZE_MXZ_ALT
/* Curve25519 is the only Montgomery curve here, so mbedTLS' own x/z code
 * can never run: leave it out (it would if Curve448 were enabled) */
#if !defined(MBEDTLS_ECP_DP_CURVE448_ENABLED)
#define MBEDTLS_ECP_NO_FALLBACK
#endif
#endif
/* DBX_ECDSA_VERIFY_HAL (Makefile: DBX_CRYPTO has an ECDSA backend): mbedTLS'
 * own ECDSA verify (X.509 chains, TLS 1.2 ServerKeyExchange, TLS 1.3
 * CertificateVerify) is replaced by hal/crypto/hal_crypto_mbedtls.c, which
 * hands P-256/P-384 to the crypto HAL: the same backend as DNSSEC. */
#if defined(DBX_ECDSA_VERIFY_HAL) && DBX_ECDSA_VERIFY_HAL
#define MBEDTLS_ECDSA_VERIFY_ALT
#endif

/* ---- X.509 -------------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* TLS 1.3 servers with RSA keys sign CertificateVerify with RSA-PSS
 * (RFC 8446 §4.2.3): without this mbedTLS offers no rsa_pss_rsae_* and every
 * RSA-keyed TLS 1.3 MX fails the handshake ("no suitable signature algorithm"). */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#if !defined(__arm__)
/* host only: PEM keys and certificates (the firmware parses DER: TLSA data,
 * the TLS chain) */
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#else
/* the firmware never prints a certificate: no x509 *_info() and no OID
 * description strings (issue 18, flash) */
#define MBEDTLS_X509_REMOVE_INFO
#endif

/* ---- symmetric + RNG ---------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#if DBX_TLS_CBC
#define MBEDTLS_CIPHER_MODE_CBC
#endif
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C
#if !defined(__arm__)
/* host only: RSA key generation (PSA's generate-key dispatch, which the TLS
 * 1.3 ECDHE share pulls in, links it otherwise; the board never makes an
 * RSA key) */
#define MBEDTLS_GENPRIME
#endif
#if defined(__arm__)
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#endif

/* ---- PSA (needed by TLS 1.3) -------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* ---- TLS client --------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#if !defined(__arm__)
/* host only: inbound STARTTLS of `danebox relay` (tools/danebox/relay_tls.c) */
#define MBEDTLS_SSL_SRV_C
#endif
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
/* session resumption (src/smtp/dbx_tls_cache.h): TLS 1.2 tickets, TLS 1.3
 * tickets resumed with psk_dhe_ke (forward secret) */
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#if !defined(__arm__)
/* host only: tickets issued by the unit tests' in-memory peer */
#define MBEDTLS_SSL_TICKET_C
#endif
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#if DBX_TLS_DHE
#define MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED
#endif
#if DBX_TLS_RSA_KEX
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
#endif
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#if defined(__arm__)
/* the board is a TLS client only: a ClientHello, Finished and the mail
 * (written in pieces) need far less; 2 KB more heap for the relay's
 * delivery next to its listener.  The host's inbound STARTTLS server sends
 * its certificate chain in one record: 4 KB there. */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048
#else
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif

#if !defined(__arm__)
/* host only: error texts (13.7 KB of strings on the board, where
 * dbx_tls_last_error() prints the code instead) */
#define MBEDTLS_ERROR_C
#endif

#endif /* DBX_MBEDTLS_CONFIG_H */
