/* danebox: strict parser for the firmware run configuration (see
 * dbx_config.h).  Portable: no OS calls, no allocation. */
#include "dbx_config.h"
#include "dnssec/dbx_dnssec_config.h"
#include "dbx_str.h"

#include <stdarg.h>
#include <stddef.h>
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
        int hi = dbx_hex_digit(f[3][i]), lo = dbx_hex_digit(f[3][i + 1]);
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

/* Whether the @p n bytes at @p s are exactly @p word. */
static int word_is(const char *word, const char *s, size_t n)
{
    return strlen(word) == n && memcmp(word, s, n) == 0;
}

/* The config keys: a table of {name, value parser, ...}, one parser per kind
 * of value.  A parser returns DBX_OK; DBX_ERR_MALFORMED with *why (preset to
 * the key's why) saying what a good value looks like; or DBX_ERR_LIMIT with
 * *why naming what there are more than the key's hi of. */
typedef struct cfg_key cfg_key_t;
typedef int (*value_fn)(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                        const char **why);
struct cfg_key {
    const char *name;
    value_fn parse;
    const char *why; /* what a good value looks like */
    const void *arg; /* val_word: the words; val_list: its list_spec_t */
    uint32_t lo, hi; /* val_uint: the range; val_word: the word count; lists: the most items */
    uint16_t off;    /* val_uint, val_word: offsetof the field */
    uint8_t size;    /* and its size */
};
_Static_assert(sizeof(dbx_config_t) <= UINT16_MAX, "cfg_key_t.off is 16 bits");

/* val_list: the item parser and what the "more than N" message counts */
typedef struct list_spec {
    item_fn add;
    const char *many;
} list_spec_t;

/* The number @p x into the key's field (an integer or enum 1, 2 or 4 bytes
 * wide; memcpy: the field's type is not uint32_t). */
static void store_field(const cfg_key_t *k, dbx_config_t *cfg, uint32_t x)
{
    void *f = (char *)cfg + k->off;
    uint16_t h = (uint16_t)x;
    uint8_t b = (uint8_t)x;
    if (k->size == 1) {
        memcpy(f, &b, 1);
    } else if (k->size == 2) {
        memcpy(f, &h, 2);
    } else {
        memcpy(f, &x, 4);
    }
}

/* An unsigned decimal in [k->lo, k->hi]. */
static int val_uint(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                    const char **why)
{
    uint64_t x;
    (void)why;
    DBX_CHECK(parse_uint(v, n, k->lo, k->hi, &x) == 0, DBX_ERR_MALFORMED);
    store_field(k, cfg, (uint32_t)x);
    return DBX_OK;
}

/* One of the k->hi words in k->arg; the field gets its index. */
static int val_word(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                    const char **why)
{
    const char *const *words = k->arg;
    (void)why;
    for (uint32_t i = 0; i < k->hi; i++) {
        if (word_is(words[i], v, n)) {
            store_field(k, cfg, i);
            return DBX_OK;
        }
    }
    return DBX_ERR_MALFORMED;
}

/* ITEM[,ITEM...], each added by the list's item parser. */
static int val_list(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                    const char **why)
{
    const list_spec_t *l = k->arg;
    int st = parse_list(v, n, cfg, l->add);
    if (st == DBX_ERR_LIMIT) *why = l->many;
    return st;
}

