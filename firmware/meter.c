/* Measurement windows for the firmware modes: cycles (busy = total minus
 * WFI idle minus the poll loop's own cycles while waiting, fw.h), allocation
 * and stack high-water marks.
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
    m->wait0 = fw_wait_cycles(&m->polls0);
    m->ms0 = hal_clock_ms();
    m->stopped = 0;
    m->c0 = systick_cycles64();
}

void fw_meter_stop(fw_meter_t *m)
{
    uint64_t total = systick_cycles64() - m->c0;
    uint64_t idle = fw_idle_cycles() - m->idle0;
    uint32_t polls;
    uint64_t wait = fw_wait_cycles(&polls) - m->wait0;
    fw_meter_snap_t *s = &m->snap;
    s->busy = total > idle + wait ? total - idle - wait : 0;
    s->total = total;
    s->wait = wait;
    s->idle = idle;
    s->polls_wait = polls - m->polls0;
    s->insns = s->busy * (1000000000u / board.cpu_hz);
    s->insns_wait = wait * (1000000000u / board.cpu_hz);
    s->heap_peak = fw_heap_inuse_peak();
    s->heap_now = fw_heap_inuse();
    s->sbrk = fw_heap_peak();
    s->stack_peak = fw_stack_peak();
    s->tls_peak = 0;
    hal_mbedtls_heap_stats(NULL, &s->tls_peak);
    s->ms = hal_clock_ms() - m->ms0;
    m->stopped = 1;
}

void fw_meter_format(const fw_meter_t *m, char *buf, size_t cap)
{
    fw_meter_t now;
    const fw_meter_snap_t *s = &m->snap;
    if (!m->stopped) {
        now = *m;
        fw_meter_stop(&now);
        s = &now.snap;
    }
    snprintf(buf, cap,
             "heap-peak=%lu heap-now=%lu sbrk-arena=%lu stack-peak=%lu mbedtls-peak=%lu "
             "cycles-busy=%lu cycles-wait=%lu cycles-idle=%lu cycles-total=%lu insns=%lu "
             "insns-wait=%lu polls-wait=%lu ms=%lu",
             (unsigned long)s->heap_peak, (unsigned long)s->heap_now, (unsigned long)s->sbrk,
             (unsigned long)s->stack_peak, (unsigned long)s->tls_peak, (unsigned long)s->busy,
             (unsigned long)s->wait, (unsigned long)s->idle, (unsigned long)s->total,
             (unsigned long)s->insns, (unsigned long)s->insns_wait,
             (unsigned long)s->polls_wait, (unsigned long)s->ms);
}

void fw_meter_print(const fw_meter_t *m, const char *what)
{
    char buf[320];
    fw_meter_format(m, buf, sizeof buf);
    printf("%s: %s\n", what, buf);
}
