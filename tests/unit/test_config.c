/* Unit tests: the firmware config block parser (dbx_config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../firmware/dbx_config.h" /* the firmware's config block */
#include "dnssec/dbx_dnssec_config.h"

static dbx_config_t cfg;
static char err[160];

static int parse(const char *s)
{
    return dbx_config_parse(s, &cfg, err, sizeof err);
}

static void test_empty_is_selftest(void **state)
{
    (void)state;
    assert_int_equal(parse(""), DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_SELFTEST);
    assert_int_equal(cfg.timeout_ms, 3000);
    assert_int_equal(parse("  \t "), DBX_OK);
}

static void test_full_dnsprobe(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(parse("ip=192.0.2.100/24 gw=192.0.2.1 ip6=2001:db8::100 resolver=192.0.2.2 "
                           "resolver=[2001:db8::2]:5353 mode=dnsprobe check=rsa.test,ECDSA.test. "
                           "anchor=rig time=1700000000 timeout=1500 "
                           "query=./SOA,_25._tcp.mx.rsa.test/tlsa"),
                     DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_DNSPROBE);
    assert_true(cfg.has_ip4 && cfg.has_gw4 && cfg.has_ip6);
    assert_int_equal(cfg.prefix4, 24);
    assert_string_equal(dbx_addr_format(&cfg.ip4, buf, sizeof buf), "192.0.2.100");
    assert_string_equal(dbx_addr_format(&cfg.ip6, buf, sizeof buf), "2001:db8::100");
    assert_int_equal(cfg.n_resolvers, 2);
    assert_int_equal(cfg.resolver[0].family, 4);
    assert_int_equal(cfg.resolver[0].port, 53);
    assert_int_equal(cfg.resolver[1].family, 6);
    assert_int_equal(cfg.resolver[1].port, 5353);
    assert_int_equal(cfg.n_checks, 2);
    assert_string_equal(cfg.check[0], "rsa.test.");
    assert_string_equal(cfg.check[1], "ECDSA.test.");
    assert_int_equal(cfg.anchor, DBX_ANCHOR_RIG);
    assert_true(cfg.time == 1700000000);
    assert_int_equal(cfg.timeout_ms, 1500);
    assert_int_equal(cfg.n_queries, 2);
    assert_string_equal(cfg.query[0].name, ".");
    assert_int_equal(cfg.query[0].type, 6);
    assert_string_equal(cfg.query[1].name, "_25._tcp.mx.rsa.test.");
    assert_int_equal(cfg.query[1].type, 52);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=dnsprobe ip=192.0.2.100/24 resolver=192.0.2.2 time=auto"),
                     DBX_OK);
    assert_int_equal(cfg.n_queries, 2); /* . SOA + rig TLSA */
    assert_int_equal(cfg.query[1].type, 52);
    assert_int_equal(cfg.anchor, DBX_ANCHOR_BUILTIN);
    assert_true(cfg.time == 0);
    assert_int_equal(parse("mode=ping ip=10.0.2.15/24 gw=10.0.2.2"), DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_PING);
    assert_false(cfg.has_ping);
}

static void test_resolve_mode(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2 anchor=rig "
                           "anchor-ds=12345:8:2:00ff10Ab,2:13:1:0102 time=1700000000 "
                           "query=_25._tcp.mx.rsa.test/TLSA,rsa.test/MX"),
                     DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_RESOLVE);
    assert_string_equal(dbx_mode_name(cfg.mode), "resolve");
    assert_int_equal(cfg.n_anchor_ds, 2);
    assert_int_equal(cfg.anchor_ds[0].key_tag, 12345);
    assert_int_equal(cfg.anchor_ds[0].alg, 8);
    assert_int_equal(cfg.anchor_ds[0].digest_type, 2);
    assert_int_equal(cfg.anchor_ds[0].digest_len, 4);
    assert_memory_equal(cfg.anchor_ds[0].digest, "\x00\xff\x10\xab", 4);
    assert_int_equal(cfg.anchor_ds[1].key_tag, 2);
    assert_int_equal(cfg.anchor_ds[1].alg, 13);
    assert_int_equal(cfg.anchor_ds[1].digest_len, 2);
    assert_int_equal(cfg.n_queries, 2);
    assert_string_equal(cfg.query[1].name, "rsa.test.");
    /* the built-in anchor needs no DS */
    assert_int_equal(parse("mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2 query=./SOA"),
                     DBX_OK);
    assert_int_equal(cfg.anchor, DBX_ANCHOR_BUILTIN);
    assert_int_equal(cfg.n_anchor_ds, 0);
}

