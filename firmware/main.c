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

/* Power-on checks: self test (with the crypto counters), ldns, entropy.
 * @return 0, 1 (self test or ldns check failed) or 4 (no entropy). */
static int boot_checks(char *line, size_t cap)
{
    uint8_t probe[16];
    int st, rc = 0;

    hal_mbedtls_init();
    st = dbx_selftest(line, cap);
    printf("%s\n", line);
    printf("selftest: %s\n", dbx_strerror(st));
    if (dbx_crypto_counters_line(line, cap) == DBX_OK) printf("%s\n", line);
    if (st != DBX_OK) {
        rc = 1;
    }

    st = fw_ldns_check(line, cap);
    printf("%s\n", line);
    if (st != DBX_OK) {
        rc = 1;
    }

    st = hal_crypto_random(probe, sizeof probe);
    printf("entropy: %s (emulation-only: host /dev/urandom via semihosting)\n", dbx_strerror(st));
    if (st != DBX_OK) {
        rc = rc ? rc : 4; /* verification must refuse to run */
    }
    return rc;
}

/* Report the wall clock.  @return 0, or 5 when mode=resolve/check would
 * validate without a trusted time (time=UNIX may supply it). */
static int clock_check(const dbx_config_t *cfg)
{
    int64_t now = 0;
    int st = hal_clock_unix(&now);
    printf("clock: unix %s (emulation-only host time)\n",
           st == DBX_OK ? (now > 1500000000 ? "ok" : "bad") : dbx_strerror(st));
    if (st != DBX_OK && cfg->time == 0 &&
        (cfg->mode == DBX_MODE_RESOLVE || cfg->mode == DBX_MODE_CHECK)) {
        printf("%s: not run (wall time unknown; give time=UNIX)\n", dbx_mode_name(cfg->mode));
        return 5;
    }
    return 0;
}

/* mode=ping (runs even when the boot checks failed).  @return 0, else the
 * exit status. */
static int run_ping(dbx_config_t *cfg)
{
    char tgt[48];
    int st;
    if (cfg->dhcp4 && (st = net_start(cfg)) != 0) {
        return st;
    }
    st = fw_net_ping(cfg, 3);
    dbx_addr_format(cfg->has_ping ? &cfg->ping : &cfg->gw4, tgt, sizeof tgt);
    printf("net: ping %s %s\n", tgt, st == DBX_OK ? "ok" : dbx_strerror(st));
    return st == DBX_OK ? 0 : 2;
}

#if DBX_RELAY
/* mode=relay.  @return 0, else the exit status. */
static int run_relay(dbx_config_t *cfg)
{
    int st;
    if (cfg->relay_port != 0 && (st = net_start(cfg)) != 0) {
        return st;
    }
    if ((st = fw_relay(cfg)) != DBX_OK) {
        printf("relay: %s\n", dbx_strerror(st));
        return 2;
    }
    return 0;
}
#endif

/* mode=dnsprobe|resolve|probe|check over the lwIP transport.  @return 0,
 * else the exit status. */
static int run_net_mode(dbx_config_t *cfg)
{
    dbx_transport_t tr;
    int st = net_start(cfg);
    if (st != 0) {
        return st;
    }
    tlw_init(&tr, fw_net_poll);
    st = cfg->mode == DBX_MODE_RESOLVE ? fw_resolve(cfg, &tr)
         : cfg->mode == DBX_MODE_PROBE ? fw_probe(cfg, &tr)
         : cfg->mode == DBX_MODE_CHECK ? fw_check(cfg, &tr)
                                       : fw_dnsprobe(cfg, &tr);
    if (cfg->mode != DBX_MODE_DNSPROBE) {
        printf("%s: %d sockets left open\n", dbx_mode_name(cfg->mode), tlw_open_count());
    }
    fw_net_print_stats();
    return st == DBX_ERR_NOTIME ? 5 : st != DBX_OK ? 2 : 0;
}

/* Run the configured mode after the boot checks that gave @p rc.
 * @return the exit status. */
static int run_mode(dbx_config_t *cfg, int rc)
{
    int st;
    if (cfg->mode == DBX_MODE_PING) {
        st = run_ping(cfg);
        return rc ? rc : st;
    }
    if (cfg->mode == DBX_MODE_SELFTEST || (!DBX_RELAY && cfg->mode == DBX_MODE_RELAY)) {
        return rc; /* nothing more to run */
    }
    if (rc != 0) {
        printf("%s: not run (boot checks failed)\n", dbx_mode_name(cfg->mode));
        return rc;
    }
    if (cfg->mode == DBX_MODE_BENCH) {
        return fw_bench() == DBX_OK ? 0 : 3;
    }
#if DBX_RELAY
    if (cfg->mode == DBX_MODE_RELAY) {
        return run_relay(cfg);
    }
#endif
    return run_net_mode(cfg);
}

/* The closing report and exit line.  @return @p rc. */
static int finish(int rc)
{
    printf("memory: heap peak %lu of %lu bytes, stack peak %lu of %lu bytes\n",
           (unsigned long)fw_heap_peak(), (unsigned long)fw_heap_size(),
           (unsigned long)fw_stack_peak(), (unsigned long)fw_stack_size());
    printf("uptime: %lu ms, %lu cycles in this ms\n", (unsigned long)hal_clock_ms(),
           (unsigned long)systick_subms_cycles());
    printf("exit: %d\n", rc);
    return rc;
}

int main(void)
{
    static char line[160];
    static dbx_config_t cfg;
    int rc;

    board_init();
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("danebox %s firmware on %s (%s, %lu Hz)\n", DBX_VERSION, BOARD_NAME, BOARD_CPU_NAME,
           (unsigned long)board.cpu_hz);
    if (load_config(&cfg, line, sizeof line) != DBX_OK) {
        printf("%s\n", line);
        printf("exit: %d\n", 5);
        return 5; /* bad config: refuse to run */
    }
    printf("config: mode=%s\n", dbx_mode_name(cfg.mode));

    rc = boot_checks(line, sizeof line);
    if (clock_check(&cfg) != 0) {
        printf("exit: %d\n", 5);
        return 5;
    }
    return finish(run_mode(&cfg, rc));
}
