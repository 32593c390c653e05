# ARM MPS2 with AN385 FPGA image: Cortex-M3, run under QEMU (-M mps2-an385).
BOARD_DESC      := ARM MPS2 AN385 (Cortex-M3, QEMU mps2-an385)
BOARD_CPU       := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
QEMU_MACHINE    := mps2-an385
include board/common/mps2.mk
