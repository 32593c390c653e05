# ARM MPS2 with AN386 FPGA image: Cortex-M4, run under QEMU (-M mps2-an386).
BOARD_DESC      := ARM MPS2 AN386 (Cortex-M4, QEMU mps2-an386)
BOARD_CPU       := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
QEMU_MACHINE    := mps2-an386
include board/common/mps2.mk
