/* The one RFC 7672 policy evaluator; see dbx_policy.h. */
#include "dbx_policy.h"

#include <string.h>

const char *dbx_verdict_str(dbx_verdict_t v)
{
    switch (v) {
    case DBX_VERDICT_DANE_VERIFIED: return "dane-verified";
    case DBX_VERDICT_ENCRYPT_UNAUTH: return "encrypt-unauthenticated";
    case DBX_VERDICT_OPPORTUNISTIC: return "opportunistic";
    case DBX_VERDICT_DEFER: return "defer";
    }
    return "invalid";
}

const char *dbx_policy_reason_str(dbx_policy_reason_t r)
{
    static const char *const names[] = {
        "none", "dane-match", "tlsa-unusable", "mx-insecure", "address-insecure",
        "tlsa-insecure", "tlsa-denied", "level-may", "level-dane-test", "pending", "dane-resumed",
        "mx-bogus", "mx-indeterminate", "null-mx", "no-mx-host", "address-bogus",
        "address-indeterminate", "no-address", "tlsa-bogus", "tlsa-indeterminate",
        "dane-required", "connect-failed", "starttls-not-offered", "starttls-refused",
        "tls-handshake-failed", "tlsa-no-match", "tlsa-match-error", "session-failed", "resume-mismatch",
        "internal-error", "bad-input",
    };
    _Static_assert(DBX_ARRAY_LEN(names) == DBX_REASON_BAD_INPUT + 1, "reason names");
    return (unsigned)r < DBX_ARRAY_LEN(names) ? names[r] : "invalid";
}

const char *dbx_dnssec_str(dbx_dnssec_t s)
{
    switch (s) {
    case DBX_DNSSEC_SECURE: return "secure";
    case DBX_DNSSEC_SECURE_DENIAL: return "secure-denial";
    case DBX_DNSSEC_INSECURE: return "insecure";
    case DBX_DNSSEC_BOGUS: return "bogus";
    case DBX_DNSSEC_INDETERMINATE: return "indeterminate";
    }
    return "invalid";
}

static const char *const level_names[] = {"dane", "dane-only", "encrypt", "may", "dane-test"};

const char *dbx_tls_level_str(dbx_tls_level_t l)
{
    return (unsigned)l < DBX_ARRAY_LEN(level_names) ? level_names[l] : "invalid";
}

int dbx_tls_level_parse(const char *s, dbx_tls_level_t *out)
{
    DBX_CHECK(s != NULL && out != NULL, DBX_ERR_INVAL);
    for (size_t i = 0; i < DBX_ARRAY_LEN(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (dbx_tls_level_t)i;
            return DBX_OK;
        }
    }
    return DBX_ERR_INVAL;
}

static bool valid_sec(dbx_dnssec_t s)
{
    return (unsigned)s <= (unsigned)DBX_DNSSEC_INDETERMINATE;
}

static void set(dbx_policy_decision_t *o, dbx_verdict_t v, dbx_policy_reason_t r)
{
    o->verdict = v;
    o->reason = r;
}

void dbx_policy_mx(dbx_tls_level_t level, dbx_dnssec_t mx, bool null_mx, size_t n_hosts,
                   dbx_policy_decision_t *out)
{
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    set(out, DBX_VERDICT_DEFER, DBX_REASON_PENDING);
    if ((unsigned)level > (unsigned)DBX_LEVEL_DANE_TEST || !valid_sec(mx)) {
        out->reason = DBX_REASON_BAD_INPUT;
    } else if (mx == DBX_DNSSEC_BOGUS) {
        out->reason = DBX_REASON_MX_BOGUS;
    } else if (mx == DBX_DNSSEC_INDETERMINATE) {
        out->reason = DBX_REASON_MX_INDETERMINATE;
    } else if (null_mx) {
        out->reason = DBX_REASON_NULL_MX;
    } else if (n_hosts == 0) {
        out->reason = DBX_REASON_NO_HOSTS;
    } else {
        out->verdict = mx == DBX_DNSSEC_INSECURE && level != DBX_LEVEL_ENCRYPT
                           ? DBX_VERDICT_OPPORTUNISTIC : DBX_VERDICT_DANE_VERIFIED;
        out->connect = true;
    }
    out->dane_verdict = out->verdict;
    out->dane_reason = out->reason;
}

