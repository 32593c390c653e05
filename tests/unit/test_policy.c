/* Unit tests: the one RFC 7672 policy evaluator (src/policy), data-driven.
 * Every row is facts in -> verdict, reason (and session flags) out; the
 * rows cover each branch of RFC 7672 §2.1/§2.2/§3.1 and each TLS level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "policy/dbx_policy.h"

/* shorthands */
#define SEC DBX_DNSSEC_SECURE
#define DEN DBX_DNSSEC_SECURE_DENIAL
#define INS DBX_DNSSEC_INSECURE
#define BOG DBX_DNSSEC_BOGUS
#define IND DBX_DNSSEC_INDETERMINATE
#define V_DANE DBX_VERDICT_DANE_VERIFIED
#define V_ENC DBX_VERDICT_ENCRYPT_UNAUTH
#define V_OPP DBX_VERDICT_OPPORTUNISTIC
#define V_DEF DBX_VERDICT_DEFER
#define L_DANE DBX_LEVEL_DANE
#define L_ONLY DBX_LEVEL_DANE_ONLY
#define L_ENC DBX_LEVEL_ENCRYPT
#define L_MAY DBX_LEVEL_MAY
#define L_TEST DBX_LEVEL_DANE_TEST
#define C_PRE DBX_CONN_NOT_TRIED
#define C_FAIL DBX_CONN_FAILED
#define C_EHLO DBX_CONN_EHLO_REJECTED
#define C_NOTLS DBX_CONN_NO_STARTTLS
#define C_454 DBX_CONN_STARTTLS_REFUSED
#define C_HS DBX_CONN_HANDSHAKE_FAILED
#define C_TLS DBX_CONN_TLS
#define C_BRK DBX_CONN_TLS_BROKEN
#define M_OK DBX_DANE_MATCH
#define M_NO DBX_DANE_NO_MATCH
#define M_ERR DBX_DANE_ERROR
#define M_NU DBX_DANE_NO_USABLE
#define R(x) DBX_REASON_##x

typedef struct row {
    const char *name;
    dbx_tls_level_t level;
    dbx_dnssec_t mx, addr;
    size_t n_addrs;
    bool alias;
    dbx_dnssec_t tlsa_exp, tlsa;
    size_t usable;
    dbx_conn_t conn;
    bool ran;
    dbx_dane_verdict_t match;
    bool internal;
    dbx_verdict_t v;
    dbx_policy_reason_t why;
    int usable_session; /* -1: don't care; pre-connect: expected "connect" */
} row_t;

