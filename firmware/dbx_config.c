/* danebox: strict parser for the firmware run configuration (see
 * dbx_config.h).  Portable: no OS calls, no allocation. */
#include "dbx_config.h"
#include "dnssec/dbx_dnssec_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WORD_MAX 1024

static const struct {
    const char *name;
    uint16_t type;
} rrtypes[] = {
    {"A", 1},     {"NS", 2},     {"SOA", 6},     {"MX", 15},     {"TXT", 16},  {"AAAA", 28},
    {"DS", 43},   {"RRSIG", 46}, {"NSEC", 47},   {"DNSKEY", 48}, {"NSEC3", 50}, {"TLSA", 52},
};

static const char *const mode_names[] = {"selftest", "ping", "dnsprobe", "resolve", "probe",
                                             "bench",    "check",   "relay"};

const char *dbx_mode_name(dbx_mode_t mode)
{
    return (unsigned)mode < DBX_ARRAY_LEN(mode_names) ? mode_names[mode] : "?";
}

uint32_t dbx_config_dhcp_wait_ms(const dbx_config_t *cfg)
{
    uint32_t w = 5u * cfg->timeout_ms; /* timeout_ms <= 60000: no overflow */
    return w < DBX_CFG_DHCP_WAIT_MIN_MS   ? DBX_CFG_DHCP_WAIT_MIN_MS
           : w > DBX_CFG_DHCP_WAIT_MAX_MS ? DBX_CFG_DHCP_WAIT_MAX_MS
                                          : w;
}

uint16_t dbx_rrtype_from_name(const char *s, size_t n)
{
    for (size_t i = 0; i < DBX_ARRAY_LEN(rrtypes); i++) {
        size_t l = strlen(rrtypes[i].name);
        if (l != n) continue;
        size_t k = 0;
        while (k < n && (s[k] == rrtypes[i].name[k] || s[k] == rrtypes[i].name[k] + ('a' - 'A'))) {
            k++;
        }
        if (k == n) return rrtypes[i].type;
    }
    return 0;
}

const char *dbx_rrtype_name(uint16_t type)
{
    for (size_t i = 0; i < DBX_ARRAY_LEN(rrtypes); i++) {
        if (rrtypes[i].type == type) return rrtypes[i].name;
    }
    return NULL;
}

static int fail(char *err, size_t cap, int st, const char *fmt, ...)
{
    va_list ap;
    if (err != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Unsigned decimal in [lo, hi], whole string. */
static int parse_uint(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 19) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* A host/domain name: labels of [A-Za-z0-9_-], 1..63 octets, wire length
 * <= 255; "." is the root.  Stored absolute (final dot), case kept. */
static int parse_name(const char *s, size_t n, char out[DBX_CFG_NAME_MAX])
{
    size_t wire = 1, lab = 0;
    if (n == 0) return -1;
    if (n == 1 && s[0] == '.') {
        strcpy(out, ".");
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (lab == 0) return -1; /* empty label (leading or "..") */
            wire += lab + 1;
            lab = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return -1;
        }
        if (++lab > 63) return -1;
    }
    if (lab > 0) wire += lab + 1;
    if (wire > 255) return -1;
    memcpy(out, s, n);
    if (s[n - 1] != '.') out[n++] = '.';
    out[n] = '\0';
    return 0;
}

/* "value[,value...]": calls fn for each item; empty items are errors. */
typedef int (*item_fn)(const char *s, size_t n, dbx_config_t *cfg);

static int parse_list(const char *v, size_t n, dbx_config_t *cfg, item_fn fn)
{
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < n && v[j] != ',') j++;
        int st = fn(v + i, j - i, cfg);
        if (st != DBX_OK) return st;
        if (j == n) return DBX_OK;
        i = j + 1;
    }
}

static int add_check(const char *s, size_t n, dbx_config_t *cfg)
{
    DBX_CHECK(cfg->n_checks < DBX_CFG_MAX_NAMES, DBX_ERR_LIMIT);
    DBX_CHECK(parse_name(s, n, cfg->check[cfg->n_checks]) == 0, DBX_ERR_MALFORMED);
    cfg->n_checks++;
    return DBX_OK;
}

