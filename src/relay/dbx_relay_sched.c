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
    /* every recipient settled (a crash or power cut after the last state
     * update, before the removal): due now, the run removes the message */
    return due == INT64_MAX ? 0 : due;
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
    dbx_utc_t u;
    dbx_utc_from_unix(t, &u);
    snprintf(buf, cap, "%s, %d %s %04d %02d:%02d:%02d +0000", wd[u.wday], u.day, mo[u.mon - 1],
             u.year, u.hour, u.min, u.sec);
    return buf;
}