/* name, level, mx, addr, n, alias, tlsa@exp, tlsa, usable, conn, ran, match, int, verdict, reason, usable/connect */
static const row_t rows[] = {
    /* §2.1 / §2.2.1 MX security */
    {"mx bogus", L_DANE, BOG, SEC, 1, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(MX_BOGUS), 0},
    {"mx indeterminate", L_DANE, IND, SEC, 1, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(MX_INDETERMINATE), 0},
    {"mx insecure: opportunistic", L_DANE, INS, SEC, 1, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_OPP, R(MX_INSECURE), 1},
    {"mx insecure, tls up", L_DANE, INS, SEC, 1, 0, INS, INS, 0, C_TLS, 0, M_NU, 0, V_OPP, R(MX_INSECURE), 1},
    {"mx insecure, no starttls: cleartext", L_DANE, INS, INS, 1, 0, INS, INS, 0, C_NOTLS, 0, M_NU, 0, V_OPP, R(MX_INSECURE), 1},
    {"implicit mx (secure denial) counts as secure", L_DANE, DEN, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    /* §2.2.2 address security */
    {"addr bogus", L_DANE, SEC, BOG, 1, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(ADDR_BOGUS), 0},
    {"addr indeterminate", L_DANE, SEC, IND, 1, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(ADDR_INDETERMINATE), 0},
    {"no address (denied)", L_DANE, SEC, DEN, 0, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(ADDR_NONE), 0},
    {"no address kept", L_DANE, SEC, SEC, 0, 0, INS, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(ADDR_NONE), 0},
    {"addr insecure: no TLSA", L_DANE, SEC, INS, 1, 0, INS, BOG, 1, C_PRE, 0, M_NO, 0, V_OPP, R(ADDR_INSECURE), 1},
    /* §2.2 TLSA security */
    {"tlsa bogus", L_DANE, SEC, SEC, 1, 0, INS, BOG, 0, C_PRE, 0, M_NO, 0, V_DEF, R(TLSA_BOGUS), 0},
    {"tlsa indeterminate", L_DANE, SEC, SEC, 1, 0, INS, IND, 0, C_PRE, 0, M_NO, 0, V_DEF, R(TLSA_INDETERMINATE), 0},
    {"tlsa insecure", L_DANE, SEC, SEC, 1, 0, INS, INS, 0, C_TLS, 0, M_NU, 0, V_OPP, R(TLSA_INSECURE), 1},
    {"tlsa denied", L_DANE, SEC, SEC, 1, 0, INS, DEN, 0, C_NOTLS, 0, M_NU, 0, V_OPP, R(TLSA_DENIED), 1},
    {"tlsa denied, handshake failed: not usable", L_DANE, SEC, SEC, 1, 0, INS, DEN, 0, C_HS, 0, M_NU, 0, V_OPP, R(TLSA_DENIED), 0},
    /* §2.2.2 CNAME rules */
    {"alias: expanded secure is used", L_DANE, SEC, SEC, 1, 1, SEC, BOG, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"alias: expanded bogus defers (no fallback)", L_DANE, SEC, SEC, 1, 1, BOG, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(TLSA_BOGUS), 0},
    {"alias: expanded indeterminate defers", L_DANE, SEC, SEC, 1, 1, IND, SEC, 1, C_PRE, 0, M_NO, 0, V_DEF, R(TLSA_INDETERMINATE), 0},
    {"alias: expanded denied -> original", L_DANE, SEC, SEC, 1, 1, DEN, SEC, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"alias: expanded insecure -> original bogus", L_DANE, SEC, SEC, 1, 1, INS, BOG, 1, C_PRE, 0, M_NO, 0, V_DEF, R(TLSA_BOGUS), 0},
    {"alias: both denied", L_DANE, SEC, SEC, 1, 1, DEN, DEN, 0, C_TLS, 0, M_NU, 0, V_OPP, R(TLSA_DENIED), 1},
    /* §3.1 usability: all unusable -> mandatory unauthenticated TLS */
    {"all unusable: pre-connect", L_DANE, SEC, SEC, 1, 0, INS, SEC, 0, C_PRE, 0, M_NU, 0, V_ENC, R(TLSA_UNUSABLE), 1},
    {"all unusable: tls up", L_DANE, SEC, SEC, 1, 0, INS, SEC, 0, C_TLS, 0, M_NU, 0, V_ENC, R(TLSA_UNUSABLE), 1},
    {"all unusable: no starttls", L_DANE, SEC, SEC, 1, 0, INS, SEC, 0, C_NOTLS, 0, M_NU, 0, V_DEF, R(NO_STARTTLS), 0},
    {"all unusable: 454", L_DANE, SEC, SEC, 1, 0, INS, SEC, 0, C_454, 0, M_NU, 0, V_DEF, R(STARTTLS_REFUSED), 0},
    {"all unusable: handshake", L_DANE, SEC, SEC, 1, 0, INS, SEC, 0, C_HS, 0, M_NU, 0, V_DEF, R(HANDSHAKE), 0},
    /* DANE mandatory */
    {"usable: pre-connect", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_PRE, 0, M_NO, 0, V_DANE, R(PENDING), 1},
    {"usable: match", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"usable: no match", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 1, M_NO, 0, V_DEF, R(NO_MATCH), 0},
    {"usable: matcher error", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 1, M_ERR, 0, V_DEF, R(MATCH_ERROR), 0},
    {"usable: no-usable contradicts", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 1, M_NU, 0, V_DEF, R(MATCH_ERROR), 0},
    {"usable: matcher did not run", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 0, M_OK, 0, V_DEF, R(MATCH_ERROR), 0},
    {"usable: starttls missing", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_NOTLS, 0, M_NO, 0, V_DEF, R(NO_STARTTLS), 0},
    {"usable: ehlo rejected", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_EHLO, 0, M_NO, 0, V_DEF, R(NO_STARTTLS), 0},
    {"usable: 454", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_454, 0, M_NO, 0, V_DEF, R(STARTTLS_REFUSED), 0},
    {"usable: handshake failure", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_HS, 0, M_NO, 0, V_DEF, R(HANDSHAKE), 0},
    {"connect failed defers even opportunistic", L_DANE, INS, INS, 1, 0, INS, INS, 0, C_FAIL, 0, M_NU, 0, V_DEF, R(CONNECT_FAILED), 0},
    {"tls broken after handshake", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_BRK, 1, M_OK, 0, V_DEF, R(SESSION_FAILED), 0},
    {"ehlo rejected, opportunistic: not usable", L_DANE, INS, INS, 1, 0, INS, INS, 0, C_EHLO, 0, M_NU, 0, V_OPP, R(MX_INSECURE), 0},
    {"internal error defers", L_DANE, SEC, SEC, 1, 0, INS, SEC, 2, C_TLS, 1, M_OK, 1, V_DEF, R(INTERNAL), 0},
    /* level dane-only */
    {"dane-only: match", L_ONLY, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"dane-only: mx insecure, no connect", L_ONLY, INS, SEC, 1, 0, INS, INS, 0, C_PRE, 0, M_NU, 0, V_DEF, R(DANE_REQUIRED), 0},
    {"dane-only: tlsa denied, no connect", L_ONLY, SEC, SEC, 1, 0, INS, DEN, 0, C_PRE, 0, M_NU, 0, V_DEF, R(DANE_REQUIRED), 0},
    {"dane-only: all unusable", L_ONLY, SEC, SEC, 1, 0, INS, SEC, 0, C_TLS, 0, M_NU, 0, V_DEF, R(DANE_REQUIRED), 0},
    {"dane-only: no match", L_ONLY, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_NO, 0, V_DEF, R(NO_MATCH), 0},
    /* level encrypt */
    {"encrypt: mx insecure, tls", L_ENC, INS, SEC, 1, 0, INS, INS, 0, C_TLS, 0, M_NU, 0, V_ENC, R(MX_INSECURE), 1},
    {"encrypt: pre-connect needs tls", L_ENC, INS, SEC, 1, 0, INS, INS, 0, C_PRE, 0, M_NU, 0, V_ENC, R(MX_INSECURE), 1},
    {"encrypt: no starttls", L_ENC, SEC, SEC, 1, 0, INS, DEN, 0, C_NOTLS, 0, M_NU, 0, V_DEF, R(NO_STARTTLS), 0},
    {"encrypt: 454", L_ENC, INS, INS, 1, 0, INS, INS, 0, C_454, 0, M_NU, 0, V_DEF, R(STARTTLS_REFUSED), 0},
    {"encrypt: handshake", L_ENC, INS, INS, 1, 0, INS, INS, 0, C_HS, 0, M_NU, 0, V_DEF, R(HANDSHAKE), 0},
    {"encrypt: dane still applies", L_ENC, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_NO, 0, V_DEF, R(NO_MATCH), 0},
    {"encrypt: dane match", L_ENC, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"encrypt: tlsa bogus", L_ENC, SEC, SEC, 1, 0, INS, BOG, 1, C_PRE, 0, M_NU, 0, V_DEF, R(TLSA_BOGUS), 0},
    /* level may */
    {"may: tlsa ignored", L_MAY, SEC, SEC, 1, 0, INS, BOG, 1, C_TLS, 0, M_NU, 0, V_OPP, R(LEVEL_MAY), 1},
    {"may: cleartext", L_MAY, SEC, SEC, 1, 0, INS, SEC, 1, C_NOTLS, 0, M_NU, 0, V_OPP, R(LEVEL_MAY), 1},
    {"may: addr bogus still defers", L_MAY, SEC, BOG, 1, 0, INS, SEC, 1, C_PRE, 0, M_NU, 0, V_DEF, R(ADDR_BOGUS), 0},
    {"may: mx bogus still defers", L_MAY, BOG, SEC, 1, 0, INS, SEC, 1, C_PRE, 0, M_NU, 0, V_DEF, R(MX_BOGUS), 0},
    /* level dane-test */
    {"dane-test: match reported", L_TEST, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_OK, 0, V_DANE, R(DANE_MATCH), 1},
    {"dane-test: no match only reported", L_TEST, SEC, SEC, 1, 0, INS, SEC, 1, C_TLS, 1, M_NO, 0, V_OPP, R(LEVEL_TEST), 1},
    {"dane-test: no starttls only reported", L_TEST, SEC, SEC, 1, 0, INS, SEC, 1, C_NOTLS, 0, M_NU, 0, V_OPP, R(LEVEL_TEST), 1},
    {"dane-test: tlsa bogus defers", L_TEST, SEC, SEC, 1, 0, INS, BOG, 1, C_PRE, 0, M_NU, 0, V_DEF, R(TLSA_BOGUS), 0},
    {"dane-test: connect failed defers", L_TEST, SEC, SEC, 1, 0, INS, SEC, 1, C_FAIL, 0, M_NU, 0, V_DEF, R(CONNECT_FAILED), 0},
    {"dane-test: pre-connect", L_TEST, SEC, SEC, 1, 0, INS, SEC, 1, C_PRE, 0, M_NU, 0, V_OPP, R(LEVEL_TEST), 1},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row_t *r = &rows[i];
        dbx_policy_facts_t f;
        dbx_policy_decision_t d;
        memset(&f, 0, sizeof f);
        f.level = r->level;
        f.mx = r->mx;
        f.addr = r->addr;
        f.n_addrs = r->n_addrs;
        f.alias = r->alias;
        f.tlsa_expanded = r->tlsa_exp;
        f.tlsa = r->tlsa;
        f.usable_tlsa = r->usable;
        f.conn = r->conn;
        f.dane_ran = r->ran;
        f.match = r->match;
        f.internal_error = r->internal;
        dbx_policy_eval(&f, &d);
        if (d.verdict != r->v || d.reason != r->why) {
            print_error("row %zu '%s': got %s/%s, want %s/%s\n", i, r->name,
                        dbx_verdict_str(d.verdict), dbx_policy_reason_str(d.reason),
                        dbx_verdict_str(r->v), dbx_policy_reason_str(r->why));
            fail();
        }
        int got = r->conn == C_PRE ? d.connect : d.usable;
        if (r->usable_session >= 0 && got != r->usable_session) {
            print_error("row %zu '%s': %s %d, want %d\n", i, r->name,
                        r->conn == C_PRE ? "connect" : "usable", got, r->usable_session);
            fail();
        }
        /* invariants: a defer never connects nor carries mail */
        if (d.verdict == V_DEF) assert_false(d.connect || d.usable);
    }
}

