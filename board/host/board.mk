# Host (Linux) build: the core as a library, the `danebox` CLI, unit tests.
BOARD_KIND      := host
BOARD_DESC      := Linux host CLI and unit tests
CROSS           :=
BOARD_CFLAGS    := -O2 -g -fno-omit-frame-pointer $(HOST_SAN)
BOARD_DEP_INC   :=
BOARD_HAL_SRCS  := $(wildcard hal/host/*.c)
BOARD_RULES     := board/common/host.mk
BOARD_ALL       := host-all
# crypto: every backend built (unit tests), this chain in front of mbedTLS
# (BENCHMARKS.md host table: BearSSL m31 beats mbedTLS' ECDSA; for RSA
# mbedTLS with its x86-64 asm beats BearSSL i62)
BOARD_CRYPTO    ?= bearssl-m31
BOARD_CRYPTO_ALL := 1
