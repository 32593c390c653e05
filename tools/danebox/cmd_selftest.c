/* danebox selftest: the crypto HAL on known vectors and the built-in anchor. */
#include "cli.h"
#include "dbx_anchor.h"
#include "dbx_selftest.h"

#include <stdio.h>

int dbx_cmd_selftest(int argc, char **argv)
{
    char line[160];
    int st;
    (void)argc;
    (void)argv;
    char counters[200];
    st = dbx_selftest(line, sizeof line);
    printf("%s\n", line);
    (void)dbx_crypto_counters_line(counters, sizeof counters);
    printf("%s\n", counters);
    return st == 0 ? DBX_EXIT_OK : DBX_EXIT_INTERNAL;
}
