/* danebox: the one file that bridges the HAL into mbedTLS 3.6.
 *  - entropy: MBEDTLS_ENTROPY_HARDWARE_ALT -> mbedtls_hardware_poll() reads
 *    the board's true entropy source through hal_crypto_random();
 *  - time: MBEDTLS_PLATFORM_MS_TIME_ALT -> hal_clock_ms();
 *  - memory: MBEDTLS_PLATFORM_MEMORY -> a counting allocator with a cap and
 *    a high-water mark (hal_mbedtls_heap_*());
 *  - ECDSA verify: MBEDTLS_ECDSA_VERIFY_ALT (DBX_ECDSA_VERIFY_HAL, when the
 *    build's DBX_CRYPTO chain has an ECDSA backend) -> mbedtls_ecdsa_verify()
 *    hands P-256/P-384 to hal_crypto_ecdsa_verify(), so X.509 chain and TLS
 *    handshake signatures use the same backend as DNSSEC RRSIGs. */
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "dbx_common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"

#if defined(MBEDTLS_ECDSA_VERIFY_ALT)
#include "mbedtls/ecdsa.h"

int mbedtls_ecdsa_verify(mbedtls_ecp_group *grp, const unsigned char *buf, size_t blen,
                         const mbedtls_ecp_point *Q, const mbedtls_mpi *r, const mbedtls_mpi *s)
{
    uint8_t pub[1 + 2 * 48], sig[2 * 48];
    size_t clen, olen;
    hal_ec_curve_t curve;

    switch (grp->id) {
    case MBEDTLS_ECP_DP_SECP256R1: curve = HAL_EC_P256; clen = 32; break;
    case MBEDTLS_ECP_DP_SECP384R1: curve = HAL_EC_P384; clen = 48; break;
    default:
        /* curves the HAL does not carry (P-521 in TLS): mbedTLS' own group
         * arithmetic, still behind the self test's refusal latch */
        if (hal_crypto_refusing()) return MBEDTLS_ERR_ECP_VERIFY_FAILED;
        return hal_mbedtls_ecdsa_math(grp, buf, blen, Q, r, s) == DBX_OK
                   ? 0
                   : MBEDTLS_ERR_ECP_VERIFY_FAILED;
    }
    /* r and s wider than the order cannot be valid (>= n) */
    if (mbedtls_ecp_point_write_binary(grp, Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
                                       sizeof pub) != 0 || olen != 1 + 2 * clen ||
        mbedtls_mpi_write_binary(r, sig, clen) != 0 ||
        mbedtls_mpi_write_binary(s, sig + clen, clen) != 0 || mbedtls_mpi_cmp_int(r, 0) < 0 ||
        mbedtls_mpi_cmp_int(s, 0) < 0) {
        return MBEDTLS_ERR_ECP_VERIFY_FAILED;
    }
    return hal_crypto_ecdsa_verify(curve, pub + 1, 2 * clen, buf, blen, sig, 2 * clen) == DBX_OK
               ? 0
               : MBEDTLS_ERR_ECP_VERIFY_FAILED;
}
#endif

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    *olen = 0;
    if (hal_crypto_random(output, len) != DBX_OK) {
        return -1; /* no entropy: mbedTLS seeding fails, verification refuses */
    }
    *olen = len;
    return 0;
}

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)hal_clock_ms();
}

/* Each block carries its size in a header so free() can account for it. */
typedef union {
    size_t size;
    max_align_t align;
} heap_hdr_t;

static size_t heap_cur, heap_peak, heap_cap = HAL_MBEDTLS_HEAP_DEFAULT_CAP;
/* hal_mbedtls_heap_reserve(): one block kept for the largest allocation */
static heap_hdr_t *reserve;
static size_t reserve_len;
static bool reserve_used;

int hal_mbedtls_heap_reserve(size_t len)
{
    if (reserve != NULL || len == 0 || len > SIZE_MAX - sizeof(heap_hdr_t)) {
        return -1;
    }
    reserve = malloc(sizeof(heap_hdr_t) + len);
    reserve_len = reserve != NULL ? len : 0;
    return reserve != NULL ? 0 : -1;
}

/* The reserve for a request of @p total bytes: only large ones (at least
 * half the block) so small allocations never pin it. */
static heap_hdr_t *take_reserve(size_t total)
{
    if (reserve == NULL || reserve_used || total > reserve_len || total < reserve_len / 2) {
        return NULL;
    }
    reserve_used = true;
    memset(reserve, 0, sizeof(heap_hdr_t) + total);
    return reserve;
}

static void *heap_calloc(size_t n, size_t sz)
{
    heap_hdr_t *h;
    size_t total;
    if (n != 0 && sz > (SIZE_MAX - sizeof(heap_hdr_t)) / n) {
        return NULL;
    }
    total = n * sz;
    if (heap_cur + total > heap_cap) {
        return NULL;
    }
    h = take_reserve(total);
    if (h == NULL) {
        h = calloc(1, sizeof(heap_hdr_t) + total);
    }
    if (h == NULL) {
        return NULL;
    }
    h->size = total;
    heap_cur += total;
    if (heap_cur > heap_peak) {
        heap_peak = heap_cur;
    }
    return h + 1;
}

static void heap_free(void *p)
{
    heap_hdr_t *h;
    if (p == NULL) {
        return;
    }
    h = (heap_hdr_t *)p - 1;
    heap_cur -= h->size;
    if (h == reserve) {
        reserve_used = false; /* kept for the next large request */
        return;
    }
    free(h);
}

void hal_mbedtls_init(void)
{
    mbedtls_platform_set_calloc_free(heap_calloc, heap_free);
}

void hal_mbedtls_heap_set_cap(size_t cap)
{
    heap_cap = cap;
}

void hal_mbedtls_heap_stats(size_t *cur, size_t *peak)
{
    if (cur != NULL) {
        *cur = heap_cur;
    }
    if (peak != NULL) {
        *peak = heap_peak;
    }
}

void hal_mbedtls_heap_reset_peak(void)
{
    heap_peak = heap_cur;
}
