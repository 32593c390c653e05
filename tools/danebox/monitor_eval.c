/* danebox monitor: the check runs (one per offered public-key algorithm,
 * one per TLS version) and the findings per domain, host and address, after
 * the DANE-for-SMTP how-to's list of outage causes. */
#include "monitor.h"
#include "smtp/dbx_tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/ssl.h"

/* offered signature algorithms per run (TLS SignatureScheme values) */
static const uint16_t sig_rsa[] = {
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256, MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512, MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE};
static const uint16_t sig_ecdsa[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512, MBEDTLS_TLS1_3_SIG_NONE};
static const char *const alg_name[2] = {"RSA", "ECDSA"};

void dbx_mon_opts_defaults(dbx_mon_opts_t *o)
{
    memset(o, 0, sizeof *o);
    dbx_check_config_defaults(&o->check);
    o->warn_days = 7;
    o->crit_days = 2;
}

const char *dbx_mon_sev_str(dbx_mon_sev_t s)
{
    static const char *const n[] = {"OK", "ADVICE", "WARNING", "CRITICAL", "UNKNOWN"};
    return (unsigned)s < DBX_ARRAY_LEN(n) ? n[s] : "UNKNOWN";
}

void dbx_mon_add(dbx_mon_report_t *rep, dbx_mon_sev_t sev, const char *code, const char *host,
             const char *addr, const char *fmt, ...)
{
    dbx_mon_finding_t *f;
    va_list ap;
    if (sev > rep->worst) rep->worst = sev;
    if (rep->n >= DBX_MON_MAX_FINDINGS) {
        rep->dropped++;
        return;
    }
    f = &rep->f[rep->n++];
    f->sev = sev;
    snprintf(f->code, sizeof f->code, "%s", code);
    snprintf(f->host, sizeof f->host, "%s", host ? host : "");
    snprintf(f->addr, sizeof f->addr, "%s", addr ? addr : "");
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
}

static bool tls_up(const dbx_check_addr_t *a)
{
    return a != NULL && (a->tls == DBX_CHECK_TLS_VERIFIED || a->tls == DBX_CHECK_TLS_UNAUTHENTICATED ||
                         a->tls == DBX_CHECK_TLS_REJECTED);
}

/* the same address of the same host in another run */
static const dbx_check_addr_t *same_addr(const dbx_mon_report_t *rep, int run, const dbx_check_host_t *h,
                                         const dbx_check_addr_t *a)
{
    const dbx_check_result_t *r = &rep->run[run];
    if (!rep->run_ok[run]) return NULL;
    for (size_t i = 0; i < r->n_hosts; i++) {
        if (strcmp(r->hosts[i].name, h->name) != 0) continue;
        for (size_t k = 0; k < r->hosts[i].n_addrs; k++) {
            if (memcmp(&r->hosts[i].addrs[k].addr, &a->addr, sizeof a->addr) == 0) {
                return &r->hosts[i].addrs[k];
            }
        }
    }
    return NULL;
}

/* expiry of something at @p exp against the thresholds */
void dbx_mon_expiry(dbx_mon_report_t *rep, const dbx_mon_opts_t *o, const char *code, const char *host,
                const char *what, int64_t exp, bool rrsig)
{
    int64_t now = o->check.now, days = (exp - now) / 86400;
    if (exp - now < 0 && (exp - now) % 86400 != 0) days--; /* floor */
    if (rrsig && days < rep->rrsig_days_min) rep->rrsig_days_min = days;
    if (exp <= now) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, code, host, NULL, "%s expired %lld day(s) ago", what,
                (long long)-days);
    } else if (rrsig && days < o->crit_days) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, code, host, NULL, "%s expires in %lld day(s) (< %d)", what,
                (long long)days, o->crit_days);
    } else if (days < o->warn_days) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, code, host, NULL, "%s expires in %lld day(s) (< %d)", what,
                (long long)days, o->warn_days);
    } else {
        dbx_mon_add(rep, DBX_MON_SEV_OK, code, host, NULL, "%s valid for %lld more day(s)", what,
                (long long)days);
    }
}

