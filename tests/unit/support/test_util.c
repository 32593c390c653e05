/* Helpers shared by the host unit tests. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

char *dbx_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *b;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    b = malloc((size_t)n + 1);
    if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b != NULL) b[n] = '\0';
    fclose(f);
    return b;
}
