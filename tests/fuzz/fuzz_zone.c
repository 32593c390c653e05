/* Fuzz the offline path: zone text -> dbx_zone_text_parse / dbx_memsrc_init
 * -> dbx_resolve of a few fixed questions with the fixed anchor and time of
 * fixture_dnssec.h (matching the generated seeds, which are signed zone
 * files), plus dbx_trust_from_text on the same text.
 * Input: zone text (NUL ends it early). */
#include "fuzz_common.h"
#include "dnssec/dbx_resolver.h"

#include <ldns/ldns.h>
#include "fixture_dnssec.h"

static dbx_trust_t anchor;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    hal_mbedtls_init();
    if (dbx_trust_from_text(&anchor, fx_anchor) != DBX_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *name;
        uint16_t type;
    } qs[] = {
        {"_25._tcp.mx.example.test", LDNS_RR_TYPE_TLSA},
        {"nx.example.test", LDNS_RR_TYPE_A},
        {"a.x.w.n3.test", LDNS_RR_TYPE_A},
        {"txt.big.test", LDNS_RR_TYPE_TXT}, /* signed data past 1 KB */
    };
    static dbx_resolver_t r;
    char *text;
    dbx_memsrc_t m;
    dbx_trust_t t;
    int bad = 0;

    if (size > 64 * 1024) return 0;
    text = fz_strdup(data, size);
    memset(&t, 0, sizeof t);
    if (dbx_trust_from_text(&t, text) == DBX_OK) dbx_trust_free(&t);
    if (dbx_memsrc_init(&m, text, &bad) == DBX_OK) {
        dbx_resolver_init_source(&r, dbx_memsrc_source(&m), &anchor);
        for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
            dbx_result_t res;
            if (dbx_resolve(&r, qs[i].name, qs[i].type, FX_NOW, &res) == DBX_OK) {
                if (res.queries > DBX_MAX_QUERIES) abort();
                dbx_result_free(&res);
            }
        }
        dbx_resolver_free(&r);
        dbx_memsrc_free(&m);
    }
    free(text);
    return 0;
}