bool dbx_policy_want_tlsa(const dbx_policy_facts_t *f)
{
    return f != NULL && f->level != DBX_LEVEL_MAY &&
           (f->mx == DBX_DNSSEC_SECURE || f->mx == DBX_DNSSEC_SECURE_DENIAL) &&
           f->addr == DBX_DNSSEC_SECURE;
}

bool dbx_policy_tlsa_fallback(dbx_dnssec_t expanded)
{
    return expanded == DBX_DNSSEC_SECURE_DENIAL || expanded == DBX_DNSSEC_INSECURE;
}

dbx_dnssec_t dbx_policy_tlsa_used(const dbx_policy_facts_t *f)
{
    if (f == NULL) return DBX_DNSSEC_INDETERMINATE;
    if (f->alias && !dbx_policy_tlsa_fallback(f->tlsa_expanded)) return f->tlsa_expanded;
    return f->tlsa;
}

/* DNS stage at RFC 7672 semantics: defer, or the kind of host
 * (opportunistic / TLS mandatory / DANE mandatory) with its reason. */
static void dns_stage(const dbx_policy_facts_t *f, dbx_policy_decision_t *o)
{
    dbx_dnssec_t t = dbx_policy_tlsa_used(f);
    if (f->mx == DBX_DNSSEC_BOGUS) return set(o, DBX_VERDICT_DEFER, DBX_REASON_MX_BOGUS);
    if (f->mx == DBX_DNSSEC_INDETERMINATE) {
        return set(o, DBX_VERDICT_DEFER, DBX_REASON_MX_INDETERMINATE);
    }
    if (f->addr == DBX_DNSSEC_BOGUS) return set(o, DBX_VERDICT_DEFER, DBX_REASON_ADDR_BOGUS);
    if (f->addr == DBX_DNSSEC_INDETERMINATE) {
        return set(o, DBX_VERDICT_DEFER, DBX_REASON_ADDR_INDETERMINATE);
    }
    if (f->addr == DBX_DNSSEC_SECURE_DENIAL || f->n_addrs == 0) {
        return set(o, DBX_VERDICT_DEFER, DBX_REASON_ADDR_NONE);
    }
    if (f->level == DBX_LEVEL_MAY) return set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_LEVEL_MAY);
    if (f->mx == DBX_DNSSEC_INSECURE) {
        return set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_MX_INSECURE);
    }
    if (f->addr == DBX_DNSSEC_INSECURE) {
        return set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_ADDR_INSECURE);
    }
    if (t == DBX_DNSSEC_BOGUS) return set(o, DBX_VERDICT_DEFER, DBX_REASON_TLSA_BOGUS);
    if (t == DBX_DNSSEC_INDETERMINATE) {
        return set(o, DBX_VERDICT_DEFER, DBX_REASON_TLSA_INDETERMINATE);
    }
    if (t == DBX_DNSSEC_INSECURE) {
        return set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_TLSA_INSECURE);
    }
    if (t == DBX_DNSSEC_SECURE_DENIAL) {
        return set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_TLSA_DENIED);
    }
    if (f->usable_tlsa == 0) {
        return set(o, DBX_VERDICT_ENCRYPT_UNAUTH, DBX_REASON_TLSA_UNUSABLE);
    }
    set(o, DBX_VERDICT_DANE_VERIFIED, DBX_REASON_DANE_MATCH);
}

/* A resumed session where DANE is mandatory: the server presented no
 * certificate; the session's earlier verification counts only under the
 * same TLSA RRset (an all-zero digest is never a valid one). */