static void test_check_mode(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 anchor=rig "
                           "anchor-ds=12345:8:2:00ff10Ab time=auto "
                           "check=dane-ee.test,dane-ta.test,insec.test"),
                     DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_CHECK);
    assert_string_equal(dbx_mode_name(cfg.mode), "check");
    assert_int_equal(cfg.n_checks, 3);
    assert_string_equal(cfg.check[2], "insec.test.");
    assert_true(cfg.time == 0);
    assert_int_equal(cfg.no_resume, 0); /* TLS session resumption on by default */
    assert_int_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test resume=off"),
                     DBX_OK);
    assert_int_equal(cfg.no_resume, 1);
    assert_int_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test resume=on"),
                     DBX_OK);
    assert_int_equal(cfg.no_resume, 0);
    assert_int_not_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test "
                               "resume=1"),
                         DBX_OK);
    assert_int_equal(parse("mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2 query=a.test/A "
                           "resume=off"),
                     DBX_ERR_INVAL);
}

static void test_nsec3_iterations(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test"), DBX_OK);
    assert_int_equal(cfg.nsec3_iter, DBX_NSEC3_MAX_ITERATIONS);
    assert_int_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test "
                           "nsec3-iterations=100"),
                     DBX_OK);
    assert_int_equal(cfg.nsec3_iter, 100);
    assert_int_equal(parse("mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2 query=a.test/A "
                           "nsec3-iterations=0"),
                     DBX_OK);
    assert_int_equal(cfg.nsec3_iter, 0);
    /* it can only lower the built-in limit */
    assert_int_not_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test "
                               "nsec3-iterations=151"),
                         DBX_OK);
    assert_non_null(strstr(err, "nsec3-iterations"));
    assert_int_not_equal(parse("mode=check ip=192.0.2.100/24 resolver=192.0.2.2 check=a.test "
                               "nsec3-iterations=-1"),
                         DBX_OK);
}

static void test_probe_mode(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(parse("mode=probe ip=192.0.2.100/24 probe=192.0.2.25 sni=mx1.dane-ee.test"),
                     DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_PROBE);
    assert_true(cfg.has_probe);
    assert_int_equal(cfg.probe.port, 25);
    assert_string_equal(dbx_addr_format(&cfg.probe, buf, sizeof buf), "192.0.2.25");
    assert_string_equal(cfg.sni, "mx1.dane-ee.test");
    assert_int_equal(parse("mode=probe ip6=2001:db8::100 probe=[2001:db8::26]:587 sni=a.b"),
                     DBX_OK);
    assert_int_equal(cfg.probe.family, 6);
    assert_int_equal(cfg.probe.port, 587);
}

static void test_relay_mode(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q.img"), DBX_OK);
    assert_int_equal(cfg.mode, DBX_MODE_RELAY);
    assert_string_equal(cfg.flash, "q.img");
    assert_int_equal(cfg.max_size, 65536);
    assert_int_equal(cfg.max_rcpts, 8);
    assert_int_equal(cfg.relay_port, 25);
    assert_int_equal(cfg.powercut, 0);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q.img allow=10.0.2.0/24,192.0.2.7/32 "
                           "max-size=2048 max-rcpts=2 port=2525 powercut=17 powercut-torn=1"),
                     DBX_OK);
    assert_int_equal(cfg.n_allow, 2);
    assert_int_equal(cfg.allow[1].prefix, 32);
    assert_int_equal(cfg.allow[1].addr.addr[3], 7);
    assert_int_equal(cfg.max_size, 2048);
    assert_int_equal(cfg.max_rcpts, 2);
    assert_int_equal(cfg.relay_port, 2525);
    assert_int_equal(cfg.powercut, 17);
    assert_int_equal(cfg.powercut_torn, 1);
    /* strict: prerequisites, ranges, relay keys only in mode=relay */
    assert_int_equal(parse("mode=relay flash=q.img"), DBX_ERR_INVAL);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24"), DBX_ERR_INVAL);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q max-rcpts=9"), DBX_ERR_MALFORMED);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q max-size=10"), DBX_ERR_MALFORMED);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q allow=10.0.2.0"), DBX_ERR_MALFORMED);
    assert_int_equal(parse("mode=relay ip=10.0.2.15/24 flash=q allow=1.0.0.0/8,2.0.0.0/8,"
                           "3.0.0.0/8,4.0.0.0/8,5.0.0.0/8"),
                     DBX_ERR_LIMIT);
    assert_int_equal(parse("mode=ping ip=10.0.2.15/24 gw=10.0.2.2 flash=q"), DBX_ERR_INVAL);
}

