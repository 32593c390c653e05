/* Measurement windows for the firmware modes: cycles (busy = total minus
 * WFI idle), allocation and stack high-water marks.
 *
 * Instruction counts: under QEMU -icount shift=0 one instruction advances
 * virtual time by 1 ns and SysTick counts cpu_hz cycles per virtual second,
 * so instructions = busy cycles x (1e9 / cpu_hz) (x40 at 25 MHz), to the
 * resolution of one cycle.  Without -icount the figure is wall-clock based
 * and only indicative. */
#include "board.h"
#include "fw.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "arm/systick.h"

#include <stdio.h>

void fw_meter_start(fw_meter_t *m)
{
    fw_stack_repaint();
    fw_heap_reset_peak();
    hal_mbedtls_heap_reset_peak();
    m->idle0 = fw_idle_cycles();
    m->ms0 = hal_clock_ms();
    m->c0 = systick_cycles64();
}

void fw_meter_print(const fw_meter_t *m, const char *what)
{
    uint64_t total = systick_cycles64() - m->c0;
    uint64_t idle = fw_idle_cycles() - m->idle0;
    uint64_t busy = total > idle ? total - idle : 0;
    uint64_t insns = busy * (1000000000u / board.cpu_hz);
    size_t tls_peak = 0;
    hal_mbedtls_heap_stats(NULL, &tls_peak);
    printf("%s: heap-peak=%lu heap-now=%lu sbrk-arena=%lu stack-peak=%lu mbedtls-peak=%lu "
           "cycles-busy=%lu cycles-total=%lu insns=%lu ms=%lu\n",
           what, (unsigned long)fw_heap_inuse_peak(), (unsigned long)fw_heap_inuse(),
           (unsigned long)fw_heap_peak(), (unsigned long)fw_stack_peak(),
           (unsigned long)tls_peak, (unsigned long)busy, (unsigned long)total,
           (unsigned long)insns, (unsigned long)(hal_clock_ms() - m->ms0));
}
