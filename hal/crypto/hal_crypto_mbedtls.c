/* danebox: the one file that bridges the HAL into mbedTLS 3.6.
 *  - entropy: MBEDTLS_ENTROPY_HARDWARE_ALT -> mbedtls_hardware_poll() reads
 *    the board's true entropy source through hal_crypto_random();
 *  - time: MBEDTLS_PLATFORM_MS_TIME_ALT -> hal_clock_ms();
 *  - memory: MBEDTLS_PLATFORM_MEMORY -> a counting allocator with a cap and
 *    a high-water mark (hal_mbedtls_heap_*()). */
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "dbx_common.h"

#include <stdlib.h>
#include <string.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"

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
    h = calloc(1, sizeof(heap_hdr_t) + total);
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