/* pre-connect requirements per level */
static void test_requirements(void **state)
{
    dbx_policy_facts_t f;
    dbx_policy_decision_t d;
    (void)state;
    memset(&f, 0, sizeof f);
    f.mx = SEC;
    f.addr = SEC;
    f.n_addrs = 1;
    f.tlsa = SEC;
    f.usable_tlsa = 1;
    dbx_policy_eval(&f, &d);
    assert_true(d.connect && d.tls_required && d.dane_required && d.dane_check);
    f.level = L_TEST;
    dbx_policy_eval(&f, &d);
    assert_true(d.connect && d.dane_check);
    assert_false(d.dane_required || d.tls_required);
    f.level = L_DANE;
    f.usable_tlsa = 0;
    dbx_policy_eval(&f, &d);
    assert_true(d.connect && d.tls_required);
    assert_false(d.dane_required || d.dane_check);
    f.tlsa = DEN;
    dbx_policy_eval(&f, &d);
    assert_false(d.tls_required);
    f.level = L_ENC;
    dbx_policy_eval(&f, &d);
    assert_true(d.tls_required);
    f.level = L_MAY;
    assert_false(dbx_policy_want_tlsa(&f));
    f.level = L_DANE;
    assert_true(dbx_policy_want_tlsa(&f));
    f.mx = INS;
    assert_false(dbx_policy_want_tlsa(&f));
    f.mx = DEN;
    f.addr = INS;
    assert_false(dbx_policy_want_tlsa(&f));
}

