/* Fuzz the firmware config block parser (dbx_config_parse) and the address
 * parser it uses.  Input: the config line (any bytes; NUL ends it early). */
#include "fuzz_common.h"
#include "../../firmware/dbx_config.h" /* the firmware's config block */

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_config_t cfg;
    char err[96], tiny[5];
    char *line;
    dbx_addr_t a;
    char buf[64];

    if (size > 4096) return 0;
    line = fz_strdup(data, size);
    (void)dbx_config_parse(line, &cfg, err, sizeof err);
    if (strlen(err) >= sizeof err) abort();
    (void)dbx_config_parse(line, &cfg, tiny, sizeof tiny);
    (void)dbx_config_parse(line, &cfg, NULL, 0);
    if (dbx_addr_parse(line, 53, &a) == DBX_OK) {
        if (a.family != 4 && a.family != 6) abort();
        (void)dbx_addr_format(&a, buf, sizeof buf);
    }
    (void)dbx_rrtype_from_name(line, strlen(line));
    free(line);
    return 0;
}
