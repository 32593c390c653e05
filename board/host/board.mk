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
BOARD_CRYPTO    ?= p256m bearssl-i62
BOARD_CRYPTO_ALL := 1
