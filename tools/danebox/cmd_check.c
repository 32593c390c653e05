/* danebox check: placeholder until its issue lands. */
#include "cli.h"

#include <stdio.h>

int dbx_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "danebox: 'check' is not built yet\n");
    return DBX_EXIT_INTERNAL;
}
