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
 *   bench: op=NAME rep=N ticks=T insns=I status=ok|FAIL
 * through the dispatcher (the build's backend chain, then mbedTLS), then per
 * backend linked into the image (mbedTLS always; DBX_CRYPTO's chain):
 *   bench: backend=NAME op=ecdsa_p256_verify|rsa2048_verify rep=N ticks=T
 *          insns=I stack=S heap=H status=ok|FAIL
 * stack = painted-stack high-water mark of the call minus that of an empty
 * call through the same path; heap = malloc high-water mark during the call.
 * Then the known-answer table (firmware/kat.c) over every linked backend. */
#include "board.h"
#include "bench_vectors.h"
#include "dbx_common.h"
#include "fw.h"
#include "hal_crypto.h"
#include "arm/systick.h"
#include "kat.h"
#include "hal_x25519.h"
#include "hal_x25519_vectors.h"

#include "mbedtls/ecp.h"

#include <stdio.h>
#include <stdlib.h>
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

#define KB_LEN 1024u
static uint8_t *kb; /* KB_LEN, heap while mode=bench runs */

static int op_sha256_1k(void)
{
    uint8_t out[32];
    int st = hal_crypto_hash(HAL_HASH_SHA256, kb, KB_LEN, out);
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

/* X25519 scalar multiplication through mbedTLS' ecp_mul (what a TLS 1.3
 * x25519 key share costs twice: key generation and the shared secret), with
 * the board's ECP hooks if any (MBEDTLS_ECP_INTERNAL_ALT).  The RNG only
 * blinds the coordinates; a counter is enough for a timing. */
static int bench_rng(void *ctx, unsigned char *out, size_t len)
{
    unsigned *c = ctx;
    for (size_t i = 0; i < len; i++) out[i] = (unsigned char)(++*c * 167u);
    return 0;
}

/* k: a clamped scalar (RFC 7748: bits 0-2 and 255 clear, bit 254 set) */
static int op_x25519(void)
{
    static const unsigned char k[32] = {8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                        31, 0x40};
    mbedtls_ecp_group grp;
    mbedtls_ecp_point r;
    mbedtls_mpi m;
    unsigned ctr = 0;
    int st = DBX_ERR_CRYPTO;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&r);
    mbedtls_mpi_init(&m);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519) == 0 &&
        mbedtls_mpi_read_binary_le(&m, k, sizeof k) == 0 &&
        mbedtls_ecp_mul(&grp, &r, &m, &grp.G, bench_rng, &ctr) == 0) {
        st = DBX_OK;
    }
    mbedtls_mpi_free(&m);
    mbedtls_ecp_point_free(&r);
    mbedtls_ecp_group_free(&grp);
    return st;
}

/* mbedTLS' X25519 (mbedtls_ecp_mul on Curve25519: the board's ECP hooks when
 * DBX_X25519_HAL) of (k, u), clamping k as RFC 7748 does; u's top bit is
 * masked by mbedtls_ecp_point_read_binary.  @return 0 or an mbedTLS error */
static int x25519_mbedtls(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
    uint8_t kc[32];
    unsigned ctr = 0;
    size_t olen = 0;
    mbedtls_ecp_group grp;
    mbedtls_ecp_point pt, r;
    mbedtls_mpi d;
    int ret;
    memcpy(kc, k, sizeof kc);
    kc[0] &= 248u;
    kc[31] = (uint8_t)((kc[31] & 127u) | 64u);
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&pt);
    mbedtls_ecp_point_init(&r);
    mbedtls_mpi_init(&d);
    if ((ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519)) == 0 &&
        (ret = mbedtls_mpi_read_binary_le(&d, kc, sizeof kc)) == 0 &&
        (ret = mbedtls_ecp_point_read_binary(&grp, &pt, u, 32)) == 0 &&
        (ret = mbedtls_ecp_mul(&grp, &r, &d, &pt, bench_rng, &ctr)) == 0) {
        ret = mbedtls_ecp_point_write_binary(&grp, &r, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out,
                                             32);
    }
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&r);
    mbedtls_ecp_point_free(&pt);
    mbedtls_ecp_group_free(&grp);
    return ret;
}

/* the vectors through mbedTLS (the path TLS takes) and hal_x25519(); a
 * low-order u (0) must be refused by mbedTLS and give 0 from hal_x25519() */
static int x25519_kat(void)
{
    static const uint8_t zero[32];
    uint8_t out[32];
    int bad = 0;
    for (size_t i = 0; i < DBX_ARRAY_LEN(hal_x25519_rfc7748); i++) {
        const uint8_t(*v)[32] = hal_x25519_rfc7748[i];
        if (x25519_mbedtls(out, v[0], v[1]) != 0 || memcmp(out, v[2], 32) != 0) bad |= 1;
        hal_x25519(out, v[0], v[1]);
        if (memcmp(out, v[2], 32) != 0) bad |= 2;
    }
    if (x25519_mbedtls(out, hal_x25519_rfc7748[0][0], zero) == 0) bad |= 4;
    hal_x25519(out, hal_x25519_rfc7748[0][0], zero);
    if (memcmp(out, zero, 32) != 0) bad |= 8;
    if (bad != 0) {
        printf("bench: x25519 kat FAIL (%d)\n", bad);
        return DBX_ERR_CRYPTO;
    }
    printf("bench: x25519 kat ok (%u RFC 7748 vectors via mbedtls_ecp_mul and hal_x25519, "
           "low-order u refused)\n", (unsigned)DBX_ARRAY_LEN(hal_x25519_rfc7748));
    return DBX_OK;
}

