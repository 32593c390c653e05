/* RFC 7672 check, probe facts: one SMTP/STARTTLS session per address and
 * DANE matching of the chain the server sent.  No decisions here: the
 * facts go to dbx_policy_eval(). */
#include "dbx_check_int.h"
#include "dane/dbx_tlsa_gen.h"

#include "dbx_str.h"
#include "hal_platform.h"

#include <stdio.h>
#include <string.h>

#include "mbedtls/x509_crt.h"
#include "mbedtls/platform_util.h"

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
    dbx_str_copy(l->key, sizeof l->key, mbedtls_pk_get_name(&crt->pk));
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

/* The verify hook: DANE matching of the chain the server sent. */
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
                dbx_str_copy(w->dres.reason, sizeof w->dres.reason, "leaf certificate does not parse");
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
    if (w->dres.verdict != DBX_DANE_MATCH && chain->total > chain->n) {
        /* the TLS layer kept the leaf and its issuer path first: a TA beyond
         * that bound is the reason, say so */
        size_t o = strlen(w->dres.reason);
        snprintf(w->dres.reason + o, sizeof w->dres.reason - o, " (%u certificates sent, %u examined)",
                 (unsigned)chain->total, (unsigned)chain->n);
    }
    return w->dres.verdict == DBX_DANE_MATCH ? DBX_OK : DBX_ERR_CRYPTO;
}

/* "TLS1-3-AES-256-GCM-SHA384" -> "TLS_AES_256_GCM_SHA384";
 * "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" -> IANA "TLS_ECDHE_..." */
static void cipher_name(const char *mb, char *out, size_t cap)
{
    size_t o = 0;
    dbx_str_copy(out, cap, "");
    if (mb == NULL || cap == 0) return;
    if (strncmp(mb, "TLS1-3-", 7) == 0) {
        dbx_str_copy(out, cap, "TLS_");
        o = strlen(out);
        mb += 7;
    }
    for (; *mb && o + 1 < cap; mb++) out[o++] = *mb == '-' ? '_' : *mb;
    out[o] = '\0';
}

/* Resumption offer (dbx_tls_cache.h): only where DANE is mandatory, only
 * when the whole TLSA RRset is in w->recs (its digest is the key), only a
 * session saved for this host and port under the same digest. */
static void resume_setup(const dbx_check_config_t *cfg, dbx_check_work_t *w,
                         const dbx_check_host_t *h, dbx_smtp_config_t *sc)
{
    const dbx_tls_cache_entry_t *e;
    char ab[48];
    w->digest_set = false;
    if (cfg->tls_cache == NULL || !w->pre.dane_required || w->n_recs == 0 ||
        w->n_recs != h->tlsa_total || w->sni == NULL ||
        dbx_tls_cache_tlsa_digest(w->sni, w->recs, w->n_recs, w->tlsa_digest) != DBX_OK) {
        return;
    }
    /* one peer = host name and address (Postfix: server id), port apart */
    if (dbx_str_fmt(w->resume_key, sizeof w->resume_key, "%s[%s]", h->name,
                     dbx_addr_format(&sc->peer, ab, sizeof ab))) {
        return;
    }
    w->digest_set = true;
    e = dbx_tls_cache_find(cfg->tls_cache, w->resume_key, sc->peer.port, w->tlsa_digest,
                           hal_clock_ms());
    if (e == NULL) return;
    memcpy(w->offered_under, e->tlsa_digest, sizeof w->offered_under);
    sc->tls.resume = e->blob;
    sc->tls.resume_len = e->len;
}

