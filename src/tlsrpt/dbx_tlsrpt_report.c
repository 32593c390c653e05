/**
 * @file dbx_tlsrpt_report.c
 * @brief RFC 8460 aggregate report: counting record lines, the §4 JSON
 *        and the §3 TXT record parser.
 */
#include "tlsrpt/dbx_tlsrpt_report.h"

#include "dbx_str.h"

#include <string.h>

void dbx_tlsrpt_agg_init(dbx_tlsrpt_agg_t *a, const char *domain, int64_t start, int64_t end)
{
    memset(a, 0, sizeof(*a));
    dbx_str_copy(a->domain, sizeof(a->domain), domain);
    a->start = start;
    a->end = end;
}

/* Same policy: type, MX host and the TLSA records as a set (an RRset has no
 * order; answers come in any). */
static bool same_policy(const dbx_tlsrpt_policy_t *p, const dbx_tlsrpt_rec_t *r)
{
    if (p->tlsa != r->tlsa_policy || !dbx_ascii_eq(p->mx, r->mx) || p->n_tlsa != r->n_tlsa) {
        return false;
    }
    for (uint8_t i = 0; i < p->n_tlsa; i++) {
        bool found = false;
        for (uint8_t k = 0; k < r->n_tlsa && !found; k++) {
            found = dbx_ascii_eq(p->tlsa_rr[i], r->tlsa[k]);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Index of r's policies[] entry (added when new), or -1 when full. */
static int policy_of(dbx_tlsrpt_agg_t *a, const dbx_tlsrpt_rec_t *r)
{
    for (size_t i = 0; i < a->n_pol; i++) {
        if (same_policy(&a->pol[i], r)) {
            return (int)i;
        }
    }
    if (a->n_pol >= DBX_TLSRPT_MAX_POLICIES) {
        return -1;
    }
    dbx_tlsrpt_policy_t *p = &a->pol[a->n_pol];
    memset(p, 0, sizeof(*p));
    p->tlsa = r->tlsa_policy;
    dbx_str_copy(p->mx, sizeof(p->mx), r->mx);
    p->n_tlsa = r->n_tlsa;
    memcpy(p->tlsa_rr, r->tlsa, sizeof(p->tlsa_rr));
    return (int)a->n_pol++;
}

static void add_detail(dbx_tlsrpt_agg_t *a, int pi, const dbx_tlsrpt_rec_t *r)
{
    for (size_t i = 0; i < a->n_det; i++) {
        dbx_tlsrpt_detail_t *d = &a->det[i];
        if (d->policy == pi && d->result == r->result && strcmp(d->addr, r->addr) == 0) {
            d->count++;
            return;
        }
    }
    if (a->n_det >= DBX_TLSRPT_MAX_DETAILS) {
        a->dropped++;
        return;
    }
    dbx_tlsrpt_detail_t *d = &a->det[a->n_det++];
    d->policy = (uint8_t)pi;
    d->result = (uint8_t)r->result;
    dbx_str_copy(d->addr, sizeof(d->addr), r->addr);
    d->count = 1;
}

bool dbx_tlsrpt_agg_add(dbx_tlsrpt_agg_t *a, const dbx_tlsrpt_rec_t *r)
{
    if (!dbx_ascii_eq(a->domain, r->domain) || r->when < a->start || r->when >= a->end ||
        r->result <= DBX_TLSRPT_NONE || r->result >= DBX_TLSRPT_RESULT_COUNT) {
        return false;
    }
    int pi = policy_of(a, r);
    if (pi < 0) {
        a->dropped++;
        return false;
    }
    if (r->result == DBX_TLSRPT_SUCCESS) {
        a->pol[pi].ok++;
    } else {
        a->pol[pi].failed++;
        add_detail(a, pi, r);
    }
    return true;
}

uint64_t dbx_tlsrpt_agg_total(const dbx_tlsrpt_agg_t *a)
{
    uint64_t n = 0;
    for (size_t i = 0; i < a->n_pol; i++) {
        n += a->pol[i].ok + a->pol[i].failed;
    }
    return n;
}

static void json_u64(dbx_sbuf_t *s, const char *key, uint64_t v)
{
    char t[24];
    dbx_sbuf_json_str(s, key);
    dbx_sbuf_putc(s, ':');
    dbx_sbuf_puts(s, dbx_dec64((int64_t)v, t));
}

static void json_kv(dbx_sbuf_t *s, const char *key, const char *val)
{
    dbx_sbuf_json_str(s, key);
    dbx_sbuf_putc(s, ':');
    dbx_sbuf_json_str(s, val);
}

static void json_details(dbx_sbuf_t *s, const dbx_tlsrpt_agg_t *a, size_t pi)
{
    const dbx_tlsrpt_policy_t *p = &a->pol[pi];
    bool first = true;
    dbx_sbuf_puts(s, ",\"failure-details\":[");
    for (size_t i = 0; i < a->n_det; i++) {
        const dbx_tlsrpt_detail_t *d = &a->det[i];
        if (d->policy != pi) {
            continue;
        }
        dbx_sbuf_puts(s, first ? "{" : ",{");
        first = false;
        json_kv(s, "result-type", dbx_tlsrpt_result_str((dbx_tlsrpt_result_t)d->result));
        if (p->mx[0] != '\0') {
            dbx_sbuf_putc(s, ',');
            json_kv(s, "receiving-mx-hostname", p->mx);
        }
        if (d->addr[0] != '\0') {
            dbx_sbuf_putc(s, ',');
            json_kv(s, "receiving-ip", d->addr);
        }
        dbx_sbuf_putc(s, ',');
        json_u64(s, "failed-session-count", d->count);
        dbx_sbuf_putc(s, '}');
    }
    dbx_sbuf_putc(s, ']');
}

static void json_policy(dbx_sbuf_t *s, const dbx_tlsrpt_agg_t *a, size_t pi)
{
    const dbx_tlsrpt_policy_t *p = &a->pol[pi];
    dbx_sbuf_puts(s, "{\"policy\":{");
    json_kv(s, "policy-type", p->tlsa ? "tlsa" : "no-policy-found");
    if (p->tlsa) {
        dbx_sbuf_puts(s, ",\"policy-string\":[");
        for (uint8_t i = 0; i < p->n_tlsa; i++) {
            if (i > 0) {
                dbx_sbuf_putc(s, ',');
            }
            dbx_sbuf_json_str(s, p->tlsa_rr[i]);
        }
        dbx_sbuf_putc(s, ']');
    }
    dbx_sbuf_putc(s, ',');
    json_kv(s, "policy-domain", a->domain);
    if (p->mx[0] != '\0') {
        dbx_sbuf_puts(s, ",\"mx-host\":[");
        dbx_sbuf_json_str(s, p->mx);
        dbx_sbuf_putc(s, ']');
    }
    dbx_sbuf_puts(s, "},\"summary\":{");
    json_u64(s, "total-successful-session-count", p->ok);
    dbx_sbuf_putc(s, ',');
    json_u64(s, "total-failure-session-count", p->failed);
    dbx_sbuf_putc(s, '}');
    if (p->failed > 0) {
        json_details(s, a, pi);
    }
    dbx_sbuf_putc(s, '}');
}

int dbx_tlsrpt_json(const dbx_tlsrpt_agg_t *a, const dbx_tlsrpt_meta_t *m, char *buf, size_t cap,
                    size_t *len)
{
    DBX_CHECK(a != NULL && m != NULL && buf != NULL && cap > 0 && m->org != NULL &&
                  m->contact != NULL && m->report_id != NULL && a->end > a->start,
              DBX_ERR_INVAL);
    char t0[21], t1[21];
    dbx_sbuf_t s;
    dbx_sbuf_init(&s, buf, cap);
    dbx_sbuf_putc(&s, '{');
    json_kv(&s, "organization-name", m->org);
    dbx_sbuf_puts(&s, ",\"date-range\":{");
    json_kv(&s, "start-datetime", dbx_utc_iso(a->start, t0));
    dbx_sbuf_putc(&s, ',');
    json_kv(&s, "end-datetime", dbx_utc_iso(a->end - 1, t1));
    dbx_sbuf_puts(&s, "},");
    json_kv(&s, "contact-info", m->contact);
    dbx_sbuf_putc(&s, ',');
    json_kv(&s, "report-id", m->report_id);
    dbx_sbuf_puts(&s, ",\"policies\":[");
    for (size_t i = 0; i < a->n_pol; i++) {
        if (i > 0) {
            dbx_sbuf_putc(&s, ',');
        }
        json_policy(&s, a, i);
    }
    dbx_sbuf_puts(&s, "]}");
    if (len != NULL) {
        *len = s.len;
    }
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Keep one rua URI (trimmed, n octets at p) when its scheme is usable. */
static void rua_add(dbx_tlsrpt_rua_t *out, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
        n--;
    }
    bool usable = (n > 7 && dbx_ascii_casecmp_n(p, "mailto:", 7) == 0) ||
                  (n > 8 && dbx_ascii_casecmp_n(p, "https://", 8) == 0);
    for (size_t i = 0; usable && i < n; i++) {
        usable = (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f;
    }
    if (!usable || n >= DBX_TLSRPT_URI_MAX || out->n >= DBX_TLSRPT_MAX_RUA) {
        out->ignored++;
        return;
    }
    memcpy(out->uri[out->n], p, n);
    out->uri[out->n++][n] = '\0';
}

int dbx_tlsrpt_rua_parse(const char *txt, dbx_tlsrpt_rua_t *out)
{
    DBX_CHECK(txt != NULL && out != NULL, DBX_ERR_INVAL);
    memset(out, 0, sizeof(*out));
    const char *p = skip_ws(txt);
    DBX_CHECK(strncmp(p, "v=TLSRPTv1", 10) == 0, DBX_ERR_MALFORMED);
    p = skip_ws(p + 10);
    DBX_CHECK(*p == ';' || *p == '\0', DBX_ERR_MALFORMED);
    bool seen = false;
    while (*p == ';') {
        p = skip_ws(p + 1);
        size_t n = strcspn(p, ";");
        if (n > 4 && strncmp(p, "rua", 3) == 0 && *skip_ws(p + 3) == '=' && !seen) {
            seen = true;
            const char *u = skip_ws(skip_ws(p + 3) + 1), *end = p + n;
            while (u < end) {
                size_t k = 0;
                while (u + k < end && u[k] != ',') {
                    k++;
                }
                rua_add(out, u, k);
                u = skip_ws(u + k + (u + k < end ? 1 : 0));
            }
        }
        p += n;
    }
    return seen && out->n > 0 ? DBX_OK : DBX_ERR_MALFORMED;
}
