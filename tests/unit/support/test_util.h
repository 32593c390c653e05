/**
 * @file test_util.h
 * @brief Helpers shared by the host unit tests (linked into every test).
 */
#ifndef DBX_TEST_UTIL_H
#define DBX_TEST_UTIL_H

/** Read a whole file into a NUL-terminated malloc'd buffer.
 *  @return the buffer (caller frees) or NULL when it cannot be read. */
char *dbx_test_slurp(const char *path);

#include "dnssec/dbx_resolver.h"

/** A resolver over the signed test tree (tests/dnssec/mkzones.sh output in
 *  @p dir: anchor.txt, all.zone, time.txt), validating at its time. */
typedef struct dbx_test_zones {
    dbx_trust_t trust;
    dbx_memsrc_t mem;
    dbx_resolver_t r;
    int64_t now; /**< the tree's validation time */
} dbx_test_zones_t;

/** Load @p dir into @p z.  @return 0 or -1. */
int dbx_test_zones_init(dbx_test_zones_t *z, const char *dir);
/** Free what dbx_test_zones_init() set up. */
void dbx_test_zones_free(dbx_test_zones_t *z);

/** Directory of the signed test tree (Makefile target: tests/dnssec/mkzones.sh). */
#define DBX_TEST_ZONES_DIR "build/host/zones"

/** cmocka group setup: initialise the crypto HAL and load the signed test
 *  tree from DBX_TEST_ZONES_DIR into a calloc'd dbx_test_zones_t at
 *  *@p state.  @return 0 or -1 (message on stderr). */
int dbx_test_zones_setup(void **state);
/** cmocka group teardown for dbx_test_zones_setup().  @return 0. */
int dbx_test_zones_teardown(void **state);

/** Signature verifications (RSA + ECDSA) the crypto HAL did so far, every
 *  tier summed: what a test compares before/after to prove none was done. */
uint32_t dbx_test_sig_verifies(void);

/** splitmix64: the next word of a reproducible pseudo-random sequence
 *  (randomized tests with a printed seed; no entropy). */
uint64_t dbx_test_rng64(uint64_t *state);

/** An mbedTLS f_rng over dbx_test_rng64(); @p ctx is the uint64_t state.
 *  @return 0. */
int dbx_test_rng_fill(void *ctx, unsigned char *out, size_t len);

#endif /* DBX_TEST_UTIL_H */
