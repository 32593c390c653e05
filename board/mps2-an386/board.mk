# ARM MPS2 with AN386 FPGA image: Cortex-M4, run under QEMU (-M mps2-an386).
BOARD_KIND      := target
BOARD_DESC      := ARM MPS2 AN386 (Cortex-M4, QEMU mps2-an386)
BOARD_CPU       := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
QEMU_MACHINE    := mps2-an386
CROSS           := arm-none-eabi-
# DBX_CFLAGS: extra defines for every object (ours and the deps), e.g.
#   make BOARD=... B=build/x DBX_CFLAGS=-DDBX_LWIP_IPV6=0
# mbedTLS heap cap: the share of the ~79 KB newlib heap mbedTLS may hold in
# mode=probe (measured peak of a TLS 1.3 handshake + headroom; see README)
MBEDTLS_HEAP_CAP ?= 65536u
BOARD_CFLAGS    := $(BOARD_CPU) -Os -g -ffunction-sections -fdata-sections \
                   -DDBX_BARE_METAL=1 $(DBX_CFLAGS) \
                   -DHAL_MBEDTLS_HEAP_DEFAULT_CAP=$(MBEDTLS_HEAP_CAP)
BOARD_DEP_INC   := -Ifirmware/port/include
BOARD_HAL_SRCS  := $(sort $(wildcard hal/arm/*.c hal/nic/*.c)) board/$(BOARD)/board.c
BOARD_LDSCRIPT  := board/$(BOARD)/memory.ld
BOARD_RULES     := board/common/cortex-m.mk
BOARD_ALL       := firmware