static void test_dhcp(void **state)
{
    char buf[64];
    (void)state;
    /* resolver from the lease */
    assert_int_equal(parse("ip=dhcp mode=dnsprobe query=./SOA"), DBX_OK);
    assert_true(cfg.dhcp4 && cfg.resolver_dhcp);
    assert_false(cfg.has_ip4 || cfg.has_gw4);
    assert_int_equal(cfg.n_resolvers, 0);
    /* resolver= given: used, not the lease's */
    assert_int_equal(parse("mode=dnsprobe ip=dhcp resolver=192.0.2.2 query=./SOA"), DBX_OK);
    assert_true(cfg.dhcp4);
    assert_false(cfg.resolver_dhcp);
    assert_int_equal(cfg.n_resolvers, 1);
    /* gw= overrides the DHCP router */
    assert_int_equal(parse("ip=dhcp gw=192.0.2.1 mode=resolve query=./SOA"), DBX_OK);
    assert_true(cfg.dhcp4 && cfg.has_gw4 && cfg.resolver_dhcp);
    assert_string_equal(dbx_addr_format(&cfg.gw4, buf, sizeof buf), "192.0.2.1");
    assert_int_equal(parse("mode=check ip=dhcp anchor=rig anchor-ds=1:8:2:ab check=a.test"),
                     DBX_OK);
    assert_true(cfg.resolver_dhcp);
    /* ping: target defaults to the leased router */
    assert_int_equal(parse("mode=ping ip=dhcp"), DBX_OK);
    assert_true(cfg.dhcp4);
    assert_false(cfg.resolver_dhcp);
    /* IPv4 peers are fine with a leased address; IPv6 ones still need ip6= */
    assert_int_equal(parse("mode=probe ip=dhcp probe=192.0.2.25 sni=mx.test"), DBX_OK);
    assert_int_equal(parse("mode=dnsprobe ip=dhcp ip6=2001:db8::100 resolver=2001:db8::2"),
                     DBX_OK);
    assert_false(cfg.resolver_dhcp);
    /* non-DNS modes: no resolver wanted */
    assert_int_equal(parse("ip=dhcp"), DBX_OK);
    assert_true(cfg.dhcp4);
    assert_false(cfg.resolver_dhcp);
    /* lease wait: 5 x timeout=, clamped to 20..60 s */
    assert_int_equal(parse("ip=dhcp"), DBX_OK);
    assert_int_equal(dbx_config_dhcp_wait_ms(&cfg), 20000);
    assert_int_equal(parse("ip=dhcp timeout=100"), DBX_OK);
    assert_int_equal(dbx_config_dhcp_wait_ms(&cfg), 20000);
    assert_int_equal(parse("ip=dhcp timeout=5000"), DBX_OK);
    assert_int_equal(dbx_config_dhcp_wait_ms(&cfg), 25000);
    assert_int_equal(parse("ip=dhcp timeout=60000"), DBX_OK);
    assert_int_equal(dbx_config_dhcp_wait_ms(&cfg), 60000);
    /* static stays static */
    assert_int_equal(parse("mode=dnsprobe ip=192.0.2.100/24 resolver=192.0.2.2"), DBX_OK);
    assert_false(cfg.dhcp4 || cfg.resolver_dhcp);
}

typedef struct {
    const char *in;
    int status;
    const char *msg; /* substring of the error text */
} bad_case_t;