/* ADDR, ADDR4:PORT or [ADDR6]:PORT (port @p port unless given). */
static int parse_addr_port(const char *v, size_t n, uint16_t port, dbx_addr_t *a,
                           const char **why)
{
    char buf[64];
    if (n >= sizeof buf) {
        *why = "not an address";
        return DBX_ERR_MALFORMED;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    return dbx_addr_parse(buf, port, a) == DBX_OK ? DBX_OK : DBX_ERR_MALFORMED;
}

/* An address of @p family (0: either) into @p a; sets *has. */
static int set_addr(const char *v, size_t n, uint8_t family, dbx_addr_t *a, int *has)
{
    DBX_CHECK(parse_addr(v, n, a) == DBX_OK && (family == 0 || a->family == family),
              DBX_ERR_MALFORMED);
    *has = 1;
    return DBX_OK;
}

/* ip=A.B.C.D/PREFIX or ip=dhcp */
static int val_ip(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                  const char **why)
{
    const char *slash = memchr(v, '/', n);
    uint64_t p;
    (void)k;
    if (word_is("dhcp", v, n)) {
        cfg->dhcp4 = 1;
        return DBX_OK;
    }
    DBX_CHECK(slash != NULL, DBX_ERR_MALFORMED);
    *why = "not an IPv4 address";
    DBX_CHECK(parse_addr(v, (size_t)(slash - v), &cfg->ip4) == DBX_OK && cfg->ip4.family == 4,
              DBX_ERR_MALFORMED);
    *why = "prefix length must be 1..32";
    DBX_CHECK(parse_uint(slash + 1, n - (size_t)(slash - v) - 1, 1, 32, &p) == 0,
              DBX_ERR_MALFORMED);
    cfg->prefix4 = (uint8_t)p;
    cfg->has_ip4 = 1;
    return DBX_OK;
}

/* ip6=ADDR6[/64] */
static int val_ip6(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                   const char **why)
{
    const char *slash = memchr(v, '/', n);
    size_t al = slash ? (size_t)(slash - v) : n;
    (void)k;
    if (slash != NULL && !(n - al - 1 == 2 && slash[1] == '6' && slash[2] == '4')) {
        *why = "only /64 is supported";
        return DBX_ERR_MALFORMED;
    }
    return set_addr(v, al, 6, &cfg->ip6, &cfg->has_ip6);
}

/* gw=A.B.C.D */
static int val_gw(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                  const char **why)
{
    (void)k, (void)why;
    return set_addr(v, n, 4, &cfg->gw4, &cfg->has_gw4);
}

/* ping=ADDR (IPv4 checked later, with the mode) */
static int val_ping(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                    const char **why)
{
    (void)k, (void)why;
    return set_addr(v, n, 0, &cfg->ping, &cfg->has_ping);
}

/* resolver=: may be given up to k->hi times (port 53 unless given) */
static int val_resolver(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                        const char **why)
{
    if (cfg->n_resolvers >= k->hi) {
        *why = "resolvers";
        return DBX_ERR_LIMIT;
    }
    DBX_CHECK(parse_addr_port(v, n, 53, &cfg->resolver[cfg->n_resolvers], why) == DBX_OK,
              DBX_ERR_MALFORMED);
    cfg->n_resolvers++;
    return DBX_OK;
}

/* probe=: port 25 unless given */
static int val_probe(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                     const char **why)
{
    (void)k;
    DBX_CHECK(parse_addr_port(v, n, 25, &cfg->probe, why) == DBX_OK, DBX_ERR_MALFORMED);
    cfg->has_probe = 1;
    return DBX_OK;
}

/* time=auto or Unix seconds */
static int val_time(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                    const char **why)
{
    uint64_t t = 0;
    (void)k, (void)why;
    DBX_CHECK(word_is("auto", v, n) || parse_uint(v, n, 1, 0x7FFFFFFFFFFFull, &t) == 0,
              DBX_ERR_MALFORMED);
    cfg->time = (int64_t)t;
    return DBX_OK;
}

/* sni=: a host name, kept as given */
static int val_sni(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                   const char **why)
{
    char tmp[DBX_CFG_NAME_MAX];
    (void)k, (void)why;
    DBX_CHECK(parse_name(v, n, tmp) == 0 && n < DBX_CFG_NAME_MAX - 1, DBX_ERR_MALFORMED);
    memcpy(cfg->sni, v, n);
    cfg->sni[n] = '\0';
    return DBX_OK;
}

/* flash=: the queue image path */
static int val_flash(const cfg_key_t *k, const char *v, size_t n, dbx_config_t *cfg,
                     const char **why)
{
    (void)k, (void)why;
    DBX_CHECK(n < sizeof cfg->flash, DBX_ERR_MALFORMED);
    memcpy(cfg->flash, v, n);
    cfg->flash[n] = '\0';
    return DBX_OK;
}

static const char *const anchor_names[] = {"builtin", "rig"}; /* = dbx_anchor_src_t */
static const char *const resume_names[] = {"on", "off"};      /* = no_resume */
static const list_spec_t queries = {add_query, "queries"};
static const list_spec_t checks = {add_check, "check domains"};
static const list_spec_t anchor_dss = {add_ds, "anchor DS records"};
static const list_spec_t allows = {add_allow, "allow= networks"};

enum {
    K_MODE, K_IP, K_GW, K_IP6, K_RESOLVER, K_PING, K_QUERY, K_CHECK, K_ANCHOR, K_TIME, K_TIMEOUT,
    K_ANCHOR_DS, K_PROBE, K_SNI, K_FLASH, K_POWERCUT, K_TORN, K_ALLOW, K_MAXSIZE, K_MAXRCPT,
    K_PORT, K_RESUME, K_NSEC3, K_COUNT
};
#define FIELD(f) offsetof(dbx_config_t, f), sizeof(((dbx_config_t *)0)->f)
#define KEY(name, fn, why) {name, fn, why, NULL, 0, 0, 0, 0}
#define UINT(name, f, lo, hi, why) {name, val_uint, why, NULL, lo, hi, FIELD(f)}
#define WORDS(name, f, words, why) {name, val_word, why, words, 0, DBX_ARRAY_LEN(words), FIELD(f)}
#define LIST(name, spec, max, why) {name, val_list, why, &spec, 0, max, 0, 0}
#define RELAY_BAD "bad value (see the config reference)"
static const cfg_key_t keys[K_COUNT] = {
    [K_MODE] = WORDS("mode", mode, mode_names,
                     "unknown mode (selftest|ping|dnsprobe|resolve|probe|bench|check|relay)"),
    [K_IP] = KEY("ip", val_ip, "want A.B.C.D/PREFIX or dhcp"),
    [K_GW] = KEY("gw", val_gw, "not an IPv4 address"),
    [K_IP6] = KEY("ip6", val_ip6, "not an IPv6 address"),
    [K_RESOLVER] = {"resolver", val_resolver, "not ADDR, ADDR4:PORT or [ADDR6]:PORT", NULL, 0,
                    DBX_CFG_MAX_RESOLVERS, 0, 0},
    [K_PING] = KEY("ping", val_ping, "not an address"),
    [K_QUERY] = LIST("query", queries, DBX_CFG_MAX_NAMES,
                     "want NAME/TYPE[,NAME/TYPE...], TYPE "
                     "A|NS|SOA|MX|TXT|AAAA|DS|RRSIG|NSEC|DNSKEY|NSEC3|TLSA"),
    [K_CHECK] = LIST("check", checks, DBX_CFG_MAX_NAMES, "want DOMAIN[,DOMAIN...]"),
    [K_ANCHOR] = WORDS("anchor", anchor, anchor_names, "want builtin|rig"),
    [K_TIME] = KEY("time", val_time, "want auto or Unix seconds"),
    [K_TIMEOUT] = UINT("timeout", timeout_ms, 100, 60000, "want 100..60000 ms"),
    [K_ANCHOR_DS] = LIST("anchor-ds", anchor_dss, DBX_CFG_MAX_DS, "want TAG:ALG:DIGTYPE:HEX[,...]"),
    [K_PROBE] = KEY("probe", val_probe, "not ADDR, ADDR4:PORT or [ADDR6]:PORT"),
    [K_SNI] = KEY("sni", val_sni, "not a host name"),
    [K_FLASH] = KEY("flash", val_flash, RELAY_BAD),
    [K_POWERCUT] = UINT("powercut", powercut, 1, 100000000u, RELAY_BAD),
    [K_TORN] = UINT("powercut-torn", powercut_torn, 0, 1, RELAY_BAD),
    [K_ALLOW] = LIST("allow", allows, DBX_CFG_MAX_ALLOW, RELAY_BAD),
    [K_MAXSIZE] = UINT("max-size", max_size, 1024, 1048576, RELAY_BAD),
    [K_MAXRCPT] = UINT("max-rcpts", max_rcpts, 1, 8, RELAY_BAD),
    [K_PORT] = UINT("port", relay_port, 0, 65535, RELAY_BAD),
    [K_RESUME] = WORDS("resume", no_resume, resume_names, "want on or off"),
    [K_NSEC3] = UINT("nsec3-iterations", nsec3_iter, 0, DBX_NSEC3_MAX_ITERATIONS,
                     "want 0 up to the built-in limit (it can only be lowered)"),
};

/* One KEY=VALUE word; @p seen counts the keys given so far. */
static int parse_word(const char *w, size_t wl, dbx_config_t *cfg, unsigned seen[K_COUNT],
                      char *err, size_t cap)
{
    const char *eq = memchr(w, '=', wl);
    const char *v, *why;
    size_t kl, vl;
    int i, st;

    if (eq == NULL) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: '%.*s' is not key=value", (int)wl, w);
    }
    kl = (size_t)(eq - w);
    v = eq + 1;
    vl = wl - kl - 1;
    for (i = 0; i < K_COUNT && !word_is(keys[i].name, w, kl); i++) {
    }
    if (i == K_COUNT) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: unknown key '%.*s'", (int)kl, w);
    }
    if (vl == 0) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: empty value for '%s'", keys[i].name);
    }
    if (i != K_RESOLVER && seen[i]) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: '%s' given twice", keys[i].name);
    }
    seen[i]++;
    why = keys[i].why;
    st = keys[i].parse(&keys[i], v, vl, cfg, &why);
    if (st == DBX_ERR_LIMIT) {
        return fail(err, cap, st, "config: more than %d %s", (int)keys[i].hi, why);
    }
    if (st != DBX_OK) {
        return fail(err, cap, DBX_ERR_MALFORMED, "config: %s=%.*s: %s", keys[i].name, (int)vl, v,
                    why);
    }
    return DBX_OK;
}

