# danebox — top-level Makefile
#
#   make [BOARD=host]          host library, CLI and unit tests (default)
#   make BOARD=mps2-an386      firmware for the Cortex-M4 board (QEMU)
#   make setup                 install Debian packages + fetch pinned sources
#   make test                  setup, build all boards, run every test
#   make demo                  the firmware in QEMU verifying rig domains
#   make run  BOARD=<target>   boot the firmware in QEMU
#   make size BOARD=<target>   flash/RAM per component from the map file
#   make bench                 BENCHMARKS.md + plot
#   make fuzz                  libFuzzer harnesses (clang-14, ASan/UBSan) in build/fuzz
#   make test-asan             host unit tests under ASan + UBSan (build/host-asan)
#
# Board facts live in board/<name>/board.mk; an unknown BOARD stops here.

BOARD ?= host
BOARDS := $(sort $(patsubst board/%/board.mk,%,$(wildcard board/*/board.mk)))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Known boards: $(BOARDS))
endif

B       := build/$(BOARD)
DEPS    ?= deps
MBEDTLS_DIR := $(DEPS)/mbedtls-3.6.6
LDNS_DIR    := $(DEPS)/ldns-1.8.4
LWIP_DIR    := $(DEPS)/lwip-2.2.1+dfsg1
LDNS_CONF   := build/ldns-conf
ROOT_KEY    ?= /usr/share/dns/root.key
ROOT_DS     ?= /usr/share/dns/root.ds

include board/$(BOARD)/board.mk

CC      := $(CROSS)gcc
AR      := $(CROSS)ar
OBJCOPY := $(CROSS)objcopy
SIZE    := $(CROSS)size

# ---- flags -----------------------------------------------------------------
MBEDTLS_DEFS := -DMBEDTLS_CONFIG_FILE='"dbx_mbedtls_config.h"'
DEP_INC  := -I$(MBEDTLS_DIR)/include -I$(LDNS_CONF) -I$(LDNS_DIR) \
            -Ifirmware/config $(BOARD_DEP_INC)
# Layers: src/base (status, check macros, transport interface, addresses,
# strings, limits) may be included by everyone; hal/ is compiled with the
# base and its own directories only (HAL_INC), so a hal/ file that includes
# anything else of src/ fails the build.
HAL_INC  := -Isrc/base -Ihal -Ihal/crypto -Ihal/$(BOARD_KIND) -Iboard/$(BOARD) -Iboard/common $(DEP_INC)
OUR_INC  := -Isrc -Isrc/base -Isrc/core -Ihal -Ihal/crypto -Ihal/$(BOARD_KIND) -Iboard/$(BOARD) -Iboard/common -I$(B)/gen $(DEP_INC)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS_COMMON := -std=c11 -D_DEFAULT_SOURCE $(BOARD_CFLAGS) $(MBEDTLS_DEFS) -MMD -MP
OUR_CFLAGS := $(CFLAGS_COMMON) $(WARN) $(OUR_INC) $(EXTRA_CFLAGS)
DEP_CFLAGS := $(CFLAGS_COMMON) -w $(DEP_INC)

# ---- dependency libraries -------------------------------------------------
MBEDTLS_SRCS := $(wildcard $(MBEDTLS_DIR)/library/*.c)
MBEDTLS_OBJS := $(patsubst $(MBEDTLS_DIR)/library/%.c,$(B)/deps/mbedtls/%.o,$(MBEDTLS_SRCS))

# ldns: only the wire-format, canonical-form, text and NSEC3 files
LDNS_FILES := buffer dname dnssec dnssec_zone error host2str host2wire packet parse \
              rdata rr rr_functions sha1 sha2 str2host util wire2host zone edns \
              duration rbtree radix keys dnssec_verify dnssec_sign \
              compat/b64_pton compat/b64_ntop compat/strlcpy
LDNS_OBJS := $(patsubst %,$(B)/deps/ldns/%.o,$(LDNS_FILES))

LWIP_SRCS := $(wildcard $(LWIP_DIR)/src/core/*.c $(LWIP_DIR)/src/core/ipv4/*.c \
               $(LWIP_DIR)/src/core/ipv6/*.c) $(LWIP_DIR)/src/netif/ethernet.c
LWIP_OBJS := $(patsubst $(LWIP_DIR)/src/%.c,$(B)/deps/lwip/%.o,$(LWIP_SRCS))
LWIP_INC  := -I$(LWIP_DIR)/src/include -Ifirmware -Ifirmware/config

# ---- our code ---------------------------------------------------------------
CORE_SRCS := $(sort $(wildcard src/*/*.c hal/crypto/*.c hal/storage/hal_*.c)) $(BOARD_HAL_SRCS) \
             $(BOARD_EXTRA_SRCS)
CORE_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(CORE_SRCS)) $(B)/obj/gen/dbx_root_anchor.o

LIBS := $(B)/libdbx.a $(B)/libldns.a $(B)/libmbedtls.a

.PHONY: all setup deps test demo run size bench clean distclean help firmware
.DEFAULT_GOAL := all

all: $(BOARD_ALL)

help:
	@sed -n '2,15p' Makefile

setup:
	@tools/setup.sh

deps:
	@tools/deps.sh

$(MBEDTLS_DIR)/.dbx-unpacked $(LDNS_DIR)/.dbx-unpacked $(LWIP_DIR)/.dbx-unpacked:
	@tools/deps.sh

# ldns' own configure generates its config.h and common/util/net headers once
# (host run); bare-metal builds reuse them with the POSIX-types shim.
$(LDNS_CONF)/ldns/config.h: $(LDNS_DIR)/.dbx-unpacked
	@mkdir -p $(LDNS_CONF)
	@echo "  CONFIGURE ldns (wire format only, no OpenSSL)"
	@cd $(LDNS_CONF) && $(CURDIR)/$(LDNS_DIR)/configure --without-ssl --disable-dane \
	  --disable-sha2 --disable-gost --disable-ecdsa --disable-ed25519 --disable-ed448 \
	  --disable-dsa --without-drill --without-examples --disable-shared \
	  --without-pyldns --without-p5-dns-ldns CC=gcc >configure.log 2>&1 \
	  || { tail -20 configure.log; exit 1; }

$(B)/deps/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(MBEDTLS_DIR)/.dbx-unpacked board/$(BOARD)/board.mk
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) -c $< -o $@

$(B)/deps/ldns/%.o: $(LDNS_DIR)/%.c $(LDNS_CONF)/ldns/config.h
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) -c $< -o $@

$(B)/deps/lwip/%.o: $(LWIP_DIR)/src/%.c $(LWIP_DIR)/.dbx-unpacked
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) $(LWIP_INC) -c $< -o $@

$(B)/libmbedtls.a: $(MBEDTLS_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^
$(B)/libldns.a: $(LDNS_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^
$(B)/liblwip.a: $(LWIP_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

# ---- built-in root trust anchor ------------------------------------------------
$(B)/gen/dbx_root_anchor.c: tools/mkanchor.py $(ROOT_KEY) $(ROOT_DS)
	@mkdir -p $(@D)
	@echo "  ANCHOR  $@"
	@python3 tools/mkanchor.py --key $(ROOT_KEY) --ds $(ROOT_DS) --out $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(@D)
	@$(CC) $(OUR_CFLAGS) -c $< -o $@

# Our objects also depend on the board's make fragments: limits such as
# DBX_QUEUE_MAX_RCPTS change struct layouts, so a flag change rebuilds them.
BOARD_MKS := board/$(BOARD)/board.mk $(wildcard board/common/*.mk)
$(B)/obj/%.o: %.c $(LDNS_CONF)/ldns/config.h $(MBEDTLS_DIR)/.dbx-unpacked $(BOARD_MKS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(OUR_CFLAGS) $(if $(findstring firmware/,$<),$(LWIP_INC)) -c $< -o $@

# hal/: without the src/ include paths (see HAL_INC)
$(B)/obj/hal/%.o: hal/%.c $(LDNS_CONF)/ldns/config.h $(MBEDTLS_DIR)/.dbx-unpacked $(BOARD_MKS)
	@mkdir -p $(@D)
	@echo "  CC      $< (hal)"
	@$(CC) $(CFLAGS_COMMON) $(WARN) $(HAL_INC) $(EXTRA_CFLAGS) -c $< -o $@

$(B)/libdbx.a: $(CORE_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

-include $(shell find $(B) -name '*.d' 2>/dev/null)

include $(BOARD_RULES)

# ---- everything, every board --------------------------------------------------
TARGET_BOARDS := $(filter-out host,$(BOARDS))

test: setup
	@$(MAKE) --no-print-directory BOARD=host all
	@for b in $(TARGET_BOARDS); do $(MAKE) --no-print-directory BOARD=$$b all || exit 1; done
	@tests/run.sh

demo: setup
	@$(MAKE) --no-print-directory BOARD=host all
	@$(MAKE) --no-print-directory BOARD=mps2-an386 all
	@tools/demo.sh

bench: setup
	@$(MAKE) --no-print-directory BOARD=host all
	@$(MAKE) --no-print-directory BOARD=mps2-an386 all
	@tools/bench/bench.sh

clean:
	rm -rf build

distclean: clean
	rm -rf $(DEPS)