static void smtp_setup(const dbx_check_config_t *cfg, dbx_check_work_t *w,
                       const dbx_check_host_t *h, const dbx_check_addr_t *a, bool keep_open)
{
    dbx_smtp_config_t *sc = &w->smtp_cfg;
    dbx_smtp_config_defaults(sc);
    sc->peer = a->addr;
    sc->peer.port = cfg->port ? cfg->port : 25;
    if (cfg->helo_name != NULL) sc->helo_name = cfg->helo_name;
    sc->tls.sni = w->sni;
    sc->connect_ms = cfg->connect_ms;
    sc->banner_ms = cfg->command_ms;
    sc->command_ms = cfg->command_ms;
    sc->quit_ms = cfg->command_ms < 5000u ? cfg->command_ms : 5000u;
    sc->tls.handshake_ms = cfg->handshake_ms;
    sc->tls.min_version = cfg->tls_min_version;
    sc->tls.max_version = cfg->tls_max_version;
    sc->tls.sig_algs = cfg->tls_sig_algs;
    sc->verify = w->pre.dane_check ? verify_dane : NULL;
    sc->verify_advisory = w->pre.dane_check && !w->pre.dane_required;
    sc->verify_user = w;
    sc->keep_open = keep_open;
    resume_setup(cfg, w, h, sc);
    w->dres_set = false;
    memset(&w->leaf, 0, sizeof w->leaf);
    w->now = cfg->now;
    w->dane = &cfg->dane;
}

/* SMTP outcome -> the evaluator's connection fact and the report's TLS. */
static dbx_conn_t conn_of(const dbx_smtp_result_t *sr, bool tls_seen, dbx_check_tls_t *tls)
{
    switch (sr->outcome) {
    case DBX_SMTP_TLS_VERIFIED: *tls = DBX_CHECK_TLS_VERIFIED; return DBX_CONN_TLS;
    case DBX_SMTP_TLS_RESUMED: *tls = DBX_CHECK_TLS_VERIFIED; return DBX_CONN_TLS;
    case DBX_SMTP_TLS_UNVERIFIED: *tls = DBX_CHECK_TLS_UNAUTHENTICATED; return DBX_CONN_TLS;
    case DBX_SMTP_VERIFY_FAILED: *tls = DBX_CHECK_TLS_REJECTED; return DBX_CONN_TLS;
    case DBX_SMTP_TLS_FAILED: *tls = DBX_CHECK_TLS_FAILED; return DBX_CONN_HANDSHAKE_FAILED;
    case DBX_SMTP_STARTTLS_REFUSED: *tls = DBX_CHECK_TLS_PLAINTEXT; return DBX_CONN_STARTTLS_REFUSED;
    case DBX_SMTP_NO_STARTTLS: *tls = DBX_CHECK_TLS_PLAINTEXT; return DBX_CONN_NO_STARTTLS;
    case DBX_SMTP_EHLO_REJECTED: *tls = DBX_CHECK_TLS_PLAINTEXT; return DBX_CONN_EHLO_REJECTED;
    case DBX_SMTP_BANNER_REJECTED:
    case DBX_SMTP_FAILED:
    default:
        *tls = tls_seen ? DBX_CHECK_TLS_FAILED : DBX_CHECK_TLS_NONE;
        return tls_seen ? DBX_CONN_TLS_BROKEN : DBX_CONN_FAILED;
    }
}

