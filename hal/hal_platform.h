/**
 * @file hal_platform.h
 * @brief Entropy, wall clock and console: the three things every board
 *        provides (hal/host/ for Linux, hal/arm/ + board/ for the targets).
 */
#ifndef HAL_PLATFORM_H
#define HAL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Fill @p out with @p len bytes from the board's true entropy source.
 *  @return DBX_OK, or DBX_ERR_NOENTROPY when the board has none (callers
 *  must then refuse to run verification). */
int hal_entropy_get(uint8_t *out, size_t len);

/** Wall time, seconds since the Unix epoch, monotonic (never goes back).
 *  @return DBX_OK, or DBX_ERR_NOTIME when the time is unknown. */
int hal_clock_unix(int64_t *now);

/** Milliseconds since boot, monotonic; wraps after ~49 days. */
uint32_t hal_clock_ms(void);

/** Write @p len bytes to the console. */
void hal_console_write(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* HAL_PLATFORM_H */