/* one public-key algorithm at one address */
static void eval_alg(dbx_mon_report_t *rep, const dbx_mon_opts_t *o, const char *hn, const char *as,
                     int k, const dbx_check_addr_t *x, const dbx_check_addr_t *other)
{
    switch (x->tls) {
    case DBX_CHECK_TLS_VERIFIED:
        rep->verified++;
        dbx_mon_add(rep, DBX_MON_SEV_OK, "dane-verified", hn, as, "%s: %s key, %s, %s", alg_name[k],
                x->leaf.key[0] ? x->leaf.key : "?", x->tls_version, x->reason);
        break;
    case DBX_CHECK_TLS_REJECTED:
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "dane-no-match", hn, as,
                "%s-only senders defer: the %s certificate matches no TLSA record (%s)", alg_name[k],
                x->leaf.key[0] ? x->leaf.key : alg_name[k], x->reason);
        break;
    case DBX_CHECK_TLS_UNAUTHENTICATED:
        dbx_mon_add(rep, DBX_MON_SEV_OK, "tls-unauthenticated", hn, as, "%s: TLS without DANE (%s)",
                alg_name[k], x->reason);
        break;
    default:
        if (tls_up(other)) {
            dbx_mon_add(rep, DBX_MON_SEV_OK, "alg-not-offered", hn, as,
                    "no %s certificate: a handshake offering only %s signatures fails", alg_name[k],
                    alg_name[k]);
        } else {
            dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "tls-failed", hn, as, "%s: %s", alg_name[k], x->reason);
        }
        break;
    }
    if (x->leaf.ta_not_after != 0) {
        char what[96];
        snprintf(what, sizeof what, "DANE-TA chain (%s, at %s)", alg_name[k], as);
        dbx_mon_expiry(rep, o, "dane-ta-expiry", hn, what, x->leaf.ta_not_after, false);
    }
}

static void eval_addr(dbx_mon_report_t *rep, const dbx_mon_opts_t *o, const dbx_check_host_t *h,
                      const dbx_check_addr_t *a0, bool dane)
{
    const dbx_check_addr_t *x[DBX_MON_RUNS];
    char as[DBX_MON_ADDR_LEN];
    bool up;
    dbx_addr_format(&a0->addr, as, sizeof as);
    rep->addrs++;
    for (int k = 0; k < DBX_MON_RUNS; k++) x[k] = same_addr(rep, k, h, a0);
    up = tls_up(x[DBX_MON_RUN_RSA]) || tls_up(x[DBX_MON_RUN_ECDSA]);
    if (!up) {
        if (a0->tls == DBX_CHECK_TLS_PLAINTEXT) {
            dbx_mon_add(rep, dane ? DBX_MON_SEV_CRITICAL : DBX_MON_SEV_WARNING, "starttls-missing", h->name, as,
                    "STARTTLS %s: %s", a0->starttls ? "refused" : "not offered",
                    dane ? "TLSA records are published, so DANE senders defer"
                         : "mail to this address goes in cleartext");
        } else {
            dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, a0->tls == DBX_CHECK_TLS_NONE ? "smtp-failed" : "tls-failed",
                    h->name, as, "%s", a0->reason);
        }
        return;
    }
    dbx_mon_add(rep, DBX_MON_SEV_OK, "starttls", h->name, as, "STARTTLS offered");
    for (int k = 0; k < 2; k++) {
        if (x[k] != NULL) eval_alg(rep, o, h->name, as, k, x[k], x[1 - k]);
    }
    if (!tls_up(x[DBX_MON_RUN_TLS12])) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "tls12-not-negotiable", h->name, as,
                "TLS 1.2 not negotiable (the how-to: make sure the server supports TLS 1.2)");
    }
    if (!tls_up(x[DBX_MON_RUN_TLS13])) {
        dbx_mon_add(rep, DBX_MON_SEV_ADVICE, "tls13-not-negotiable", h->name, as, "TLS 1.3 not negotiable");
    }
    if (tls_up(x[DBX_MON_RUN_TLS12]) && tls_up(x[DBX_MON_RUN_TLS13])) {
        dbx_mon_add(rep, DBX_MON_SEV_OK, "tls-versions", h->name, as, "TLS 1.2 and TLS 1.3 negotiable");
    }
}

