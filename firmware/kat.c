/* The crypto HAL backends against the known-answer and edge-case table
 * (tests/crypto/mkkat.py writes kat_vectors.bin; the host unit test reads the
 * same cases from kat_vectors.h).  The table is read over semihosting, one
 * case at a time, so it costs no flash.  Record format (mkkat.py):
 *   'E' verdict 0 0, then u16-length-prefixed pub, digest, sig
 *   'R' verdict hash 0, then n, e, digest, sig;  'Z' 0 0 0 ends the file.
 * verdict: 1 must verify, 0 must not, 2 either (e = 0 mod n, see mkkat.py). */
#include "kat.h"
#include "dbx_common.h"
#include "arm/semihost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KAT_MAX_FIELD 512u

typedef struct {
    uint8_t hdr[4];
    uint8_t f[4][KAT_MAX_FIELD];
    size_t len[4];
} kat_case_t;

static int read_case(int32_t fd, kat_case_t *kc)
{
    size_t nf;
    if (semihost_read_all(fd, kc->hdr, 4) != 0) return -1;
    if (kc->hdr[0] == 'Z') return 0;
    nf = kc->hdr[0] == 'E' ? 3 : kc->hdr[0] == 'R' ? 4 : 0;
    if (nf == 0) return -1;
    for (size_t i = 0; i < nf; i++) {
        uint8_t l[2];
        if (semihost_read_all(fd, l, 2) != 0) return -1;
        kc->len[i] = (size_t)l[0] << 8 | l[1];
        if (kc->len[i] > KAT_MAX_FIELD || semihost_read_all(fd, kc->f[i], kc->len[i]) != 0) return -1;
    }
    return 1;
}

/* be == NULL: through the dispatcher */
static int run_case(const kat_case_t *kc, const hal_crypto_vtable_t *be)
{
    if (kc->hdr[0] == 'E') {
        if (be != NULL && be->ecdsa_verify == NULL) return DBX_ERR_UNSUPPORTED;
        return be != NULL ? be->ecdsa_verify(HAL_EC_P256, kc->f[0], kc->len[0], kc->f[1], kc->len[1],
                                             kc->f[2], kc->len[2])
                          : hal_crypto_ecdsa_verify(HAL_EC_P256, kc->f[0], kc->len[0], kc->f[1],
                                                    kc->len[1], kc->f[2], kc->len[2]);
    }
    if (be != NULL && be->rsa_verify == NULL) return DBX_ERR_UNSUPPORTED;
    return be != NULL ? be->rsa_verify(kc->f[0], kc->len[0], kc->f[1], kc->len[1],
                                       (hal_hash_alg_t)kc->hdr[2], kc->f[2], kc->f[3], kc->len[3])
                      : hal_crypto_rsa_verify(kc->f[0], kc->len[0], kc->f[1], kc->len[1],
                                              (hal_hash_alg_t)kc->hdr[2], kc->f[2], kc->f[3],
                                              kc->len[3]);
}

int fw_kat_run(const hal_crypto_vtable_t *const *be, size_t n)
{
    enum { KAT_MAX_BE = 8 };
    unsigned ec[KAT_MAX_BE + 1] = {0}, rs[KAT_MAX_BE + 1] = {0}, fails[KAT_MAX_BE + 1] = {0};
    unsigned idx = 0, total_fail = 0;
    int32_t fd = semihost_open_ro(FW_KAT_PATH);
    kat_case_t *kc; /* 2 KB from the heap, only while mode=bench runs */
    int more;

    if (fd < 0) {
        printf("kat: skipped (cannot open %s over semihosting)\n", FW_KAT_PATH);
        return DBX_ERR_NOTFOUND;
    }
    kc = malloc(sizeof *kc);
    if (kc == NULL) {
        (void)semihost_call(SH_SYS_CLOSE, &fd);
        printf("kat: FAIL no memory for the case buffer\n");
        return DBX_ERR_CRYPTO;
    }
    n = n > KAT_MAX_BE ? KAT_MAX_BE : n;
    while ((more = read_case(fd, kc)) == 1) {
        for (size_t b = 0; b <= n; b++) { /* b == n: the dispatcher */
            int st = run_case(kc, b < n ? be[b] : NULL);
            int want = kc->hdr[1];
            if (st == DBX_ERR_UNSUPPORTED && b < n) continue; /* no such slot */
            (kc->hdr[0] == 'E' ? ec : rs)[b]++;
            if (want == 2 ? (st != DBX_OK && st != DBX_ERR_CRYPTO)
                          : ((st == DBX_OK) != (want == 1) || st == DBX_ERR_UNSUPPORTED)) {
                printf("kat: FAIL backend=%s case #%u (%c, want %s): status %d\n",
                       b < n ? be[b]->name : "dispatcher", idx, kc->hdr[0],
                       want ? "ok" : "rejected", st);
                fails[b]++;
                total_fail++;
            }
        }
        idx++;
    }
    free(kc);
    (void)semihost_call(SH_SYS_CLOSE, &fd);
    if (more != 0) {
        printf("kat: FAIL malformed table at case #%u\n", idx);
        return DBX_ERR_CRYPTO;
    }
    for (size_t b = 0; b <= n; b++) {
        printf("kat: backend=%s ecdsa=%u rsa=%u fail=%u\n", b < n ? be[b]->name : "dispatcher",
               ec[b], rs[b], fails[b]);
    }
    printf("kat: %u cases, %u failures\n", idx, total_fail);
    return total_fail == 0 && idx > 0 ? DBX_OK : DBX_ERR_CRYPTO;
}
