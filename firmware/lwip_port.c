/* lwIP NO_SYS port hooks: millisecond clock and random numbers. */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include "dbx_common.h"
#include "hal_crypto.h"
#include "hal_platform.h"

u32_t sys_now(void)
{
    return hal_clock_ms();
}

/* LWIP_RAND(): used for ports, IDs, ISNs.  Draws from the board's entropy
 * through the crypto HAL; if that fails there is no safe fallback, but lwIP
 * cannot take an error, so mix the clock (network then runs with weak
 * randomness; verification itself refuses to run without entropy). */
uint32_t dbx_lwip_rand(void)
{
    uint32_t r = 0;
    if (hal_crypto_random((uint8_t *)&r, sizeof r) != DBX_OK) {
        r = hal_clock_ms() * 2654435761u;
    }
    return r;
}
