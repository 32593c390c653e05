/* `danebox relay` configuration file parser (see relay_config.h, README). */
#include "relay_config.h"
#include "dnssec/dbx_dnssec_config.h"

#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX (256u * 1024u)

void relay_config_defaults(relay_config_t *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->hostname, sizeof(c->hostname), "danebox.invalid");
    snprintf(c->spool, sizeof(c->spool), "/var/spool/danebox");
    c->max_sessions = 20;
    c->max_message_size = 10u * 1024u * 1024u;
    c->max_recipients = 100;
    c->max_line = 512;
    c->command_timeout_s = 300;
    c->data_timeout_s = 300;
    c->retry_min_s = 300;
    c->retry_max_s = 3600;
    c->lifetime_s = 5u * 86400u;
    c->queue_run_s = 60;
    c->max_deliveries = 2;
    c->connect_timeout_s = 30;
    c->smtp_timeout_s = 300;
    c->smtp_port = 25;
    c->nsec3_iterations = DBX_NSEC3_MAX_ITERATIONS;
    c->default_policy = DBX_TLS_POLICY_DANE;
}

typedef struct ctx {
    const char *file;
    unsigned line;
} ctx_t;

static int err(const ctx_t *x, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int err(const ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%u: ", x->file, x->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Unsigned integer with an optional unit suffix (s, m, h, d; k, M). */
static int number(const ctx_t *x, const char *key, const char *v, uint64_t min, uint64_t max,
                  bool time_units, uint64_t *out)
{
    char *e = NULL;
    if (v[0] < '0' || v[0] > '9') {
        return err(x, "%s: '%s' is not a number", key, v);
    }
    unsigned long long n = strtoull(v, &e, 10);
    uint64_t mul = 1;
    if (*e != '\0' && e[1] == '\0') {
        static const char tu[] = "smhd";
        static const uint64_t tm[] = {1, 60, 3600, 86400};
        static const char su[] = "kM";
        static const uint64_t sm[] = {1024, 1024 * 1024};
        const char *p = strchr(time_units ? tu : su, *e);
        if (p == NULL) {
            return err(x, "%s: bad unit in '%s'", key, v);
        }
        mul = time_units ? tm[p - tu] : sm[p - su];
        e++;
    }
    if (*e != '\0' || n > max / mul || n * mul < min) {
        return err(x, "%s: '%s' out of range (%llu..%llu%s)", key, v, (unsigned long long)min,
                   (unsigned long long)max, time_units ? " seconds" : "");
    }
    *out = n * mul;
    return 0;
}

static int net(const ctx_t *x, const char *v, relay_net_t *n)
{
    char buf[80];
    snprintf(buf, sizeof(buf), "%s", v);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        char *e;
        *slash = '\0';
        prefix = strtol(slash + 1, &e, 10);
        if (*e != '\0' || slash[1] == '\0') {
            return err(x, "allow: bad prefix in '%s'", v);
        }
    }
    if (dbx_addr_parse(buf, 0, &n->addr) != DBX_OK || n->addr.port != 0) {
        return err(x, "allow: '%s' is not an address or network", v);
    }
    long maxp = n->addr.family == 4 ? 32 : 128;
    if (prefix < 0) {
        prefix = maxp;
    }
    if (prefix > maxp) {
        return err(x, "allow: prefix /%ld too long in '%s'", prefix, v);
    }
    n->prefix = (uint8_t)prefix;
    return 0;
}

static int str(const ctx_t *x, const char *key, const char *v, char *dst, size_t cap)
{
    if (v[0] == '\0' || strlen(v) >= cap) {
        return err(x, "%s: empty or too long", key);
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int policy(const ctx_t *x, relay_config_t *c, char *v)
{
    char *sp = strpbrk(v, " \t");
    if (sp == NULL) {
        return err(x, "policy: expected 'DOMAIN LEVEL'");
    }
    *sp++ = '\0';
    sp += strspn(sp, " \t");
    dbx_tls_policy_t p;
    if (dbx_tls_policy_parse(sp, &p) != DBX_OK) {
        return err(x, "policy: unknown level '%s' (dane, dane-only, encrypt, may, dane-test)",
                   sp);
    }
    if (c->n_policies >= RELAY_MAX_POLICIES || strlen(v) >= 254 || strchr(v, '@') != NULL) {
        return err(x, "policy: bad domain '%s' or more than %d entries", v, RELAY_MAX_POLICIES);
    }
    size_t i = c->n_policies++;
    memcpy(c->policy_domain[i], v, strlen(v) + 1);
    c->policies[i].domain = c->policy_domain[i];
    c->policies[i].policy = p;
    return 0;
}

typedef struct num_key {
    const char *key;
    size_t off;
    unsigned width; /* 4 or 8 */
    uint64_t min, max;
    bool time;
} num_key_t;

#define NK(k, f, mn, mx, t) {k, offsetof(relay_config_t, f), sizeof(((relay_config_t *)0)->f), mn, mx, t}
static const num_key_t NUMS[] = {
    NK("max_sessions", max_sessions, 1, 1000, false),
    NK("max_message_size", max_message_size, 1024, 1ull << 30, false),
    NK("max_recipients", max_recipients, 1, DBX_QUEUE_MAX_RCPTS, false),
    NK("max_line", max_line, 512, 1000, false),
    NK("command_timeout", command_timeout_s, 1, 3600, true),
    NK("data_timeout", data_timeout_s, 1, 3600, true),
    NK("retry_min", retry_min_s, 1, 86400, true),
    NK("retry_max", retry_max_s, 1, 7 * 86400, true),
    NK("queue_lifetime", lifetime_s, 1, 30 * 86400, true),
    NK("queue_run_interval", queue_run_s, 1, 3600, true),
    NK("max_queue", max_queue, 0, 1000000, false),
    NK("max_deliveries", max_deliveries, 1, 16, false),
    NK("connect_timeout", connect_timeout_s, 1, 600, true),
    NK("smtp_timeout", smtp_timeout_s, 1, 3600, true),
    NK("nsec3_iterations", nsec3_iterations, 0, DBX_NSEC3_MAX_ITERATIONS, false),
};

static int one(const ctx_t *x, relay_config_t *c, const char *k, char *v)
{
    for (size_t i = 0; i < DBX_ARRAY_LEN(NUMS); i++) {
        if (strcmp(k, NUMS[i].key) == 0) {
            uint64_t n;
            if (number(x, k, v, NUMS[i].min, NUMS[i].max, NUMS[i].time, &n) != 0) {
                return -1;
            }
            if (NUMS[i].width == 8) {
                *(uint64_t *)((char *)c + NUMS[i].off) = n;
            } else {
                *(uint32_t *)((char *)c + NUMS[i].off) = (uint32_t)n;
            }
            return 0;
        }
    }
    if (strcmp(k, "hostname") == 0) return str(x, k, v, c->hostname, sizeof(c->hostname));
    if (strcmp(k, "spool") == 0) return str(x, k, v, c->spool, sizeof(c->spool));
    if (strcmp(k, "user") == 0) return str(x, k, v, c->user, sizeof(c->user));
    if (strcmp(k, "anchor") == 0) return str(x, k, v, c->anchor, sizeof(c->anchor));
    if (strcmp(k, "tls_cert") == 0) return str(x, k, v, c->tls_cert, sizeof(c->tls_cert));
    if (strcmp(k, "tls_key") == 0) return str(x, k, v, c->tls_key, sizeof(c->tls_key));
    if (strcmp(k, "policy") == 0) return policy(x, c, v);
    if (strcmp(k, "tls_policy") == 0) {
        if (dbx_tls_policy_parse(v, &c->default_policy) != DBX_OK) {
            return err(x, "tls_policy: unknown level '%s' (dane, dane-only, encrypt, may, "
                          "dane-test)", v);
        }
        return 0;
    }
    if (strcmp(k, "listen") == 0) {
        if (c->n_listen >= RELAY_MAX_LISTEN ||
            dbx_addr_parse(v, 25, &c->listen[c->n_listen]) != DBX_OK) {
            return err(x, "listen: bad address '%s' (ADDR[:PORT], at most %d)", v,
                       RELAY_MAX_LISTEN);
        }
        c->n_listen++;
        return 0;
    }
    if (strcmp(k, "allow") == 0) {
        if (c->n_allow >= RELAY_MAX_ALLOW) {
            return err(x, "allow: at most %d networks", RELAY_MAX_ALLOW);
        }
        return net(x, v, &c->allow[c->n_allow++]);
    }
    if (strcmp(k, "resolver") == 0) {
        if (c->n_resolver >= DBX_DNS_MAX_UPSTREAMS ||
            dbx_addr_parse(v, 53, &c->resolver[c->n_resolver]) != DBX_OK) {
            return err(x, "resolver: bad address '%s' (at most %d)", v, DBX_DNS_MAX_UPSTREAMS);
        }
        c->n_resolver++;
        return 0;
    }
    if (strcmp(k, "smtp_port") == 0) {
        uint64_t n;
        if (number(x, k, v, 1, 65535, false, &n) != 0) return -1;
        c->smtp_port = (uint16_t)n;
        return 0;
    }
    if (strcmp(k, "dnssec_time") == 0) {
        if (dbx_cli_parse_time(v, &c->dnssec_time) != 0) return err(x, "dnssec_time: bad time");
        return 0;
    }
    return err(x, "unknown key '%s'", k);
}

static char *trim(char *s)
{
    s += strspn(s, " \t");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

int relay_config_load(const char *path, relay_config_t *c)
{
    relay_config_defaults(c);
    snprintf(c->path, sizeof(c->path), "%s", path);
    char *text = NULL;
    if (dbx_cli_read_file(path, CONFIG_MAX, &text, NULL) != 0) {
        return -1;
    }
    ctx_t x = {path, 0};
    int rc = 0;
    for (char *line = text, *next; line != NULL && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        x.line++;
        char *hash = strchr(line, '#');
        if (hash != NULL) {
            *hash = '\0';
        }
        char *l = trim(line);
        if (*l == '\0') {
            continue;
        }
        char *eq = strchr(l, '=');
        if (eq == NULL) {
            rc = err(&x, "expected 'key = value'");
            break;
        }
        *eq = '\0';
        rc = one(&x, c, trim(l), trim(eq + 1));
    }
    free(text);
    x.line = 0;
    if (rc == 0 && c->n_listen == 0) {
        rc = err(&x, "no 'listen' address");
    }
    if (rc == 0 && (c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
        rc = err(&x, "tls_cert and tls_key go together");
    }
    if (rc == 0 && c->retry_max_s < c->retry_min_s) {
        rc = err(&x, "retry_max (%u) is below retry_min (%u)", c->retry_max_s, c->retry_min_s);
    }
    return rc;
}

bool relay_config_allowed(const relay_config_t *c, const dbx_addr_t *a)
{
    for (size_t i = 0; i < c->n_allow; i++) {
        const relay_net_t *n = &c->allow[i];
        if (n->addr.family != a->family) {
            continue;
        }
        unsigned bits = n->prefix, k = 0;
        bool ok = true;
        for (; bits >= 8 && ok; bits -= 8, k++) {
            ok = n->addr.addr[k] == a->addr[k];
        }
        if (ok && bits > 0) {
            uint8_t mask = (uint8_t)(0xFFu << (8 - bits));
            ok = (n->addr.addr[k] & mask) == (a->addr[k] & mask);
        }
        if (ok) {
            return true;
        }
    }
    return false;
}

void relay_config_print(const relay_config_t *c)
{
    char b[64];
    printf("config %s: ok\nhostname = %s\nspool = %s\n", c->path, c->hostname, c->spool);
    for (size_t i = 0; i < c->n_listen; i++) {
        printf("listen = %s port %u\n", dbx_addr_format(&c->listen[i], b, sizeof(b)),
               (unsigned)c->listen[i].port);
    }
    for (size_t i = 0; i < c->n_allow; i++) {
        printf("allow = %s/%u\n", dbx_addr_format(&c->allow[i].addr, b, sizeof(b)),
               (unsigned)c->allow[i].prefix);
    }
    printf("tls_policy = %s\ninbound STARTTLS = %s\n", dbx_tls_policy_name(c->default_policy),
           c->tls_cert[0] ? c->tls_cert : "off");
    for (size_t i = 0; i < c->n_policies; i++) {
        printf("policy = %s %s\n", c->policies[i].domain,
               dbx_tls_policy_name(c->policies[i].policy));
    }
    printf("max_sessions = %u\nmax_message_size = %llu\nmax_recipients = %u\n"
           "queue_lifetime = %us\nretry_min = %us\nretry_max = %us\nmax_deliveries = %u\n"
           "nsec3_iterations = %u\n",
           c->max_sessions, (unsigned long long)c->max_message_size, c->max_recipients,
           c->lifetime_s, c->retry_min_s, c->retry_max_s, c->max_deliveries, c->nsec3_iterations);
}
