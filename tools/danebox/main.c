/* danebox host CLI: subcommand dispatch. */
#include "cli.h"
#include "dbx_transport.h"
#include "dnssec/dbx_resolver.h"
#include "hal_mbedtls.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} cmd_t;

static const cmd_t cmds[] = {
    {"resolve", dbx_cmd_resolve,
     "resolve NAME TYPE [NAME TYPE...] [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]\n"
     "                   [--json] [--repeat N] [--offline ZONEFILE...]"},
    {"match", dbx_cmd_match,
     "match --tlsa FILE --chain PEM --name HOST [--name HOST...] [--time UNIX] [--json]"},
    {"check", dbx_cmd_check,
     "check DOMAIN [DOMAIN...] [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]\n"
     "                [--json] [-4|-6] [--port N] [--helo NAME] [--timeout MS] [--first]\n"
     "                [--level dane|dane-only|encrypt|may|dane-test]"},
    {"relay", dbx_cmd_relay, "relay --config FILE [--check-config] [--log-stderr | --log-syslog]\n"
     "                (DANE-enforcing SMTP relay; logs to syslog, facility mail, unless stderr\n"
     "                is a terminal or there is no /dev/log)"},
    {"queue", dbx_cmd_queue,
     "queue (--config FILE | --spool DIR) list | show ID | flush | delete ID"},
    {"tlsa", dbx_cmd_tlsa,
     "tlsa --host HOST FILE [--next-key FILE] [--issuer-depth N] [--no-issuer] [--ttl N]\n"
     "                [--compare [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]]"},
    {"monitor", dbx_cmd_monitor,
     "monitor DOMAIN... [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]\n"
     "                [--json | --nagios] [--warn-days N] [--crit-days N] [-4|-6] [--port N] [--timeout MS]"},
    {"tlsrpt", dbx_cmd_tlsrpt,
     "tlsrpt (--config FILE | --spool DIR) [--date YYYY-MM-DD] [--domain D]... [--org NAME]\n"
     "                [--contact ADDR] [--submitter HOST] [--out DIR] [--no-send]\n"
     "                [--resolver ADDR[:PORT]]... [--anchor FILE] [--time UNIX]   (RFC 8460 reports)"},
    {"selftest", dbx_cmd_selftest, "selftest   (crypto HAL and built-in anchor checks)"},
    {"probe", dbx_cmd_probe,
     "probe ADDR[:PORT] --sni NAME [--tls12|--tls13] [--expect-spki HEX] [--helo NAME]\n"
     "                [--timeout MS] [--json] [--transcript]   (one STARTTLS session, no DANE)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: danebox COMMAND [ARGS]    (danebox --help, danebox --version,\n"
               "       danebox COMMAND --help)\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        fprintf(f, "  danebox %s\n", cmds[i].usage);
    }
    fprintf(f, "exit codes: 0 secure/match/dane-verified, 1 insecure/no-match/opportunistic,\n"
               "  2 usage error, 3 bogus/defer, 4 indeterminate, 5 internal error\n");
}

int dbx_cli_load_trust(const char *path, dbx_trust_t *trust)
{
    char *text = NULL;
    int st;
    if (path == NULL) {
        return dbx_trust_builtin(trust) == DBX_OK ? DBX_EXIT_OK : DBX_EXIT_INTERNAL;
    }
    if (dbx_cli_read_file(path, DBX_CLI_ANCHOR_MAX, &text, NULL) != 0) {
        return DBX_EXIT_USAGE;
    }
    st = dbx_trust_from_text(trust, text);
    free(text);
    if (st != DBX_OK) {
        fprintf(stderr, "danebox: %s: no usable DS/DNSKEY anchor (%s)\n", path, dbx_strerror(st));
        return DBX_EXIT_USAGE;
    }
    return DBX_EXIT_OK;
}

int dbx_cli_default_resolver(dbx_addr_t *a)
{
    FILE *f = fopen("/etc/resolv.conf", "r");
    char line[256], addr[128];
    int ok = 0;
    if (f == NULL) return -1;
    while (!ok && fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, " nameserver %127s", addr) == 1 && dbx_addr_parse(addr, 53, a) == DBX_OK) {
            ok = 1;
        }
    }
    fclose(f);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? DBX_EXIT_USAGE : DBX_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("danebox %s\n", DBX_VERSION);
        return DBX_EXIT_OK;
    }
    hal_mbedtls_init();
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            if (argc == 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
                printf("usage: danebox %s\n", cmds[i].usage);
                return DBX_EXIT_OK;
            }
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "danebox: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return DBX_EXIT_USAGE;
}
