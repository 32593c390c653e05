/**
 * @file dbx_relay_sched.c
 * @brief The relay's retry schedule, lifetime, TLS policy names and table,
 *        and the RFC 5322 date formatter.
 */
#include "relay/dbx_relay.h"
#include "dbx_str.h"

#include <stdio.h>
#include <string.h>

void dbx_relay_config_defaults(dbx_relay_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->hostname = "danebox.invalid";
    cfg->retry_min_s = 300;
    cfg->retry_max_s = 3600;
    cfg->lifetime_s = 5u * 24u * 3600u;
    cfg->default_policy = DBX_TLS_POLICY_DANE;
}

int64_t dbx_relay_next_try(const dbx_relay_config_t *cfg, uint16_t attempts, int64_t arrival,
                           int64_t now)
{
    int64_t delay = cfg->retry_min_s;
    for (uint16_t i = 1; i < attempts && delay < (int64_t)cfg->retry_max_s; i++) {
        delay *= 2;
    }
    if (delay > (int64_t)cfg->retry_max_s) {
        delay = cfg->retry_max_s;
    }
    if (delay < 1) {
        delay = 1;
    }
    int64_t next = now + delay;
    int64_t expiry = arrival + (int64_t)cfg->lifetime_s;
    if (next > expiry && now < expiry) {
        next = expiry; /* one last try when the lifetime ends */
    }
    return next;
}

bool dbx_relay_expired(const dbx_relay_config_t *cfg, int64_t arrival, int64_t now)
{
    return now >= arrival + (int64_t)cfg->lifetime_s;
}

int64_t dbx_relay_due(const dbx_queue_env_t *env)
{
    int64_t due = INT64_MAX;
    for (uint16_t i = 0; i < env->n_rcpts; i++) {
        const dbx_queue_rcpt_t *r = &env->rcpt[i];
        if (r->state == DBX_RCPT_PENDING || r->state == DBX_RCPT_FAILED) {
            return 0;
        }
        if (r->state == DBX_RCPT_DEFERRED && r->next_try < due) {
            due = r->next_try;
        }
    }
    return due;
}

const char *dbx_tls_policy_name(dbx_tls_policy_t p)
{
    return dbx_tls_level_str(p);
}

int dbx_tls_policy_parse(const char *s, dbx_tls_policy_t *out)
{
    DBX_CHECK(s != NULL && out != NULL, DBX_ERR_INVAL);
    return dbx_tls_level_parse(s, out) == DBX_OK ? DBX_OK : DBX_ERR_MALFORMED;
}

dbx_tls_policy_t dbx_relay_policy_for(const dbx_relay_config_t *cfg, const char *domain)
{
    for (size_t i = 0; i < cfg->n_policies; i++) {
        if (cfg->policies[i].domain != NULL && dbx_ascii_eq(cfg->policies[i].domain, domain)) {
            return cfg->policies[i].policy;
        }
    }
    return cfg->default_policy;
}

const char *dbx_relay_date(int64_t t, char *buf, size_t cap)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil date from days since 1970-01-01 (proleptic Gregorian) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    int64_t w = days % 7;
    if (w < 0) {
        w += 7;
    }
    snprintf(buf, cap, "%s, %d %s %04d %02d:%02d:%02d +0000", wd[w], (int)d, mo[m - 1], (int)y,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}
