/* ARM CMSDK APB UART: polled transmit.  Registers per the CMSDK TRM. */
#include "cmsdk_uart.h"

#define UART_DATA     0x00u
#define UART_STATE    0x04u
#define UART_CTRL     0x08u
#define UART_BAUDDIV  0x10u
#define STATE_TX_FULL 0x01u
#define CTRL_TX_EN    0x01u

static inline volatile uint32_t *uart_reg(const cmsdk_uart_cfg_t *cfg, uint32_t off)
{
    return (volatile uint32_t *)(cfg->base + off);
}

void cmsdk_uart_init(const cmsdk_uart_cfg_t *cfg)
{
    uint32_t div = cfg->baud ? cfg->pclk_hz / cfg->baud : 16u;
    *uart_reg(cfg, UART_BAUDDIV) = div < 16u ? 16u : div; /* minimum divider is 16 */
    *uart_reg(cfg, UART_CTRL) = CTRL_TX_EN;
}

void cmsdk_uart_write(const cmsdk_uart_cfg_t *cfg, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            while (*uart_reg(cfg, UART_STATE) & STATE_TX_FULL) {
            }
            *uart_reg(cfg, UART_DATA) = '\r';
        }
        while (*uart_reg(cfg, UART_STATE) & STATE_TX_FULL) {
        }
        *uart_reg(cfg, UART_DATA) = (uint8_t)s[i];
    }
}
