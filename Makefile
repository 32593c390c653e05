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
#   make install               host CLI, man pages, relay unit + config (PREFIX, DESTDIR)
#
# Board facts live in board/<name>/board.mk; an unknown BOARD stops here.

BOARD ?= host
BOARDS := $(sort $(patsubst board/%/board.mk,%,$(wildcard board/*/board.mk)))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Known boards: $(BOARDS))
endif

DEPS    ?= deps
MBEDTLS_DIR := $(DEPS)/mbedtls-3.6.7
BEARSSL_DIR := $(DEPS)/bearssl-0.6+dfsg.1
P256M_DIR   := $(MBEDTLS_DIR)/3rdparty/p256-m/p256-m
LDNS_DIR    := $(DEPS)/ldns-1.8.4
LWIP_DIR    := $(DEPS)/lwip-2.2.1+dfsg1
LDNS_CONF   := build/ldns-conf
ROOT_KEY    ?= /usr/share/dns/root.key
ROOT_DS     ?= /usr/share/dns/root.ds

include board/$(BOARD)/board.mk

# ---- crypto backends (hal/crypto/, BENCHMARKS.md "crypto backends") ----------
# DBX_CRYPTO: the software backends tried before mbedTLS, first match wins per
# operation (a backend without the slot, or declining the curve/size, passes
# it on); mbedTLS (hal_crypto_sw.c) is always linked and answers the rest.
#   make BOARD=mps2-an386 DBX_CRYPTO="p256m bearssl-i31"   (mbedtls: mbedTLS only)
# dbx-p256 (ours, hal/crypto/hal_p256_*.c), p256m, bearssl-m31, bearssl-m15: ECDSA P-256; bearssl-i31/-i15/-i62: RSA.
# A non-default choice builds into its own folder (build/<board>-crypto-...).
CRYPTO_KNOWN := mbedtls dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15 bearssl-i62
DBX_CRYPTO ?= $(BOARD_CRYPTO)
ifneq ($(filter-out $(CRYPTO_KNOWN),$(DBX_CRYPTO)),)
$(error Unknown DBX_CRYPTO '$(filter-out $(CRYPTO_KNOWN),$(DBX_CRYPTO))'. Known: $(CRYPTO_KNOWN))
endif
CRYPTO_CHAIN := $(filter-out mbedtls,$(DBX_CRYPTO))
# backends compiled in (getters of the others return NULL): the chain, or
# every backend on the host (unit tests check each against the same vectors)
CRYPTO_BUILT := $(if $(BOARD_CRYPTO_ALL),$(CRYPTO_KNOWN),$(CRYPTO_CHAIN))
empty :=
space := $(empty) $(empty)
comma := ,
CRYPTO_DEFS := -DHAL_CRYPTO_CHAIN='$(foreach b,$(CRYPTO_CHAIN),hal_crypto_$(subst -,_,$(b))_get$(comma))' \
               $(foreach b,$(filter-out mbedtls,$(CRYPTO_BUILT)),\
                 -DHAL_CRYPTO_HAVE_$(subst -,_,$(b))=1)
ifeq ($(strip $(DBX_CRYPTO)),$(strip $(BOARD_CRYPTO)))
B       ?= build/$(BOARD)
else
B       ?= build/$(BOARD)-crypto-$(subst $(space),+,$(strip $(DBX_CRYPTO)))
endif

CC      := $(CROSS)gcc
AR      := $(CROSS)ar
OBJCOPY := $(CROSS)objcopy
SIZE    := $(CROSS)size

# ---- flags -----------------------------------------------------------------
MBEDTLS_DEFS := -DMBEDTLS_CONFIG_FILE='"dbx_mbedtls_config.h"'
DEP_INC  := -I$(MBEDTLS_DIR)/include -I$(LDNS_CONF) -I$(LDNS_DIR) -I$(BEARSSL_DIR)/inc \
            -I$(P256M_DIR) \
            -Ifirmware/config $(BOARD_DEP_INC)
# Layers: src/base (status, check macros, transport interface, addresses,
# strings, limits) may be included by everyone; hal/ is compiled with the
# base and its own directories only (HAL_INC), so a hal/ file that includes
# anything else of src/ fails the build.
HAL_INC  := -Isrc/base -Ihal -Ihal/crypto -Ihal/$(BOARD_KIND) -Iboard/$(BOARD) -Iboard/common $(DEP_INC)
OUR_INC  := -Isrc -Isrc/base -Isrc/core -Ihal -Ihal/crypto -Ihal/$(BOARD_KIND) -Iboard/$(BOARD) -Iboard/common -I$(B)/gen $(DEP_INC)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS_COMMON := -std=c11 -D_DEFAULT_SOURCE $(BOARD_CFLAGS) $(MBEDTLS_DEFS) -MMD -MP \
                 $(if $(filter dbx-p256 p256m bearssl-m31 bearssl-m15,$(CRYPTO_CHAIN)),-DDBX_ECDSA_VERIFY_HAL=1)
# BOARD_DEFS: defines for our code only (not the dependencies)
OUR_CFLAGS := $(CFLAGS_COMMON) $(WARN) $(OUR_INC) $(CRYPTO_DEFS) $(BOARD_DEFS) $(EXTRA_CFLAGS)
DEP_CFLAGS := $(CFLAGS_COMMON) -w $(DEP_INC)

# ---- dependency libraries -------------------------------------------------
MBEDTLS_SRCS := $(wildcard $(MBEDTLS_DIR)/library/*.c)
MBEDTLS_OBJS := $(patsubst $(MBEDTLS_DIR)/library/%.c,$(B)/deps/mbedtls/%.o,$(MBEDTLS_SRCS))
# p256-m (shipped in the mbedTLS source): its ECDSA verify, behind our HAL
P256M_OBJS := $(B)/deps/p256m/p256-m.o

# BearSSL: only the P-256 (m15/m31 + ECDSA i15/i31 verify) and RSA public-key
# (i15/i31/i62 PKCS#1 v1.5 verify) files and the integer code under them
BEARSSL_FILES := ec/ec_p256_m15 ec/ec_p256_m31 ec/ecdsa_i15_vrfy_raw ec/ecdsa_i31_vrfy_raw \
              ec/ecdsa_i15_bits ec/ecdsa_i31_bits ec/ec_secp256r1 ec/ec_secp384r1 ec/ec_secp521r1 \
              rsa/rsa_i15_pub rsa/rsa_i31_pub rsa/rsa_i62_pub rsa/rsa_i15_pkcs1_vrfy \
              rsa/rsa_i31_pkcs1_vrfy rsa/rsa_i62_pkcs1_vrfy rsa/rsa_pkcs1_sig_unpad \
              codec/ccopy codec/dec32be codec/enc32be codec/dec32le codec/enc32le \
              $(patsubst $(BEARSSL_DIR)/src/%.c,%,$(wildcard $(BEARSSL_DIR)/src/int/i15_*.c \
                $(BEARSSL_DIR)/src/int/i31_*.c)) int/i32_div32 int/i62_modpow2
BEARSSL_OBJS := $(patsubst %,$(B)/deps/bearssl/%.o,$(BEARSSL_FILES))

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
CORE_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(CORE_SRCS)) $(B)/obj/gen/dbx_root_anchor.o \
             $(B)/obj/gen/hal_p256_tab.o

LIBS := $(B)/libdbx.a $(B)/libldns.a $(B)/libmbedtls.a $(B)/libbearssl.a

.PHONY: all setup deps test demo run size bench clean distclean help firmware
.DEFAULT_GOAL := all

all: $(BOARD_ALL)

help:
	@sed -n '2,16p' Makefile

setup:
	@tools/setup.sh

deps:
	@tools/deps.sh

$(MBEDTLS_DIR)/.dbx-unpacked $(LDNS_DIR)/.dbx-unpacked $(LWIP_DIR)/.dbx-unpacked \
$(BEARSSL_DIR)/.dbx-unpacked:
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

# p256-m.c compiles only with the driver macro; defining it for this one file
# does not enable the PSA driver in mbedTLS itself
$(B)/deps/p256m/%.o: $(P256M_DIR)/%.c $(MBEDTLS_DIR)/.dbx-unpacked
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) -DMBEDTLS_PSA_P256M_DRIVER_ENABLED -c $< -o $@

$(B)/deps/bearssl/%.o: $(BEARSSL_DIR)/src/%.c $(BEARSSL_DIR)/.dbx-unpacked
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) -I$(BEARSSL_DIR)/src -c $< -o $@

$(B)/deps/ldns/%.o: $(LDNS_DIR)/%.c $(LDNS_CONF)/ldns/config.h
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) -c $< -o $@

$(B)/deps/lwip/%.o: $(LWIP_DIR)/src/%.c $(LWIP_DIR)/.dbx-unpacked
	@mkdir -p $(@D)
	@$(CC) $(DEP_CFLAGS) $(LWIP_INC) -c $< -o $@

$(B)/libmbedtls.a: $(MBEDTLS_OBJS) $(P256M_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^
$(B)/libbearssl.a: $(BEARSSL_OBJS)
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

# P-256 constants and the table of G of our P-256 backend (hal/crypto/hal_p256.h)
$(B)/gen/hal_p256_tab.c: tools/mkp256tab.py
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@python3 tools/mkp256tab.py --out $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(@D)
	@$(CC) $(OUR_CFLAGS) -c $< -o $@

# Our objects also depend on the board's make fragments: limits such as
# DBX_QUEUE_MAX_RCPTS change struct layouts, so a flag change rebuilds them.
BOARD_MKS := board/$(BOARD)/board.mk $(wildcard board/common/*.mk)
$(B)/obj/%.o: %.c $(LDNS_CONF)/ldns/config.h $(MBEDTLS_DIR)/.dbx-unpacked $(BEARSSL_DIR)/.dbx-unpacked $(BOARD_MKS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(OUR_CFLAGS) $(if $(findstring firmware/,$<),$(LWIP_INC)) -c $< -o $@

# hal/: without the src/ include paths (see HAL_INC)
$(B)/obj/hal/%.o: hal/%.c $(LDNS_CONF)/ldns/config.h $(MBEDTLS_DIR)/.dbx-unpacked $(BOARD_MKS)
	@mkdir -p $(@D)
	@echo "  CC      $< (hal)"
	@$(CC) $(CFLAGS_COMMON) $(WARN) $(HAL_INC) $(HAL_OBJ_INC) $(CRYPTO_DEFS) $(BOARD_DEFS) $(EXTRA_CFLAGS) -c $< -o $@

# the RSA public operation uses mbedTLS' bignum core (hal/crypto/hal_rsa_pub.c)
# (a target-specific variable of its own: EXTRA_CFLAGS is set on the command
# line by make fuzz / test-asan, which would override it)
$(B)/obj/hal/crypto/hal_rsa_pub.o: HAL_OBJ_INC := -I$(MBEDTLS_DIR)/library
# our X25519 behind mbedTLS' ECP hooks (library/ecp_internal_alt.h)
$(B)/obj/hal/crypto/hal_x25519_mbedtls.o: HAL_OBJ_INC := -I$(MBEDTLS_DIR)/library

$(B)/libdbx.a: $(CORE_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

-include $(shell find $(B) -name '*.d' 2>/dev/null)

include $(BOARD_RULES)
include dist/install.mk

# ---- everything, every board --------------------------------------------------
TARGET_BOARDS := $(filter-out host,$(BOARDS))

# unbound's source is pinned for its testdata/val_*.rpl only (never built):
# tests/rig/test_unbound_replay.sh replays them against danebox.
UNBOUND_DIR := $(DEPS)/unbound-1.17.1

test: setup
	@$(MAKE) --no-print-directory BOARD=host all
	@for b in $(TARGET_BOARDS); do $(MAKE) --no-print-directory BOARD=$$b all || exit 1; done
	@test -f $(UNBOUND_DIR)/.dbx-unpacked || tools/deps.sh
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