static int add_query(const char *s, size_t n, dbx_config_t *cfg)
{
    const char *slash = memchr(s, '/', n);
    dbx_cfg_query_t *q;
    DBX_CHECK(cfg->n_queries < DBX_CFG_MAX_NAMES, DBX_ERR_LIMIT);
    DBX_CHECK(slash != NULL, DBX_ERR_MALFORMED);
    q = &cfg->query[cfg->n_queries];
    DBX_CHECK(parse_name(s, (size_t)(slash - s), q->name) == 0, DBX_ERR_MALFORMED);
    q->type = dbx_rrtype_from_name(slash + 1, n - (size_t)(slash - s) - 1);
    DBX_CHECK(q->type != 0, DBX_ERR_MALFORMED);
    cfg->n_queries++;
    return DBX_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "TAG:ALG:DIGTYPE:HEX" -> one DS. */
static int add_ds(const char *s, size_t n, dbx_config_t *cfg)
{
    const char *f[4];
    size_t fl[4], k = 0, i = 0;
    uint64_t v;
    dbx_cfg_ds_t *d;
    DBX_CHECK(cfg->n_anchor_ds < DBX_CFG_MAX_DS, DBX_ERR_LIMIT);
    d = &cfg->anchor_ds[cfg->n_anchor_ds];
    while (k < 4) {
        size_t j = i;
        while (j < n && s[j] != ':') j++;
        f[k] = s + i;
        fl[k++] = j - i;
        if (j == n) break;
        i = j + 1;
    }
    DBX_CHECK(k == 4 && f[3] + fl[3] == s + n, DBX_ERR_MALFORMED);
    DBX_CHECK(parse_uint(f[0], fl[0], 0, 65535, &v) == 0, DBX_ERR_MALFORMED);
    d->key_tag = (uint16_t)v;
    DBX_CHECK(parse_uint(f[1], fl[1], 1, 255, &v) == 0, DBX_ERR_MALFORMED);
    d->alg = (uint8_t)v;
    DBX_CHECK(parse_uint(f[2], fl[2], 1, 255, &v) == 0, DBX_ERR_MALFORMED);
    d->digest_type = (uint8_t)v;
    DBX_CHECK(fl[3] >= 2 && fl[3] % 2 == 0 && fl[3] / 2 <= DBX_CFG_DS_DIGEST_MAX,
              DBX_ERR_MALFORMED);
    for (i = 0; i < fl[3]; i += 2) {
        int hi = hexval(f[3][i]), lo = hexval(f[3][i + 1]);
        DBX_CHECK(hi >= 0 && lo >= 0, DBX_ERR_MALFORMED);
        d->digest[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    d->digest_len = (uint8_t)(fl[3] / 2);
    cfg->n_anchor_ds++;
    return DBX_OK;
}

/* Address text of length n (no port) into a, family checked by caller. */
static int parse_addr(const char *s, size_t n, dbx_addr_t *a)
{
    char tmp[64];
    DBX_CHECK(n > 0 && n < sizeof tmp, DBX_ERR_MALFORMED);
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    DBX_CHECK(tmp[0] != '[' && (strchr(tmp, ':') == NULL || strchr(strchr(tmp, ':') + 1, ':')),
              DBX_ERR_MALFORMED); /* no port forms here */
    return dbx_addr_parse(tmp, 0, a);
}

enum {
    K_MODE, K_IP, K_GW, K_IP6, K_RESOLVER, K_PING, K_QUERY, K_CHECK, K_ANCHOR, K_TIME, K_TIMEOUT,
    K_ANCHOR_DS, K_PROBE, K_SNI, K_FLASH, K_POWERCUT, K_TORN, K_ALLOW, K_MAXSIZE, K_MAXRCPT,
    K_PORT, K_RESUME, K_NSEC3, K_COUNT
};
static const char *const keys[K_COUNT] = {"mode",  "ip",    "gw",     "ip6",  "resolver", "ping",
                                          "query", "check", "anchor", "time", "timeout",
                                          "anchor-ds", "probe", "sni", "flash", "powercut",
                                          "powercut-torn", "allow", "max-size", "max-rcpts",
                                          "port", "resume", "nsec3-iterations"};

static int add_allow(const char *s, size_t n, dbx_config_t *cfg)
{
    const char *slash = memchr(s, '/', n);
    uint64_t p;
    DBX_CHECK(cfg->n_allow < DBX_CFG_MAX_ALLOW, DBX_ERR_LIMIT);
    DBX_CHECK(slash != NULL, DBX_ERR_MALFORMED);
    dbx_cfg_net_t *a = &cfg->allow[cfg->n_allow];
    DBX_CHECK(parse_addr(s, (size_t)(slash - s), &a->addr) == DBX_OK && a->addr.family == 4,
              DBX_ERR_MALFORMED);
    DBX_CHECK(parse_uint(slash + 1, n - (size_t)(slash - s) - 1, 0, 32, &p) == 0,
              DBX_ERR_MALFORMED);
    a->prefix = (uint8_t)p;
    cfg->n_allow++;
    return DBX_OK;
}

/* mode=relay keys (flash=, powercut=, ...).  @return DBX_OK / status. */
static int parse_relay_key(int k, const char *v, size_t vl, dbx_config_t *cfg)
{
    uint64_t n;
    switch (k) {
    case K_FLASH:
        DBX_CHECK(vl < sizeof cfg->flash, DBX_ERR_MALFORMED);
        memcpy(cfg->flash, v, vl);
        cfg->flash[vl] = '\0';
        return DBX_OK;
    case K_POWERCUT:
        DBX_CHECK(parse_uint(v, vl, 1, 100000000u, &n) == 0, DBX_ERR_MALFORMED);
        cfg->powercut = (uint32_t)n;
        return DBX_OK;
    case K_TORN:
        DBX_CHECK(parse_uint(v, vl, 0, 1, &n) == 0, DBX_ERR_MALFORMED);
        cfg->powercut_torn = (int)n;
        return DBX_OK;
    case K_ALLOW:
        return parse_list(v, vl, cfg, add_allow);
    case K_MAXSIZE:
        DBX_CHECK(parse_uint(v, vl, 1024, 1048576, &n) == 0, DBX_ERR_MALFORMED);
        cfg->max_size = (uint32_t)n;
        return DBX_OK;
    case K_MAXRCPT:
        DBX_CHECK(parse_uint(v, vl, 1, 8, &n) == 0, DBX_ERR_MALFORMED);
        cfg->max_rcpts = (uint16_t)n;
        return DBX_OK;
    case K_PORT:
        DBX_CHECK(parse_uint(v, vl, 0, 65535, &n) == 0, DBX_ERR_MALFORMED);
        cfg->relay_port = (uint16_t)n;
        return DBX_OK;
    default:
        return DBX_ERR_INTERNAL;
    }
}

static int parse_word(const char *w, size_t wl, dbx_config_t *cfg, unsigned seen[K_COUNT],
                      char *err, size_t cap)
{
    const char *eq = memchr(w, '=', wl);
    size_t kl, vl;
    const char *v;
    int k, st;
    char vbuf[64];

    if (eq == NULL) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: '%.*s' is not key=value", (int)wl, w);
    }
    kl = (size_t)(eq - w);
    v = eq + 1;
    vl = wl - kl - 1;
    for (k = 0; k < K_COUNT; k++) {
        if (strlen(keys[k]) == kl && memcmp(keys[k], w, kl) == 0) break;
    }
    if (k == K_COUNT) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: unknown key '%.*s'", (int)kl, w);
    }
    if (vl == 0) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: empty value for '%s'", keys[k]);
    }
    if (k != K_RESOLVER && seen[k]) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: '%s' given twice", keys[k]);
    }
    seen[k]++;
