/**
 * @file cmsdk_uart.h
 * @brief ARM CMSDK APB UART (polled TX), as on the MPS2 FPGA images.
 */
#ifndef CMSDK_UART_H
#define CMSDK_UART_H

#include <stddef.h>
#include <stdint.h>

/** Const configuration, provided by the board. */
typedef struct cmsdk_uart_cfg {
    uintptr_t base;   /**< MMIO base address */
    uint32_t pclk_hz; /**< APB clock feeding the baud divider */
    uint32_t baud;    /**< line rate */
} cmsdk_uart_cfg_t;

/** Program the baud divider and enable TX.  Cannot fail. */
void cmsdk_uart_init(const cmsdk_uart_cfg_t *cfg);

/** Write @p len bytes, busy-waiting while the TX buffer is full. */
void cmsdk_uart_write(const cmsdk_uart_cfg_t *cfg, const char *s, size_t len);

#endif /* CMSDK_UART_H */
