/**
 * @file board.h
 * @brief ARM MPS2 + AN385 (Cortex-M3), as modelled by QEMU -M mps2-an385.
 *        Board facts only (const tables, board/common/mps2_board.[ch]);
 *        drivers live in hal/.
 */
#ifndef BOARD_H
#define BOARD_H

#define BOARD_NAME "mps2-an385"
#define BOARD_CPU_NAME "Cortex-M3"

#include "mps2_board.h"

#endif /* BOARD_H */
