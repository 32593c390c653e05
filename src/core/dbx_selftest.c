/* danebox power-on self test. */
#include "dbx_selftest.h"
#include "dbx_anchor.h"
#include "dbx_common.h"
#include "hal_crypto.h"

#include <stdio.h>
#include <string.h>

/* FIPS 180-2 SHA-256("abc") */
static const uint8_t sha256_abc[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

/* Check one anchor DS against the DNSKEY it names: digest over "\0" | RDATA. */
static int anchor_ds_ok(const dbx_anchor_ds_t *ds, const dbx_anchor_t *a)
{
    uint8_t buf[1 + 4 + 1024];
    uint8_t dig[HAL_HASH_MAX_LEN];
    hal_hash_alg_t alg = ds->digest_type == 2 ? HAL_HASH_SHA256 : HAL_HASH_SHA384;

    for (size_t k = 0; k < a->key_count; k++) {
        const dbx_anchor_key_t *key = &a->keys[k];
        if (key->key_tag != ds->key_tag || key->alg != ds->alg || key->pubkey_len > 1024) {
            continue;
        }
        buf[0] = 0; /* root owner name */
        buf[1] = (uint8_t)(key->flags >> 8);
        buf[2] = (uint8_t)key->flags;
        buf[3] = 3;
        buf[4] = key->alg;
        memcpy(buf + 5, key->pubkey, key->pubkey_len);
        if (hal_crypto_hash(alg, buf, 5 + key->pubkey_len, dig) == DBX_OK &&
            ds->digest_len == hal_hash_len(alg) && memcmp(dig, ds->digest, ds->digest_len) == 0) {
            return 1;
        }
    }
    return 0;
}

int dbx_selftest(char *line, size_t cap)
{
    uint8_t dig[32];
    int ok_hash, n;
    size_t used;

    ok_hash = hal_crypto_hash(HAL_HASH_SHA256, (const uint8_t *)"abc", 3, dig) == DBX_OK &&
              memcmp(dig, sha256_abc, sizeof dig) == 0;
    n = snprintf(line, cap, "selftest: sha256 %s, root anchor", ok_hash ? "ok" : "FAIL");
    used = n > 0 ? (size_t)n : 0;
    int all = ok_hash && dbx_root_anchor.ds_count > 0;
    for (size_t i = 0; i < dbx_root_anchor.ds_count && used < cap; i++) {
        int ok = anchor_ds_ok(&dbx_root_anchor.ds[i], &dbx_root_anchor);
        all = all && ok;
        n = snprintf(line + used, cap - used, " %u:%s", dbx_root_anchor.ds[i].key_tag,
                     ok ? "ok" : "FAIL");
        used += n > 0 ? (size_t)n : 0;
    }
    return all ? DBX_OK : DBX_ERR_CRYPTO;
}
