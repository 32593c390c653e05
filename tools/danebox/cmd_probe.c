/* danebox probe (hidden): one STARTTLS session against one address, for the
 * SMTP rig tests.  Reports capabilities, TLS facts and the peer chain; never
 * calls a plaintext session a success.  --expect-spki HEX installs a verify
 * hook (leaf SPKI SHA-256, a stand-in for DANE-EE 3 1 1 until the DANE
 * matcher is wired in) so the abort-on-verify-failure path can be exercised.
 *
 * Exit: 0 TLS established (and verified when asked), 1 no TLS (no STARTTLS,
 * refused, EHLO/banner rejected) or verification failed, 2 usage,
 * 4 network/protocol/TLS failure, 5 internal. */
#include "cli.h"
#include "dbx_transport.h"
#include "hal_mbedtls.h"
#include "host_net.h"
#include "smtp/dbx_smtp.h"

#include "dbx_str.h"
#include "report/dbx_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/sha256.h"

static void sha256_hex(const uint8_t *b, size_t n, char out[65])
{
    uint8_t h[32];
    mbedtls_sha256(b, n, h, 0);
    dbx_hex_encode(h, 32, out, 65);
}

static int leaf_spki_hex(const dbx_tls_chain_t *c, char out[65])
{
    const uint8_t *spki;
    size_t sl;
    if (c == NULL || c->n == 0 || dbx_tls_cert_spki(c->cert[0].der, c->cert[0].len, &spki, &sl) != 0) {
        return -1;
    }
    sha256_hex(spki, sl, out);
    return 0;
}

static int verify_spki(const dbx_tls_chain_t *chain, const dbx_tls_info_t *info, void *user)
{
    char got[65];
    (void)info;
    if (leaf_spki_hex(chain, got) != 0) return DBX_ERR_MALFORMED;
    return strcmp(got, (const char *)user) == 0 ? DBX_OK : DBX_ERR_CRYPTO;
}

static void json_str(const char *s)
{
    dbx_json_str(stdout, s);
}

static void caps_json(uint32_t caps)
{
    static const char *const names[] = {"STARTTLS", "SIZE", "PIPELINING", "8BITMIME",
                                        "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "DSN",
                                        "REQUIRETLS"};
    int first = 1;
    putchar('[');
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (caps & (1u << i)) {
            printf("%s\"%s\"", first ? "" : ",", names[i]);
            first = 0;
        }
    }
    putchar(']');
}

