/* danebox CLI: reading a bounded file and parsing --time and
 * --nsec3-iterations values (shared by
 * the commands and, for the relay's config parser, the fuzz harness
 * tests/fuzz/fuzz_relay_config.c, so it has no other CLI dependency). */
#include "cli.h"
#include "dnssec/dbx_dnssec_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dbx_cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (f == NULL) {
        fprintf(stderr, "danebox: %s: %s\n", path, strerror(errno));
        return -1;
    }
    buf = malloc(max + 1);
    if (buf == NULL) {
        fclose(f);
        fprintf(stderr, "danebox: out of memory\n");
        return -1;
    }
    n = fread(buf, 1, max + 1, f);
    fclose(f);
    if (n > max) {
        free(buf);
        fprintf(stderr, "danebox: %s: larger than %zu bytes\n", path, max);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    if (len != NULL) {
        *len = n;
    }
    return 0;
}

int dbx_cli_parse_time(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0) {
        fprintf(stderr, "danebox: --time wants seconds since the epoch, got '%s'\n", s);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int dbx_cli_parse_nsec3_limit(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > DBX_NSEC3_MAX_ITERATIONS) {
        fprintf(stderr, "danebox: --nsec3-iterations wants 0..%d (it can only lower the built-in limit), got '%s'\n",
                DBX_NSEC3_MAX_ITERATIONS, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}
