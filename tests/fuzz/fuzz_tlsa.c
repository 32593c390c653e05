/* Fuzz TLSA parsing: RDATA wire form (dbx_tlsa_from_rdata) and presentation
 * text (dbx_tlsa_from_text), then usability and agility over the set.
 * Input: first byte selects the buffer size for text parsing; the rest is
 * split at '\n' into lines, each parsed as text and also as RDATA. */
#include "fuzz_common.h"
#include "dane/dbx_dane.h"

#define MAXREC (DBX_DANE_MAX_RECORDS + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t bufs[MAXREC][512];
    dbx_tlsa_t recs[MAXREC], wire[MAXREC];
    dbx_tlsa_use_t use[MAXREC];
    dbx_dane_opts_t o;
    size_t nrec = 0, nwire = 0, bufsize;
    fz_t f = {data, size};

    if (size > 8192) return 0;
    bufsize = fz_u8(&f) % sizeof bufs[0] + 1;
    while (f.n > 0) {
        const uint8_t *nl = memchr(f.p, '\n', f.n);
        size_t l = nl ? (size_t)(nl - f.p) : f.n;
        /* exact-size heap copies so ASan catches any overread */
        uint8_t *copy = malloc(l ? l : 1);
        if (copy == NULL) abort();
        memcpy(copy, f.p, l);
        if (nrec < MAXREC) {
            int st = dbx_tlsa_from_text((const char *)copy, l, bufs[nrec], bufsize, &recs[nrec]);
            if (st == DBX_OK) {
                if (recs[nrec].len > bufsize) abort();
                /* data is copied away: the line buffer is freed below */
                nrec++;
            }
        }
        if (nwire < MAXREC) {
            dbx_tlsa_t t;
            int st = dbx_tlsa_from_rdata(copy, l, &t);
            if (st == DBX_OK || st == DBX_ERR_MALFORMED) {
                if (t.len > 0 && (t.data < copy || t.data + t.len > copy + l)) abort();
                (void)dbx_tlsa_usability(&t, NULL);
                wire[nwire] = t;
                wire[nwire].data = NULL; /* points into copy: dropped below */
                wire[nwire].len = 0;
                nwire++;
            }
        }
        free(copy);
        f.p += l;
        f.n -= l;
        if (nl) {
            f.p++;
            f.n--;
        }
    }
    dbx_dane_opts_init(&o);
    (void)dbx_tlsa_classify(recs, nrec, &o, use);
    for (size_t i = 0; i < nrec; i++) (void)dbx_tlsa_use_str(dbx_tlsa_usability(&recs[i], &o));
    o.n_digest_pref = 1;
    o.digest_pref[0] = 1;
    o.max_records = 2;
    (void)dbx_tlsa_classify(recs, nrec, &o, use);
    (void)dbx_tlsa_classify(wire, nwire, NULL, use);
    return 0;
}
