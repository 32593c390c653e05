/* ARM MPS2 family board tables (AN385 Cortex-M3, AN386 Cortex-M4). */
#include "board.h"
#include "hal_crypto.h"
#include "arm/systick.h"

const board_t board = {
    .cpu_hz = 25000000u, /* FPGA SYSCLK 25 MHz */
    .flash_base = BOARD_SSRAM1_BASE,
    .ram_base = BOARD_SSRAM23_BASE,
    .console = {.base = 0x40004000u, .pclk_hz = 25000000u, .baud = 115200u},
    .eth = {.base = 0x40200000u, .irq = 13},
    /* 16 x 16 KiB erase blocks (256 KiB), 16-octet program unit: the shape
     * of a typical Cortex-M4 internal flash bank / SPI NOR sector set */
    .queue_flash = {.base = 0, .geom = {.erase_size = 16384u, .prog_unit = 16u, .blocks = 16u}},
};

void board_init(void)
{
    cmsdk_uart_init(&board.console);
    systick_init(board.cpu_hz);
}

/* No crypto accelerator on this board (nor in QEMU): software only. */
const hal_crypto_vtable_t *hal_crypto_accel_get(void)
{
    return 0;
}
