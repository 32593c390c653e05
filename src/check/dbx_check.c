/* RFC 7672 end-to-end check of one domain; see dbx_check.h. */
#include "dbx_check.h"
#include "dane/dbx_tlsa_gen.h"

#include "hal_platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/x509_crt.h"

/* ------------------------------------------------------------------------ */
/* small helpers                                                             */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    if (cap == 0) return;
    if (src != NULL) {
        while (src[n] != '\0' && n + 1 < cap) {
            dst[n] = src[n];
            n++;
        }
    }
    dst[n] = '\0';
}

static void fmt(char *dst, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(dst, cap, f, ap);
    va_end(ap);
    if (n < 0 && cap > 0) dst[0] = '\0';
}

/* Wire-format name -> lower-case presentation without the final dot; "."
 * for the root.  Non-LDH octets (other than '_' and '*') as \DDD. */
static int dname_str(const ldns_rdf *d, char *out, size_t cap)
{
    const uint8_t *p;
    size_t len, pos = 0, o = 0;
    if (d == NULL || ldns_rdf_get_type(d) != LDNS_RDF_TYPE_DNAME || cap < 2) return DBX_ERR_MALFORMED;
    p = ldns_rdf_data(d);
    len = ldns_rdf_size(d);
    if (len == 0) return DBX_ERR_MALFORMED;
    if (p[0] == 0) {
        out[0] = '.';
        out[1] = '\0';
        return DBX_OK;
    }
    while (pos < len && p[pos] != 0) {
        size_t l = p[pos++];
        if (l > 63 || pos + l > len) return DBX_ERR_MALFORMED;
        if (o != 0) {
            if (o + 1 >= cap) return DBX_ERR_LIMIT;
            out[o++] = '.';
        }
        for (size_t i = 0; i < l; i++) {
            unsigned char c = p[pos + i];
            if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '*') {
                if (o + 1 >= cap) return DBX_ERR_LIMIT;
                out[o++] = (char)c;
            } else {
                if (o + 4 >= cap) return DBX_ERR_LIMIT;
                out[o++] = '\\';
                out[o++] = (char)('0' + c / 100);
                out[o++] = (char)('0' + (c / 10) % 10);
                out[o++] = (char)('0' + c % 10);
            }
        }
        pos += l;
    }
    out[o] = '\0';
    return DBX_OK;
}

static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return false;
    }
    return *a == *b;
}

static dbx_dnssec_t to_dnssec(const dbx_result_t *res)
{
    switch (res->sec) {
    case DBX_SEC_SECURE:
        return res->kind == DBX_ANSWER_DATA ? DBX_DNSSEC_SECURE : DBX_DNSSEC_SECURE_DENIAL;
    case DBX_SEC_INSECURE: return DBX_DNSSEC_INSECURE;
    case DBX_SEC_BOGUS: return DBX_DNSSEC_BOGUS;
    default: return DBX_DNSSEC_INDETERMINATE;
    }
}

/* Resolve and record one lookup.  res must be freed by the caller. */
static int lookup(dbx_resolver_t *r, int64_t now, const char *name, uint16_t type,
                  dbx_check_lookup_t *lk, dbx_result_t *res, dbx_check_result_t *out)
{
    int st;
    memset(res, 0, sizeof *res);
    lk->done = true;
    st = dbx_resolve(r, name, type, now, res);
    if (st != DBX_OK) {
        lk->sec = DBX_DNSSEC_INDETERMINATE;
        fmt(lk->reason, sizeof lk->reason, "lookup failed: %s", dbx_strerror(st));
        return st;
    }
    lk->sec = to_dnssec(res);
    if (res->sec != DBX_SEC_SECURE || res->kind != DBX_ANSWER_DATA) {
        /* NXDOMAIN / NODATA: the reason says which */
        if (res->kind != DBX_ANSWER_DATA && (res->sec == DBX_SEC_SECURE || res->sec == DBX_SEC_INSECURE)) {
            fmt(lk->reason, sizeof lk->reason, "%s: %s",
                res->kind == DBX_ANSWER_NXDOMAIN ? "nxdomain" : "nodata", res->reason);
        } else {
            copy_str(lk->reason, sizeof lk->reason, res->reason);
        }
    } else {
        copy_str(lk->reason, sizeof lk->reason, res->reason);
    }
    lk->count = (uint16_t)dbx_result_count(res);
    lk->queries = (uint16_t)(res->queries > 0xffffu ? 0xffffu : res->queries);
    out->dns_queries += res->queries;
    return DBX_OK;
}

static void skip(dbx_check_lookup_t *lk, const char *why)
{
    lk->done = false;
    lk->sec = DBX_DNSSEC_INSECURE;
    copy_str(lk->reason, sizeof lk->reason, why);
}

static bool sec_failed(dbx_dnssec_t s)
{
    return s == DBX_DNSSEC_BOGUS || s == DBX_DNSSEC_INDETERMINATE;
}

/* "TLS1-3-AES-256-GCM-SHA384" -> "TLS_AES_256_GCM_SHA384";
 * "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" -> IANA "TLS_ECDHE_..." */
static void cipher_name(const char *mb, char *out, size_t cap)
{
    size_t o = 0;
    if (mb == NULL) {
        copy_str(out, cap, "");
        return;
    }
    if (strncmp(mb, "TLS1-3-", 7) == 0) {
        copy_str(out, cap, "TLS_");
        o = 4;
        mb += 7;
    }
    for (; *mb && o + 1 < cap; mb++) out[o++] = *mb == '-' ? '_' : *mb;
    if (cap > 0) out[o < cap ? o : cap - 1] = '\0';
}

static void tlsa_text(const dbx_tlsa_t *t, char *out, size_t cap)
{
    (void)dbx_tlsa_to_text(t, out, cap); /* cut with "..." when too long */
}