/* domain stage: null MX, no hosts, MX status */
static void test_mx_stage(void **state)
{
    dbx_policy_decision_t d;
    (void)state;
    dbx_policy_mx(L_DANE, SEC, true, 0, &d);
    assert_int_equal(d.verdict, V_DEF);
    assert_int_equal(d.reason, R(NULL_MX));
    dbx_policy_mx(L_DANE, INS, true, 0, &d);
    assert_int_equal(d.reason, R(NULL_MX));
    dbx_policy_mx(L_DANE, SEC, false, 0, &d);
    assert_int_equal(d.reason, R(NO_HOSTS));
    dbx_policy_mx(L_DANE, BOG, false, 2, &d);
    assert_int_equal(d.reason, R(MX_BOGUS));
    dbx_policy_mx(L_MAY, IND, false, 2, &d);
    assert_int_equal(d.reason, R(MX_INDETERMINATE));
    dbx_policy_mx(L_DANE, DEN, false, 1, &d); /* implicit MX */
    assert_true(d.connect);
    assert_int_not_equal(d.verdict, V_DEF);
    dbx_policy_mx(L_DANE, INS, false, 1, &d);
    assert_int_equal(d.verdict, V_OPP);
    dbx_policy_mx((dbx_tls_level_t)9, SEC, false, 1, &d);
    assert_int_equal(d.reason, R(BAD_INPUT));
}

