/**
 * @file hal_mbedtls.h
 * @brief mbedTLS glue: bounded, measured heap for mbedTLS.
 */
#ifndef HAL_MBEDTLS_H
#define HAL_MBEDTLS_H

#include <stddef.h>

#ifndef HAL_MBEDTLS_HEAP_DEFAULT_CAP
#define HAL_MBEDTLS_HEAP_DEFAULT_CAP (96u * 1024u) /**< bytes mbedTLS may hold */
#endif

/** Install the counting allocator in mbedTLS.  Call once before any use. */
void hal_mbedtls_init(void);
/** Change the cap (bytes); allocations beyond it fail. */
void hal_mbedtls_heap_set_cap(size_t cap);
/** Current and peak bytes held by mbedTLS (either may be NULL). */
void hal_mbedtls_heap_stats(size_t *cur, size_t *peak);
/** Start a new high-water measurement from the current level. */
void hal_mbedtls_heap_reset_peak(void);
/** Set aside one block of @p len bytes from the heap, now, for mbedTLS'
 *  largest allocation (the TLS input record buffer, ~16.7 KB): a request
 *  of len/2..len bytes gets it while it is free, so a long-running board
 *  mode whose heap fragments (DNS answers, queue, sessions) still finds the
 *  one contiguous buffer a handshake needs.  Counted like any block; never
 *  returned to the heap.  @return 0, or -1 (no memory, or already set). */
int hal_mbedtls_heap_reserve(size_t len);

#include <stdint.h>
#include "mbedtls/ecp.h"

/**
 * ECDSA verify (SEC 1 4.1.4) on mbedTLS' own group arithmetic, for any curve
 * mbedTLS has: the software backend's maths and the MBEDTLS_ECDSA_VERIFY_ALT
 * bridge's path for curves the HAL does not carry (P-521).
 * @return DBX_OK when (r, s) is valid for @p digest under @p q, else
 *         DBX_ERR_CRYPTO.
 */
int hal_mbedtls_ecdsa_math(mbedtls_ecp_group *grp, const uint8_t *digest, size_t dlen,
                           const mbedtls_ecp_point *q, const mbedtls_mpi *r, const mbedtls_mpi *s);

/**
 * RSASSA-PKCS1-v1_5 verify (RFC 8017 §8.2.2) of @p sig (@p nlen octets) over
 * the message digest @p digest (@p hlen = 20, 32, 48 or 64: SHA-1/-256/-384/
 * -512) with modulus @p n (@p nlen octets, no leading zero octet; size
 * checked by the caller) and public exponent @p e.  Variable time: for
 * public data only.  hal/crypto/hal_rsa_pub.c.
 * @return DBX_OK, DBX_ERR_CRYPTO (bad signature), DBX_ERR_MALFORMED (even
 *         modulus or exponent, e <= 1), DBX_ERR_UNSUPPORTED, DBX_ERR_NOMEM.
 */
int hal_rsa_pkcs1_v15_verify(const uint8_t *n, size_t nlen, uint64_t e, const uint8_t *digest,
                             size_t hlen, const uint8_t *sig);

#endif /* HAL_MBEDTLS_H */
