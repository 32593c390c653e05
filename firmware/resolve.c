/* mode=resolve: the portable DNSSEC resolver (src/dnssec) over the lwIP
 * transport.  For every query= one line identical to the host's
 * `danebox resolve --json` line for the same question (src/report prints
 * both), followed by a "resolve-stats:" measurement line.
 *
 * Trust anchor: anchor=builtin (IANA root) or anchor=rig with the rig's root
 * DS from the config block (anchor-ds=TAG:ALG:DT:HEX), built from wire
 * fields (dbx_trust_from_ds): ldns' zone-text parser needs ~192 KB of
 * scratch and is never called on the target.  Validation time: time=UNIX, or
 * time=auto = the board clock (emulation-only: host time via semihosting). */
#include "dbx_common.h"
#include "dbx_anchor.h"
#include "dbx_config.h"
#include "fw.h"
#include "hal_platform.h"
#include "dnssec/dbx_resolver.h"
#include "report/dbx_report.h"

#include <stdio.h>
#include <stdlib.h>

int fw_trust_load(const dbx_config_t *cfg, dbx_trust_t *trust)
{
    dbx_anchor_ds_t ds[DBX_CFG_MAX_DS];

    if (cfg->anchor != DBX_ANCHOR_RIG) {
        return dbx_trust_builtin(trust);
    }
    for (size_t i = 0; i < cfg->n_anchor_ds; i++) {
        ds[i].key_tag = cfg->anchor_ds[i].key_tag;
        ds[i].alg = cfg->anchor_ds[i].alg;
        ds[i].digest_type = cfg->anchor_ds[i].digest_type;
        ds[i].digest = cfg->anchor_ds[i].digest;
        ds[i].digest_len = cfg->anchor_ds[i].digest_len;
    }
    return dbx_trust_from_ds(trust, ds, cfg->n_anchor_ds);
}

int fw_resolve(const dbx_config_t *cfg, const dbx_transport_t *tr)
{
    dbx_trust_t trust;
    dbx_resolver_t *r;
    int64_t now = cfg->time;
    int st, failed = 0;

    if (now == 0 && hal_clock_unix(&now) != DBX_OK) {
        printf("resolve: wall clock unknown; give time=UNIX\n");
        return DBX_ERR_NOTIME;
    }
    st = fw_trust_load(cfg, &trust);
    if (st != DBX_OK) {
        printf("resolve: trust anchor: %s\n", dbx_strerror(st));
        return st;
    }
    /* the resolver state (key cache) lives on the heap only in this mode */
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        dbx_trust_free(&trust);
        printf("resolve: %s\n", dbx_strerror(DBX_ERR_NOMEM));
        return DBX_ERR_NOMEM;
    }
    dbx_resolver_init(r, tr, cfg->resolver, cfg->n_resolvers, &trust);
    (void)dbx_resolver_set_nsec3_limit(r, cfg->nsec3_iter); /* bounded by dbx_config */
    printf("resolve: %u question(s), anchor %s (%u DS), time %lu, resolver state %u bytes\n",
           (unsigned)cfg->n_queries, cfg->anchor == DBX_ANCHOR_RIG ? "rig" : "builtin",
           (unsigned)dbx_trust_ds_count(&trust), (unsigned long)now, (unsigned)sizeof *r);
    for (size_t i = 0; i < cfg->n_queries; i++) {
        const dbx_cfg_query_t *q = &cfg->query[i];
        const char *type = dbx_rrtype_name(q->type);
        dbx_result_t res;
        fw_meter_t m;
        char what[DBX_CFG_NAME_MAX + 40];

        fw_meter_start(&m);
        st = dbx_resolve(r, q->name, q->type, now, &res);
        if (st != DBX_OK) {
            printf("resolve: %s %s: %s\n", q->name, type, dbx_strerror(st));
            failed++;
        } else if (dbx_report_resolve_json(stdout, q->name, type, &res, r->total_queries) !=
                   DBX_OK) {
            failed++;
        }
        dbx_result_free(&res);
        snprintf(what, sizeof what, "resolve-stats: %s %s", q->name, type);
        fw_meter_print(&m, what);
    }
    dbx_resolver_free(r);
    free(r);
    dbx_trust_free(&trust);
    printf("resolve: %u done, %d failed, heap in use after free %lu bytes\n",
           (unsigned)cfg->n_queries, failed, (unsigned long)fw_heap_inuse());
    return failed == 0 ? DBX_OK : DBX_ERR_INTERNAL;
}