/* ------------------------------------------------------------------------ */
/* the verify hook: DANE matching of the chain the server sent               */

/* Facts about the leaf for monitoring (key type, SPKI digest, which
 * records name it, DANE-TA chain expiry); never part of the verdict. */
static void leaf_facts(dbx_check_work_t *w, const mbedtls_x509_crt *crt)
{
    dbx_check_leaf_t *l = &w->leaf;
    const uint8_t *spki;
    size_t len, n;
    l->set = dbx_tlsa_selected(crt, DBX_TLSA_SEL_SPKI, &spki, &len) == DBX_OK &&
             dbx_tlsa_digest(DBX_TLSA_MT_SHA256, spki, len, l->spki_sha256, sizeof l->spki_sha256,
                             &n) == DBX_OK;
    copy_str(l->key, sizeof l->key, mbedtls_pk_get_name(&crt->pk));
    for (size_t i = 0; i < w->n_recs && i < 16; i++) {
        if (dbx_tlsa_matches_cert(&w->recs[i], crt)) l->match |= (uint16_t)(1u << i);
    }
    if (w->dres.verdict == DBX_DANE_MATCH && w->dres.usage == DBX_TLSA_DANE_TA) {
        const mbedtls_x509_crt *c = crt;
        for (int d = 0; c != NULL && c->raw.p != NULL && d <= w->dres.depth; d++, c = c->next) {
            int64_t t = dbx_dane_not_after(c);
            if (l->ta_not_after == 0 || t < l->ta_not_after) l->ta_not_after = t;
        }
    }
}

static int verify_dane(const dbx_tls_chain_t *chain, const dbx_tls_info_t *info, void *user)
{
    dbx_check_work_t *w = user;
    mbedtls_x509_crt crt;
    int st;
    (void)info;
    w->dres_set = false;
    memset(&w->leaf, 0, sizeof w->leaf);
    if (chain == NULL || chain->n == 0) return DBX_ERR_MALFORMED;
    mbedtls_x509_crt_init(&crt);
    for (size_t i = 0; i < chain->n; i++) {
        /* a certificate that does not parse ends the usable chain there */
        if (mbedtls_x509_crt_parse_der(&crt, chain->cert[i].der, chain->cert[i].len) != 0) {
            if (i == 0) {
                mbedtls_x509_crt_free(&crt);
                memset(&w->dres, 0, sizeof w->dres);
                w->dres.verdict = DBX_DANE_ERROR;
                w->dres.record = w->dres.depth = -1;
                copy_str(w->dres.reason, sizeof w->dres.reason, "leaf certificate does not parse");
                w->dres_set = true;
                return DBX_ERR_MALFORMED;
            }
            break;
        }
    }
    st = dbx_dane_match(w->recs, w->n_recs, &crt, w->names, w->n_names, w->now, w->dane, &w->dres);
    if (st == DBX_OK) leaf_facts(w, &crt);
    mbedtls_x509_crt_free(&crt);
    if (st != DBX_OK) return st;
    w->dres_set = true;
    return w->dres.verdict == DBX_DANE_MATCH ? DBX_OK : DBX_ERR_CRYPTO;
}

/* ------------------------------------------------------------------------ */

void dbx_check_config_defaults(dbx_check_config_t *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->families = DBX_CHECK_IPV4 | DBX_CHECK_IPV6;
    cfg->port = 25;
    cfg->max_hosts = DBX_CHECK_MAX_HOSTS;
    cfg->max_addrs = DBX_CHECK_MAX_ADDRS;
    cfg->connect_ms = 10000u;
    cfg->command_ms = 30000u;
    cfg->handshake_ms = 30000u;
    dbx_dane_opts_init(&cfg->dane);
}

const char *dbx_check_tls_str(dbx_check_tls_t t)
{
    switch (t) {
    case DBX_CHECK_TLS_NONE: return "none";
    case DBX_CHECK_TLS_PLAINTEXT: return "plaintext";
    case DBX_CHECK_TLS_FAILED: return "failed";
    case DBX_CHECK_TLS_UNAUTHENTICATED: return "unauthenticated";
    case DBX_CHECK_TLS_REJECTED: return "rejected";
    case DBX_CHECK_TLS_VERIFIED: return "verified";
    }
    return "invalid";
}

/* Why a non-DANE host is opportunistic / encrypt-unauthenticated. */
static const char *why_no_dane(const dbx_check_result_t *out, const dbx_check_host_t *h,
                               dbx_dnssec_t addr_sec)
{
    if (out->mx.sec == DBX_DNSSEC_INSECURE) return "MX RRset insecure, no DANE";
    if (addr_sec == DBX_DNSSEC_INSECURE) return "address records insecure, no TLSA lookup";
    if (h->tlsa.sec == DBX_DNSSEC_SECURE_DENIAL) return "no TLSA records (secure denial)";
    if (h->tlsa.sec == DBX_DNSSEC_INSECURE) return "TLSA lookup insecure";
    if (h->tlsa.sec == DBX_DNSSEC_SECURE && h->usable_tlsa == 0) return "TLSA records all unusable";
    return "no DANE";
}

