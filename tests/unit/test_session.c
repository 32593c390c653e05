/* Unit tests: the session API (src/check/dbx_session.h) over a scripted
 * cleartext SMTP peer (support/tls_peer.c; the TLS rows are in test_tls_table.c),
 * DNS from the signed test tree of tests/dnssec/mkzones.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/dbx_session.h"
#include "hal_mbedtls.h"
#include "support/test_util.h"
#include "support/tls_peer.h"

#define ZDIR "build/host/zones"

#define PKI "build/dane"

typedef struct {
    dbx_test_zones_t z;
    tls_peer_t peer;
    dbx_transport_t tr;
    dbx_session_config_t cfg;
    dbx_session_t s;
    char buf[16384];
} fx_t;

/* (re)start the in-memory peer with @p script (cleartext scripts only here:
 * the test tree's TLSA records are not those of the test PKI) */
static void peer(fx_t *fx, tls_peer_script_t script)
{
    const char *chain[] = {PKI "/ec-leaf.pem"};
    tls_peer_free(&fx->peer);
    assert_int_equal(tls_peer_init(&fx->peer, script, chain, 1, PKI "/ec-leaf.key"), 0);
    fx->tr = tls_peer_transport(&fx->peer);
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    hal_mbedtls_init();
    if (dbx_test_zones_init(&fx->z, ZDIR) != 0) return -1;
    dbx_session_config_defaults(&fx->cfg);
    fx->cfg.check.now = fx->z.now;
    fx->cfg.check.command_ms = 1000;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_session_close(&fx->s);
    tls_peer_free(&fx->peer);
    dbx_test_zones_free(&fx->z);
    free(fx);
    return 0;
}

/* insecure MX: opportunistic, cleartext session handed out; commands work */
static void test_opportunistic_cleartext(void **state)
{
    fx_t *fx = *state;
    dbx_smtp_reply_t rep;
    const dbx_session_facts_t *f;
    peer(fx, TLS_PEER_NO_STARTTLS);
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->z.r, &fx->tr, "www.insecure.test"), DBX_OK);
    assert_true(dbx_session_is_open(&fx->s));
    f = dbx_session_facts(&fx->s);
    assert_non_null(f);
    assert_int_equal(f->verdict, DBX_VERDICT_OPPORTUNISTIC);
    assert_int_equal(f->why, DBX_REASON_MX_INSECURE);
    assert_string_equal(f->tls, "plaintext");
    assert_false(f->tls_on);
    assert_int_equal(f->size_limit, 10240000u);
    assert_true(f->caps & DBX_SMTP_CAP_PIPELINING);
    assert_int_equal(dbx_session_command(&fx->s, "MAIL FROM:<a@b.test>", 0, &rep), DBX_OK);
    assert_int_equal(rep.code, 250);
    assert_string_equal(rep.text, "2.1.0 ok");
    assert_int_equal(fx->peer.mails, 1);
    /* multi-line reply, joined */
    assert_int_equal(dbx_session_command(&fx->s, "HELP", 0, &rep), DBX_OK);
    assert_int_equal(rep.code, 214);
    assert_int_equal(rep.lines, 3);
    assert_string_equal(rep.text, "line one\nline two\nend");
    /* bad commands are refused locally */
    assert_int_equal(dbx_session_command(&fx->s, "RCPT TO:<x>\r\nDATA", 0, &rep), DBX_ERR_INVAL);
    assert_int_equal(dbx_session_command(&fx->s, "", 0, &rep), DBX_ERR_INVAL);
    /* nothing more to try after this one */
    assert_int_equal(dbx_session_next(&fx->s), DBX_ERR_NOTFOUND);
    assert_int_equal(fx->peer.quits, 1);
    assert_false(dbx_session_is_open(&fx->s));
    assert_null(dbx_session_facts(&fx->s));
    assert_int_equal(dbx_session_command(&fx->s, "NOOP", 0, &rep), DBX_ERR_INVAL);
    dbx_session_close(&fx->s);
}

