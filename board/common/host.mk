# Rules for the host board: CLI, unit tests, a compile check of lwIP.
CLI_SRCS  := $(sort $(wildcard tools/danebox/*.c))
CLI_OBJS  := $(patsubst %.c,$(B)/obj/%.o,$(CLI_SRCS))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRCS))
TEST_SUPPORT := $(patsubst %.c,$(B)/obj/%.o,$(sort $(wildcard tests/unit/support/*.c)))
HOST_LDLIBS := -lcmocka $(HOST_SAN)
# extra link flags of the danebox binary (debian/rules: dpkg-buildflags' LDFLAGS)
HOST_LDFLAGS ?=

# Generated test fixtures (Makefile targets, never system() in a test):
# the DANE test PKI (certificates, keys, tokens.txt) and the signed zones.
PKI_STAMP   := build/dane/.stamp
ZONES_STAMP := $(B)/zones/all.zone
$(PKI_STAMP): tests/dane/mkcerts.sh
	@echo "  PKI     build/dane"
	@tests/dane/mkcerts.sh build/dane
$(ZONES_STAMP): tests/dnssec/mkzones.sh
	@echo "  ZONES   $(B)/zones"
	@tests/dnssec/mkzones.sh $(B)/zones >/dev/null

.PHONY: host-all
host-all: $(B)/danebox $(TEST_BINS) $(B)/liblwip.a $(PKI_STAMP) $(ZONES_STAMP) $(B)/crypto_bench

# one verify per backend for callgrind (tools/bench/bench.sh)
$(B)/crypto_bench: $(B)/obj/tools/bench/crypto_bench.o $(LIBS)
	@echo "  LINK    $@"
	@$(CC) $(BOARD_CFLAGS) -o $@ $< $(LIBS) $(HOST_SAN)

$(B)/danebox: $(CLI_OBJS) $(LIBS)
	@echo "  LINK    $@"
	@$(CC) $(BOARD_CFLAGS) $(HOST_LDFLAGS) -o $@ $(CLI_OBJS) $(LIBS) -lz $(HOST_SAN)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT) $(LIBS)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(BOARD_CFLAGS) -o $@ $< $(TEST_SUPPORT) -Wl,--start-group $(LIBS) -Wl,--end-group \
	  $(HOST_LDLIBS)

run size:
	@echo "make $@: needs a target board: $(filter-out host,$(BOARDS))" >&2; exit 2
include tests/fuzz/fuzz.mk
