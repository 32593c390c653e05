# Host (Linux) build: the core as a library, the `danebox` CLI, unit tests.
BOARD_KIND      := host
BOARD_DESC      := Linux host CLI and unit tests
CROSS           :=
# MBEDTLS_SSL_SRV_C: the host library also has mbedTLS' server side, for the
# in-memory TLS peer of the unit tests (tests/unit/support/tls_peer.c) and
# the inbound STARTTLS of `danebox relay` (tools/danebox/relay_tls.c); the
# firmware is built without it.
BOARD_CFLAGS    := -O2 -g -fno-omit-frame-pointer $(HOST_SAN) -DMBEDTLS_SSL_SRV_C
BOARD_DEP_INC   :=
BOARD_HAL_SRCS  := $(wildcard hal/host/*.c)
# the firmware's config-block parser lives with the firmware; the host
# library carries it too for its unit test and fuzz harness; likewise the
# host port of the relay queue (the spool) lives with the CLI and is in the
# host library for the queue and relay unit tests
BOARD_EXTRA_SRCS := firmware/dbx_config.c tools/danebox/port/host_spool.c
BOARD_RULES     := board/common/host.mk
BOARD_ALL       := host-all