/* level encrypt never hands out cleartext; 454 to STARTTLS either */
static void test_encrypt_refuses_cleartext(void **state)
{
    fx_t *fx = *state;
    dbx_session_config_t c = fx->cfg;
    const dbx_check_result_t *rep;
    c.check.level = DBX_LEVEL_ENCRYPT;
    peer(fx, TLS_PEER_NO_STARTTLS);
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
    assert_false(dbx_session_is_open(&fx->s));
    rep = dbx_session_report(&fx->s);
    assert_int_equal(rep->verdict, DBX_VERDICT_DEFER);
    assert_int_equal(rep->hosts[0].addrs[0].why, DBX_REASON_NO_STARTTLS);
    assert_int_equal(fx->peer.quits, fx->peer.opens); /* every session QUIT */
    dbx_session_close(&fx->s);
    peer(fx, TLS_PEER_454);
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
    assert_int_equal(dbx_session_report(&fx->s)->hosts[0].addrs[0].why, DBX_REASON_STARTTLS_REFUSED);
    dbx_session_close(&fx->s);
    /* the same 454 at level dane: opportunistic cleartext is permitted */
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->z.r, &fx->tr, "www.insecure.test"), DBX_OK);
    assert_string_equal(dbx_session_facts(&fx->s)->tls, "plaintext");
    dbx_session_close(&fx->s);
}

/* DANE domain without STARTTLS: every address deferred, no session; at
 * level may the same peer gives a cleartext session; dane-only defers */
static void test_dane_domain_levels(void **state)
{
    fx_t *fx = *state;
    dbx_session_config_t c = fx->cfg;
    const dbx_check_result_t *rep;
    peer(fx, TLS_PEER_NO_STARTTLS);
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "example.test"), DBX_ERR_NOTFOUND);
    rep = dbx_session_report(&fx->s);
    assert_int_equal(rep->hosts[0].n_addrs, 2);
    assert_int_equal(fx->peer.opens, 2);
    assert_int_equal(rep->hosts[0].addrs[1].why, DBX_REASON_NO_STARTTLS);
    assert_non_null(strstr(rep->reason, "starttls-not-offered"));
    assert_int_equal(dbx_check_json(rep, fx->buf, sizeof fx->buf), DBX_OK);
    assert_non_null(strstr(fx->buf, "\"level\":\"dane\""));
    dbx_session_close(&fx->s);

    c.check.level = DBX_LEVEL_MAY;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "example.test"), DBX_OK);
    assert_int_equal(dbx_session_facts(&fx->s)->why, DBX_REASON_LEVEL_MAY);
    assert_string_equal(dbx_session_facts(&fx->s)->host, "mx.example.test");
    assert_int_equal(dbx_session_facts(&fx->s)->addr.port, 25);
    /* next: the IPv6 address of the same host */
    assert_int_equal(dbx_session_next(&fx->s), DBX_OK);
    assert_int_equal(dbx_session_facts(&fx->s)->addr.family, 6);
    assert_int_equal(dbx_session_next(&fx->s), DBX_ERR_NOTFOUND);
    dbx_session_close(&fx->s);

    c.check.level = DBX_LEVEL_DANE_ONLY;
    fx->peer.opens = 0;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
    assert_int_equal(fx->peer.opens, 0); /* deferred before connecting */
    assert_int_equal(dbx_session_report(&fx->s)->hosts[0].why, DBX_REASON_DANE_REQUIRED);
    dbx_session_close(&fx->s);
}

static void test_bad_args(void **state)
{
    fx_t *fx = *state;
    dbx_session_config_t c = fx->cfg;
    dbx_session_t z;
    memset(&z, 0, sizeof z);
    dbx_session_close(&z);  /* never opened */
    dbx_session_close(NULL);
    assert_int_equal(dbx_session_next(&z), DBX_ERR_INVAL);
    c.check.now = 0;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "example.test"), DBX_ERR_NOTIME);
    c = fx->cfg;
    c.check.level = (dbx_tls_level_t)11;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->z.r, &fx->tr, "example.test"), DBX_ERR_INVAL);
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->z.r, &fx->tr, "expired.test"), DBX_ERR_NOTFOUND);
    assert_int_equal(dbx_session_report(&fx->s)->why, DBX_REASON_MX_BOGUS);
    dbx_session_close(&fx->s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opportunistic_cleartext),
        cmocka_unit_test(test_encrypt_refuses_cleartext),
        cmocka_unit_test(test_dane_domain_levels),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