static void resumed_stage(const dbx_policy_facts_t *f, dbx_policy_decision_t *o)
{
    static const uint8_t zero[sizeof f->tlsa_digest];
    if (f->dane_ran || memcmp(f->tlsa_digest, zero, sizeof zero) == 0 ||
        memcmp(f->tlsa_digest, f->resumed_under, sizeof f->tlsa_digest) != 0) {
        return set(o, DBX_VERDICT_DEFER, DBX_REASON_RESUME_MISMATCH);
    }
    set(o, DBX_VERDICT_DANE_VERIFIED, DBX_REASON_DANE_RESUMED);
}

/* Session stage at RFC 7672 semantics, given the DNS stage result in @p o. */
static void session_stage(const dbx_policy_facts_t *f, dbx_policy_decision_t *o)
{
    bool tls_required = o->verdict != DBX_VERDICT_OPPORTUNISTIC;
    switch (f->conn) {
    case DBX_CONN_NOT_TRIED: /* not reached */
    case DBX_CONN_FAILED: return set(o, DBX_VERDICT_DEFER, DBX_REASON_CONNECT_FAILED);
    case DBX_CONN_TLS_BROKEN: return set(o, DBX_VERDICT_DEFER, DBX_REASON_SESSION_FAILED);
    case DBX_CONN_EHLO_REJECTED:
    case DBX_CONN_NO_STARTTLS:
        if (tls_required) set(o, DBX_VERDICT_DEFER, DBX_REASON_NO_STARTTLS);
        return;
    case DBX_CONN_STARTTLS_REFUSED:
        if (tls_required) set(o, DBX_VERDICT_DEFER, DBX_REASON_STARTTLS_REFUSED);
        return;
    case DBX_CONN_HANDSHAKE_FAILED:
        if (tls_required) set(o, DBX_VERDICT_DEFER, DBX_REASON_HANDSHAKE);
        return;
    case DBX_CONN_TLS:
        if (o->verdict != DBX_VERDICT_DANE_VERIFIED) return;
        if (f->resumed) return resumed_stage(f, o);
        if (!f->dane_ran) return set(o, DBX_VERDICT_DEFER, DBX_REASON_MATCH_ERROR);
        if (f->match == DBX_DANE_MATCH) return;
        return set(o, DBX_VERDICT_DEFER, f->match == DBX_DANE_NO_MATCH ? DBX_REASON_NO_MATCH
                                                                      : DBX_REASON_MATCH_ERROR);
    }
    set(o, DBX_VERDICT_DEFER, DBX_REASON_BAD_INPUT);
}

static bool dns_failure(dbx_policy_reason_t r)
{
    return r >= DBX_REASON_MX_BOGUS && r <= DBX_REASON_TLSA_INDETERMINATE;
}

/* Apply the level to the RFC 7672 result (dane_verdict/dane_reason set). */
static void apply_level(const dbx_policy_facts_t *f, dbx_policy_decision_t *o, bool pre)
{
    bool tls_up = f->conn == DBX_CONN_TLS;
    switch (f->level) {
    case DBX_LEVEL_DANE:
    case DBX_LEVEL_MAY: /* dns_stage already made it opportunistic */
        break;
    case DBX_LEVEL_DANE_ONLY:
        if (o->verdict != DBX_VERDICT_DANE_VERIFIED && o->verdict != DBX_VERDICT_DEFER) {
            set(o, DBX_VERDICT_DEFER, DBX_REASON_DANE_REQUIRED);
        }
        break;
    case DBX_LEVEL_ENCRYPT:
        if (o->verdict == DBX_VERDICT_OPPORTUNISTIC) {
            if (pre || tls_up) {
                o->verdict = DBX_VERDICT_ENCRYPT_UNAUTH;
            } else if (f->conn == DBX_CONN_STARTTLS_REFUSED) {
                set(o, DBX_VERDICT_DEFER, DBX_REASON_STARTTLS_REFUSED);
            } else if (f->conn == DBX_CONN_HANDSHAKE_FAILED) {
                set(o, DBX_VERDICT_DEFER, DBX_REASON_HANDSHAKE);
            } else {
                set(o, DBX_VERDICT_DEFER, DBX_REASON_NO_STARTTLS);
            }
        }
        break;
    case DBX_LEVEL_DANE_TEST:
        if (dns_failure(o->reason) || o->reason == DBX_REASON_CONNECT_FAILED ||
            o->reason == DBX_REASON_SESSION_FAILED || o->reason == DBX_REASON_INTERNAL) {
            break;
        }
        if (pre) {
            o->verdict = DBX_VERDICT_OPPORTUNISTIC;
            o->reason = DBX_REASON_LEVEL_TEST;
        } else if (o->verdict == DBX_VERDICT_DEFER) {
            /* DANE would defer for a TLS/authentication reason: report only */
            set(o, DBX_VERDICT_OPPORTUNISTIC, DBX_REASON_LEVEL_TEST);
        }
        break;
    }
}

