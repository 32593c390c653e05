# Rules shared by the Cortex-M boards (included by the top Makefile as
# BOARD_RULES): the firmware ELF, `make run` under QEMU, `make size`.
#
#   build/<board>/danebox.elf   firmware/*.c + libdbx.a libldns.a libmbedtls.a libbearssl.a liblwip.a
#   build/<board>/danebox.map   linker map (input of tools/fwsize.py)
#   build/<board>/danebox.bin   raw image
#   build/<board>/danebox-verifier.elf/.map  the same objects linked without
#                               mode=relay (firmware/main.c DBX_RELAY=0): only
#                               for measuring the verifier's flash (make size)
FW_SRCS := $(sort $(wildcard firmware/*.c))
FW_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(FW_SRCS))
FW_ELF  := $(B)/danebox.elf
FW_MAP  := $(B)/danebox.map
FW_LIBS := $(B)/libdbx.a $(B)/libldns.a $(B)/libmbedtls.a $(B)/libbearssl.a $(B)/liblwip.a
FW_LDFLAGS := $(BOARD_CPU) -nostartfiles --specs=nano.specs \
              -Wl,--gc-sections -Wl,-Map=$(FW_MAP) -Wl,--cref \
              -Lboard/common -T$(BOARD_LDSCRIPT) -Wl,--no-warn-rwx-segments \
              -Wl,--wrap=malloc,--wrap=free,--wrap=calloc,--wrap=realloc \
              -Wl,--wrap=ldns_rdf_new_frm_str,--wrap=strftime

QEMU      ?= qemu-system-arm
QEMU_TIMEOUT ?= 60
# QEMU_NET: network backend for the LAN9118 (default: none attached).
QEMU_NET  ?= -nic none
# RUN_ARGS: the firmware command line (semihosting SYS_GET_CMDLINE), e.g. "net"
RUN_ARGS  ?=
QEMU_BASE = $(QEMU) -M $(QEMU_MACHINE) -nographic -monitor none -serial stdio \
            -semihosting-config enable=on,target=native \
            -kernel $(FW_ELF) $(if $(RUN_ARGS),-append "$(RUN_ARGS)") $(QEMU_EXTRA)
QEMU_CMD  = $(QEMU_BASE) $(QEMU_NET)

# the verifier alone (issue 18's flash target is the verifier before the relay)
FW_VER_ELF  := $(B)/danebox-verifier.elf
FW_VER_MAP  := $(B)/danebox-verifier.map
FW_VER_OBJS := $(patsubst $(B)/obj/firmware/main.o,$(B)/obj/firmware/main-verifier.o,$(FW_OBJS))

.PHONY: firmware
firmware: $(FW_ELF) $(B)/danebox.bin $(FW_VER_ELF)

$(FW_ELF): $(FW_OBJS) $(FW_LIBS) $(BOARD_LDSCRIPT) board/common/cortex-m.ld
	@echo "  LINK    $@"
	@$(CC) $(FW_LDFLAGS) -o $@ $(FW_OBJS) -Wl,--start-group $(FW_LIBS) -lc -lgcc \
	  -Wl,--end-group
	@$(SIZE) $@

$(B)/obj/firmware/main-verifier.o: firmware/main.c $(B)/obj/firmware/main.o
	@echo "  CC      $< (DBX_RELAY=0)"
	@$(CC) $(OUR_CFLAGS) $(LWIP_INC) -DDBX_RELAY=0 -c $< -o $@

$(FW_VER_ELF): $(FW_VER_OBJS) $(FW_LIBS) $(BOARD_LDSCRIPT) board/common/cortex-m.ld
	@echo "  LINK    $@ (verifier only, for make size)"
	@$(CC) $(subst $(FW_MAP),$(FW_VER_MAP),$(FW_LDFLAGS)) -o $@ $(FW_VER_OBJS) \
	  -Wl,--start-group $(FW_LIBS) -lc -lgcc -Wl,--end-group

$(B)/danebox.bin: $(FW_ELF)
	@$(OBJCOPY) -O binary $< $@

# RIG_NS=<netns>: put the LAN9118 on the DNS rig's link (tools/rig/qemu-net.sh)
# instead of QEMU_NET, e.g.
#   RIG_NS=dbxrig tools/rig/dns-rig.sh up
#   make run BOARD=mps2-an386 RIG_NS=dbxrig RUN_ARGS="mode=dnsprobe ip=192.0.2.100/24 resolver=192.0.2.2"
run: firmware
ifneq ($(RIG_NS),)
	RIG_NS=$(RIG_NS) tools/rig/qemu-net.sh -- timeout $(QEMU_TIMEOUT) $(QEMU_BASE)
else
	timeout --foreground $(QEMU_TIMEOUT) $(QEMU_CMD)
endif

size: firmware
	@python3 tools/fwsize.py --map $(FW_MAP) --elf $(FW_ELF)
	@echo "verifier alone (danebox-verifier.elf, DBX_RELAY=0):"
	@python3 tools/fwsize.py --map $(FW_VER_MAP) --objroot $(B)/obj --summary