/* One SMTP session to one address; fills @p a. */
static void probe_addr(const dbx_check_config_t *cfg, const dbx_transport_t *tr,
                       dbx_check_work_t *w, dbx_check_result_t *out, dbx_check_host_t *h,
                       dbx_check_addr_t *a, dbx_policy_host_t *ph, bool dane_applies,
                       const char *sni)
{
    dbx_smtp_result_t sr;
    dbx_smtp_config_t *sc = &w->smtp_cfg;
    const dbx_tls_info_t *in;
    const dbx_tls_chain_t *ch;
    dbx_defer_reason_t why = DBX_DEFER_NONE;
    bool conn_failed = false;

    dbx_smtp_config_defaults(sc);
    sc->peer = a->addr;
    sc->peer.port = cfg->port ? cfg->port : 25;
    if (cfg->helo_name != NULL) sc->helo_name = cfg->helo_name;
    sc->tls.sni = sni;
    sc->connect_ms = cfg->connect_ms;
    sc->banner_ms = cfg->command_ms;
    sc->command_ms = cfg->command_ms;
    sc->quit_ms = cfg->command_ms < 5000u ? cfg->command_ms : 5000u;
    sc->tls.handshake_ms = cfg->handshake_ms;
    sc->tls.min_version = cfg->tls_min_version;
    sc->tls.max_version = cfg->tls_max_version;
    sc->tls.sig_algs = cfg->tls_sig_algs;
    sc->verify = dane_applies ? verify_dane : NULL;
    sc->verify_user = w;
    w->dres_set = false;
    memset(&w->leaf, 0, sizeof w->leaf);

    dbx_smtp_init(&w->smtp);
    dbx_smtp_run(&w->smtp, sc, tr, &sr);
    out->smtp_sessions++;
    out->smtp_round_trips += sr.round_trips;
    a->round_trips = (uint16_t)sr.round_trips;
    a->outcome = sr.outcome;
    a->smtp_status = sr.status;
    a->starttls = (sr.caps & DBX_SMTP_CAP_STARTTLS) != 0;
    a->dane_applied = dane_applies && w->dres_set;
    a->match = DBX_DANE_NO_USABLE;
    a->matched_record = a->matched_depth = -1;
    in = dbx_smtp_tls_info(&w->smtp);
    ch = dbx_smtp_chain(&w->smtp);
    if (in != NULL) {
        copy_str(a->tls_version, sizeof a->tls_version, in->version_name);
        cipher_name(in->ciphersuite, a->cipher, sizeof a->cipher);
    }
    if (ch != NULL) a->chain_len = (uint8_t)ch->n;
    if (a->dane_applied && w->leaf.set) a->leaf = w->leaf;
    if (a->dane_applied) {
        a->match = w->dres.verdict;
        a->matched_record = (int8_t)w->dres.record;
        a->matched_depth = (int8_t)w->dres.depth;
    }

    ph->starttls = false;
    ph->handshake_ok = false;
    ph->match = DBX_DANE_NO_MATCH;
    switch (sr.outcome) {
    case DBX_SMTP_TLS_VERIFIED:
        a->tls = DBX_CHECK_TLS_VERIFIED;
        ph->starttls = ph->handshake_ok = true;
        ph->match = DBX_DANE_MATCH;
        break;
    case DBX_SMTP_TLS_UNVERIFIED:
        a->tls = DBX_CHECK_TLS_UNAUTHENTICATED;
        ph->starttls = ph->handshake_ok = true;
        ph->match = DBX_DANE_NO_USABLE;
        break;
    case DBX_SMTP_VERIFY_FAILED:
        a->tls = DBX_CHECK_TLS_REJECTED;
        ph->starttls = ph->handshake_ok = true;
        ph->match = w->dres_set ? w->dres.verdict : DBX_DANE_ERROR;
        if (ph->match == DBX_DANE_MATCH) ph->match = DBX_DANE_ERROR; /* inconsistent */
        break;
    case DBX_SMTP_TLS_FAILED:
        a->tls = DBX_CHECK_TLS_FAILED;
        ph->starttls = true;
        break;
    case DBX_SMTP_STARTTLS_REFUSED:
        a->tls = DBX_CHECK_TLS_PLAINTEXT;
        ph->starttls = true; /* offered, then refused: the handshake never ran */
        break;
    case DBX_SMTP_NO_STARTTLS:
    case DBX_SMTP_EHLO_REJECTED:
        a->tls = DBX_CHECK_TLS_PLAINTEXT;
        break;
    case DBX_SMTP_BANNER_REJECTED:
    case DBX_SMTP_FAILED:
    default:
        a->tls = in != NULL ? DBX_CHECK_TLS_FAILED : DBX_CHECK_TLS_NONE;
        conn_failed = true;
        break;
    }

    if (conn_failed) {
        a->verdict = DBX_VERDICT_DEFER;
        fmt(a->reason, sizeof a->reason, "smtp-failed: %s in %s (%s)",
            sr.reason ? sr.reason : "?", dbx_smtp_state_name(sr.state), dbx_strerror(sr.status));
        return;
    }
    a->verdict = dbx_policy_host(ph, &why);
    switch (a->verdict) {
    case DBX_VERDICT_DANE_VERIFIED:
        if (a->matched_record >= 0 && (size_t)a->matched_record < w->n_recs) {
            const dbx_tlsa_t *t = &w->recs[a->matched_record];
            fmt(a->reason, sizeof a->reason, "DANE %u %u %u matched at depth %d%s", t->usage,
                t->selector, t->mtype, a->matched_depth, w->dres.ta_from_dns ? " (TA from DNS)" : "");
        } else {
            copy_str(a->reason, sizeof a->reason, "DANE matched");
        }
        break;
    case DBX_VERDICT_ENCRYPT_UNAUTH:
    case DBX_VERDICT_OPPORTUNISTIC: {
        const char *tail = "";
        if (a->tls == DBX_CHECK_TLS_PLAINTEXT) tail = "; no TLS: cleartext only";
        else if (a->tls == DBX_CHECK_TLS_FAILED) tail = "; TLS handshake failed: cleartext only";
        fmt(a->reason, sizeof a->reason, "%s%s", why_no_dane(out, h, (dbx_dnssec_t)ph->addr), tail);
        break;
    }
    case DBX_VERDICT_DEFER:
    default:
        if ((why == DBX_DEFER_NO_MATCH || why == DBX_DEFER_MATCH_ERROR) && w->dres_set) {
            fmt(a->reason, sizeof a->reason, "%s: %s", dbx_defer_reason_str(why), w->dres.reason);
        } else if (why == DBX_DEFER_HANDSHAKE || why == DBX_DEFER_NO_STARTTLS) {
            fmt(a->reason, sizeof a->reason, "%s: %s%s", dbx_defer_reason_str(why),
                sr.reason ? sr.reason : "?",
                h->usable_tlsa > 0 ? " (DANE TLSA present)" : " (secure TLSA, none usable)");
        } else {
            copy_str(a->reason, sizeof a->reason, dbx_defer_reason_str(why));
        }
        break;
    }
}