/* The words of @p p, separated by white space, into @p cfg. */
static int parse_words(const char *p, dbx_config_t *cfg, unsigned seen[K_COUNT], char *err,
                       size_t cap)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (*p == '\0') return DBX_OK;
        size_t n = strcspn(p, " \t\r\n");
        if (n > WORD_MAX) {
            return fail(err, cap, DBX_ERR_LIMIT, "config: word longer than %d bytes", WORD_MAX);
        }
        int st = parse_word(p, n, cfg, seen, err, cap);
        if (st != DBX_OK) return st;
        p += n;
    }
}

/* "v4" = an IPv4 address is configured or will be leased */
static int has_v4(const dbx_config_t *cfg)
{
    return cfg->has_ip4 || cfg->dhcp4;
}

/* Consistency, part 1: the gateway, ping target, resolver and trust anchor
 * a mode needs.  Sets resolver_dhcp. */
static int check_sources(dbx_config_t *cfg, char *err, size_t cap)
{
    int v4 = has_v4(cfg);
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
    return DBX_OK;
}

/* Consistency, part 2: each mode has the keys it needs and no key of
 * another mode; each resolver's address family is configured. */
static int check_mode_keys(const dbx_config_t *cfg, const unsigned seen[K_COUNT], char *err,
                           size_t cap)
{
    int v4 = has_v4(cfg);
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
    return DBX_OK;
}

int dbx_config_parse(const char *line, dbx_config_t *cfg, char *err, size_t cap)
{
    unsigned seen[K_COUNT] = {0};
    int st;

    DBX_ASSERT(line != NULL && cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_ms = 3000;
    cfg->nsec3_iter = DBX_NSEC3_MAX_ITERATIONS;
    cfg->max_size = 65536;
    cfg->max_rcpts = 8;
    cfg->relay_port = 25;
    if (err != NULL && cap > 0) err[0] = '\0';
    st = parse_words(line, cfg, seen, err, cap);
    if (st == DBX_OK) st = check_sources(cfg, err, cap);
    if (st == DBX_OK) st = check_mode_keys(cfg, seen, err, cap);
    if (st == DBX_OK && cfg->mode == DBX_MODE_DNSPROBE && cfg->n_queries == 0) {
        /* default questions: the root SOA and a rig TLSA */
        strcpy(cfg->query[0].name, ".");
        cfg->query[0].type = 6;
        strcpy(cfg->query[1].name, "_25._tcp.mx.rsa.test.");
        cfg->query[1].type = 52;
        cfg->n_queries = 2;
    }
    return st;
}
