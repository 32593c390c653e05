/* Cortex-M SysTick: 1 ms tick, 64-bit millisecond counter. */
#include "systick.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CSR_ENABLE    0x1u
#define CSR_TICKINT   0x2u
#define CSR_CLKSOURCE 0x4u /* processor clock */

static volatile uint64_t ms_count;
static uint32_t cycles_per_ms;

void systick_init(uint32_t cpu_hz)
{
    SYST_CSR = 0;
    cycles_per_ms = cpu_hz / 1000u;
    SYST_RVR = cpu_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE;
}

void SysTick_Handler(void)
{
    ms_count++;
}

uint64_t systick_ms64(void)
{
    uint64_t v;
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    v = ms_count;
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return v;
}

uint32_t systick_subms_cycles(void)
{
    return SYST_RVR - SYST_CVR;
}

uint64_t systick_cycles64(void)
{
    uint64_t ms1, ms2;
    uint32_t sub;
    do { /* a tick between the reads: read again */
        ms1 = systick_ms64();
        sub = SYST_RVR - SYST_CVR;
        ms2 = systick_ms64();
    } while (ms1 != ms2);
    /* CVR reloads before the tick interrupt is taken: a reading right after
     * the reload may pair with the old count; never report time going back */
    {
        static uint64_t last;
        uint64_t v = ms1 * cycles_per_ms + sub;
        if (v < last) v = last;
        last = v;
        return v;
    }
}