static int collect_addrs(const dbx_result_t *res, uint16_t port, dbx_check_host_t *h, size_t max)
{
    size_t n = dbx_result_count(res);
    for (size_t i = 0; i < n; i++) {
        dbx_addr_t ad;
        if (dbx_result_addr(res, i, port, &ad) != DBX_OK) continue;
        h->addrs_total++;
        if (h->n_addrs < max) {
            memset(&h->addrs[h->n_addrs], 0, sizeof h->addrs[0]);
            h->addrs[h->n_addrs].addr = ad;
            h->n_addrs++;
        }
    }
    return DBX_OK;
}

/* expanded name of an address answer when the host name is an alias */
static void expanded_of(const dbx_result_t *res, dbx_check_host_t *h)
{
    char fin[DBX_CHECK_NAME_LEN];
    if (res->chain == NULL || ldns_rr_list_rr_count(res->chain) == 0 || res->final_name == NULL) return;
    if (dname_str(res->final_name, fin, sizeof fin) != DBX_OK) return;
    if (!name_eq(fin, h->name)) copy_str(h->expanded, sizeof h->expanded, fin);
}

/* TLSA at _25._tcp.NAME.  Returns the lookup status. */
static int tlsa_lookup(const dbx_check_config_t *cfg, dbx_resolver_t *r, const char *name,
                       dbx_check_lookup_t *lk, dbx_result_t *res, dbx_check_result_t *out)
{
    char q[DBX_CHECK_NAME_LEN + 16];
    int st;
    fmt(q, sizeof q, "_25._tcp.%s", name);
    if (strlen(q) > 253) {
        memset(res, 0, sizeof *res);
        lk->done = true;
        lk->sec = DBX_DNSSEC_INDETERMINATE;
        copy_str(lk->reason, sizeof lk->reason, "TLSA owner name too long");
        return DBX_ERR_LIMIT;
    }
    st = lookup(r, cfg->now, q, LDNS_RR_TYPE_TLSA, lk, res, out);
    return st;
}

