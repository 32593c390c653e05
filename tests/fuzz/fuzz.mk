# libFuzzer harnesses (host only): `make fuzz` builds build/fuzz/fuzz_* with
# clang-14, ASan + UBSan + libFuzzer.  Every object (ours, ldns, mbedTLS) is
# rebuilt with the same compiler and flags under build/fuzz by re-running this
# Makefile with B/CC/HOST_SAN overridden; the gcc build in build/host is not
# touched.  Our code is built with DBX_DEBUG so DBX_ASSERT aborts, and with
# tests/fuzz/hal_fuzz_platform.c (deterministic entropy, fake clock) instead of
# the host platform HAL (the crash points stay: inert without DANEBOX_CRASHPOINT).
FUZZ_CC   ?= clang-14
FUZZ_B    := build/fuzz
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fsanitize=fuzzer-no-link
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_B)/%,$(FUZZ_SRCS))

.PHONY: fuzz fuzz-bins test-asan
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: $(FUZZ_CC) not found (tools/packages.txt: clang-14, libclang-rt-14-dev)" >&2; exit 1; }
	@$(MAKE) --no-print-directory BOARD=host B=$(FUZZ_B) CC=$(FUZZ_CC) \
	  HOST_SAN="$(FUZZ_SAN)" EXTRA_CFLAGS=-DDBX_DEBUG \
	  BOARD_HAL_SRCS="hal/host/host_net.c hal/host/host_crashpoint.c tests/fuzz/hal_fuzz_platform.c" fuzz-bins

fuzz-bins: $(FUZZ_BINS) $(B)/gen_seeds

$(B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(LIBS)
	@echo "  FUZZ    $@"
	@$(CC) $(OUR_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< -Wl,--start-group $(LIBS) -Wl,--end-group

# the relay's config parser lives with the CLI: its object and the CLI's
# file helper are linked into its harness
RELAY_CFG_OBJS := $(B)/obj/tools/danebox/relay_config.o $(B)/obj/tools/danebox/cli_file.o
$(B)/fuzz_relay_config: tests/fuzz/fuzz_relay_config.c tests/fuzz/fuzz_common.h $(LIBS) $(RELAY_CFG_OBJS)
	@echo "  FUZZ    $@"
	@$(CC) $(OUR_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(RELAY_CFG_OBJS) \
	  -Wl,--start-group $(LIBS) -Wl,--end-group

# Host unit tests under ASan + UBSan (gcc), in build/host-asan.  The tests
# read the fixtures of the plain host build (build/host/zones, build/dane).
test-asan:
	@$(MAKE) --no-print-directory BOARD=host build/host/zones/all.zone build/dane/.stamp
	@$(MAKE) --no-print-directory BOARD=host B=build/host-asan \
	  HOST_SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" host-all
	@fail=0; for t in build/host-asan/tests/test_*; do \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$$t" >build/host-asan/$$(basename $$t).log 2>&1 \
	    && echo "PASS: asan $$(basename $$t)" || { echo "FAIL: asan $$(basename $$t) (build/host-asan/$$(basename $$t).log)"; fail=1; }; \
	done; exit $$fail

# seed generator for the DNS harnesses (tests/fuzz/mkseeds.sh)
$(B)/gen_seeds: tests/fuzz/gen_seeds.c $(LIBS)
	@$(CC) $(OUR_CFLAGS) -o $@ $< -Wl,--start-group $(LIBS) -Wl,--end-group