void dbx_policy_eval(const dbx_policy_facts_t *f, dbx_policy_decision_t *out)
{
    bool pre;
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    set(out, DBX_VERDICT_DEFER, DBX_REASON_BAD_INPUT);
    out->dane_verdict = DBX_VERDICT_DEFER;
    out->dane_reason = DBX_REASON_BAD_INPUT;
    if (f == NULL || (unsigned)f->level > (unsigned)DBX_LEVEL_DANE_TEST || !valid_sec(f->mx) ||
        !valid_sec(f->addr) || !valid_sec(f->tlsa) || !valid_sec(f->tlsa_expanded) ||
        (unsigned)f->conn > (unsigned)DBX_CONN_TLS_BROKEN) {
        return;
    }
    pre = f->conn == DBX_CONN_NOT_TRIED;
    if (f->internal_error) {
        set(out, DBX_VERDICT_DEFER, DBX_REASON_INTERNAL);
    } else {
        dns_stage(f, out);
    }
    if (out->verdict != DBX_VERDICT_DEFER) {
        out->dane_check = out->verdict == DBX_VERDICT_DANE_VERIFIED;
        out->dane_required = out->dane_check && f->level != DBX_LEVEL_DANE_TEST;
        out->tls_required = out->verdict != DBX_VERDICT_OPPORTUNISTIC ||
                            f->level == DBX_LEVEL_ENCRYPT;
        if (f->level == DBX_LEVEL_DANE_TEST) out->tls_required = false;
        if (f->level == DBX_LEVEL_DANE_ONLY && !out->dane_required) out->tls_required = true;
        if (pre) {
            out->reason = out->reason == DBX_REASON_DANE_MATCH ? DBX_REASON_PENDING : out->reason;
        } else {
            session_stage(f, out);
        }
    }
    out->dane_verdict = out->verdict;
    out->dane_reason = out->reason;
    apply_level(f, out, pre);
    if (out->verdict == DBX_VERDICT_DEFER) {
        out->connect = false;
        out->dane_required = out->dane_check = false;
        out->tls_required = false;
        out->usable = false;
        return;
    }
    out->connect = pre;
    /* a session can carry mail: TLS up, or cleartext where the verdict allows it */
    out->usable = !pre && (f->conn == DBX_CONN_TLS ||
                           (out->verdict == DBX_VERDICT_OPPORTUNISTIC &&
                            (f->conn == DBX_CONN_NO_STARTTLS ||
                             f->conn == DBX_CONN_STARTTLS_REFUSED)));
}

int dbx_policy_pick(const dbx_verdict_t *v, size_t n)
{
    if (v == NULL) return -1;
    for (size_t i = 0; i < n && i < 0x7fff; i++) {
        if (v[i] != DBX_VERDICT_DEFER) return (int)i;
    }
    return -1;
}
