/* mode=bench: time crypto HAL operations on the target with fixed public
 * test vectors (firmware/bench_vectors.h, made by tools/bench/mkvectors.sh).
 *
 * The clock is SysTick (processor clock, board.cpu_hz): ticks = ms count *
 * (cpu_hz/1000) + cycles into the current ms, read consistently around the
 * ms interrupt.  Under QEMU with -icount shift=0 every guest instruction
 * advances virtual time by 1 ns, so at 25 MHz one tick = 40 ns = 40
 * instructions: "insns" = ticks * 1e9 / cpu_hz, resolution 40 instructions
 * (the SysTick handler's own instructions are included).  Without -icount the
 * figures follow host speed and mean nothing.
 *
 * Output, one line per measurement (parsed by tools/bench/bench.sh):
 *   bench: op=NAME rep=N ticks=T insns=I status=ok|FAIL */
#include "board.h"
#include "bench_vectors.h"
#include "dbx_common.h"
#include "fw.h"
#include "hal_crypto.h"
#include "arm/systick.h"

#include <stdio.h>
#include <string.h>

static uint64_t ticks_now(void)
{
    uint64_t ms, ms2;
    uint32_t sub;
    do {
        ms = systick_ms64();
        sub = systick_subms_cycles();
        ms2 = systick_ms64();
    } while (ms != ms2 || sub == 0); /* sub == 0: the ms may just have wrapped */
    return ms * (board.cpu_hz / 1000u) + sub;
}

typedef int (*bench_fn)(void);

static int op_empty(void)
{
    return DBX_OK;
}

static int op_rsa(void)
{
    return hal_crypto_rsa_verify(bv_rsa_n, sizeof bv_rsa_n, bv_rsa_e, sizeof bv_rsa_e,
                                 HAL_HASH_SHA256, bv_msg_sha256, bv_rsa_sig, sizeof bv_rsa_sig);
}

static int op_ecdsa(void)
{
    return hal_crypto_ecdsa_verify(HAL_EC_P256, bv_ec_pub, sizeof bv_ec_pub, bv_msg_sha256,
                                   sizeof bv_msg_sha256, bv_ec_sig, sizeof bv_ec_sig);
}

static uint8_t kb[1024];

static int op_sha256_1k(void)
{
    uint8_t out[32];
    int st = hal_crypto_hash(HAL_HASH_SHA256, kb, sizeof kb, out);
    if (st == DBX_OK && memcmp(out, bv_kb_sha256, sizeof out) != 0) st = DBX_ERR_CRYPTO;
    return st;
}

/* RRSIG-style: digest of the signed data, then the RSA verify */
static int op_rrsig_rsa(void)
{
    uint8_t d[32];
    int st = hal_crypto_hash(HAL_HASH_SHA256, bv_msg, sizeof bv_msg, d);
    if (st != DBX_OK) return st;
    return hal_crypto_rsa_verify(bv_rsa_n, sizeof bv_rsa_n, bv_rsa_e, sizeof bv_rsa_e,
                                 HAL_HASH_SHA256, d, bv_rsa_sig, sizeof bv_rsa_sig);
}

static int op_rrsig_ecdsa(void)
{
    uint8_t d[32];
    int st = hal_crypto_hash(HAL_HASH_SHA256, bv_msg, sizeof bv_msg, d);
    if (st != DBX_OK) return st;
    return hal_crypto_ecdsa_verify(HAL_EC_P256, bv_ec_pub, sizeof bv_ec_pub, d, sizeof d,
                                   bv_ec_sig, sizeof bv_ec_sig);
}

/* Negative checks (not timed): a flipped bit must not verify. */
static int negative_checks(void)
{
    uint8_t sig[256];
    memcpy(sig, bv_rsa_sig, sizeof sig);
    sig[100] ^= 1u;
    if (hal_crypto_rsa_verify(bv_rsa_n, sizeof bv_rsa_n, bv_rsa_e, sizeof bv_rsa_e,
                              HAL_HASH_SHA256, bv_msg_sha256, sig, sizeof sig) == DBX_OK) {
        return DBX_ERR_INTERNAL;
    }
    memcpy(sig, bv_ec_sig, 64);
    sig[40] ^= 1u;
    if (hal_crypto_ecdsa_verify(HAL_EC_P256, bv_ec_pub, sizeof bv_ec_pub, bv_msg_sha256,
                                sizeof bv_msg_sha256, sig, 64) == DBX_OK) {
        return DBX_ERR_INTERNAL;
    }
    return DBX_OK;
}

int fw_bench(void)
{
    static const struct {
        const char *name;
        bench_fn fn;
    } ops[] = {
        {"empty", op_empty},            /* measurement overhead */
        {"sha256_1k", op_sha256_1k},    /* (c) */
        {"rsa2048_verify", op_rsa},     /* (a) PKCS#1 v1.5 SHA-256, digest given */
        {"ecdsa_p256_verify", op_ecdsa}, /* (b) digest given */
        {"rrsig_rsa2048", op_rrsig_rsa},   /* SHA-256 of 128 B + (a) */
        {"rrsig_ecdsa_p256", op_rrsig_ecdsa}, /* SHA-256 of 128 B + (b) */
    };
    int rc = DBX_OK;
    const uint64_t ns_per_tick = 1000000000ull / board.cpu_hz;

    memset(kb, 'a', sizeof kb);
    printf("bench: clock systick %lu Hz, 1 tick = %lu insns at icount shift=0\n",
           (unsigned long)board.cpu_hz, (unsigned long)ns_per_tick);
    for (size_t i = 0; i < DBX_ARRAY_LEN(ops); i++) {
        for (int rep = 1; rep <= 2; rep++) {
            uint64_t t0 = ticks_now();
            int st = ops[i].fn();
            uint64_t t1 = ticks_now();
            printf("bench: op=%s rep=%d ticks=%lu insns=%lu status=%s\n", ops[i].name, rep,
                   (unsigned long)(t1 - t0), (unsigned long)((t1 - t0) * ns_per_tick),
                   st == DBX_OK ? "ok" : "FAIL");
            if (st != DBX_OK) rc = DBX_ERR_CRYPTO;
        }
    }
    if (negative_checks() != DBX_OK) {
        printf("bench: negative check FAILED (a corrupted signature verified)\n");
        rc = DBX_ERR_INTERNAL;
    } else {
        printf("bench: negative checks ok\n");
    }
    return rc;
}
