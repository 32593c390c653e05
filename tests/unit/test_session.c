/* Unit tests: the session API (src/check/dbx_session.h) over a scripted
 * cleartext SMTP peer (no TLS here; the TLS rows are in test_tls_table.c),
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

#define ZDIR "build/host/zones"

/* the scripted peer: one connection at a time */
typedef struct {
    int starttls;        /* offer STARTTLS (then answer it with 454) */
    unsigned opens, quits, mails;
    char in[1024];
    size_t in_len;
    char out[2048];
    size_t out_len, out_pos;
} peer_t;

static void say(peer_t *p, const char *s)
{
    size_t n = strlen(s);
    if (p->out_len + n < sizeof p->out) {
        memcpy(p->out + p->out_len, s, n);
        p->out_len += n;
    }
}

static int p_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **s)
{
    peer_t *p = ctx;
    (void)peer;
    (void)ms;
    if (type != DBX_SOCK_TCP) return DBX_ERR_IO;
    p->opens++;
    p->in_len = p->out_len = p->out_pos = 0;
    say(p, "220 mx.test ESMTP\r\n");
    *s = p;
    return DBX_OK;
}

static void answer(peer_t *p, const char *line)
{
    if (strncmp(line, "EHLO ", 5) == 0) {
        say(p, "250-mx.test\r\n250-SIZE 10240000\r\n");
        say(p, p->starttls ? "250-PIPELINING\r\n250 STARTTLS\r\n" : "250 PIPELINING\r\n");
    } else if (strcmp(line, "STARTTLS") == 0) {
        say(p, "454 4.7.0 TLS not available\r\n");
    } else if (strncmp(line, "MAIL FROM:", 10) == 0) {
        p->mails++;
        say(p, "250 2.1.0 sender ok\r\n");
    } else if (strcmp(line, "QUIT") == 0) {
        p->quits++;
        say(p, "221 2.0.0 bye\r\n");
    } else if (strcmp(line, "HELP") == 0) {
        say(p, "214-line one\r\n214-line two\r\n214 end\r\n");
    } else {
        say(p, "500 5.5.1 what\r\n");
    }
}

static int p_send(void *ctx, void *s, const uint8_t *b, size_t l)
{
    peer_t *p = ctx;
    (void)s;
    if (p->in_len + l >= sizeof p->in) return DBX_ERR_IO;
    memcpy(p->in + p->in_len, b, l);
    p->in_len += l;
    for (;;) {
        char *crlf = memchr(p->in, '\n', p->in_len);
        if (crlf == NULL) break;
        size_t n = (size_t)(crlf - p->in) + 1;
        char line[1024];
        memcpy(line, p->in, n - 2);
        line[n - 2] = '\0';
        memmove(p->in, p->in + n, p->in_len - n);
        p->in_len -= n;
        answer(p, line);
    }
    return DBX_OK;
}

static int p_recv(void *ctx, void *s, uint8_t *b, size_t cap, size_t *got, uint32_t ms)
{
    peer_t *p = ctx;
    size_t n = p->out_len - p->out_pos;
    (void)s;
    (void)ms;
    *got = 0;
    if (n == 0) return DBX_ERR_TIMEOUT;
    if (n > cap) n = cap;
    memcpy(b, p->out + p->out_pos, n);
    p->out_pos += n;
    *got = n;
    return DBX_OK;
}

static void p_close(void *c, void *s)
{
    (void)c;
    (void)s;
}

typedef struct {
    dbx_trust_t trust;
    dbx_memsrc_t mem;
    dbx_resolver_t r;
    peer_t peer;
    dbx_transport_t tr;
    dbx_session_config_t cfg;
    dbx_session_t s;
    char buf[16384];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char *t;
    if (fx == NULL) return -1;
    hal_mbedtls_init();
    t = dbx_test_slurp(ZDIR "/anchor.txt");
    if (t == NULL || dbx_trust_from_text(&fx->trust, t) != DBX_OK) return -1;
    free(t);
    t = dbx_test_slurp(ZDIR "/all.zone");
    if (t == NULL || dbx_memsrc_init(&fx->mem, t, NULL) != DBX_OK) return -1;
    free(t);
    t = dbx_test_slurp(ZDIR "/time.txt");
    if (t == NULL) return -1;
    dbx_session_config_defaults(&fx->cfg);
    fx->cfg.check.now = strtoll(t, NULL, 10);
    fx->cfg.check.command_ms = 1000;
    free(t);
    fx->tr = (dbx_transport_t){&fx->peer, p_open, p_send, p_recv, p_close};
    dbx_resolver_init_source(&fx->r, dbx_memsrc_source(&fx->mem), &fx->trust);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    dbx_session_close(&fx->s);
    dbx_resolver_free(&fx->r);
    dbx_memsrc_free(&fx->mem);
    dbx_trust_free(&fx->trust);
    free(fx);
    return 0;
}

/* insecure MX: opportunistic, cleartext session handed out; commands work */
static void test_opportunistic_cleartext(void **state)
{
    fx_t *fx = *state;
    dbx_smtp_reply_t rep;
    const dbx_session_facts_t *f;
    memset(&fx->peer, 0, sizeof fx->peer);
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->r, &fx->tr, "www.insecure.test"), DBX_OK);
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
    assert_string_equal(rep.text, "2.1.0 sender ok");
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
    memset(&fx->peer, 0, sizeof fx->peer);
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
    assert_false(dbx_session_is_open(&fx->s));
    rep = dbx_session_report(&fx->s);
    assert_int_equal(rep->verdict, DBX_VERDICT_DEFER);
    assert_int_equal(rep->hosts[0].addrs[0].why, DBX_REASON_NO_STARTTLS);
    assert_int_equal(fx->peer.quits, fx->peer.opens); /* every session QUIT */
    dbx_session_close(&fx->s);
    fx->peer.starttls = 1;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
    assert_int_equal(dbx_session_report(&fx->s)->hosts[0].addrs[0].why, DBX_REASON_STARTTLS_REFUSED);
    dbx_session_close(&fx->s);
    /* the same 454 at level dane: opportunistic cleartext is permitted */
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->r, &fx->tr, "www.insecure.test"), DBX_OK);
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
    memset(&fx->peer, 0, sizeof fx->peer);
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "example.test"), DBX_ERR_NOTFOUND);
    rep = dbx_session_report(&fx->s);
    assert_int_equal(rep->hosts[0].n_addrs, 2);
    assert_int_equal(fx->peer.opens, 2);
    assert_int_equal(rep->hosts[0].addrs[1].why, DBX_REASON_NO_STARTTLS);
    assert_non_null(strstr(rep->reason, "starttls-not-offered"));
    assert_int_equal(dbx_check_json(rep, fx->buf, sizeof fx->buf), DBX_OK);
    assert_non_null(strstr(fx->buf, "\"level\":\"dane\""));
    dbx_session_close(&fx->s);

    c.check.level = DBX_LEVEL_MAY;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "example.test"), DBX_OK);
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
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "www.insecure.test"), DBX_ERR_NOTFOUND);
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
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "example.test"), DBX_ERR_NOTIME);
    c = fx->cfg;
    c.check.level = (dbx_tls_level_t)11;
    assert_int_equal(dbx_session_open(&fx->s, &c, &fx->r, &fx->tr, "example.test"), DBX_ERR_INVAL);
    assert_int_equal(dbx_session_open(&fx->s, &fx->cfg, &fx->r, &fx->tr, "expired.test"), DBX_ERR_NOTFOUND);
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
