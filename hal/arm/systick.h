/**
 * @file systick.h
 * @brief Cortex-M SysTick as a 1 ms tick (processor clock source).
 */
#ifndef SYSTICK_H
#define SYSTICK_H

#include <stdint.h>

/** Start a 1 kHz tick from a core clock of @p cpu_hz.  Cannot fail. */
void systick_init(uint32_t cpu_hz);

/** Milliseconds since systick_init(), 64-bit (does not wrap). */
uint64_t systick_ms64(void);

/** Core clock cycles elapsed in the current millisecond (0..cpu_hz/1000-1). */
uint32_t systick_subms_cycles(void);

/** Core clock cycles since systick_init() (ms count x cycles per ms +
 *  the current millisecond's cycles), consistent across a tick. */
uint64_t systick_cycles64(void);

/** The SysTick exception handler (vector table entry 15). */
void SysTick_Handler(void);

#endif /* SYSTICK_H */
