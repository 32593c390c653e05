/* Known-answer vectors of the crypto HAL backends on the target (kat.c). */
#ifndef FW_KAT_H
#define FW_KAT_H
#include <stddef.h>

#include "hal_crypto.h"

/** Default path of the table, read over semihosting (relative to QEMU's cwd). */
#define FW_KAT_PATH "tests/crypto/kat_vectors.bin"

/** Run every case of FW_KAT_PATH (tests/crypto/mkkat.py) over the @p n
 *  backends of @p be and over the dispatcher; print one `kat:` line per
 *  backend (and one per failing case).
 *  @return DBX_OK; DBX_ERR_CRYPTO when a case failed; DBX_ERR_NOTFOUND when
 *  the file cannot be read (printed as "kat: skipped"). */
int fw_kat_run(const hal_crypto_vtable_t *const *be, size_t n);

#endif /* FW_KAT_H */
