/* danebox resolve: placeholder until its issue lands. */
#include "cli.h"

#include <stdio.h>

int dbx_cmd_resolve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "danebox: 'resolve' is not built yet\n");
    return DBX_EXIT_INTERNAL;
}