static void check_host(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                       dbx_check_work_t *w, dbx_check_result_t *out, dbx_check_host_t *h)
{
    dbx_result_t ra, raaaa, rt, rte;
    dbx_policy_host_t ph;
    dbx_dnssec_t addr_sec = DBX_DNSSEC_SECURE_DENIAL;
    const dbx_result_t *tlsa_res = NULL;
    bool any_insecure = false, any_bogus = false, any_indet = false, any_done = false;
    uint16_t port = cfg->port ? cfg->port : 25;

    memset(&ra, 0, sizeof ra);
    memset(&raaaa, 0, sizeof raaaa);
    memset(&rt, 0, sizeof rt);
    memset(&rte, 0, sizeof rte);
    memset(&ph, 0, sizeof ph);
    ph.mx = out->mx.sec;
    h->deciding_addr = -1;
    h->verdict = DBX_VERDICT_DEFER;

    /* 1. addresses */
    if (cfg->families & DBX_CHECK_IPV4) {
        lookup(r, cfg->now, h->name, LDNS_RR_TYPE_A, &h->a, &ra, out);
    } else {
        skip(&h->a, "IPv4 disabled");
    }
    if (cfg->families & DBX_CHECK_IPV6) {
        lookup(r, cfg->now, h->name, LDNS_RR_TYPE_AAAA, &h->aaaa, &raaaa, out);
    } else {
        skip(&h->aaaa, "IPv6 disabled");
    }
    {
        const dbx_check_lookup_t *lks[2] = {&h->a, &h->aaaa};
        for (int i = 0; i < 2; i++) {
            if (!lks[i]->done) continue;
            any_done = true;
            if (lks[i]->sec == DBX_DNSSEC_BOGUS) any_bogus = true;
            if (lks[i]->sec == DBX_DNSSEC_INDETERMINATE) any_indet = true;
            if (lks[i]->sec == DBX_DNSSEC_INSECURE) any_insecure = true;
            if (lks[i]->sec == DBX_DNSSEC_SECURE && addr_sec == DBX_DNSSEC_SECURE_DENIAL) {
                addr_sec = DBX_DNSSEC_SECURE;
            }
        }
    }
    if (any_bogus) addr_sec = DBX_DNSSEC_BOGUS;
    else if (any_indet) addr_sec = DBX_DNSSEC_INDETERMINATE;
    else if (any_insecure) addr_sec = DBX_DNSSEC_INSECURE;
    else if (!any_done) addr_sec = DBX_DNSSEC_INDETERMINATE;
    ph.addr = addr_sec;
    if (h->a.done && ra.sec != DBX_SEC_BOGUS) collect_addrs(&ra, port, h, cfg->max_addrs);
    if (h->aaaa.done && raaaa.sec != DBX_SEC_BOGUS) collect_addrs(&raaaa, port, h, cfg->max_addrs);
    if (h->a.done && ra.sec == DBX_SEC_SECURE) expanded_of(&ra, h);
    if (h->expanded[0] == '\0' && h->aaaa.done && raaaa.sec == DBX_SEC_SECURE) expanded_of(&raaaa, h);
    if (h->expanded[0] == '\0' && h->a.done) expanded_of(&ra, h); /* reported only */

    /* 2. TLSA, only with a secure MX (or implicit MX) and secure addresses */
    skip(&h->tlsa, "not looked up");
    skip(&h->tlsa_expanded, "not looked up");
    ph.tlsa = DBX_DNSSEC_INSECURE;
    if (sec_failed(out->mx.sec) || sec_failed(addr_sec)) {
        /* policy defers; nothing else to look up */
    } else if (out->mx.sec == DBX_DNSSEC_INSECURE) {
        skip(&h->tlsa, "MX RRset insecure: no DANE (RFC 7672 2.2.1)");
    } else if (addr_sec == DBX_DNSSEC_INSECURE) {
        skip(&h->tlsa, "address records insecure: no TLSA lookup (RFC 7672 2.2.2)");
    } else if (addr_sec == DBX_DNSSEC_SECURE) {
        bool use_expanded = false;
        if (h->expanded[0] != '\0') {
            tlsa_lookup(cfg, r, h->expanded, &h->tlsa_expanded, &rte, out);
            if (h->tlsa_expanded.sec == DBX_DNSSEC_SECURE) {
                use_expanded = true;
            } else if (sec_failed(h->tlsa_expanded.sec)) {
                use_expanded = true; /* defer: do not fall back to the original name */
            }
        }
        if (use_expanded) {
            h->tlsa = h->tlsa_expanded;
            tlsa_res = &rte;
            if (h->tlsa.sec == DBX_DNSSEC_SECURE) copy_str(h->tlsa_base, sizeof h->tlsa_base, h->expanded);
        } else {
            tlsa_lookup(cfg, r, h->name, &h->tlsa, &rt, out);
            tlsa_res = &rt;
            if (h->tlsa.sec == DBX_DNSSEC_SECURE) copy_str(h->tlsa_base, sizeof h->tlsa_base, h->name);
        }
        ph.tlsa = h->tlsa.sec;
    }

    /* 3. the TLSA records */
    w->n_recs = 0;
    if (ph.tlsa == DBX_DNSSEC_SECURE && tlsa_res != NULL) {
        size_t n = dbx_result_count(tlsa_res);
        dbx_tlsa_use_t use[DBX_DANE_MAX_RECORDS];
        h->tlsa_total = (uint8_t)(n > 255 ? 255 : n);
        for (size_t i = 0; i < n && w->n_recs < DBX_DANE_MAX_RECORDS; i++) {
            dbx_tlsa_t *t = &w->recs[w->n_recs];
            const uint8_t *data = NULL;
            size_t len = 0;
            memset(t, 0, sizeof *t);
            int st = dbx_result_tlsa(tlsa_res, i, &t->usage, &t->selector, &t->mtype, &data, &len);
            if (st == DBX_ERR_NOTFOUND) break;
            if (st != DBX_OK) t->truncated = true;
            t->data = data;
            t->len = data != NULL ? len : 0;
            w->n_recs++;
        }
        int nu = dbx_tlsa_classify(w->recs, w->n_recs, &cfg->dane, use);
        h->usable_tlsa = nu > 0 ? (uint8_t)nu : 0;
        ph.usable_tlsa = h->usable_tlsa;
        for (size_t i = 0; i < w->n_recs && i < DBX_CHECK_MAX_TLSA; i++) {
            tlsa_text(&w->recs[i], h->tlsa_rr[i].text, sizeof h->tlsa_rr[i].text);
            h->tlsa_rr[i].usable = use[i] == DBX_TLSA_USABLE;
            h->n_tlsa++;
        }
    }

    /* 4. DNS-stage decisions: defer without connecting */
    {
        dbx_defer_reason_t why = DBX_DEFER_NONE;
        ph.starttls = ph.handshake_ok = false;
        ph.match = DBX_DANE_NO_MATCH;
        dbx_verdict_t v = dbx_policy_host(&ph, &why);
        if (v == DBX_VERDICT_DEFER && why != DBX_DEFER_NO_STARTTLS && why != DBX_DEFER_HANDSHAKE &&
            why != DBX_DEFER_NO_MATCH) {
            const char *detail = why == DBX_DEFER_ADDR_BOGUS || why == DBX_DEFER_ADDR_INDETERMINATE
                                     ? (sec_failed(h->a.sec) && h->a.done ? h->a.reason : h->aaaa.reason)
                                 : why == DBX_DEFER_TLSA_BOGUS || why == DBX_DEFER_TLSA_INDETERMINATE
                                     ? h->tlsa.reason
                                     : "";
            fmt(h->reason, sizeof h->reason, "%s%s%s", dbx_defer_reason_str(why), detail[0] ? ": " : "",
                detail);
            h->n_addrs = 0; /* not probed (addrs_total still tells how many) */
            goto done;
        }
        if (h->n_addrs == 0) {
            copy_str(h->reason, sizeof h->reason, dbx_defer_reason_str(DBX_DEFER_ADDR_NONE));
            goto done;
        }
    }

    /* 5. SMTP per address */
    {
        bool dane_applies = ph.tlsa == DBX_DNSSEC_SECURE && h->usable_tlsa > 0;
        const char *sni = h->tlsa_base[0] ? h->tlsa_base : h->name;
        w->n_names = 0;
        if (h->tlsa_base[0]) w->names[w->n_names++] = h->tlsa_base;
        if (!h->tlsa_base[0] || !name_eq(h->tlsa_base, h->name)) w->names[w->n_names++] = h->name;
        if (h->expanded[0] && (!h->tlsa_base[0] || !name_eq(h->tlsa_base, h->expanded))) {
            w->names[w->n_names++] = h->expanded;
        }
        w->now = cfg->now;
        w->dane = &cfg->dane;
        for (size_t i = 0; i < h->n_addrs; i++) {
            dbx_policy_host_t pa = ph;
            probe_addr(cfg, tr, w, out, h, &h->addrs[i], &pa, dane_applies, sni);
            dbx_smtp_free(&w->smtp);
            if (h->deciding_addr < 0 && h->addrs[i].verdict != DBX_VERDICT_DEFER) {
                h->deciding_addr = (int8_t)i;
            }
        }
        if (h->deciding_addr >= 0) {
            const dbx_check_addr_t *a = &h->addrs[h->deciding_addr];
            h->verdict = a->verdict;
            copy_str(h->reason, sizeof h->reason, a->reason);
        } else {
            copy_str(h->reason, sizeof h->reason, h->addrs[0].reason);
        }
    }

done:
    dbx_result_free(&ra);
    dbx_result_free(&raaaa);
    dbx_result_free(&rt);
    dbx_result_free(&rte);
    w->n_recs = 0;
}