/* the host of the same name in run @p k */
static const dbx_check_host_t *same_host(const dbx_mon_report_t *rep, int k, const dbx_check_host_t *h)
{
    const dbx_check_result_t *r = &rep->run[k];
    for (size_t i = 0; rep->run_ok[k] && i < r->n_hosts; i++) {
        if (strcmp(r->hosts[i].name, h->name) == 0) return &r->hosts[i];
    }
    return NULL;
}

/* Records of @p h (bit j = h->tlsa_rr[j]) naming a leaf some run saw.  The
 * runs may see the RRset in different orders (resolvers rotate it): map
 * each run's record by its text. */
static uint16_t leaf_records(const dbx_mon_report_t *rep, const dbx_check_host_t *h, bool *seen)
{
    uint16_t m = 0;
    *seen = false;
    for (int k = 0; k < DBX_MON_RUNS; k++) {
        const dbx_check_host_t *hk = same_host(rep, k, h);
        for (size_t a = 0; hk != NULL && a < hk->n_addrs; a++) {
            const dbx_check_addr_t *x = &hk->addrs[a];
            if (!x->leaf.set) continue;
            *seen = true;
            for (size_t i = 0; i < hk->n_tlsa && i < 16; i++) {
                if (!(x->leaf.match & (1u << i))) continue;
                for (size_t j = 0; j < h->n_tlsa && j < 16; j++) {
                    if (strcmp(hk->tlsa_rr[i].text, h->tlsa_rr[j].text) == 0) m |= (uint16_t)(1u << j);
                }
            }
        }
    }
    return m;
}

static void add_text(char out[][DBX_MON_RECORD_TEXT], size_t max, size_t *n, const char *t)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(out[i], t) == 0) return;
    }
    if (*n < max) snprintf(out[(*n)++], DBX_MON_RECORD_TEXT, "%s", t);
}

size_t dbx_mon_in_use(const dbx_mon_report_t *rep, const dbx_check_host_t *h,
                      char out[][DBX_MON_RECORD_TEXT], size_t max)
{
    static const char hx[] = "0123456789abcdef";
    size_t n = 0;
    for (int k = 0; k < DBX_MON_RUNS; k++) {
        const dbx_check_host_t *hk = same_host(rep, k, h);
        for (size_t a = 0; hk != NULL && a < hk->n_addrs; a++) {
            const dbx_check_addr_t *x = &hk->addrs[a];
            char t[DBX_MON_RECORD_TEXT];
            if (x->matched_record >= 0 && (size_t)x->matched_record < hk->n_tlsa) {
                add_text(out, max, &n, hk->tlsa_rr[x->matched_record].text);
            }
            if (!x->leaf.set) continue;
            for (size_t i = 0; i < hk->n_tlsa && i < 16; i++) {
                if (x->leaf.match & (1u << i)) add_text(out, max, &n, hk->tlsa_rr[i].text);
            }
            /* the leaf's 3 1 1, whether published or not */
            memcpy(t, "3 1 1 ", 6);
            for (size_t i = 0; i < 32; i++) {
                t[6 + 2 * i] = hx[x->leaf.spki_sha256[i] >> 4];
                t[7 + 2 * i] = hx[x->leaf.spki_sha256[i] & 15];
            }
            t[6 + 64] = '\0';
            add_text(out, max, &n, t);
        }
    }
    return n;
}