#define BAD(what) fail(err, cap, DBX_ERR_MALFORMED, "config: %s=%.*s: " what, keys[k], (int)vl, v)
    switch (k) {
    case K_MODE: {
        size_t m;
        for (m = 0; m < DBX_ARRAY_LEN(mode_names); m++) {
            if (strlen(mode_names[m]) == vl && memcmp(mode_names[m], v, vl) == 0) break;
        }
        if (m == DBX_ARRAY_LEN(mode_names)) {
            return BAD("unknown mode (selftest|ping|dnsprobe|resolve|probe|bench|check|relay)");
        }
        cfg->mode = (dbx_mode_t)m;
        return DBX_OK;
    }
    case K_IP: {
        const char *slash = memchr(v, '/', vl);
        uint64_t p;
        if (vl == 4 && memcmp(v, "dhcp", 4) == 0) {
            cfg->dhcp4 = 1;
            return DBX_OK;
        }
        if (slash == NULL) return BAD("want A.B.C.D/PREFIX or dhcp");
        if (parse_addr(v, (size_t)(slash - v), &cfg->ip4) != DBX_OK || cfg->ip4.family != 4) {
            return BAD("not an IPv4 address");
        }
        if (parse_uint(slash + 1, vl - (size_t)(slash - v) - 1, 1, 32, &p) != 0) {
            return BAD("prefix length must be 1..32");
        }
        cfg->prefix4 = (uint8_t)p;
        cfg->has_ip4 = 1;
        return DBX_OK;
    }
    case K_GW:
        if (parse_addr(v, vl, &cfg->gw4) != DBX_OK || cfg->gw4.family != 4) {
            return BAD("not an IPv4 address");
        }
        cfg->has_gw4 = 1;
        return DBX_OK;
    case K_IP6: {
        const char *slash = memchr(v, '/', vl);
        size_t al = slash ? (size_t)(slash - v) : vl;
        if (slash != NULL && !(vl - al - 1 == 2 && slash[1] == '6' && slash[2] == '4')) {
            return BAD("only /64 is supported");
        }
        if (parse_addr(v, al, &cfg->ip6) != DBX_OK || cfg->ip6.family != 6) {
            return BAD("not an IPv6 address");
        }
        cfg->has_ip6 = 1;
        return DBX_OK;
    }
    case K_RESOLVER:
        if (cfg->n_resolvers >= DBX_CFG_MAX_RESOLVERS) {
            return fail(err, cap, DBX_ERR_LIMIT, "config: more than %d resolvers",
                        DBX_CFG_MAX_RESOLVERS);
        }
        if (vl >= sizeof vbuf) return BAD("not an address");
        memcpy(vbuf, v, vl);
        vbuf[vl] = '\0';
        if (dbx_addr_parse(vbuf, 53, &cfg->resolver[cfg->n_resolvers]) != DBX_OK) {
            return BAD("not ADDR, ADDR4:PORT or [ADDR6]:PORT");
        }
        cfg->n_resolvers++;
        return DBX_OK;
    case K_PING:
        if (parse_addr(v, vl, &cfg->ping) != DBX_OK) return BAD("not an address");
        cfg->has_ping = 1;
        return DBX_OK;
    case K_QUERY:
        st = parse_list(v, vl, cfg, add_query);
        if (st == DBX_ERR_LIMIT) {
            return fail(err, cap, st, "config: more than %d queries", DBX_CFG_MAX_NAMES);
        }
        return st == DBX_OK ? st : BAD("want NAME/TYPE[,NAME/TYPE...], TYPE A|NS|SOA|MX|TXT|AAAA|DS|RRSIG|NSEC|DNSKEY|NSEC3|TLSA");
    case K_CHECK:
        st = parse_list(v, vl, cfg, add_check);
        if (st == DBX_ERR_LIMIT) {
            return fail(err, cap, st, "config: more than %d check domains", DBX_CFG_MAX_NAMES);
        }
        return st == DBX_OK ? st : BAD("want DOMAIN[,DOMAIN...]");
    case K_ANCHOR:
        if (vl == 7 && memcmp(v, "builtin", 7) == 0) {
            cfg->anchor = DBX_ANCHOR_BUILTIN;
        } else if (vl == 3 && memcmp(v, "rig", 3) == 0) {
            cfg->anchor = DBX_ANCHOR_RIG;
        } else {
            return BAD("want builtin|rig");
        }
        return DBX_OK;
    case K_TIME: {
        uint64_t t;
        if (vl == 4 && memcmp(v, "auto", 4) == 0) {
            cfg->time = 0;
        } else if (parse_uint(v, vl, 1, 0x7FFFFFFFFFFFull, &t) == 0) {
            cfg->time = (int64_t)t;
        } else {
            return BAD("want auto or Unix seconds");
        }
        return DBX_OK;
    }
    case K_RESUME:
        if (vl == 2 && memcmp(v, "on", 2) == 0) {
            cfg->no_resume = 0;
        } else if (vl == 3 && memcmp(v, "off", 3) == 0) {
            cfg->no_resume = 1;
        } else {
            return BAD("want on or off");
        }
        return DBX_OK;
    case K_NSEC3: {
        uint64_t t;
        if (parse_uint(v, vl, 0, DBX_NSEC3_MAX_ITERATIONS, &t) != 0) {
            return BAD("want 0 up to the built-in limit (it can only be lowered)");
        }
        cfg->nsec3_iter = (uint16_t)t;
        return DBX_OK;
    }
    case K_TIMEOUT: {
        uint64_t t;
        if (parse_uint(v, vl, 100, 60000, &t) != 0) return BAD("want 100..60000 ms");
        cfg->timeout_ms = (uint32_t)t;
        return DBX_OK;
    }
    case K_ANCHOR_DS:
        st = parse_list(v, vl, cfg, add_ds);
        if (st == DBX_ERR_LIMIT) {
            return fail(err, cap, st, "config: more than %d anchor DS records", DBX_CFG_MAX_DS);
        }
        return st == DBX_OK ? st : BAD("want TAG:ALG:DIGTYPE:HEX[,...]");
    case K_PROBE:
        if (vl >= sizeof vbuf) return BAD("not an address");
        memcpy(vbuf, v, vl);
        vbuf[vl] = '\0';
        if (dbx_addr_parse(vbuf, 25, &cfg->probe) != DBX_OK) {
            return BAD("not ADDR, ADDR4:PORT or [ADDR6]:PORT");
        }
        cfg->has_probe = 1;
        return DBX_OK;
    case K_SNI: {
        char tmp[DBX_CFG_NAME_MAX];
        if (parse_name(v, vl, tmp) != 0 || vl >= DBX_CFG_NAME_MAX - 1) return BAD("not a host name");
        memcpy(cfg->sni, v, vl);
        cfg->sni[vl] = '\0';
        return DBX_OK;
    }
    default:
        st = parse_relay_key(k, v, vl, cfg);
        if (st == DBX_ERR_LIMIT) {
            return fail(err, cap, st, "config: more than %d allow= networks", DBX_CFG_MAX_ALLOW);
        }
        return st == DBX_OK ? st : BAD("bad value (see the config reference)");
    }
