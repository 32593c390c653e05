/* crypto_bench -- one RSA-2048 or ECDSA P-256 verify of the firmware's bench
 * vectors (firmware/bench_vectors.h) through one crypto HAL backend, for
 * callgrind on the host (tools/bench/bench.sh, bench_crypto_host):
 *
 *   valgrind --tool=callgrind --toggle-collect=bench_op crypto_bench BACKEND OP
 *
 * counts the instructions of bench_op() alone (the verify, incl. the
 * backend's key/signature decoding).  BACKEND: mbedtls-sw, dbx-p256, p256m,
 * bearssl-m31, bearssl-m15 (ECDSA), bearssl-i31, bearssl-i15, bearssl-i62
 * (RSA); OP: ecdsa | rsa.
 * Exit 0 when the signature verified, 1 when not, 2 usage / no such slot. */
#include <stdio.h>
#include <string.h>

#include "../../firmware/bench_vectors.h"
#include "dbx_common.h"
#include "hal_crypto.h"
#include "hal_mbedtls.h"

int bench_op(const hal_crypto_vtable_t *vt, int rsa);

__attribute__((noinline)) int bench_op(const hal_crypto_vtable_t *vt, int rsa)
{
    if (rsa) {
        return vt->rsa_verify(bv_rsa_n, sizeof bv_rsa_n, bv_rsa_e, sizeof bv_rsa_e,
                              HAL_HASH_SHA256, bv_msg_sha256, bv_rsa_sig, sizeof bv_rsa_sig);
    }
    return vt->ecdsa_verify(HAL_EC_P256, bv_ec_pub, sizeof bv_ec_pub, bv_msg_sha256,
                            sizeof bv_msg_sha256, bv_ec_sig, sizeof bv_ec_sig);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        const hal_crypto_vtable_t *(*get)(void);
    } be[] = {
        {"mbedtls-sw", hal_crypto_sw_get},       {"dbx-p256", hal_crypto_dbx_p256_get},
        {"p256m", hal_crypto_p256m_get},
        {"bearssl-m31", hal_crypto_bearssl_m31_get}, {"bearssl-m15", hal_crypto_bearssl_m15_get},
        {"bearssl-i31", hal_crypto_bearssl_i31_get}, {"bearssl-i15", hal_crypto_bearssl_i15_get},
        {"bearssl-i62", hal_crypto_bearssl_i62_get},
    };
    const hal_crypto_vtable_t *vt = NULL;
    int rsa;

    if (argc != 3 || (strcmp(argv[2], "rsa") != 0 && strcmp(argv[2], "ecdsa") != 0)) {
        fprintf(stderr, "usage: crypto_bench BACKEND ecdsa|rsa\n");
        return 2;
    }
    rsa = strcmp(argv[2], "rsa") == 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(be); i++) {
        if (strcmp(argv[1], be[i].name) == 0) vt = be[i].get();
    }
    if (vt == NULL || (rsa ? vt->rsa_verify == NULL : vt->ecdsa_verify == NULL)) {
        fprintf(stderr, "crypto_bench: %s has no %s verify in this build\n", argv[1], argv[2]);
        return 2;
    }
    hal_mbedtls_init();
    int st = bench_op(vt, rsa);
    printf("%s %s: %s\n", argv[1], argv[2], st == DBX_OK ? "ok" : "FAIL");
    return st == DBX_OK ? 0 : 1;
}