/* the same scalar multiplication by hal_x25519() alone (RFC 7748 function) */
static int op_x25519_own(void)
{
    static const uint8_t k[32] = {8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                  31, 0x40};
    static const uint8_t u9[32] = {9};
    uint8_t out[32];
    hal_x25519(out, k, u9);
    return out[0] != 0 || out[31] != 0 ? DBX_OK : DBX_ERR_CRYPTO;
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

/* One backend, one operation, measured: ticks, stack above an empty call,
 * heap high-water mark.  be == NULL: the empty call (baseline). */
typedef struct {
    uint64_t ticks;
    size_t stack, heap;
    int st;
} bench_one_t;

static int be_call(const hal_crypto_vtable_t *be, int rsa)
{
    if (be == NULL) return DBX_OK;
    if (rsa) {
        return be->rsa_verify(bv_rsa_n, sizeof bv_rsa_n, bv_rsa_e, sizeof bv_rsa_e,
                              HAL_HASH_SHA256, bv_msg_sha256, bv_rsa_sig, sizeof bv_rsa_sig);
    }
    return be->ecdsa_verify(HAL_EC_P256, bv_ec_pub, sizeof bv_ec_pub, bv_msg_sha256,
                            sizeof bv_msg_sha256, bv_ec_sig, sizeof bv_ec_sig);
}

static __attribute__((noinline)) bench_one_t bench_one(const hal_crypto_vtable_t *be, int rsa)
{
    bench_one_t r;
    uint64_t t0;
    fw_stack_repaint();
    fw_heap_reset_peak();
    size_t heap0 = fw_heap_inuse();
    t0 = ticks_now();
    r.st = be_call(be, rsa);
    r.ticks = ticks_now() - t0;
    r.stack = fw_stack_peak();
    r.heap = fw_heap_inuse_peak() - heap0;
    return r;
}

static int bench_backends(uint64_t ns_per_tick)
{
    const hal_crypto_vtable_t *list[8];
    size_t n = 0;
    int rc = DBX_OK;
    size_t base = bench_one(NULL, 0).stack;

    list[n++] = hal_crypto_sw_get();
    for (size_t i = 0; n < DBX_ARRAY_LEN(list) && hal_crypto_chain_get(i) != NULL; i++) {
        list[n++] = hal_crypto_chain_get(i);
    }
    for (size_t b = 0; b < n; b++) {
        for (int rsa = 0; rsa <= 1; rsa++) {
            if (rsa ? list[b]->rsa_verify == NULL : list[b]->ecdsa_verify == NULL) {
                continue;
            }
            for (int rep = 1; rep <= 2; rep++) {
                bench_one_t r = bench_one(list[b], rsa);
                printf("bench: backend=%s op=%s rep=%d ticks=%lu insns=%lu stack=%lu heap=%lu "
                       "status=%s\n",
                       list[b]->name, rsa ? "rsa2048_verify" : "ecdsa_p256_verify", rep,
                       (unsigned long)r.ticks, (unsigned long)(r.ticks * ns_per_tick),
                       (unsigned long)(r.stack > base ? r.stack - base : 0),
                       (unsigned long)r.heap, r.st == DBX_OK ? "ok" : "FAIL");
                if (r.st != DBX_OK) rc = DBX_ERR_CRYPTO;
            }
        }
    }
    if (fw_kat_run(list, n) != DBX_OK) rc = DBX_ERR_CRYPTO;
    return rc;
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
        {"x25519_mul", op_x25519},      /* one TLS 1.3 x25519 scalar multiplication */
        {"x25519_own", op_x25519_own},  /* the same by hal_x25519() without mbedTLS */
    };
    int rc = DBX_OK;
    const uint64_t ns_per_tick = 1000000000ull / board.cpu_hz;

    kb = malloc(KB_LEN);
    if (kb == NULL) {
        printf("bench: %s\n", dbx_strerror(DBX_ERR_NOMEM));
        return DBX_ERR_NOMEM;
    }
    memset(kb, 'a', KB_LEN);
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
    if (bench_backends(ns_per_tick) != DBX_OK) {
        rc = DBX_ERR_CRYPTO;
    }
    if (x25519_kat() != DBX_OK) rc = DBX_ERR_CRYPTO;
    if (negative_checks() != DBX_OK) {
        printf("bench: negative check FAILED (a corrupted signature verified)\n");
        rc = DBX_ERR_INTERNAL;
    } else {
        printf("bench: negative checks ok\n");
    }
    free(kb);
    kb = NULL;
    return rc;
}
