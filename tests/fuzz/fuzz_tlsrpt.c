/* Fuzz TLS reporting input: each '\n'-separated line is parsed as a
 * `_smtp._tls` TXT record (dbx_tlsrpt_rua_parse: remote DNS data) and as a
 * record line (dbx_tlsrpt_rec_parse: the relay's day file); a record that
 * parses must format again into a line that parses back to the same
 * record, and is counted into an aggregate whose JSON is written into a
 * buffer sized by the first input byte (cut, never overrun). */
#include "fuzz_common.h"
#include "tlsrpt/dbx_tlsrpt_report.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_tlsrpt_agg_t agg;
    static dbx_tlsrpt_rec_t rec, back;
    static dbx_tlsrpt_rua_t rua;
    static char line[DBX_TLSRPT_LINE_MAX];
    fz_t f = {data, size};
    if (size > 16384) return 0;
    size_t cap = (size_t)fz_u8(&f) * 16 + 1;
    dbx_tlsrpt_agg_init(&agg, "d.test", 0, INT64_MAX);
    while (f.n > 0) {
        const uint8_t *nl = memchr(f.p, '\n', f.n);
        size_t l = nl ? (size_t)(nl - f.p) : f.n;
        char *copy = malloc(l + 1); /* exact size: ASan catches overreads */
        if (copy == NULL) abort();
        memcpy(copy, f.p, l);
        copy[l] = '\0';
        if (dbx_tlsrpt_rua_parse(copy, &rua) == DBX_OK) {
            if (rua.n == 0 || rua.n > DBX_TLSRPT_MAX_RUA) abort();
            for (size_t i = 0; i < rua.n; i++) {
                if (strlen(rua.uri[i]) >= DBX_TLSRPT_URI_MAX) abort();
            }
        }
        if (dbx_tlsrpt_rec_parse(copy, &rec) == DBX_OK) {
            if (dbx_tlsrpt_rec_format(&rec, line, sizeof line) != DBX_OK ||
                dbx_tlsrpt_rec_parse(line, &back) != DBX_OK || back.result != rec.result ||
                back.when != rec.when || strcmp(back.domain, rec.domain) != 0 ||
                strcmp(back.mx, rec.mx) != 0 || back.n_tlsa != rec.n_tlsa) {
                abort();
            }
            (void)dbx_tlsrpt_agg_add(&agg, &rec);
        }
        free(copy);
        f.p += l + (nl ? 1 : 0);
        f.n -= l + (nl ? 1 : 0);
    }
    char *json = malloc(cap);
    if (json == NULL) abort();
    size_t len = 0;
    static const dbx_tlsrpt_meta_t meta = {"org", "mailto:a@b", "id"};
    int st = dbx_tlsrpt_json(&agg, &meta, json, cap, &len);
    if ((st != DBX_OK && st != DBX_ERR_BUFFER) || strlen(json) >= cap) abort();
    free(json);
    return 0;
}
