/* danebox platform HAL for the Cortex-M boards under emulation:
 *  - console: the board's CMSDK UART;
 *  - ms clock: SysTick;
 *  - wall clock and entropy: ARM semihosting from the host.
 *
 * EMULATION ONLY (wall clock, entropy): semihosting exists only under QEMU or
 * an attached debugger.  A production board must replace hal_entropy_get()
 * with its TRNG and hal_clock_unix() with an RTC/authenticated time source.
 * Without semihosting both fail cleanly: DBX_ERR_NOENTROPY / DBX_ERR_NOTIME. */
#include "hal_platform.h"
#include "board.h"
#include "dbx_common.h"
#include "semihost.h"
#include "systick.h"

/* Anything earlier than 2017 means the host clock is not set. */
#define UNIX_TIME_FLOOR 1500000000

static int32_t entropy_fd = -1;
static int entropy_failed;

int hal_entropy_get(uint8_t *out, size_t len)
{
    DBX_ASSERT(out != NULL || len == 0);
    if (entropy_failed) {
        return DBX_ERR_NOENTROPY;
    }
    if (entropy_fd < 0) {
        entropy_fd = semihost_open_ro("/dev/urandom"); /* EMULATION ONLY */
        if (entropy_fd < 0) {
            entropy_failed = 1;
            return DBX_ERR_NOENTROPY;
        }
    }
    if (semihost_read_all(entropy_fd, out, len) != 0) {
        entropy_failed = 1; /* never fall back to anything weaker */
        return DBX_ERR_NOENTROPY;
    }
    return DBX_OK;
}

/* Host time is read once; afterwards it advances with the SysTick so the
 * value is monotonic even if the host clock steps back. */
static int64_t unix_base;
static uint64_t unix_base_ms;
static int unix_state; /* 0 unknown, 1 valid, -1 unavailable */

int hal_clock_unix(int64_t *now)
{
    DBX_ASSERT(now != NULL);
    if (unix_state == 0) {
        int32_t t = semihost_time(); /* EMULATION ONLY */
        if (t < UNIX_TIME_FLOOR) {
            unix_state = -1;
        } else {
            unix_base = t;
            unix_base_ms = systick_ms64();
            unix_state = 1;
        }
    }
    if (unix_state < 0) {
        return DBX_ERR_NOTIME;
    }
    *now = unix_base + (int64_t)((systick_ms64() - unix_base_ms) / 1000u);
    return DBX_OK;
}

uint32_t hal_clock_ms(void)
{
    return (uint32_t)systick_ms64();
}

void hal_console_write(const char *s, size_t len)
{
    cmsdk_uart_write(&board.console, s, len);
}
