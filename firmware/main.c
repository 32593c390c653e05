/* danebox firmware entry: banner, power-on self test, memory report, and
 * the mode the config block on the semihosting command line selects
 * (mode=ping: ICMP smoke test; mode=dnsprobe: DNS over the lwIP transport;
 * mode=resolve: validated lookups, firmware/resolve.c; mode=probe: STARTTLS +
 * TLS session, firmware/probe.c;
 * mode=bench: crypto HAL timings, firmware/bench.c; mode=check: RFC 7672
 * check of the check= domains, firmware/check.c; mode=relay: SMTP listener
 * into the flash queue, firmware/relay.c).
 * The exit status reaches the host through semihosting (QEMU's exit code):
 *   0  the mode ran (mode=check: every domain got a verdict, whatever it is)
 *   1  power-on self test or ldns check failed (network modes not run)
 *   2  network or internal error in the mode (mode=check: net not up,
 *      dbx_check_run() error, out of memory, output too long)
 *   3  mode=bench: a result was wrong
 *   4  no entropy source (network modes not run: never validate without)
 *   5  bad config block, or mode=resolve/check without wall time
 *      (time=auto and no clock)
 *   6  ip=dhcp: no lease within the wait (5 x timeout=, 20..60 s), or the
 *      lease has no DNS server and no resolver= was given (mode not run)
 *  7  mode=relay: the power cut armed by powercut=N happened (test only) */
#include "board.h"
#include "dbx_common.h"
#include "dbx_config.h"
#include "dbx_selftest.h"
#include "fw.h"
#include "fw_net.h"
#include "fw_relay.h"
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "arm/semihost.h"
#include "arm/systick.h"
#include "transport_lwip.h"

#include <stdio.h>
#include <string.h>

/* DBX_RELAY=0: the verifier without mode=relay (the relay's code is then
 * unreferenced and --gc-sections drops it).  Only for measuring the flash of
 * the verifier alone: board/common/cortex-m.mk links danebox-verifier.elf
 * next to the real image; there mode=relay does nothing. */
#ifndef DBX_RELAY
#define DBX_RELAY 1
#endif


/* The semihosting command line is "<image path> <-append text>": the first
 * word is argv[0], the rest is the config block (dbx_config.h). */
static const char *config_words(const char *cmdline)
{
    const char *p = cmdline;
    while (*p == ' ') p++;
    p += strcspn(p, " ");
    return p;
}

/* Read and parse the config block.  The command line buffer lives on the
 * stack only for the parse (1 KB less static RAM). */
static __attribute__((noinline)) int load_config(dbx_config_t *cfg, char *err, size_t cap)
{
    char cmdline[1024];
    if (semihost_cmdline(cmdline, sizeof cmdline) != 0) {
        cmdline[0] = '\0'; /* no semihosting (or line too long): defaults */
    }
    return dbx_config_parse(config_words(cmdline), cfg, err, cap);
}

/* Network modes: bring the netif up; with ip=dhcp wait for the lease
 * (fills in cfg).  @return 0, else the exit status (2 net, 6 no lease). */
static int net_start(dbx_config_t *cfg)
{
    int st = fw_net_up(cfg);
    if (st != DBX_OK) {
        printf("net: %s\n", dbx_strerror(st));
        return 2;
    }
    if (cfg->dhcp4 && (st = fw_net_dhcp_wait(cfg)) != DBX_OK) {
        printf("%s: not run (no usable DHCP lease: %s)\n", dbx_mode_name(cfg->mode),
               dbx_strerror(st));
        return st == DBX_ERR_UNSUPPORTED ? 2 : 6;
    }
    return 0;
}