#undef BAD
}

int dbx_config_parse(const char *line, dbx_config_t *cfg, char *err, size_t cap)
{
    unsigned seen[K_COUNT] = {0};
    const char *p = line;
    int st;

    DBX_ASSERT(line != NULL && cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_ms = 3000;
    cfg->nsec3_iter = DBX_NSEC3_MAX_ITERATIONS;
    cfg->max_size = 65536;
    cfg->max_rcpts = 8;
    cfg->relay_port = 25;
    if (err != NULL && cap > 0) err[0] = '\0';
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (*p == '\0') break;
        size_t n = strcspn(p, " \t\r\n");
        if (n > WORD_MAX) {
            return fail(err, cap, DBX_ERR_LIMIT, "config: word longer than %d bytes", WORD_MAX);
        }
        st = parse_word(p, n, cfg, seen, err, cap);
        if (st != DBX_OK) return st;
        p += n;
    }

    /* consistency; "v4" = an IPv4 address is configured or will be leased */
    int v4 = cfg->has_ip4 || cfg->dhcp4;
    if (cfg->has_gw4 && !v4) {
        return fail(err, cap, DBX_ERR_INVAL, "config: gw= needs ip=");
    }
    if (cfg->mode == DBX_MODE_PING) {
        if (!v4) return fail(err, cap, DBX_ERR_INVAL, "config: mode=ping needs ip=");
        if (!cfg->has_ping && !cfg->has_gw4 && !cfg->dhcp4) {
            return fail(err, cap, DBX_ERR_INVAL, "config: mode=ping needs ping= or gw=");
        }
        if (cfg->has_ping && cfg->ping.family != 4) {
            return fail(err, cap, DBX_ERR_INVAL, "config: ping= must be IPv4");
        }
    }
    if ((cfg->mode == DBX_MODE_DNSPROBE || cfg->mode == DBX_MODE_RESOLVE ||
         cfg->mode == DBX_MODE_CHECK) &&
        cfg->n_resolvers == 0) {
        if (!cfg->dhcp4) {
            return fail(err, cap, DBX_ERR_INVAL, "config: mode=%s needs resolver= (or ip=dhcp)",
                        dbx_mode_name(cfg->mode));
        }
        cfg->resolver_dhcp = 1; /* the lease's DNS server, transport only */
    }
    if (cfg->n_anchor_ds > 0 && cfg->anchor != DBX_ANCHOR_RIG) {
        return fail(err, cap, DBX_ERR_INVAL, "config: anchor-ds= needs anchor=rig");
    }
    if ((cfg->mode == DBX_MODE_RESOLVE || cfg->mode == DBX_MODE_CHECK ||
         (cfg->mode == DBX_MODE_RELAY && cfg->n_resolvers > 0)) &&
        cfg->anchor == DBX_ANCHOR_RIG && cfg->n_anchor_ds == 0) {
        return fail(err, cap, DBX_ERR_INVAL, "config: mode=%s anchor=rig needs anchor-ds=",
                    dbx_mode_name(cfg->mode));
    }
    if (cfg->mode == DBX_MODE_CHECK && cfg->n_checks == 0) {
        return fail(err, cap, DBX_ERR_INVAL, "config: mode=check needs check=");
    }
    if (cfg->mode == DBX_MODE_RELAY && (!v4 || cfg->flash[0] == '\0')) {
        return fail(err, cap, DBX_ERR_INVAL, "config: mode=relay needs ip= and flash=");
    }
    if ((seen[K_FLASH] || seen[K_POWERCUT] || seen[K_TORN] || seen[K_ALLOW] || seen[K_MAXSIZE] ||
         seen[K_MAXRCPT] || seen[K_PORT]) &&
        cfg->mode != DBX_MODE_RELAY) {
        return fail(err, cap, DBX_ERR_INVAL, "config: relay keys only with mode=relay");
    }
    if (seen[K_RESUME] && cfg->mode != DBX_MODE_CHECK) {
        return fail(err, cap, DBX_ERR_INVAL, "config: resume= only with mode=check");
    }
    if (cfg->mode == DBX_MODE_RESOLVE && cfg->n_queries == 0) {
        return fail(err, cap, DBX_ERR_INVAL, "config: mode=resolve needs query=");
    }
    if ((cfg->has_probe || cfg->sni[0] != '\0') && cfg->mode != DBX_MODE_PROBE) {
        return fail(err, cap, DBX_ERR_INVAL, "config: probe=/sni= only with mode=probe");
    }
    if (cfg->mode == DBX_MODE_PROBE) {
        if (!cfg->has_probe || cfg->sni[0] == '\0') {
            return fail(err, cap, DBX_ERR_INVAL, "config: mode=probe needs probe= and sni=");
        }
        if ((cfg->probe.family == 4 && !v4) ||
            (cfg->probe.family == 6 && !cfg->has_ip6)) {
            return fail(err, cap, DBX_ERR_INVAL, "config: probe= is IPv%u but no %s= given",
                        cfg->probe.family, cfg->probe.family == 4 ? "ip" : "ip6");
        }
    }
    for (size_t i = 0; i < cfg->n_resolvers; i++) {
        if ((cfg->resolver[i].family == 4 && !v4) ||
            (cfg->resolver[i].family == 6 && !cfg->has_ip6)) {
            return fail(err, cap, DBX_ERR_INVAL, "config: resolver %u is IPv%u but no %s= given",
                        (unsigned)(i + 1), cfg->resolver[i].family, cfg->resolver[i].family == 4 ? "ip" : "ip6");
        }
    }
    if (cfg->n_queries > 0 && cfg->mode != DBX_MODE_DNSPROBE && cfg->mode != DBX_MODE_RESOLVE) {
        return fail(err, cap, DBX_ERR_INVAL, "config: query= only with mode=dnsprobe|resolve");
    }
    if (cfg->mode == DBX_MODE_DNSPROBE && cfg->n_queries == 0) {
        /* default questions: the root SOA and a rig TLSA */
        strcpy(cfg->query[0].name, ".");
        cfg->query[0].type = 6;
        strcpy(cfg->query[1].name, "_25._tcp.mx.rsa.test.");
        cfg->query[1].type = 52;
        cfg->n_queries = 2;
    }
    return DBX_OK;
}