/* records: usages, 2 0 x, roll-over readiness */
static void eval_records(dbx_mon_report_t *rep, const dbx_check_host_t *h)
{
    unsigned survive = 0, usable = 0;
    bool seen;
    uint16_t leaf = leaf_records(rep, h, &seen);
    for (size_t i = 0; i < h->n_tlsa; i++) {
        unsigned u = 9, s = 9, m = 9;
        const char *t = h->tlsa_rr[i].text;
        if (sscanf(t, "%u %u %u", &u, &s, &m) != 3) continue;
        if (u <= 1) {
            dbx_mon_add(rep, DBX_MON_SEV_WARNING, "tlsa-pkix-unusable", h->name, NULL,
                    "%.20s...: usage %u (PKIX-%s) is unusable for SMTP (RFC 7672 3.1.3)", t, u,
                    u == 0 ? "TA" : "EE");
        }
        if (u == 2 && s == 0) {
            dbx_mon_add(rep, DBX_MON_SEV_ADVICE, "tlsa-2-0-x", h->name, NULL,
                    "%.20s...: a \"2 0 %u\" record breaks when the issuer certificate is re-signed "
                    "with the same key (Let's Encrypt, 2019); \"2 1 1\" survives it", t, m);
        }
        if (!h->tlsa_rr[i].usable) continue;
        usable++;
        if (u == 2 || (u == 3 && seen && i < 16 && !(leaf & (1u << i)))) survive++;
    }
    if (h->tlsa_total == 1) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "rollover-single-record", h->name, NULL,
                "a single TLSA record and no roll-over plan: publish \"current + next\" (3 1 1 + 3 1 1) "
                "or \"current + issuer\" (3 1 1 + 2 1 1)");
    } else if (usable > 0 && seen && survive == 0) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "rollover-no-survivor", h->name, NULL,
                "%u TLSA records, but every one names the key in use: none survives the next key change",
                (unsigned)h->tlsa_total);
    } else if (usable > 0 && seen) {
        dbx_mon_add(rep, DBX_MON_SEV_OK, "rollover", h->name, NULL,
                "%u TLSA records, %u of them survive the next key change (next key or issuer)",
                (unsigned)h->tlsa_total, survive);
    }
    if (rep->tlsa_min == 0 || h->tlsa_total < rep->tlsa_min) rep->tlsa_min = h->tlsa_total;
}

static void eval_host(dbx_mon_ctx_t *ctx, dbx_mon_report_t *rep, const dbx_check_host_t *h)
{
    const dbx_check_lookup_t *t = &h->tlsa;
    bool dane = t->sec == DBX_DNSSEC_SECURE && h->usable_tlsa > 0;
    rep->hosts++;
    if (h->a.sec == DBX_DNSSEC_BOGUS || h->aaaa.sec == DBX_DNSSEC_BOGUS) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "address-lookup", h->name, NULL, "address lookup bogus: %s",
                h->a.sec == DBX_DNSSEC_BOGUS ? h->a.reason : h->aaaa.reason);
    }
    if (h->n_addrs == 0) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "no-address", h->name, NULL, "%s", h->reason);
    }
    if (!t->done) {
        /* MX or address insecure: said at the domain / by the check's reason */
    } else if (t->sec == DBX_DNSSEC_BOGUS || t->sec == DBX_DNSSEC_INDETERMINATE) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "tlsa-lookup", h->name, NULL, "TLSA lookup %s: %s",
                dbx_dnssec_str(t->sec), t->reason);
    } else if (t->sec != DBX_DNSSEC_SECURE) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "no-tlsa", h->name, NULL, "no DANE for this host: TLSA %s (%s)",
                dbx_dnssec_str(t->sec), t->reason);
    } else if (h->usable_tlsa == 0) {
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "tlsa-unusable", h->name, NULL,
                "TLSA records published but none usable: senders encrypt without authentication");
    }
    if (t->sec == DBX_DNSSEC_SECURE) eval_records(rep, h);
    for (size_t i = 0; i < h->n_addrs; i++) eval_addr(rep, &ctx->opts, h, &h->addrs[i], dane);
}

/* first leaf key any run saw at host @p h */
static const uint8_t *host_key(const dbx_mon_report_t *rep, const dbx_check_host_t *h)
{
    for (size_t a = 0; a < h->n_addrs; a++) {
        for (int k = 0; k < DBX_MON_RUNS; k++) {
            const dbx_check_addr_t *x = same_addr(rep, k, h, &h->addrs[a]);
            if (x != NULL && x->leaf.set) return x->leaf.spki_sha256;
        }
    }
    return NULL;
}