int dbx_check_run(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                  dbx_check_work_t *w, const char *domain, dbx_check_result_t *out)
{
    dbx_result_t mx;
    size_t dlen;
    uint32_t t0;
    int st;

    DBX_ASSERT(cfg != NULL && r != NULL && tr != NULL && w != NULL && domain != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->deciding_host = -1;
    out->verdict = DBX_VERDICT_DEFER;
    DBX_CHECK(cfg->now > 0, DBX_ERR_NOTIME);
    DBX_CHECK(cfg->families & (DBX_CHECK_IPV4 | DBX_CHECK_IPV6), DBX_ERR_INVAL);
    dlen = strlen(domain);
    if (dlen > 1 && domain[dlen - 1] == '.') dlen--;
    DBX_CHECK(dlen > 0 && dlen < DBX_CHECK_NAME_LEN && dlen <= 253, DBX_ERR_INVAL);
    memcpy(out->domain, domain, dlen);
    out->domain[dlen] = '\0';
    memset(w, 0, sizeof *w);
    t0 = hal_clock_ms();

    /* MX */
    memset(&mx, 0, sizeof mx);
    st = lookup(r, cfg->now, out->domain, LDNS_RR_TYPE_MX, &out->mx, &mx, out);
    if (st == DBX_ERR_INVAL) {
        dbx_result_free(&mx);
        return DBX_ERR_INVAL;
    }
    if (st == DBX_ERR_NOMEM) {
        dbx_result_free(&mx);
        return DBX_ERR_NOMEM;
    }
    if (sec_failed(out->mx.sec)) {
        fmt(out->reason, sizeof out->reason, "defer: %s: %s",
            dbx_defer_reason_str(out->mx.sec == DBX_DNSSEC_BOGUS ? DBX_DEFER_MX_BOGUS
                                                                 : DBX_DEFER_MX_INDETERMINATE),
            out->mx.reason);
        dbx_result_free(&mx);
        out->elapsed_ms = hal_clock_ms() - t0;
        return DBX_OK;
    }
    out->dane_possible = out->mx.sec == DBX_DNSSEC_SECURE || out->mx.sec == DBX_DNSSEC_SECURE_DENIAL;

    if (mx.kind != DBX_ANSWER_DATA || dbx_result_count(&mx) == 0) {
        out->implicit_mx = true;
        out->hosts_total = 1;
        out->n_hosts = 1;
        copy_str(out->hosts[0].name, sizeof out->hosts[0].name, out->domain);
        out->hosts[0].preference = 0;
    } else {
        size_t n = dbx_result_count(&mx);
        size_t limit = cfg->max_hosts == 0 || cfg->max_hosts > DBX_CHECK_MAX_HOSTS ? DBX_CHECK_MAX_HOSTS
                                                                                    : cfg->max_hosts;
        size_t nroot = 0;
        /* stable insertion by preference */
        for (size_t i = 0; i < n; i++) {
            uint16_t pref;
            const ldns_rdf *ex;
            char nm[DBX_CHECK_NAME_LEN];
            bool dup = false;
            if (dbx_result_mx(&mx, i, &pref, &ex) != DBX_OK || dname_str(ex, nm, sizeof nm) != DBX_OK) {
                continue;
            }
            if (strcmp(nm, ".") == 0) {
                nroot++;
                continue;
            }
            out->hosts_total++;
            for (size_t k = 0; k < out->n_hosts; k++) {
                if (name_eq(out->hosts[k].name, nm)) dup = true;
            }
            if (dup) continue;
            size_t pos = out->n_hosts;
            while (pos > 0 && out->hosts[pos - 1].preference > pref) pos--;
            if (pos >= limit) continue;
            if (out->n_hosts == limit) out->n_hosts--; /* drop the last (highest preference) */
            memmove(&out->hosts[pos + 1], &out->hosts[pos], (out->n_hosts - pos) * sizeof out->hosts[0]);
            memset(&out->hosts[pos], 0, sizeof out->hosts[0]);
            copy_str(out->hosts[pos].name, sizeof out->hosts[pos].name, nm);
            out->hosts[pos].preference = pref;
            out->n_hosts++;
        }
        if (out->n_hosts == 0 && nroot > 0) {
            out->null_mx = true;
            fmt(out->reason, sizeof out->reason,
                "defer: null MX (RFC 7505): %s accepts no mail (MX %s)", out->domain,
                dbx_dnssec_str(out->mx.sec));
            dbx_result_free(&mx);
            out->elapsed_ms = hal_clock_ms() - t0;
            return DBX_OK;
        }
    }
    dbx_result_free(&mx);
    if (out->n_hosts == 0) {
        copy_str(out->reason, sizeof out->reason, "defer: no usable MX host");
        out->elapsed_ms = hal_clock_ms() - t0;
        return DBX_OK;
    }

    /* hosts, in preference order */
    for (size_t i = 0; i < out->n_hosts; i++) {
        dbx_check_host_t *h = &out->hosts[i];
        check_host(cfg, r, tr, w, out, h);
        if (out->deciding_host < 0 && h->verdict != DBX_VERDICT_DEFER) {
            out->deciding_host = (int8_t)i;
            if (cfg->stop_at_first) {
                out->n_hosts = (uint8_t)(i + 1);
                break;
            }
        }
    }

    /* domain verdict: the first host in preference order not deferred */
    if (out->deciding_host >= 0) {
        const dbx_check_host_t *h = &out->hosts[out->deciding_host];
        char ab[48] = "";
        out->verdict = h->verdict;
        if (h->deciding_addr >= 0) dbx_addr_format(&h->addrs[h->deciding_addr].addr, ab, sizeof ab);
        fmt(out->reason, sizeof out->reason, "%s via #%d %s[%s]: %s", dbx_verdict_str(h->verdict),
            out->deciding_host, h->name, ab, h->reason);
    } else {
        size_t o;
        copy_str(out->reason, sizeof out->reason, "defer:");
        o = strlen(out->reason);
        for (size_t i = 0; i < out->n_hosts && o + 1 < sizeof out->reason; i++) {
            int n = snprintf(out->reason + o, sizeof out->reason - o, "%s #%u %s: %s", i ? ";" : "",
                             (unsigned)i, out->hosts[i].name, out->hosts[i].reason);
            if (n < 0) break;
            o += (size_t)n;
            if (o >= sizeof out->reason) o = sizeof out->reason - 1;
        }
    }
    out->elapsed_ms = hal_clock_ms() - t0;
    /* the TLS context was freed per session; scrub the work area */
    memset(w, 0, sizeof *w);
    return DBX_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON (one line) and mail-log lines                                        */

typedef struct sbuf {
    char *b;
    size_t cap, len;
    bool cut;
} sbuf_t;

static void sb_putc(sbuf_t *s, char c)
{
    if (s->len + 1 < s->cap) {
        s->b[s->len++] = c;
        s->b[s->len] = '\0';
    } else {
        s->cut = true;
    }
}

static void sb_puts(sbuf_t *s, const char *t)
{
    for (; *t; t++) sb_putc(s, *t);
}

static void sb_printf(sbuf_t *s, const char *f, ...)
{
    char tmp[160];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof tmp) s->cut = true;
    sb_puts(s, tmp);
}

static void sb_json_str(sbuf_t *s, const char *t)
{
    static const char hx[] = "0123456789abcdef";
    sb_putc(s, '"');
    for (; t != NULL && *t; t++) {
        unsigned char c = (unsigned char)*t;
        if (c == '"' || c == '\\') {
            sb_putc(s, '\\');
            sb_putc(s, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            sb_puts(s, "\\u00");
            sb_putc(s, hx[c >> 4]);
            sb_putc(s, hx[c & 15]);
        } else {
            sb_putc(s, (char)c);
        }
    }
    sb_putc(s, '"');
}

static void sb_key(sbuf_t *s, const char *k, bool first)
{
    if (!first) sb_putc(s, ',');
    sb_json_str(s, k);
    sb_putc(s, ':');
}

static void json_lookup(sbuf_t *s, const char *key, const dbx_check_lookup_t *lk)
{
    sb_key(s, key, false);
    sb_putc(s, '{');
    sb_key(s, "status", true);
    sb_json_str(s, lk->done ? dbx_dnssec_str(lk->sec) : "not-done");
    sb_key(s, "reason", false);
    sb_json_str(s, lk->reason);
    sb_printf(s, ",\"count\":%u,\"queries\":%u}", lk->count, lk->queries);
}

static const char *bool_str(bool b)
{
    return b ? "true" : "false";
}

int dbx_check_json(const dbx_check_result_t *res, char *buf, size_t cap)
{
    sbuf_t s = {buf, cap, 0, false};
    DBX_CHECK(res != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    buf[0] = '\0';
    sb_putc(&s, '{');
    sb_key(&s, "domain", true);
    sb_json_str(&s, res->domain);
    sb_key(&s, "verdict", false);
    sb_json_str(&s, dbx_verdict_str(res->verdict));
    sb_key(&s, "reason", false);
    sb_json_str(&s, res->reason);
    sb_printf(&s, ",\"deciding_host\":%d,\"implicit_mx\":%s,\"null_mx\":%s,\"dane_possible\":%s",
              res->deciding_host, bool_str(res->implicit_mx), bool_str(res->null_mx),
              bool_str(res->dane_possible));
    json_lookup(&s, "mx", &res->mx);
    sb_printf(&s, ",\"hosts_total\":%u,\"hosts\":[", res->hosts_total);
    for (size_t i = 0; i < res->n_hosts; i++) {
        const dbx_check_host_t *h = &res->hosts[i];
        if (i) sb_putc(&s, ',');
        sb_putc(&s, '{');
        sb_key(&s, "name", true);
        sb_json_str(&s, h->name);
        sb_key(&s, "expanded", false);
        sb_json_str(&s, h->expanded);
        sb_printf(&s, ",\"preference\":%u", h->preference);
        sb_key(&s, "tlsa_base", false);
        sb_json_str(&s, h->tlsa_base);
        json_lookup(&s, "a", &h->a);
        json_lookup(&s, "aaaa", &h->aaaa);
        json_lookup(&s, "tlsa", &h->tlsa);
        if (h->tlsa_expanded.done) json_lookup(&s, "tlsa_expanded", &h->tlsa_expanded);
        sb_puts(&s, ",\"tlsa_records\":[");
        for (size_t k = 0; k < h->n_tlsa; k++) {
            if (k) sb_putc(&s, ',');
            sb_json_str(&s, h->tlsa_rr[k].text);
        }
        sb_printf(&s, "],\"tlsa_total\":%u,\"usable_tlsa\":%u,\"addrs_total\":%u,\"addrs\":[",
                  h->tlsa_total, h->usable_tlsa, h->addrs_total);
        for (size_t k = 0; k < h->n_addrs; k++) {
            const dbx_check_addr_t *a = &h->addrs[k];
            char ab[48];
            if (k) sb_putc(&s, ',');
            sb_putc(&s, '{');
            sb_key(&s, "addr", true);
            sb_json_str(&s, dbx_addr_format(&a->addr, ab, sizeof ab));
            sb_key(&s, "outcome", false);
            sb_json_str(&s, dbx_smtp_outcome_name(a->outcome));
            sb_printf(&s, ",\"starttls\":%s", bool_str(a->starttls));
            sb_key(&s, "tls", false);
            sb_json_str(&s, dbx_check_tls_str(a->tls));
            sb_key(&s, "tls_version", false);
            sb_json_str(&s, a->tls_version);
            sb_key(&s, "cipher", false);
            sb_json_str(&s, a->cipher);
            sb_key(&s, "dane", false);
            sb_json_str(&s, a->dane_applied ? dbx_dane_verdict_str(a->match) : "not-applied");
            sb_printf(&s, ",\"matched_record\":%d", a->matched_record);
            sb_key(&s, "matched_tlsa", false);
            if (a->matched_record >= 0 && a->matched_record < h->n_tlsa) {
                char t[12];
                fmt(t, sizeof t, "%.5s", h->tlsa_rr[a->matched_record].text);
                sb_json_str(&s, t);
            } else {
                sb_json_str(&s, "");
            }
            sb_printf(&s, ",\"depth\":%d,\"chain_len\":%u,\"round_trips\":%u", a->matched_depth,
                      a->chain_len, a->round_trips);
            sb_key(&s, "verdict", false);
            sb_json_str(&s, dbx_verdict_str(a->verdict));
            sb_key(&s, "reason", false);
            sb_json_str(&s, a->reason);
            sb_putc(&s, '}');
        }
        sb_putc(&s, ']');
        sb_key(&s, "verdict", false);
        sb_json_str(&s, dbx_verdict_str(h->verdict));
        sb_key(&s, "reason", false);
        sb_json_str(&s, h->reason);
        sb_putc(&s, '}');
    }
    sb_printf(&s, "],\"dns_queries\":%u,\"smtp_round_trips\":%u,\"smtp_sessions\":%u}",
              (unsigned)res->dns_queries, (unsigned)res->smtp_round_trips,
              (unsigned)res->smtp_sessions);
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}

static void sb_peer(sbuf_t *s, const dbx_check_host_t *h, const dbx_check_addr_t *a)
{
    char ab[48];
    sb_printf(s, "%s[%s]:%u", h->name, dbx_addr_format(&a->addr, ab, sizeof ab),
              (unsigned)(a->addr.port ? a->addr.port : 25));
}

int dbx_check_summary_lines(const dbx_check_result_t *res, char *buf, size_t cap)
{
    sbuf_t s = {buf, cap, 0, false};
    DBX_CHECK(res != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    buf[0] = '\0';
    for (size_t i = 0; i < res->n_hosts; i++) {
        const dbx_check_host_t *h = &res->hosts[i];
        if (h->n_addrs == 0) {
            sb_printf(&s, "%s: deferred: ", h->name);
            sb_puts(&s, h->reason);
            sb_putc(&s, '\n');
            continue;
        }
        for (size_t k = 0; k < h->n_addrs; k++) {
            const dbx_check_addr_t *a = &h->addrs[k];
            bool tls_up = a->tls == DBX_CHECK_TLS_VERIFIED || a->tls == DBX_CHECK_TLS_UNAUTHENTICATED;
            if (a->verdict == DBX_VERDICT_DANE_VERIFIED && a->tls == DBX_CHECK_TLS_VERIFIED) {
                sb_puts(&s, "Verified TLS connection established to ");
                sb_peer(&s, h, a);
                sb_printf(&s, ": %s with cipher %s (", a->tls_version, a->cipher);
                sb_puts(&s, a->reason);
                sb_puts(&s, ")\n");
            } else if (a->verdict != DBX_VERDICT_DEFER && tls_up) {
                sb_puts(&s, "Untrusted TLS connection established to ");
                sb_peer(&s, h, a);
                sb_printf(&s, ": %s with cipher %s (%s: ", a->tls_version, a->cipher,
                          dbx_verdict_str(a->verdict));
                sb_puts(&s, a->reason);
                sb_puts(&s, ")\n");
            } else if (a->verdict != DBX_VERDICT_DEFER) {
                sb_puts(&s, "Plaintext connection to ");
                sb_peer(&s, h, a);
                sb_printf(&s, ": no TLS (%s: ", dbx_verdict_str(a->verdict));
                sb_puts(&s, a->reason);
                sb_puts(&s, ")\n");
            } else {
                sb_peer(&s, h, a);
                sb_puts(&s, ": deferred: ");
                sb_puts(&s, a->reason);
                sb_putc(&s, '\n');
            }
        }
    }
    sb_printf(&s, "%s: %s", res->domain, res->verdict == DBX_VERDICT_DEFER ? "deferred" : "delivery ");
    if (res->verdict == DBX_VERDICT_DEFER) {
        const char *r = res->reason;
        if (strncmp(r, "defer:", 6) == 0) r += 6;
        sb_putc(&s, ':');
        sb_puts(&s, r);
    } else {
        sb_puts(&s, res->reason);
    }
    sb_putc(&s, '\n');
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}
