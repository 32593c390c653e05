# ARM MPS2 family (FPGA images AN385/AN386, as QEMU models them): the shared
# build facts.  A board's board.mk sets BOARD_DESC, BOARD_CPU and QEMU_MACHINE
# and includes this file.
BOARD_KIND      := target
CROSS           := arm-none-eabi-
# DBX_CFLAGS: extra defines for every object (ours and the deps), e.g.
#   make BOARD=... B=build/x DBX_CFLAGS=-DDBX_LWIP_IPV6=0
# mbedTLS heap cap (bytes mbedTLS may hold; hal_mbedtls.h).  The newlib heap
# is ~79 KB; a TLS 1.3 STARTTLS handshake peaks at ~33 KB of mbedTLS heap
# (RSA leaf + intermediate, 16 KB input record buffer; tests/qemu/
# test_fw_verify.sh prints it), so 48 KB leaves ~50% headroom for mbedTLS and
# >= 30 KB for ldns / resolver / session contexts.  Over the cap an mbedTLS
# allocation fails -> handshake error -> the MX is deferred, never accepted.
MBEDTLS_HEAP_CAP ?= 49152u
# mode=check limits (src/check/dbx_check.h): the result (static, ~2.5 KB per
# MX host) and work area (~4 KB) come out of the 128 KiB RAM, i.e. out of the
# heap the linker script gives the rest of RAM: 4 hosts x 2 addresses x 4
# TLSA records = 10.5 KB result + 4.1 KB work.  Hosts/addresses beyond the
# limit are counted (hosts_total, addrs_total) and not probed.
DBX_CHECK_LIMITS ?= -DDBX_CHECK_MAX_HOSTS=4 -DDBX_CHECK_MAX_ADDRS=2 -DDBX_CHECK_MAX_TLSA=4
# TLS additions (firmware/config/dbx_mbedtls_config.h): P-521, DHE-RSA,
# AES-CBC suites, static RSA key exchange.  Measured on mps2-an386 (README,
# "Footprint"): +602 / +6,072 / +3,552 / +240 B flash, +10.9 KB together
# (flash 61% of the 512 KiB budget).  Both MPS2 boards have the same budget and
# the same job (a verifier that must not defer mail an MTA would deliver), so
# both keep all four; a smaller board turns some off here or in its board.mk,
# e.g. DBX_TLS_OPTS = -DDBX_TLS_DHE=0 (the largest, and a 2048-bit modexp).
DBX_TLS_OPTS ?=
# mode=relay limits: envelopes of <= 8 recipients (a 4 KiB record), 32
# messages in the flash queue's RAM index (src/queue/dbx_fqueue.h).
# The delivery engine reads the body from flash in 512-octet pieces; DNS
# over UDP takes datagrams up to 4 KB (EDNS advertises 1232), so no 16 KB
# buffer per query next to the relay's listener and TLS session.
DBX_RELAY_LIMITS ?= -DDBX_QUEUE_MAX_RCPTS=8 -DDBX_FQ_ENV_MAX=4096u -DDBX_FQ_MAX_MSGS=32u \
                    -DDBX_RELAY_IO_MAX=512 -DDBX_DNS_UDP_BUF=4096 -DDBX_DNS_MAX_OUTSTANDING=4 -DDBX_FQ_BLOCKS_MAX=16u
BOARD_CFLAGS    := $(BOARD_CPU) -Os -g -ffunction-sections -fdata-sections \
                   -DDBX_BARE_METAL=1 $(DBX_CFLAGS) $(DBX_TLS_OPTS) $(DBX_CHECK_LIMITS) \
                   $(DBX_RELAY_LIMITS) \
                   -DHAL_MBEDTLS_HEAP_DEFAULT_CAP=$(MBEDTLS_HEAP_CAP)
BOARD_DEP_INC   := -Ifirmware/port/include
BOARD_HAL_SRCS  := $(sort $(wildcard hal/arm/*.c hal/nic/*.c)) hal/storage/storage_semihost.c \
                   board/common/mps2_board.c
BOARD_LDSCRIPT  := board/$(BOARD)/memory.ld
BOARD_RULES     := board/common/cortex-m.mk
BOARD_ALL       := firmware
# crypto backends tried before mbedTLS (Makefile DBX_CRYPTO; BENCHMARKS.md)
# (BENCHMARKS.md: our dbx-p256 for ECDSA P-256, 4x faster than BearSSL m31;
# RSA stays on mbedTLS, whose UMAAL bignum asm on the M4 beats BearSSL i31)
BOARD_CRYPTO    ?= dbx-p256
