/* Platform HAL for the fuzz build (replaces hal/host/host_platform.c there):
 * deterministic entropy so crashes reproduce, and a fake millisecond clock
 * that harnesses advance (fuzz_clock_ms) to play a peer that uses up every
 * timeout it is given. */
#include "hal_platform.h"
#include "hal_crypto.h"
#include "dbx_common.h"

#include <stdio.h>

uint32_t fuzz_clock_ms = 1000000u;
static uint64_t rng = 0x9E3779B97F4A7C15ull;

int hal_entropy_get(uint8_t *out, size_t len)
{
    DBX_ASSERT(out != NULL || len == 0);
    for (size_t i = 0; i < len; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        out[i] = (uint8_t)(rng >> 24);
    }
    return DBX_OK;
}

int hal_clock_unix(int64_t *now)
{
    DBX_ASSERT(now != NULL);
    *now = 1767225600; /* 2026-01-01 */
    return DBX_OK;
}

uint32_t hal_clock_ms(void)
{
    return fuzz_clock_ms;
}

void hal_console_write(const char *s, size_t len)
{
    (void)s;
    (void)len;
}

const hal_crypto_vtable_t *hal_crypto_accel_get(void)
{
    return NULL;
}