/* the how-to: do not use the same key on every MX host */
static void eval_same_key(dbx_mon_report_t *rep, const dbx_check_result_t *r)
{
    const uint8_t *first = NULL;
    bool same = true;
    if (r->n_hosts < 2) return;
    for (size_t i = 0; i < r->n_hosts && same; i++) {
        const uint8_t *k = host_key(rep, &r->hosts[i]);
        if (k == NULL) return; /* unknown for a host: say nothing */
        if (first == NULL) first = k;
        else if (memcmp(first, k, 32) != 0) same = false;
    }
    if (same) {
        dbx_mon_add(rep, DBX_MON_SEV_ADVICE, "same-key-all-mx", NULL, NULL,
                "all %u MX hosts present the same key: a botched key roll-over takes down all inbound "
                "mail at once (the how-to recommends a key per host)",
                (unsigned)r->n_hosts);
    } else {
        dbx_mon_add(rep, DBX_MON_SEV_OK, "key-per-host", NULL, NULL, "the MX hosts present different keys");
    }
}

static void eval_mx(dbx_mon_report_t *rep, const dbx_check_result_t *r)
{
    switch (r->mx.sec) {
    case DBX_DNSSEC_BOGUS:
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "mx-lookup", NULL, NULL, "MX lookup bogus: %s", r->mx.reason);
        break;
    case DBX_DNSSEC_INDETERMINATE:
        dbx_mon_add(rep, DBX_MON_SEV_UNKNOWN, "mx-lookup", NULL, NULL, "MX lookup indeterminate: %s",
                r->mx.reason);
        break;
    case DBX_DNSSEC_INSECURE:
        dbx_mon_add(rep, DBX_MON_SEV_WARNING, "no-dnssec", NULL, NULL, "MX RRset insecure: no DANE (%s)",
                r->mx.reason);
        break;
    default:
        if (r->null_mx) dbx_mon_add(rep, DBX_MON_SEV_OK, "null-mx", NULL, NULL, "null MX: accepts no mail");
        break;
    }
}

int dbx_mon_domain(dbx_mon_ctx_t *ctx, const char *domain, dbx_mon_report_t *rep)
{
    int st = DBX_OK;
    memset(rep, 0, sizeof *rep);
    snprintf(rep->domain, sizeof rep->domain, "%s", domain);
    rep->rrsig_days_min = INT64_MAX;
    for (int k = 0; k < DBX_MON_RUNS; k++) {
        dbx_check_config_t cfg = ctx->opts.check;
        cfg.tls_sig_algs = k == DBX_MON_RUN_RSA ? sig_rsa : k == DBX_MON_RUN_ECDSA ? sig_ecdsa : NULL;
        if (k == DBX_MON_RUN_TLS12) cfg.tls_min_version = cfg.tls_max_version = DBX_TLS_V12;
        if (k == DBX_MON_RUN_TLS13) cfg.tls_min_version = cfg.tls_max_version = DBX_TLS_V13;
        st = dbx_check_run(&cfg, ctx->r, ctx->tr, &ctx->work, domain, &rep->run[k]);
        if (st != DBX_OK) return st;
        rep->run_ok[k] = true;
    }
    eval_mx(rep, &rep->run[DBX_MON_RUN_RSA]);
    for (size_t i = 0; i < rep->run[DBX_MON_RUN_RSA].n_hosts; i++) {
        eval_host(ctx, rep, &rep->run[DBX_MON_RUN_RSA].hosts[i]);
    }
    eval_same_key(rep, &rep->run[DBX_MON_RUN_RSA]);
    dbx_mon_eval_dns(ctx, rep);
    /* safety net: a domain every sender defers is never less than CRITICAL */
    if (!rep->run[DBX_MON_RUN_RSA].null_mx && rep->run[DBX_MON_RUN_RSA].verdict == DBX_VERDICT_DEFER &&
        rep->run[DBX_MON_RUN_ECDSA].verdict == DBX_VERDICT_DEFER && rep->worst < DBX_MON_SEV_CRITICAL) {
        dbx_mon_add(rep, DBX_MON_SEV_CRITICAL, "domain-defer", NULL, NULL, "senders defer: %s",
                rep->run[DBX_MON_RUN_RSA].reason);
    }
    return DBX_OK;
}
