/**
 * @file hal_crypto.h
 * @brief Crypto accelerator HAL: a vtable per backend, a getter that returns
 *        NULL when the board has no accelerator, a software backend (mbedTLS)
 *        that is always linked, and per-operation counters.
 *
 * Callers use the hal_crypto_*() dispatchers: each operation goes to the
 * accelerator when it exists and implements that operation (non-NULL slot),
 * then to the build's chain of faster software backends (Makefile
 * DBX_CRYPTO: p256-m, BearSSL), then to the mbedTLS software backend, and is
 * counted per tier.  A backend declines an operation it does not take (a
 * curve, a key size) by returning DBX_ERR_UNSUPPORTED: the next one answers.
 *
 * All functions return ::dbx_status_t: DBX_OK, DBX_ERR_CRYPTO (signature does
 * not verify), DBX_ERR_MALFORMED (key/signature encoding), DBX_ERR_UNSUPPORTED,
 * DBX_ERR_NOENTROPY (random with no source).
 */
#ifndef HAL_CRYPTO_H
#define HAL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hal_hash_alg {
    HAL_HASH_SHA1 = 0,
    HAL_HASH_SHA256 = 1,
    HAL_HASH_SHA384 = 2,
    HAL_HASH_SHA512 = 3,
    HAL_HASH_COUNT
} hal_hash_alg_t;

typedef enum hal_ec_curve {
    HAL_EC_P256 = 0,
    HAL_EC_P384 = 1,
} hal_ec_curve_t;

#define HAL_HASH_MAX_LEN 64

/** @return digest length of @p alg in bytes, 0 when unknown. */
size_t hal_hash_len(hal_hash_alg_t alg);

/** One backend.  Any slot may be NULL (operation not accelerated). */
typedef struct hal_crypto_vtable {
    const char *name;
    /** One-shot digest of @p len bytes into @p out (hal_hash_len(alg) bytes). */
    int (*hash)(hal_hash_alg_t alg, const uint8_t *data, size_t len, uint8_t *out);
    /** RSA PKCS#1 v1.5 verify of a digest.  @p n / @p e big-endian. */
    int (*rsa_verify)(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                      hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                      size_t siglen);
    /** ECDSA verify. @p pub is X||Y (raw, 2*coord bytes); @p sig is r||s raw. */
    int (*ecdsa_verify)(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                        const uint8_t *digest, size_t dlen, const uint8_t *sig,
                        size_t siglen);
    /** True random bytes.  DBX_ERR_NOENTROPY when none. */
    int (*random)(uint8_t *out, size_t len);
} hal_crypto_vtable_t;

/** Board hook: the accelerator's vtable, or NULL when the board has none. */
const hal_crypto_vtable_t *hal_crypto_accel_get(void);
/** The software backend (mbedTLS), always available. */
const hal_crypto_vtable_t *hal_crypto_sw_get(void);
/** p256-m (mbedTLS 3rdparty): ECDSA P-256 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_p256m_get(void);
/** danebox's own P-256 (hal_p256_*.c): ECDSA P-256 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_dbx_p256_get(void);
/** BearSSL ec_p256_m31 + ecdsa_i31: ECDSA P-256 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_bearssl_m31_get(void);
/** BearSSL ec_p256_m15 + ecdsa_i15: ECDSA P-256 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_bearssl_m15_get(void);
/** BearSSL rsa_i31: RSA PKCS#1 v1.5 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_bearssl_i31_get(void);
/** BearSSL rsa_i15: RSA PKCS#1 v1.5 verify.  NULL when not built. */
const hal_crypto_vtable_t *hal_crypto_bearssl_i15_get(void);
/** BearSSL i62: RSA PKCS#1 v1.5 verify.  NULL when not built or the CPU
 *  has no 64x64->128 multiply. */
const hal_crypto_vtable_t *hal_crypto_bearssl_i62_get(void);

/** @return the @p i-th backend of the build's chain (tried after the
 *  accelerator, before mbedTLS), NULL past its end. */
const hal_crypto_vtable_t *hal_crypto_chain_get(size_t i);

/** Counter tiers for hal_crypto_counters(). */
#define HAL_CRYPTO_TIER_SW 0    /**< mbedTLS software backend */
#define HAL_CRYPTO_TIER_ACCEL 1 /**< board accelerator */
#define HAL_CRYPTO_TIER_CHAIN 2 /**< a backend of the DBX_CRYPTO chain */

/** Operation counters, per tier (HAL_CRYPTO_TIER_*): the tier that answered. */
typedef struct hal_crypto_counters {
    uint32_t hash[HAL_HASH_COUNT];
    uint32_t rsa_verify;
    uint32_t ecdsa_verify;
    uint32_t random_calls;
    uint32_t refused;        /**< verifies refused after a failed self test */
} hal_crypto_counters_t;

/**
 * Replace the board's accelerator (hal_crypto_accel_get()) by @p vt, e.g. a
 * test backend that delegates and counts, or one that answers wrongly; NULL
 * restores the board's.  Every operation then reports the accelerator's
 * answer (never second-guessed by the software backend) and counts it in
 * hal_crypto_counters(1).  Not thread-safe (set before use).
 */
void hal_crypto_accel_override(const hal_crypto_vtable_t *vt);

/** @return the name of the accelerator in use ("none" when absent). */
const char *hal_crypto_accel_name(void);

/**
 * Latch a failed power-on self test: from then on hal_crypto_rsa_verify() and
 * hal_crypto_ecdsa_verify() refuse (DBX_ERR_CRYPTO, no backend called, counted
 * in refused) so nothing validates.  hal_crypto_refusing() reports the latch;
 * hal_crypto_refuse_clear() is for tests only.
 */
void hal_crypto_refuse(void);
int hal_crypto_refusing(void);
void hal_crypto_refuse_clear(void);


/** @return the counters of tier @p tier (HAL_CRYPTO_TIER_*; others: software). */
const hal_crypto_counters_t *hal_crypto_counters(int tier);
/** Zero all counters. */
void hal_crypto_counters_reset(void);

int hal_crypto_hash(hal_hash_alg_t alg, const uint8_t *data, size_t len, uint8_t *out);
int hal_crypto_rsa_verify(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                          hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                          size_t siglen);
int hal_crypto_ecdsa_verify(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                            const uint8_t *digest, size_t dlen, const uint8_t *sig,
                            size_t siglen);
int hal_crypto_random(uint8_t *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* HAL_CRYPTO_H */