int dbx_cmd_probe(int argc, char **argv)
{
    static char transcript[8192];
    static dbx_smtp_t s;
    dbx_smtp_config_t cfg;
    dbx_smtp_result_t r;
    dbx_transport_t tr;
    host_net_t net;
    const char *addr = NULL, *expect = NULL;
    int json = 0, show_tx = 0, rc;
    size_t peak = 0, cur_after = 0;

    dbx_smtp_config_defaults(&cfg);
    cfg.transcript = transcript;
    cfg.transcript_cap = sizeof transcript;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--sni") == 0 && i + 1 < argc) cfg.tls.sni = argv[++i];
        else if (strcmp(a, "--helo") == 0 && i + 1 < argc) cfg.helo_name = argv[++i];
        else if (strcmp(a, "--expect-spki") == 0 && i + 1 < argc) expect = argv[++i];
        else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            uint32_t ms = (uint32_t)strtoul(argv[++i], NULL, 10);
            if (ms == 0) { fprintf(stderr, "danebox probe: bad --timeout\n"); return DBX_EXIT_USAGE; }
            cfg.connect_ms = cfg.banner_ms = cfg.command_ms = cfg.tls.handshake_ms = ms;
            cfg.quit_ms = ms < cfg.quit_ms ? ms : cfg.quit_ms;
        } else if (strcmp(a, "--tls12") == 0) cfg.tls.max_version = DBX_TLS_V12;
        else if (strcmp(a, "--tls13") == 0) cfg.tls.min_version = DBX_TLS_V13;
        else if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--transcript") == 0) show_tx = 1;
        else if (a[0] != '-' && addr == NULL) addr = a;
        else { fprintf(stderr, "danebox probe: unexpected '%s'\n", a); return DBX_EXIT_USAGE; }
    }
    if (addr == NULL || cfg.tls.sni == NULL) {
        fprintf(stderr, "usage: danebox probe ADDR[:PORT] --sni NAME [--tls12|--tls13] "
                        "[--expect-spki HEX] [--helo NAME] [--timeout MS] [--json] [--transcript]\n");
        return DBX_EXIT_USAGE;
    }
    if (dbx_addr_parse(addr, 25, &cfg.peer) != DBX_OK) {
        fprintf(stderr, "danebox probe: bad address '%s'\n", addr);
        return DBX_EXIT_USAGE;
    }
    if (expect != NULL) {
        cfg.verify = verify_spki;
        cfg.verify_user = (void *)expect;
    }
    host_net_init(&net, &tr);
    hal_mbedtls_heap_reset_peak();
    dbx_smtp_init(&s);
    dbx_smtp_run(&s, &cfg, &tr, &r);

    const dbx_tls_info_t *in = dbx_smtp_tls_info(&s);
    const dbx_tls_chain_t *ch = dbx_smtp_chain(&s);
    char spki[65] = "", tlserr[160];
    dbx_tls_last_error(&s.tls, tlserr, sizeof tlserr);
    if (ch != NULL) (void)leaf_spki_hex(ch, spki);

    if (json) {
        printf("{\"addr\":");
        json_str(addr);
        printf(",\"sni\":");
        json_str(cfg.tls.sni);
        printf(",\"outcome\":\"%s\",\"status\":", dbx_smtp_outcome_name(r.outcome));
        json_str(dbx_strerror(r.status));
        printf(",\"state\":\"%s\",\"reason\":", dbx_smtp_state_name(r.state));
        json_str(r.reason);
        printf(",\"last_code\":%d,\"last_text\":", r.last_code);
        json_str(r.last_text);
        printf(",\"starttls\":%s,\"caps\":", (r.caps & DBX_SMTP_CAP_STARTTLS) ? "true" : "false");
        caps_json(r.caps);
        printf(",\"caps_tls\":");
        caps_json(r.caps_tls);
        printf(",\"size\":%llu,\"round_trips\":%u", (unsigned long long)r.size_limit,
               (unsigned)r.round_trips);
        if (in != NULL) {
            printf(",\"tls\":{\"version\":\"%s\",\"ciphersuite\":", in->version_name);
            json_str(in->ciphersuite);
            printf(",\"sni\":");
            json_str(in->sni);
            printf(",\"pkix_flags\":%u,\"chain\":[", (unsigned)in->pkix_flags);
            for (size_t i = 0; i < ch->n; i++) {
                const uint8_t *sp;
                size_t sl;
                char h1[65], h2[65] = "";
                sha256_hex(ch->cert[i].der, ch->cert[i].len, h1);
                if (dbx_tls_cert_spki(ch->cert[i].der, ch->cert[i].len, &sp, &sl) == 0) sha256_hex(sp, sl, h2);
                printf("%s{\"der_len\":%zu,\"cert_sha256\":\"%s\",\"spki_sha256\":\"%s\"}",
                       i ? "," : "", ch->cert[i].len, h1, h2);
            }
            printf("]}");
        }
        if (tlserr[0] != '\0') {
            printf(",\"tls_error\":");
            json_str(tlserr);
        }
        if (cfg.verify != NULL) {
            printf(",\"verify\":");
            json_str(r.outcome == DBX_SMTP_TLS_VERIFIED ? "ok"
                     : r.outcome == DBX_SMTP_VERIFY_FAILED ? dbx_strerror(r.verify_status)
                                                           : "not-run");
        }
    } else {
        printf("%s: %s (%s) state=%s code=%d round_trips=%u\n", addr, dbx_smtp_outcome_name(r.outcome),
               r.reason, dbx_smtp_state_name(r.state), r.last_code, (unsigned)r.round_trips);
        if (tlserr[0] != '\0') printf("  tls error: %s\n", tlserr);
        if (in != NULL) {
            printf("  tls: %s %s sni=%s chain=%zu leaf-spki-sha256=%s\n", in->version_name,
                   in->ciphersuite, in->sni, ch->n, spki);
        }
    }
    dbx_smtp_free(&s);
    hal_mbedtls_heap_stats(NULL, &peak);
    dbx_tls_global_free();
    hal_mbedtls_heap_stats(&cur_after, NULL);
    if (json) {
        printf(",\"mbedtls_heap_peak\":%zu,\"mbedtls_heap_after_free\":%zu", peak, cur_after);
        if (show_tx) {
            printf(",\"transcript\":");
            json_str(transcript);
        }
        printf("}\n");
    } else {
        printf("  mbedtls heap peak=%zu after-free=%zu\n", peak, cur_after);
        if (show_tx) fputs(transcript, stdout);
    }

    switch (r.outcome) {
    case DBX_SMTP_TLS_VERIFIED:
    case DBX_SMTP_TLS_UNVERIFIED: rc = DBX_EXIT_OK; break;
    case DBX_SMTP_BANNER_REJECTED:
    case DBX_SMTP_EHLO_REJECTED:
    case DBX_SMTP_NO_STARTTLS:
    case DBX_SMTP_STARTTLS_REFUSED:
    case DBX_SMTP_VERIFY_FAILED: rc = DBX_EXIT_NEGATIVE; break;
    default: rc = r.status == DBX_ERR_INTERNAL || r.status == DBX_ERR_NOENTROPY ? DBX_EXIT_INTERNAL
                                                                               : DBX_EXIT_INDETERMINATE;
    }
    return rc;
}