static void test_cname_helpers(void **state)
{
    (void)state;
    assert_true(dbx_policy_tlsa_fallback(DEN));
    assert_true(dbx_policy_tlsa_fallback(INS));
    assert_false(dbx_policy_tlsa_fallback(SEC));
    assert_false(dbx_policy_tlsa_fallback(BOG));
    assert_false(dbx_policy_tlsa_fallback(IND));
}

/* Resumption: a resumed session (no certificate, matcher did not run) is
 * dane-verified only under the TLSA digest it was verified under. */
static void test_resumed(void **state)
{
    dbx_policy_facts_t f;
    dbx_policy_decision_t d;
    (void)state;
    memset(&f, 0, sizeof f);
    f.level = L_DANE;
    f.mx = f.addr = f.tlsa = f.tlsa_expanded = SEC;
    f.n_addrs = 1;
    f.usable_tlsa = 1;
    f.conn = C_TLS;
    f.resumed = true;
    f.match = M_NU;
    memset(f.tlsa_digest, 0xA5, sizeof f.tlsa_digest);
    memcpy(f.resumed_under, f.tlsa_digest, sizeof f.resumed_under);
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_DANE);
    assert_int_equal(d.reason, R(DANE_RESUMED));
    assert_true(d.usable);
    assert_string_equal(dbx_policy_reason_str(d.reason), "dane-resumed");

    f.resumed_under[31] ^= 1; /* TLSA RRset changed since the session was verified */
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_DEF);
    assert_int_equal(d.reason, R(RESUME_MISMATCH));
    assert_false(d.usable);
    assert_string_equal(dbx_policy_reason_str(d.reason), "resume-mismatch");

    memset(f.tlsa_digest, 0, sizeof f.tlsa_digest); /* no digest known: never */
    memset(f.resumed_under, 0, sizeof f.resumed_under);
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_DEF);
    assert_int_equal(d.reason, R(RESUME_MISMATCH));

    memset(f.tlsa_digest, 0xA5, sizeof f.tlsa_digest); /* inconsistent: matcher ran too */
    memcpy(f.resumed_under, f.tlsa_digest, sizeof f.resumed_under);
    f.dane_ran = true;
    f.match = M_OK;
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_DEF);

    f.dane_ran = false; /* not resumed, matcher did not run: still an error */
    f.resumed = false;
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_DEF);
    assert_int_equal(d.reason, R(MATCH_ERROR));

    f.resumed = true; /* dane-test: a mismatch reports only */
    f.level = L_TEST;
    f.resumed_under[0] ^= 1;
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.verdict, V_OPP);
    assert_int_equal(d.dane_verdict, V_DEF);
    assert_int_equal(d.dane_reason, R(RESUME_MISMATCH));
}

static void test_pick_and_bad_input(void **state)
{
    dbx_verdict_t v[] = {V_DEF, V_DEF, V_OPP, V_DANE};
    dbx_policy_facts_t f;
    dbx_policy_decision_t d;
    dbx_tls_level_t l;
    (void)state;
    assert_int_equal(dbx_policy_pick(v, 4), 2);
    assert_int_equal(dbx_policy_pick(v, 2), -1);
    assert_int_equal(dbx_policy_pick(v, 0), -1);
    assert_int_equal(dbx_policy_pick(NULL, 3), -1);
    dbx_policy_eval(NULL, &d);
    assert_int_equal(d.verdict, V_DEF);
    assert_int_equal(d.reason, R(BAD_INPUT));
    memset(&f, 0, sizeof f);
    f.mx = (dbx_dnssec_t)17;
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.reason, R(BAD_INPUT));
    f.mx = SEC;
    f.conn = (dbx_conn_t)40;
    dbx_policy_eval(&f, &d);
    assert_int_equal(d.reason, R(BAD_INPUT));
    dbx_policy_eval(&f, NULL); /* ignored */
    assert_int_equal(dbx_tls_level_parse("dane-only", &l), DBX_OK);
    assert_int_equal(l, L_ONLY);
    assert_int_equal(dbx_tls_level_parse("strict", &l), DBX_ERR_INVAL);
    assert_string_equal(dbx_tls_level_str(L_TEST), "dane-test");
    assert_string_equal(dbx_policy_reason_str(R(NO_MATCH)), "tlsa-no-match");
    assert_string_equal(dbx_policy_reason_str((dbx_policy_reason_t)200), "invalid");
    assert_string_equal(dbx_verdict_str(V_ENC), "encrypt-unauthenticated");
    assert_string_equal(dbx_dnssec_str(DEN), "secure-denial");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_mx_stage),
        cmocka_unit_test(test_cname_helpers),
        cmocka_unit_test(test_pick_and_bad_input),
        cmocka_unit_test(test_resumed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
