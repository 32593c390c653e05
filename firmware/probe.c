/* mode=probe: one STARTTLS session (src/smtp + src/smtp/dbx_tls, mbedTLS)
 * over the lwIP TCP transport, no verification hook (the probe reports what
 * the server presents; DANE matching is the caller's job).  Prints
 *   probe: ADDR sni=NAME outcome=O status=S state=ST round_trips=N
 *   probe-tls: version=V cipher=C chain=N leaf-spki-sha256=HEX
 *   probe-stats: heap/stack/mbedTLS peaks, cycles, instructions
 * Contexts live on the heap only while the session runs. */
#include "dbx_common.h"
#include "dbx_config.h"
#include "fw.h"
#include "hal_mbedtls.h"
#include "smtp/dbx_smtp.h"

#include <stdio.h>
#include "dbx_str.h"

#include <stdlib.h>
#include <string.h>

#include "mbedtls/sha256.h"

static void sha256_hex(const uint8_t *b, size_t n, char out[65])
{
    uint8_t h[32];
    mbedtls_sha256(b, n, h, 0);
    dbx_hex_encode(h, 32, out, 65);
}

int fw_probe(const dbx_config_t *cfg, const dbx_transport_t *tr)
{
    dbx_smtp_config_t sc;
    dbx_smtp_result_t *res;
    dbx_smtp_t *s;
    fw_meter_t m;
    char addr[64], tlserr[120];
    int st = DBX_OK;

    s = malloc(sizeof *s);
    res = malloc(sizeof *res);
    if (s == NULL || res == NULL) {
        free(s);
        free(res);
        printf("probe: %s\n", dbx_strerror(DBX_ERR_NOMEM));
        return DBX_ERR_NOMEM;
    }
    dbx_smtp_config_defaults(&sc);
    sc.peer = cfg->probe;
    sc.tls.sni = cfg->sni;
    sc.connect_ms = sc.banner_ms = sc.command_ms = sc.tls.handshake_ms = cfg->timeout_ms;
    if (sc.quit_ms > cfg->timeout_ms) sc.quit_ms = cfg->timeout_ms;
    dbx_addr_format(&cfg->probe, addr, sizeof addr);
    printf("probe: session context %u bytes, mbedTLS heap cap %u bytes\n", (unsigned)sizeof *s,
           (unsigned)HAL_MBEDTLS_HEAP_DEFAULT_CAP);

    fw_meter_start(&m);
    dbx_smtp_init(s);
    dbx_smtp_run(s, &sc, tr, res);
    {
        const dbx_tls_info_t *in = dbx_smtp_tls_info(s);
        const dbx_tls_chain_t *ch = dbx_smtp_chain(s);
        dbx_tls_last_error(&s->tls, tlserr, sizeof tlserr);
        printf("probe: %s port %u sni=%s outcome=%s status=%s state=%s round_trips=%u code=%d\n",
               addr, (unsigned)cfg->probe.port, cfg->sni, dbx_smtp_outcome_name(res->outcome),
               dbx_strerror(res->status), dbx_smtp_state_name(res->state),
               (unsigned)res->round_trips, res->last_code);
        if (tlserr[0] != '\0') printf("probe: tls error: %s\n", tlserr);
        if (in != NULL && ch != NULL) {
            const uint8_t *spki;
            size_t sl;
            char hex[65] = "?";
            if (ch->n > 0 &&
                dbx_tls_cert_spki(ch->cert[0].der, ch->cert[0].len, &spki, &sl) == DBX_OK) {
                sha256_hex(spki, sl, hex);
            }
            printf("probe-tls: version=%s cipher=%s chain=%u leaf-spki-sha256=%s\n",
                   in->version_name, in->ciphersuite, (unsigned)ch->n, hex);
        }
    }
    if (res->outcome != DBX_SMTP_TLS_UNVERIFIED && res->outcome != DBX_SMTP_TLS_VERIFIED) {
        st = res->status != DBX_OK ? res->status : DBX_ERR_TLS;
    }
    dbx_smtp_free(s);
    fw_meter_print(&m, "probe-stats");
    free(s);
    free(res);
    dbx_tls_global_free();
    {
        size_t cur = 0;
        hal_mbedtls_heap_stats(&cur, NULL);
        printf("probe: mbedTLS heap after free %lu bytes, heap in use %lu bytes\n",
               (unsigned long)cur, (unsigned long)fw_heap_inuse());
    }
    return st;
}
