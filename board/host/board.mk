# Host (Linux) build: the core as a library, the `danebox` CLI, unit tests.
BOARD_KIND      := host
BOARD_DESC      := Linux host CLI and unit tests
CROSS           :=
# mbedTLS' server side (MBEDTLS_SSL_SRV_C, host only: firmware/config/
# dbx_mbedtls_config.h) also serves the in-memory TLS peer of the unit tests
# (tests/unit/support/tls_peer.c)
BOARD_CFLAGS    := -O2 -g -fno-omit-frame-pointer $(HOST_SAN)
BOARD_DEP_INC   :=
# crash points (src/base/dbx_crashpoint.h) compiled in, armed only by the
# DANEBOX_CRASHPOINT environment variable (tests/rig/test_crash_matrix.sh)
BOARD_DEFS      := -DDBX_CRASHPOINTS=1
BOARD_HAL_SRCS  := $(wildcard hal/host/*.c)
# the firmware's config-block parser lives with the firmware; the host
# library carries it too for its unit test and fuzz harness; likewise the
# host port of the relay queue (the spool) lives with the CLI and is in the
# host library for the queue and relay unit tests, with the daemon's log
# (port/host_log.c: stderr or syslog)
BOARD_EXTRA_SRCS := firmware/dbx_config.c tools/danebox/port/host_spool.c \
                    tools/danebox/port/host_log.c
BOARD_RULES     := board/common/host.mk
BOARD_ALL       := host-all
# crypto: every backend built (unit tests), this chain in front of mbedTLS
# (BENCHMARKS.md host table: our dbx-p256 beats BearSSL m31 and mbedTLS'
# ECDSA; for RSA mbedTLS with its x86-64 asm beats BearSSL i62)
BOARD_CRYPTO    ?= dbx-p256
BOARD_CRYPTO_ALL := 1
