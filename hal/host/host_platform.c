/* danebox host HAL: entropy from getrandom(2), wall clock, stdout console. */
#include "hal_platform.h"
#include "dbx_common.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

int hal_entropy_get(uint8_t *out, size_t len)
{
    size_t done = 0;
    DBX_ASSERT(out != NULL || len == 0);
    while (done < len) {
        ssize_t n = getrandom(out + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return DBX_ERR_NOENTROPY;
        }
        done += (size_t)n;
    }
    return DBX_OK;
}

int hal_clock_unix(int64_t *now)
{
    struct timespec ts;
    DBX_ASSERT(now != NULL);
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 1500000000) {
        return DBX_ERR_NOTIME; /* before 2017: the clock was never set */
    }
    *now = (int64_t)ts.tv_sec;
    return DBX_OK;
}

uint32_t hal_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void hal_console_write(const char *s, size_t len)
{
    fwrite(s, 1, len, stdout);
}

#include "hal_crypto.h"

/* The host has no crypto accelerator. */
const hal_crypto_vtable_t *hal_crypto_accel_get(void)
{
    return NULL;
}
