/* danebox firmware entry: banner, power-on self test, memory report, and
 * (when the semihosting command line asks for it) the network smoke test.
 * The exit status reaches the host through semihosting (QEMU's exit code). */
#include "board.h"
#include "dbx_common.h"
#include "dbx_selftest.h"
#include "fw.h"
#include "hal_crypto.h"
#include "hal_mbedtls.h"
#include "hal_platform.h"
#include "arm/semihost.h"
#include "arm/systick.h"

#include <stdio.h>
#include <string.h>

#ifndef DBX_VERSION
#define DBX_VERSION "0.1-dev"
#endif

/* Returns the value of "key=value" in the command line, or @p dflt. */
static const char *cmdline_opt(const char *cmdline, const char *key, const char *dflt,
                               char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = cmdline;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == cmdline || p[-1] == ' ') && p[klen] == '=') {
            size_t n = strcspn(p + klen + 1, " ");
            if (n >= cap) {
                n = cap - 1;
            }
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return out;
        }
        p += klen;
    }
    return dflt;
}

static int has_word(const char *cmdline, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = cmdline; (p = strstr(p, word)) != NULL; p += n) {
        if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    static char line[160];
    static char cmdline[128];
    char ip[20], gw[20], dst[20];
    int64_t now = 0;
    int st, rc = 0;

    board_init();
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("danebox %s firmware on %s (%s, %lu Hz)\n", DBX_VERSION, BOARD_NAME, BOARD_CPU_NAME,
           (unsigned long)board.cpu_hz);
    (void)semihost_cmdline(cmdline, sizeof cmdline);

    hal_mbedtls_init();
    st = dbx_selftest(line, sizeof line);
    printf("%s\n", line);
    printf("selftest: %s\n", dbx_strerror(st));
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

    if (has_word(cmdline, "net")) {
        /* QEMU user networking defaults: guest 10.0.2.15, gateway 10.0.2.2 */
        const char *a = cmdline_opt(cmdline, "ip", "10.0.2.15", ip, sizeof ip);
        const char *g = cmdline_opt(cmdline, "gw", "10.0.2.2", gw, sizeof gw);
        const char *t = cmdline_opt(cmdline, "ping", g, dst, sizeof dst);
        st = fw_net_ping(a, g, t, 3);
        printf("net: ping %s %s\n", t, st == DBX_OK ? "ok" : dbx_strerror(st));
        if (st != DBX_OK) {
            rc = rc ? rc : 2;
        }
    }

    printf("memory: heap peak %lu of %lu bytes, stack peak %lu of %lu bytes\n",
           (unsigned long)fw_heap_peak(), (unsigned long)fw_heap_size(),
           (unsigned long)fw_stack_peak(), (unsigned long)fw_stack_size());
    printf("uptime: %lu ms, %lu cycles in this ms\n", (unsigned long)hal_clock_ms(),
           (unsigned long)systick_subms_cycles());
    printf("exit: %d\n", rc);
    return rc;
}
