/**
 * @file dbx_mbedtls_config.h
 * @brief mbedTLS 3.6 configuration shared by the host CLI and the firmware.
 *
 * What danebox needs: SHA-1/256/384/512 digests (DS, NSEC3, TLSA), RSA and
 * ECDSA P-256/P-384 verification (RRSIG, X.509), X.509 parsing, and a TLS
 * 1.2 + 1.3 client for STARTTLS.  Entropy comes only from the board's HAL
 * (mbedtls_hardware_poll in hal/crypto/hal_crypto_mbedtls.c); there is no
 * platform entropy and no file or socket code.  Heap goes through
 * MBEDTLS_PLATFORM_MEMORY so the arena can bound and measure it.
 */
#ifndef DBX_MBEDTLS_CONFIG_H
#define DBX_MBEDTLS_CONFIG_H

/* ---- platform ---------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_DEPRECATED_REMOVED
#if !defined(__arm__)
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
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#if defined(__arm__)
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_MPI_WINDOW_SIZE 2
#endif

/* ---- X.509 -------------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* TLS 1.3 servers with RSA keys sign CertificateVerify with RSA-PSS
 * (RFC 8446 §4.2.3): without this mbedTLS offers no rsa_pss_rsae_* and every
 * RSA-keyed TLS 1.3 MX fails the handshake ("no suitable signature algorithm"). */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C

/* ---- symmetric + RNG ---------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_GENPRIME
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
/* host only: MBEDTLS_SSL_SRV_C comes from board/host/board.mk (the unit
 * tests' in-memory TLS peer and the inbound STARTTLS of `danebox relay`,
 * tools/danebox/relay_tls.c); the firmware is built without it. */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#define MBEDTLS_ERROR_C

#endif /* DBX_MBEDTLS_CONFIG_H */
