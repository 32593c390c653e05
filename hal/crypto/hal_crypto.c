/* danebox crypto HAL: dispatch to the accelerator or the software backend,
 * with per-backend operation counters. */
#include "hal_crypto.h"
#include "dbx_common.h"

static hal_crypto_counters_t counters[2];
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

const hal_crypto_counters_t *hal_crypto_counters(int accel)
{
    return &counters[accel ? 1 : 0];
}

void hal_crypto_counters_reset(void)
{
    for (size_t i = 0; i < DBX_ARRAY_LEN(counters); i++) {
        counters[i] = (hal_crypto_counters_t){0};
    }
}

/* Pick the backend for one operation: the accelerator when it has the slot. */
#define HAL_PICK(slot, idx)                                                    \
    const hal_crypto_vtable_t *vt_ = accel();                                   \
    int idx = 1;                                                               \
    if (vt_ == NULL || vt_->slot == NULL) {                                    \
        vt_ = hal_crypto_sw_get();                                             \
        idx = 0;                                                               \
    }

int hal_crypto_hash(hal_hash_alg_t alg, const uint8_t *data, size_t len, uint8_t *out)
{
    DBX_ASSERT(out != NULL && (data != NULL || len == 0));
    DBX_CHECK(hal_hash_len(alg) != 0, DBX_ERR_UNSUPPORTED);
    HAL_PICK(hash, which);
    counters[which].hash[alg]++;
    return vt_->hash(alg, data, len, out);
}

int hal_crypto_rsa_verify(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                          hal_hash_alg_t alg, const uint8_t *digest, const uint8_t *sig,
                          size_t siglen)
{
    DBX_ASSERT(n != NULL && e != NULL && digest != NULL && sig != NULL);
    if (refusing) {
        counters[0].refused++;
        return DBX_ERR_CRYPTO;
    }
    HAL_PICK(rsa_verify, which);
    counters[which].rsa_verify++;
    return vt_->rsa_verify(n, nlen, e, elen, alg, digest, sig, siglen);
}

int hal_crypto_ecdsa_verify(hal_ec_curve_t curve, const uint8_t *pub, size_t publen,
                            const uint8_t *digest, size_t dlen, const uint8_t *sig,
                            size_t siglen)
{
    DBX_ASSERT(pub != NULL && digest != NULL && sig != NULL);
    if (refusing) {
        counters[0].refused++;
        return DBX_ERR_CRYPTO;
    }
    HAL_PICK(ecdsa_verify, which);
    counters[which].ecdsa_verify++;
    return vt_->ecdsa_verify(curve, pub, publen, digest, dlen, sig, siglen);
}

int hal_crypto_random(uint8_t *out, size_t len)
{
    DBX_ASSERT(out != NULL || len == 0);
    HAL_PICK(random, which);
    counters[which].random_calls++;
    return vt_->random(out, len);
}
