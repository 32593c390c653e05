/* danebox Cortex-M startup: vector table, reset handler (copy .data, zero
 * .bss, paint the stack), fault handlers. */
#include "fw.h"
#include "arm/semihost.h"
#include "arm/systick.h"
#include "hal_platform.h"

#include <stdio.h>
#include <stdlib.h>

#define STACK_PAINT 0xDBDBDBDBu

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_bottom, __stack_top;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void hardfault_c(uint32_t *frame);

void Reset_Handler(void)
{
    uint32_t *src = &__data_load, *dst = &__data_start;
    uint32_t *sp;

    while (dst < &__data_end) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end; dst++) {
        *dst = 0;
    }
    /* paint the stack below what this function is using */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = &__stack_bottom; dst < sp - 16; dst++) {
        *dst = STACK_PAINT;
    }
    exit(main());
}

size_t fw_stack_size(void)
{
    return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_bottom);
}

__attribute__((noinline)) void fw_stack_repaint(void)
{
    uint32_t *sp, *dst;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = &__stack_bottom; dst < sp - 16; dst++) {
        *dst = STACK_PAINT;
    }
}

size_t fw_stack_peak(void)
{
    const uint32_t *p = &__stack_bottom;
    while (p < &__stack_top && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

static void fault_print(const char *what, uint32_t pc)
{
    char line[64];
    int n = snprintf(line, sizeof line, "\nFATAL: %s at pc=0x%08lx\n", what, (unsigned long)pc);
    hal_console_write(line, n > 0 ? (size_t)n : 0);
}

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    fault_print("unexpected exception", ipsr);
    semihost_exit(3);
}

/* A semihosting BKPT without a debugger/QEMU semihosting escalates to
 * HardFault: make the call return -1 and carry on, so the HAL reports
 * DBX_ERR_NOENTROPY / DBX_ERR_NOTIME instead of the board hanging. */
/* used: only the naked handler's asm refers to it (an -flto link dropped it) */
__attribute__((used)) void hardfault_c(uint32_t *frame)
{
    const uint16_t *pc = (const uint16_t *)frame[6];
    if (*pc == 0xBEABu) { /* bkpt 0xab */
        frame[0] = (uint32_t)-1;
        frame[6] += 2;
        return;
    }
    fault_print("HardFault", frame[6]);
    for (;;) {
        __asm__ volatile("wfi");
    }
}

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "b hardfault_c\n");
}

#define VEC(h) ((void (*)(void))(h))
typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t fw_vectors[16 + 32] = {
    [0] = VEC(&__stack_top),
    [1] = Reset_Handler,
    [2] = Default_Handler,   /* NMI */
    [3] = HardFault_Handler,
    [4] = Default_Handler,   /* MemManage */
    [5] = Default_Handler,   /* BusFault */
    [6] = Default_Handler,   /* UsageFault */
    [11] = Default_Handler,  /* SVCall */
    [12] = Default_Handler,  /* DebugMonitor */
    [14] = Default_Handler,  /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 47] = Default_Handler, /* external interrupts: none enabled */
};
