/* danebox monitor: the readable report, JSON, and the Nagios/Icinga plugin
 * line (exit 0/1/2/3 = OK/WARNING/CRITICAL/UNKNOWN, perfdata). */
#include "monitor.h"

#include <string.h>

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void where(const dbx_mon_finding_t *x, char *out, size_t cap)
{
    if (x->host[0] && x->addr[0]) snprintf(out, cap, "%s[%s]", x->host, x->addr);
    else snprintf(out, cap, "%s", x->host[0] ? x->host : "-");
}

void dbx_mon_print_text(const dbx_mon_report_t *rep, FILE *f)
{
    unsigned cnt[DBX_MON_SEV_UNKNOWN + 1] = {0};
    char w[DBX_CHECK_NAME_LEN + DBX_MON_ADDR_LEN + 4];
    for (size_t i = 0; i < rep->n; i++) cnt[rep->f[i].sev]++;
    fprintf(f, "%s: %s (%u critical, %u warning, %u unknown, %u advice, %u ok)\n", rep->domain,
            dbx_mon_sev_str(rep->worst == DBX_MON_SEV_ADVICE ? DBX_MON_SEV_OK : rep->worst), cnt[DBX_MON_SEV_CRITICAL], cnt[DBX_MON_SEV_WARNING],
            cnt[DBX_MON_SEV_UNKNOWN], cnt[DBX_MON_SEV_ADVICE], cnt[DBX_MON_SEV_OK]);
    /* worst first, then in the order found */
    for (int s = DBX_MON_SEV_UNKNOWN; s >= DBX_MON_SEV_OK; s--) {
        for (size_t i = 0; i < rep->n; i++) {
            const dbx_mon_finding_t *x = &rep->f[i];
            if ((int)x->sev != s) continue;
            where(x, w, sizeof w);
            fprintf(f, "  %-8s %-24s %s: %s\n", dbx_mon_sev_str(x->sev), x->code, w, x->text);
        }
    }
    if (rep->dropped) fprintf(f, "  (%lu more findings not kept)\n", (unsigned long)rep->dropped);
}

void dbx_mon_print_json(const dbx_mon_report_t *rep, FILE *f)
{
    fputs("{\"domain\":", f);
    json_str(f, rep->domain);
    fprintf(f, ",\"status\":\"%s\",\"hosts\":%u,\"addrs\":%u,\"verified\":%u,\"rrsig_days_min\":",
            dbx_mon_sev_str(rep->worst == DBX_MON_SEV_ADVICE ? DBX_MON_SEV_OK : rep->worst), rep->hosts,
            rep->addrs, rep->verified);
    if (rep->rrsig_days_min == INT64_MAX) fputs("null", f);
    else fprintf(f, "%lld", (long long)rep->rrsig_days_min);
    fputs(",\"findings\":[", f);
    for (size_t i = 0; i < rep->n; i++) {
        const dbx_mon_finding_t *x = &rep->f[i];
        fprintf(f, "%s{\"severity\":\"%s\",\"code\":", i ? "," : "", dbx_mon_sev_str(x->sev));
        json_str(f, x->code);
        fputs(",\"host\":", f);
        json_str(f, x->host);
        fputs(",\"addr\":", f);
        json_str(f, x->addr);
        fputs(",\"text\":", f);
        json_str(f, x->text);
        fputc('}', f);
    }
    fprintf(f, "],\"dropped\":%lu}\n", (unsigned long)rep->dropped);
}

/* Nagios state of a report: advice is OK */
static int state_of(const dbx_mon_report_t *r)
{
    switch (r->worst) {
    case DBX_MON_SEV_WARNING: return 1;
    case DBX_MON_SEV_CRITICAL: return 2;
    case DBX_MON_SEV_UNKNOWN: return 3;
    default: return 0;
    }
}

int dbx_mon_print_nagios(const dbx_mon_report_t *const *reps, size_t n, const dbx_mon_opts_t *o, FILE *f)
{
    static const char *const name[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    static const int rank[] = {0, 1, 3, 2}; /* CRITICAL outranks UNKNOWN */
    int st = 0;
    const dbx_mon_finding_t *first = NULL;
    int64_t days = INT64_MAX;
    unsigned hosts = 0, addrs = 0, verified = 0, tlsa_min = 0;
    for (size_t i = 0; i < n; i++) {
        int s = state_of(reps[i]);
        if (rank[s] > rank[st]) st = s;
        if (reps[i]->rrsig_days_min < days) days = reps[i]->rrsig_days_min;
        hosts += reps[i]->hosts;
        addrs += reps[i]->addrs;
        verified += reps[i]->verified;
        if (reps[i]->tlsa_min && (tlsa_min == 0 || reps[i]->tlsa_min < tlsa_min)) tlsa_min = reps[i]->tlsa_min;
    }
    /* the first finding of the worst state names the problem */
    for (size_t i = 0; i < n && first == NULL; i++) {
        for (size_t k = 0; k < reps[i]->n && first == NULL; k++) {
            const dbx_mon_finding_t *x = &reps[i]->f[k];
            int s = x->sev == DBX_MON_SEV_WARNING ? 1 : x->sev == DBX_MON_SEV_CRITICAL ? 2 : x->sev == DBX_MON_SEV_UNKNOWN ? 3 : 0;
            if (st != 0 && s == st) first = x;
        }
    }
    fprintf(f, "DANE %s - ", name[st]);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%s %s", i ? ", " : "", reps[i]->domain, name[state_of(reps[i])]);
    if (first != NULL) {
        char w[DBX_CHECK_NAME_LEN + DBX_MON_ADDR_LEN + 4];
        where(first, w, sizeof w);
        fprintf(f, "; %s %s: %.160s", first->code, w, first->text);
    }
    fprintf(f, " | hosts=%u addrs=%u dane_verified=%u tlsa_min=%u", hosts, addrs, verified, tlsa_min);
    if (days != INT64_MAX) fprintf(f, " rrsig_days=%lld;%d:;%d:", (long long)days, o->warn_days, o->crit_days);
    fputc('\n', f);
    return st;
}
