/**
 * @file mps2_board.h
 * @brief ARM MPS2 family (AN385 Cortex-M3, AN386 Cortex-M4) as QEMU models it:
 *        the const board table shared by both boards.  Included by each board's
 *        board.h after it defines BOARD_NAME and BOARD_CPU_NAME.
 */
#ifndef MPS2_BOARD_H
#define MPS2_BOARD_H

#include <stdint.h>

#include "arm/cmsdk_uart.h"
#include "nic/lan9118.h"
#include "storage/hal_storage.h"

/** Memory map (QEMU hw/arm/mps2.c; MPS2 AN385/AN386 application notes). */
#define BOARD_SSRAM1_BASE 0x00000000u /**< 4 MB ZBT SSRAM1: code ("flash") */
#define BOARD_SSRAM1_SIZE 0x00400000u
#define BOARD_SSRAM23_BASE 0x20000000u /**< 4 MB ZBT SSRAM2/3: data */
#define BOARD_SSRAM23_SIZE 0x00400000u

/** The relay queue's flash area.  QEMU has no flash controller on MPS2: the
 *  area is a host file (hal/storage/storage_semihost.c) at @p base in it; a
 *  real board maps base to its internal flash or SPI NOR offset. */
typedef struct board_storage {
    uint32_t base;           /**< offset of the area on the device */
    hal_storage_geom_t geom; /**< erase block, program unit, blocks */
} board_storage_t;

/** All const facts of the board. */
typedef struct board {
    uint32_t cpu_hz;            /**< core clock = SysTick processor clock */
    uintptr_t flash_base;       /**< where the image is linked */
    uintptr_t ram_base;
    cmsdk_uart_cfg_t console;   /**< UART0 */
    lan9118_cfg_t eth;          /**< LAN9118 (LAN9220 on hardware) */
    board_storage_t queue_flash; /**< relay queue area */
} board_t;

extern const board_t board;

/** Early hardware setup (console, tick).  Cannot fail. */
void board_init(void);

#endif /* MPS2_BOARD_H */