/* The address's reason text from the decision and the facts. */
static void reason_text(const dbx_check_work_t *w, const dbx_check_host_t *h,
                        const dbx_smtp_result_t *sr, dbx_check_addr_t *a)
{
    const char *sreason = sr->reason ? sr->reason : "?";
    switch (a->why) {
    case DBX_REASON_DANE_MATCH:
        if (a->matched_record >= 0 && (size_t)a->matched_record < w->n_recs) {
            const dbx_tlsa_t *t = &w->recs[a->matched_record];
            dbx_str_fmt(a->reason, sizeof a->reason, "DANE %u %u %u matched at depth %d%s",
                        t->usage, t->selector, t->mtype, a->matched_depth,
                        w->dres.ta_from_dns ? " (TA from DNS)" : "");
        } else {
            dbx_str_copy(a->reason, sizeof a->reason, "DANE matched");
        }
        return;
    case DBX_REASON_DANE_RESUMED:
        dbx_str_copy(a->reason, sizeof a->reason,
                     "DANE session resumed (verified before under the same TLSA RRset)");
        return;
    case DBX_REASON_RESUME_MISMATCH:
        dbx_str_copy(a->reason, sizeof a->reason,
                     "resume-mismatch: resumed session not verified under this TLSA RRset");
        return;
    case DBX_REASON_CONNECT_FAILED:
    case DBX_REASON_SESSION_FAILED:
        dbx_str_fmt(a->reason, sizeof a->reason, "smtp-failed: %s in %s (%s)", sreason,
                    dbx_smtp_state_name(sr->state), dbx_strerror(sr->status));
        return;
    case DBX_REASON_NO_MATCH:
    case DBX_REASON_MATCH_ERROR:
        dbx_str_fmt(a->reason, sizeof a->reason, "%s: %s", dbx_policy_reason_str(a->why),
                    w->dres_set ? w->dres.reason : sreason);
        return;
    case DBX_REASON_NO_STARTTLS:
    case DBX_REASON_STARTTLS_REFUSED:
    case DBX_REASON_HANDSHAKE:
        dbx_str_fmt(a->reason, sizeof a->reason, "%s: %s%s", dbx_policy_reason_str(a->why), sreason,
                    h->usable_tlsa > 0 ? " (DANE TLSA present)"
                    : h->tlsa.sec == DBX_DNSSEC_SECURE ? " (secure TLSA, none usable)"
                                                       : " (TLS required)");
        return;
    case DBX_REASON_LEVEL_TEST:
        dbx_str_fmt(a->reason, sizeof a->reason, "dane-test: DANE would give %s%s%s",
                    dbx_verdict_str(a->dane_verdict), w->dres_set ? ": " : "",
                    w->dres_set ? w->dres.reason : "");
        return;
    default:
        break;
    }
    if (a->verdict == DBX_VERDICT_DEFER) {
        dbx_str_copy(a->reason, sizeof a->reason, dbx_policy_reason_str(a->why));
    } else {
        const char *tail = "";
        if (a->tls == DBX_CHECK_TLS_PLAINTEXT) tail = "; no TLS: cleartext only";
        else if (a->tls == DBX_CHECK_TLS_FAILED) tail = "; TLS handshake failed: cleartext only";
        dbx_str_fmt(a->reason, sizeof a->reason, "%s%s", dbx_check_why_text(a->why), tail);
    }
}

/* After the verdict: count a saved handshake, save a DANE-verified session
 * (the cache refuses anything the evaluator did not call dane-verified),
 * forget an offered session that did not end verified. */
static void resume_account(const dbx_check_config_t *cfg, dbx_check_work_t *w,
                           dbx_check_result_t *out, const dbx_check_host_t *h,
                           const dbx_check_addr_t *a, const dbx_policy_decision_t *d)
{
    dbx_tls_cache_t *c = cfg->tls_cache;
    const dbx_smtp_config_t *sc = &w->smtp_cfg;
    bool verified = d->verdict == DBX_VERDICT_DANE_VERIFIED &&
                    (d->reason == DBX_REASON_DANE_MATCH || d->reason == DBX_REASON_DANE_RESUMED);
    size_t len = 0;
    uint32_t life = 0;

    if (c == NULL || !w->digest_set) return;
    if (a->resumed && verified) {
        out->handshakes_saved++;
        dbx_tls_cache_note_resumed(c);
    }
    if (a->resume_offered && !verified) {
        dbx_tls_cache_drop(c, w->resume_key, sc->peer.port);
        return;
    }
    if (dbx_smtp_tls_info(&w->smtp) == NULL ||
        dbx_tls_session_export(&w->smtp.tls, c->scratch, sizeof c->scratch, &len, &life) != DBX_OK) {
        mbedtls_platform_zeroize(c->scratch, sizeof c->scratch);
        return;
    }
    /* a resumed session re-exported unchanged keeps its first lifetime */
    if (!(a->resumed && len == sc->tls.resume_len && memcmp(c->scratch, sc->tls.resume, len) == 0)) {
        (void)dbx_tls_cache_store(c, w->resume_key, sc->peer.port, w->tlsa_digest, verified,
                                  c->scratch, len, life, hal_clock_ms());
    }
    mbedtls_platform_zeroize(c->scratch, sizeof c->scratch);
}

