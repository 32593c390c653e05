/* Cortex-M SysTick: 1 ms tick, 64-bit millisecond counter. */
#include "systick.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CSR_ENABLE    0x1u
#define CSR_TICKINT   0x2u
#define CSR_CLKSOURCE 0x4u /* processor clock */

static volatile uint64_t ms_count;

void systick_init(uint32_t cpu_hz)
{
    SYST_CSR = 0;
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
