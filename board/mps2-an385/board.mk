# ARM MPS2 with AN385 FPGA image: Cortex-M3, run under QEMU (-M mps2-an385).
BOARD_KIND      := target
BOARD_DESC      := ARM MPS2 AN385 (Cortex-M3, QEMU mps2-an385)
BOARD_CPU       := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
QEMU_MACHINE    := mps2-an385
CROSS           := arm-none-eabi-
# DBX_CFLAGS: extra defines for every object (ours and the deps), e.g.
#   make BOARD=... B=build/x DBX_CFLAGS=-DDBX_LWIP_IPV6=0
# mbedTLS heap cap: same RAM budget and reasoning as board/mps2-an386/board.mk
MBEDTLS_HEAP_CAP ?= 49152u
BOARD_CFLAGS    := $(BOARD_CPU) -Os -g -ffunction-sections -fdata-sections \
                   -DDBX_BARE_METAL=1 $(DBX_CFLAGS) \
                   -DHAL_MBEDTLS_HEAP_DEFAULT_CAP=$(MBEDTLS_HEAP_CAP)
BOARD_DEP_INC   := -Ifirmware/port/include
BOARD_HAL_SRCS  := $(sort $(wildcard hal/arm/*.c hal/nic/*.c)) board/$(BOARD)/board.c
BOARD_LDSCRIPT  := board/$(BOARD)/memory.ld
BOARD_RULES     := board/common/cortex-m.mk
BOARD_ALL       := firmware
