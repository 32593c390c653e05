/* Shared helpers for the libFuzzer harnesses (tests/fuzz/fuzz_*.c). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "dbx_common.h"
#include "hal_mbedtls.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fake clock of tests/fuzz/hal_fuzz_platform.c (hal_clock_ms) */
extern uint32_t fuzz_clock_ms;

/* A cursor over the fuzz input. */
typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz_t;

static inline uint8_t fz_u8(fz_t *f)
{
    uint8_t v = 0;
    if (f->n > 0) {
        v = f->p[0];
        f->p++;
        f->n--;
    }
    return v;
}

static inline uint16_t fz_u16(fz_t *f)
{
    uint16_t hi = fz_u8(f);
    return (uint16_t)(hi << 8 | fz_u8(f));
}

/* Next chunk: 16-bit big-endian length then that many bytes (clipped). */
static inline const uint8_t *fz_chunk(fz_t *f, size_t *len)
{
    size_t l;
    const uint8_t *p;
    if (f->n < 2) return NULL;
    l = fz_u16(f);
    if (l > f->n) l = f->n;
    p = f->p;
    f->p += l;
    f->n -= l;
    *len = l;
    return p;
}

/* malloc'd NUL-terminated copy (exact size, so ASan sees overreads). */
static inline char *fz_strdup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL) abort();
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

#endif
