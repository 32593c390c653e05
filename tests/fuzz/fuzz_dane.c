/* Fuzz DANE matching: a server certificate chain (DER, parsed by mbedTLS
 * X.509 as dbx_check does) against a fixed TLSA set (fixture_dane.h, which
 * matches the generated seed chains, so DANE-EE, DANE-TA and signature
 * checks are reached), at a fixed time, for fixed reference identifiers.
 * Input: byte 0 = options (record subset, max_chain), then chunks (16-bit
 * length + DER certificate), leaf first. */
#include "fuzz_common.h"
#include "dane/dbx_dane.h"
#include "fixture_dane.h"

#define NREC (sizeof fx_tlsa / sizeof fx_tlsa[0])
#define NOW 1767225600LL /* 2026-01-01, inside the test PKI's validity */

static dbx_tlsa_t recs[NREC];
static uint8_t bufs[NREC][1024];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    hal_mbedtls_init();
    for (size_t i = 0; i < NREC; i++) {
        if (dbx_tlsa_from_text(fx_tlsa[i], strlen(fx_tlsa[i]), bufs[i], sizeof bufs[i], &recs[i]) !=
            DBX_OK)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"mx.example", "mx.example.", "alt.example"};
    mbedtls_x509_crt chain;
    dbx_dane_result_t res;
    dbx_dane_opts_t o;
    dbx_tlsa_t sel[NREC];
    size_t nsel = 0, ncert = 0, l;
    const uint8_t *c;
    fz_t in = {data, size};
    uint8_t opt;

    if (size > 32 * 1024) return 0;
    opt = fz_u8(&in);
    mbedtls_x509_crt_init(&chain);
    while (ncert < DBX_DANE_MAX_CHAIN + 2 && (c = fz_chunk(&in, &l)) != NULL) {
        if (mbedtls_x509_crt_parse_der(&chain, c, l) == 0) ncert++;
    }
    for (size_t i = 0; i < NREC; i++) {
        if (!((opt >> 4) & 1) || (i % 2) == ((opt >> 5) & 1)) sel[nsel++] = recs[i];
    }
    dbx_dane_opts_init(&o);
    o.max_chain = (size_t)(opt & 7) + 1;
    if (o.max_chain > DBX_DANE_MAX_CHAIN) o.max_chain = DBX_DANE_MAX_CHAIN;
    if (opt & 8) {
        o.n_digest_pref = 1;
        o.digest_pref[0] = DBX_TLSA_MT_SHA256;
    }
    if (dbx_dane_match(sel, nsel, &chain, names, (opt & 0x40) ? 1 : 3, NOW, &o, &res) != DBX_OK)
        abort();
    if (memchr(res.reason, '\0', sizeof res.reason) == NULL) abort();
    if (res.verdict == DBX_DANE_MATCH && (res.record < 0 || (size_t)res.record >= nsel)) abort();
    (void)dbx_dane_verdict_str(res.verdict);
    if (ncert > 0) (void)dbx_dane_name_check(&chain, names, 3);
    mbedtls_x509_crt_free(&chain);
    return 0;
}