static const bad_case_t bad[] = {
    {"net", DBX_ERR_MALFORMED, "not key=value"},
    {"foo=1", DBX_ERR_MALFORMED, "unknown key 'foo'"},
    {"ip=", DBX_ERR_MALFORMED, "empty value"},
    {"=x", DBX_ERR_MALFORMED, "unknown key ''"},
    {"mode=verify", DBX_ERR_MALFORMED, "unknown mode"},
    {"mode=ping mode=ping ip=10.0.2.15/24 gw=10.0.2.2", DBX_ERR_MALFORMED, "given twice"},
    {"ip=192.0.2.100", DBX_ERR_MALFORMED, "PREFIX or dhcp"},
    {"ip=DHCP", DBX_ERR_MALFORMED, "PREFIX or dhcp"},
    {"ip=dhcp4", DBX_ERR_MALFORMED, "PREFIX or dhcp"},
    {"ip=dhcp/24", DBX_ERR_MALFORMED, "not an IPv4"},
    {"ip=dhcp ip=192.0.2.100/24", DBX_ERR_MALFORMED, "'ip' given twice"},
    {"ip=192.0.2.100/24 ip=dhcp", DBX_ERR_MALFORMED, "'ip' given twice"},
    {"ip=dhcp ip=dhcp", DBX_ERR_MALFORMED, "'ip' given twice"},
    {"ip=dhcp gw=dhcp", DBX_ERR_MALFORMED, "not an IPv4"},
    {"ip=dhcp gw=2001:db8::1", DBX_ERR_MALFORMED, "not an IPv4"},
    {"mode=dnsprobe ip=dhcp resolver=2001:db8::2", DBX_ERR_INVAL, "no ip6= given"},
    {"mode=probe ip=dhcp probe=2001:db8::25 sni=mx.test", DBX_ERR_INVAL, "no ip6= given"},
    {"mode=dnsprobe ip6=2001:db8::100", DBX_ERR_INVAL, "needs resolver= (or ip=dhcp)"},
    {"ip=192.0.2.100/33", DBX_ERR_MALFORMED, "prefix length"},
    {"ip=192.0.2.100/0", DBX_ERR_MALFORMED, "prefix length"},
    {"ip=192.0.2.300/24", DBX_ERR_MALFORMED, "not an IPv4"},
    {"ip=2001:db8::1/24", DBX_ERR_MALFORMED, "not an IPv4"},
    {"ip=192.0.2.1:53/24", DBX_ERR_MALFORMED, "not an IPv4"},
    {"ip6=2001:db8::100/48", DBX_ERR_MALFORMED, "/64"},
    {"ip6=192.0.2.1", DBX_ERR_MALFORMED, "not an IPv6"},
    {"ip6=[2001:db8::1]:53", DBX_ERR_MALFORMED, "not an IPv6"},
    {"resolver=example.com", DBX_ERR_MALFORMED, "not ADDR"},
    {"resolver=192.0.2.2:0", DBX_ERR_MALFORMED, "not ADDR"},
    {"ip=1.2.3.4/8 resolver=1.1.1.1 resolver=1.1.1.2 resolver=1.1.1.3 resolver=1.1.1.4 "
     "resolver=1.1.1.5",
     DBX_ERR_LIMIT, "more than 4 resolvers"},
    {"check=rsa..test", DBX_ERR_MALFORMED, "DOMAIN"},
    {"check=rsa.test,", DBX_ERR_MALFORMED, "DOMAIN"},
    {"check=.rsa.test", DBX_ERR_MALFORMED, "DOMAIN"},
    {"check=r$a.test", DBX_ERR_MALFORMED, "DOMAIN"},
    {"check=a,b,c,d,e,f,g,h,i", DBX_ERR_LIMIT, "more than 8 check"},
    {"check=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test",
     DBX_ERR_MALFORMED, "DOMAIN"}, /* 64-octet label */
    {"mode=dnsprobe ip=1.2.3.4/8 resolver=1.1.1.1 query=./XYZ", DBX_ERR_MALFORMED, "NAME/TYPE"},
    {"mode=dnsprobe ip=1.2.3.4/8 resolver=1.1.1.1 query=.", DBX_ERR_MALFORMED, "NAME/TYPE"},
    {"anchor=file", DBX_ERR_MALFORMED, "builtin|rig"},
    {"time=yesterday", DBX_ERR_MALFORMED, "Unix seconds"},
    {"time=0", DBX_ERR_MALFORMED, "Unix seconds"},
    {"timeout=99", DBX_ERR_MALFORMED, "100..60000"},
    {"timeout=60001", DBX_ERR_MALFORMED, "100..60000"},
    {"timeout=1e3", DBX_ERR_MALFORMED, "100..60000"},
    {"gw=192.0.2.1", DBX_ERR_INVAL, "gw= needs ip="},
    {"mode=ping", DBX_ERR_INVAL, "needs ip="},
    {"mode=ping ip=10.0.2.15/24", DBX_ERR_INVAL, "needs ping= or gw="},
    {"mode=dnsprobe ip=192.0.2.100/24", DBX_ERR_INVAL, "needs resolver="},
    {"mode=dnsprobe ip=192.0.2.100/24 resolver=2001:db8::2", DBX_ERR_INVAL, "no ip6= given"},
    {"mode=dnsprobe ip6=2001:db8::100 resolver=192.0.2.2", DBX_ERR_INVAL, "no ip= given"},
    {"query=./SOA", DBX_ERR_INVAL, "only with mode=dnsprobe"},
    {"anchor-ds=1:8:2:0g", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:8:2:abc", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:8:2:", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:8:2", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:8:2:ab:cd", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=65536:8:2:ab", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:0:2:ab", DBX_ERR_MALFORMED, "TAG:ALG:DIGTYPE:HEX"},
    {"anchor-ds=1:8:2:"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ab",
     DBX_ERR_MALFORMED, "config: anchor-ds="}, /* 65 octets (message truncated) */
    {"anchor=rig anchor-ds=1:8:2:ab,2:8:2:ab,3:8:2:ab", DBX_ERR_LIMIT, "more than 2 anchor DS"},
    {"anchor-ds=1:8:2:ab", DBX_ERR_INVAL, "needs anchor=rig"},
    {"mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2 anchor=rig query=./SOA", DBX_ERR_INVAL,
     "needs anchor-ds="},
    {"mode=resolve ip=192.0.2.100/24 resolver=192.0.2.2", DBX_ERR_INVAL, "needs query="},
    {"mode=resolve ip=192.0.2.100/24 query=./SOA", DBX_ERR_INVAL, "mode=resolve needs resolver="},
    {"mode=check ip=192.0.2.100/24 resolver=192.0.2.2", DBX_ERR_INVAL, "mode=check needs check="},
    {"mode=check ip=192.0.2.100/24 check=a.test", DBX_ERR_INVAL, "mode=check needs resolver="},
    {"mode=check ip=192.0.2.100/24 resolver=192.0.2.2 anchor=rig check=a.test", DBX_ERR_INVAL,
     "mode=check anchor=rig needs anchor-ds="},
    {"mode=verify", DBX_ERR_MALFORMED, "|relay)"},
    {"probe=192.0.2.25", DBX_ERR_INVAL, "only with mode=probe"},
    {"sni=mx.test", DBX_ERR_INVAL, "only with mode=probe"},
    {"mode=probe ip=192.0.2.100/24 probe=192.0.2.25", DBX_ERR_INVAL, "needs probe= and sni="},
    {"mode=probe ip=192.0.2.100/24 sni=mx.test", DBX_ERR_INVAL, "needs probe= and sni="},
    {"mode=probe ip=192.0.2.100/24 probe=2001:db8::25 sni=mx.test", DBX_ERR_INVAL, "no ip6= given"},
    {"mode=probe ip=192.0.2.100/24 probe=mx.test sni=mx.test", DBX_ERR_MALFORMED, "not ADDR"},
    {"mode=probe ip=192.0.2.100/24 probe=192.0.2.25 sni=a..b", DBX_ERR_MALFORMED, "host name"},
};