void dbx_check_probe(const dbx_check_config_t *cfg, const dbx_transport_t *tr,
                     dbx_check_work_t *w, dbx_check_result_t *out, dbx_check_host_t *h,
                     dbx_check_addr_t *a, bool keep_open)
{
    dbx_smtp_result_t sr;
    dbx_policy_facts_t f = w->facts;
    dbx_policy_decision_t d;
    const dbx_tls_info_t *in;
    const dbx_tls_chain_t *ch;

    smtp_setup(cfg, w, h, a, keep_open);
    dbx_smtp_init(&w->smtp);
    dbx_smtp_run(&w->smtp, &w->smtp_cfg, tr, &sr);
    out->smtp_sessions++;
    out->smtp_round_trips += sr.round_trips;
    a->round_trips = (uint16_t)sr.round_trips;
    a->outcome = sr.outcome;
    a->smtp_status = sr.status;
    a->starttls = (sr.caps & DBX_SMTP_CAP_STARTTLS) != 0;
    a->dane_applied = w->pre.dane_check && w->dres_set;
    a->match = DBX_DANE_NO_USABLE;
    a->matched_record = a->matched_depth = -1;
    in = dbx_smtp_tls_info(&w->smtp);
    ch = dbx_smtp_chain(&w->smtp);
    if (in != NULL) {
        dbx_str_copy(a->tls_version, sizeof a->tls_version, in->version_name);
        cipher_name(in->ciphersuite, a->cipher, sizeof a->cipher);
    }
    if (ch != NULL) a->chain_len = (uint8_t)ch->n;
    if (a->dane_applied && w->leaf.set) a->leaf = w->leaf;
    if (a->dane_applied) {
        a->match = w->dres.verdict;
        a->matched_record = (int8_t)w->dres.record;
        a->matched_depth = (int8_t)w->dres.depth;
    }

    f.conn = conn_of(&sr, in != NULL, &a->tls);
    f.dane_ran = a->dane_applied;
    f.match = a->match;
    if (sr.outcome == DBX_SMTP_VERIFY_FAILED && f.match == DBX_DANE_MATCH) {
        f.match = DBX_DANE_ERROR; /* inconsistent: the hook rejected a match */
    }
    if (sr.status == DBX_ERR_NOMEM) f.internal_error = true;
    /* offered = handed to the TLS layer (a handshake that then failed counts:
     * the session is dropped below) */
    a->resume_offered = w->smtp_cfg.tls.resume != NULL;
    a->resumed = in != NULL && in->resumed;
    f.resumed = a->resumed;
    if (w->digest_set) memcpy(f.tlsa_digest, w->tlsa_digest, sizeof f.tlsa_digest);
    if (a->resume_offered) memcpy(f.resumed_under, w->offered_under, sizeof f.resumed_under);
    if (a->tls == DBX_CHECK_TLS_VERIFIED && f.match != DBX_DANE_MATCH && !f.resumed) {
        a->tls = DBX_CHECK_TLS_UNAUTHENTICATED;
    }
    dbx_policy_eval(&f, &d);
    if (f.resumed && d.reason != DBX_REASON_DANE_RESUMED) a->tls = DBX_CHECK_TLS_UNAUTHENTICATED;
    resume_account(cfg, w, out, h, a, &d);
    a->verdict = d.verdict;
    a->why = d.reason;
    a->dane_verdict = d.dane_verdict;
    a->usable = d.usable;
    reason_text(w, h, &sr, a);
}
