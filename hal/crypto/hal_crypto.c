/* danebox crypto HAL: dispatch to the accelerator, the build's chain of
 * software backends (DBX_CRYPTO) or the mbedTLS backend, with per-tier
 * operation counters. */
#include "hal_crypto.h"
#include "dbx_common.h"

static hal_crypto_counters_t counters[3];

typedef const hal_crypto_vtable_t *(*hal_crypto_getter_t)(void);

/* HAL_CRYPTO_CHAIN: comma-separated getters, from the Makefile (DBX_CRYPTO) */
#ifndef HAL_CRYPTO_CHAIN
#define HAL_CRYPTO_CHAIN
#endif
static const hal_crypto_getter_t chain[] = {HAL_CRYPTO_CHAIN NULL};

static const hal_crypto_vtable_t *accel_override;
static int refusing;

void hal_crypto_accel_override(const hal_crypto_vtable_t *vt)
{
    accel_override = vt;
}

static const hal_crypto_vtable_t *accel(void)
{
    return accel_override != NULL ? accel_override : hal_crypto_accel_get();
}

const char *hal_crypto_accel_name(void)
{
    const hal_crypto_vtable_t *vt = accel();
    return vt != NULL && vt->name != NULL ? vt->name : "none";
}

void hal_crypto_refuse(void)
{
    refusing = 1;
}

int hal_crypto_refusing(void)
{
    return refusing;
}

void hal_crypto_refuse_clear(void)
{
    refusing = 0;
}

size_t hal_hash_len(hal_hash_alg_t alg)
{
    switch (alg) {
    case HAL_HASH_SHA1: return 20;
    case HAL_HASH_SHA256: return 32;
    case HAL_HASH_SHA384: return 48;
    case HAL_HASH_SHA512: return 64;
    default: return 0;
    }
}

const hal_crypto_counters_t *hal_crypto_counters(int tier)
{
    return &counters[tier >= 0 && tier < (int)DBX_ARRAY_LEN(counters) ? tier : 0];
}

void hal_crypto_counters_reset(void)
{
    for (size_t i = 0; i < DBX_ARRAY_LEN(counters); i++) {
        counters[i] = (hal_crypto_counters_t){0};
    }
}

const hal_crypto_vtable_t *hal_crypto_chain_get(size_t i)
{
    for (size_t k = 0; chain[k] != NULL; k++) {
        const hal_crypto_vtable_t *vt = chain[k]();
        if (vt != NULL && i-- == 0) {
            return vt;
        }
    }
    return NULL;
}

/* One operation: the accelerator's slot, then the chain's, then mbedTLS; a
 * backend that returns DBX_ERR_UNSUPPORTED passes the call on.  `cnt` is the
 * counter member, `args` the call's arguments in parentheses. */
#define HAL_DISPATCH(slot, cnt, args)                                          \
    do {                                                                       \
        const hal_crypto_vtable_t *vt_ = accel();               \
        int st_;                                                               \
        if (vt_ != NULL && vt_->slot != NULL &&                                \
            (st_ = vt_->slot args) != DBX_ERR_UNSUPPORTED) {                   \
            counters[HAL_CRYPTO_TIER_ACCEL].cnt++;                             \
            return st_;                                                        \
        }                                                                      \
        for (size_t k_ = 0; (vt_ = hal_crypto_chain_get(k_)) != NULL; k_++) {  \
            if (vt_->slot != NULL && (st_ = vt_->slot args) != DBX_ERR_UNSUPPORTED) { \
                counters[HAL_CRYPTO_TIER_CHAIN].cnt++;                         \
                return st_;                                                    \
            }                                                                  \
        }                                                                      \
        counters[HAL_CRYPTO_TIER_SW].cnt++;                                    \
        return hal_crypto_sw_get()->slot args;                                 \
    } while (0)

int hal_crypto_hash(hal_hash_alg_t alg, const uint8_t *data, size_t len, uint8_t *out)
{
    DBX_ASSERT(out != NULL && (data != NULL || len == 0));
    DBX_CHECK(hal_hash_len(alg) != 0, DBX_ERR_UNSUPPORTED);
    HAL_DISPATCH(hash, hash[alg], (alg, data, len, out));
}

int hal_crypto_rsa_verify(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                          hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                          size_t siglen)
{
    DBX_ASSERT(n != NULL && e != NULL && digest != NULL && sig != NULL);
    if (refusing) {
        counters[HAL_CRYPTO_TIER_SW].refused++;
        return DBX_ERR_CRYPTO;
    }
    HAL_DISPATCH(rsa_verify, rsa_verify, (n, nlen, e, elen, alg, digest, sig, siglen));
}

int hal_crypto_ecdsa_verify(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                            const uint8_t *digest, size_t dlen, const uint8_t *sig,
                            size_t siglen)
{
    DBX_ASSERT(pub != NULL && digest != NULL && sig != NULL);
    if (refusing) {
        counters[HAL_CRYPTO_TIER_SW].refused++;
        return DBX_ERR_CRYPTO;
    }
    HAL_DISPATCH(ecdsa_verify, ecdsa_verify, (curve, pub, publen, digest, dlen, sig, siglen));
}

int hal_crypto_random(uint8_t *out, size_t len)
{
    DBX_ASSERT(out != NULL || len == 0);
    HAL_DISPATCH(random, random_calls, (out, len));
}