static void test_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = parse(bad[i].in);
        if (st != bad[i].status || strstr(err, bad[i].msg) == NULL) {
            fail_msg("'%s': status %d err '%s', want %d '%s'", bad[i].in, st, err, bad[i].status,
                     bad[i].msg);
        }
    }
}

static void test_rrtypes(void **state)
{
    (void)state;
    assert_int_equal(dbx_rrtype_from_name("tlsa", 4), 52);
    assert_int_equal(dbx_rrtype_from_name("DNSKEY", 6), 48);
    assert_int_equal(dbx_rrtype_from_name("TLS", 3), 0);
    assert_string_equal(dbx_rrtype_name(6), "SOA");
    assert_null(dbx_rrtype_name(999));
    assert_string_equal(dbx_mode_name(DBX_MODE_DNSPROBE), "dnsprobe");
    assert_string_equal(dbx_mode_name(DBX_MODE_BENCH), "bench");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_selftest), cmocka_unit_test(test_full_dnsprobe),
        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_rrtypes),           cmocka_unit_test(test_resolve_mode),
        cmocka_unit_test(test_probe_mode), cmocka_unit_test(test_relay_mode),        cmocka_unit_test(test_check_mode),
        cmocka_unit_test(test_nsec3_iterations),
        cmocka_unit_test(test_dhcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