int main(void)
{
    static char line[160];
    static dbx_config_t cfg;
    int64_t now = 0;
    int st, rc = 0;

    board_init();
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("danebox %s firmware on %s (%s, %lu Hz)\n", DBX_VERSION, BOARD_NAME, BOARD_CPU_NAME,
           (unsigned long)board.cpu_hz);
    st = load_config(&cfg, line, sizeof line);
    if (st != DBX_OK) {
        printf("%s\n", line);
        printf("exit: %d\n", 5);
        return 5; /* bad config: refuse to run */
    }
    printf("config: mode=%s\n", dbx_mode_name(cfg.mode));

    hal_mbedtls_init();
    st = dbx_selftest(line, sizeof line);
    printf("%s\n", line);
    printf("selftest: %s\n", dbx_strerror(st));
    if (dbx_crypto_counters_line(line, sizeof line) == DBX_OK) printf("%s\n", line);
    if (st != DBX_OK) {
        rc = 1;
    }

    st = fw_ldns_check(line, sizeof line);
    printf("%s\n", line);
    if (st != DBX_OK) {
        rc = 1;
    }

    {
        uint8_t probe[16];
        st = hal_crypto_random(probe, sizeof probe);
        printf("entropy: %s (emulation-only: host /dev/urandom via semihosting)\n",
               dbx_strerror(st));
        if (st != DBX_OK) {
            rc = rc ? rc : 4; /* verification must refuse to run */
        }
    }

    st = hal_clock_unix(&now);
    printf("clock: unix %s (emulation-only host time)\n",
           st == DBX_OK ? (now > 1500000000 ? "ok" : "bad") : dbx_strerror(st));
    if (st != DBX_OK && cfg.time == 0 &&
        (cfg.mode == DBX_MODE_RESOLVE || cfg.mode == DBX_MODE_CHECK)) {
        /* DNSSEC validation without a trusted time: refuse (time=UNIX may
         * supply it) */
        printf("%s: not run (wall time unknown; give time=UNIX)\n", dbx_mode_name(cfg.mode));
        printf("exit: %d\n", 5);
        return 5;
    }

    if (cfg.mode == DBX_MODE_PING) {
        char tgt[48];
        if (cfg.dhcp4 && (st = net_start(&cfg)) != 0) {
            rc = rc ? rc : st;
            goto out;
        }
        st = fw_net_ping(&cfg, 3);
        dbx_addr_format(cfg.has_ping ? &cfg.ping : &cfg.gw4, tgt, sizeof tgt);
        printf("net: ping %s %s\n", tgt, st == DBX_OK ? "ok" : dbx_strerror(st));
        if (st != DBX_OK) {
            rc = rc ? rc : 2;
        }
    } else if (cfg.mode == DBX_MODE_BENCH) {
        if (rc != 0) {
            printf("bench: not run (boot checks failed)\n");
        } else if (fw_bench() != DBX_OK) {
            rc = 3;
        }
#if DBX_RELAY
    } else if (cfg.mode == DBX_MODE_RELAY) {
        if (rc != 0) {
            printf("relay: not run (boot checks failed)\n");
        } else if (cfg.relay_port != 0 && (st = net_start(&cfg)) != 0) {
            rc = st;
        } else if ((st = fw_relay(&cfg)) != DBX_OK) {
            printf("relay: %s\n", dbx_strerror(st));
            rc = 2;
        }
#endif
    } else if (cfg.mode == DBX_MODE_DNSPROBE || cfg.mode == DBX_MODE_RESOLVE ||
               cfg.mode == DBX_MODE_PROBE || cfg.mode == DBX_MODE_CHECK) {
        dbx_transport_t tr;
        if (rc != 0) {
            printf("%s: not run (boot checks failed)\n", dbx_mode_name(cfg.mode));
        } else if ((st = net_start(&cfg)) != 0) {
            rc = st;
        } else {
            tlw_init(&tr, fw_net_poll);
            st = cfg.mode == DBX_MODE_RESOLVE ? fw_resolve(&cfg, &tr)
                 : cfg.mode == DBX_MODE_PROBE ? fw_probe(&cfg, &tr)
                 : cfg.mode == DBX_MODE_CHECK ? fw_check(&cfg, &tr)
                                              : fw_dnsprobe(&cfg, &tr);
            if (cfg.mode != DBX_MODE_DNSPROBE) {
                printf("%s: %d sockets left open\n", dbx_mode_name(cfg.mode), tlw_open_count());
            }
            fw_net_print_stats();
            if (st == DBX_ERR_NOTIME) {
                rc = 5;
            } else if (st != DBX_OK) {
                rc = 2;
            }
        }
    }

out:
    printf("memory: heap peak %lu of %lu bytes, stack peak %lu of %lu bytes\n",
           (unsigned long)fw_heap_peak(), (unsigned long)fw_heap_size(),
           (unsigned long)fw_stack_peak(), (unsigned long)fw_stack_size());
    printf("uptime: %lu ms, %lu cycles in this ms\n", (unsigned long)hal_clock_ms(),
           (unsigned long)systick_subms_cycles());
    printf("exit: %d\n", rc);
    return rc;
}
