/* Helpers shared by the host unit tests. */
#include "test_util.h"
#include "hal_crypto.h"
#include "hal_mbedtls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int load(const char *dir, const char *name, char **out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = dbx_test_slurp(path);
    return *out != NULL ? 0 : -1;
}

int dbx_test_zones_init(dbx_test_zones_t *z, const char *dir)
{
    char *t;
    int ok;
    memset(z, 0, sizeof *z);
    if (load(dir, "anchor.txt", &t) != 0) return -1;
    ok = dbx_trust_from_text(&z->trust, t) == DBX_OK;
    free(t);
    if (!ok || load(dir, "all.zone", &t) != 0) return -1;
    ok = dbx_memsrc_init(&z->mem, t, NULL) == DBX_OK;
    free(t);
    if (!ok || load(dir, "time.txt", &t) != 0) return -1;
    z->now = strtoll(t, NULL, 10);
    free(t);
    dbx_resolver_init_source(&z->r, dbx_memsrc_source(&z->mem), &z->trust);
    return z->now > 0 ? 0 : -1;
}

void dbx_test_zones_free(dbx_test_zones_t *z)
{
    dbx_resolver_free(&z->r);
    dbx_memsrc_free(&z->mem);
    dbx_trust_free(&z->trust);
}

int dbx_test_zones_setup(void **state)
{
    dbx_test_zones_t *z = calloc(1, sizeof *z);
    if (z == NULL) return -1;
    hal_mbedtls_init();
    if (dbx_test_zones_init(z, DBX_TEST_ZONES_DIR) != 0) {
        fprintf(stderr, "signed test zones missing in " DBX_TEST_ZONES_DIR " (run make)\n");
        dbx_test_zones_free(z);
        free(z);
        return -1;
    }
    *state = z;
    return 0;
}

int dbx_test_zones_teardown(void **state)
{
    dbx_test_zones_free(*state);
    free(*state);
    *state = NULL;
    return 0;
}

uint32_t dbx_test_sig_verifies(void)
{
    uint32_t n = 0;
    for (int t = HAL_CRYPTO_TIER_SW; t <= HAL_CRYPTO_TIER_CHAIN; t++) {
        n += hal_crypto_counters(t)->rsa_verify + hal_crypto_counters(t)->ecdsa_verify;
    }
    return n;
}

uint64_t dbx_test_rng64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int dbx_test_rng_fill(void *ctx, unsigned char *out, size_t len)
{
    for (size_t i = 0; i < len; i++) out[i] = (unsigned char)dbx_test_rng64(ctx);
    return 0;
}
