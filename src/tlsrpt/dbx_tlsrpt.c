/**
 * @file dbx_tlsrpt.c
 * @brief RFC 8460 result types, the reason -> result mapping table, record
 *        lines, and the hook turning a session report into records.
 */
#include "tlsrpt/dbx_tlsrpt.h"

#include "dbx_str.h"

#include <string.h>

static const char *const result_names[DBX_TLSRPT_RESULT_COUNT] = {
    "none",
    "success",
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
};

const char *dbx_tlsrpt_result_str(dbx_tlsrpt_result_t r)
{
    return (unsigned)r < DBX_TLSRPT_RESULT_COUNT ? result_names[r] : "invalid";
}

int dbx_tlsrpt_result_parse(const char *s, dbx_tlsrpt_result_t *out)
{
    for (unsigned i = 1; i < DBX_TLSRPT_RESULT_COUNT; i++) {
        if (strcmp(s, result_names[i]) == 0) {
            *out = (dbx_tlsrpt_result_t)i;
            return DBX_OK;
        }
    }
    return DBX_ERR_MALFORMED;
}

/* THE mapping: policy evaluator reason -> RFC 8460 result type. */
static const uint8_t reason_map[DBX_REASON_BAD_INPUT + 1] = {
    [DBX_REASON_NONE] = DBX_TLSRPT_NONE,
    [DBX_REASON_DANE_MATCH] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_DANE_RESUMED] = DBX_TLSRPT_SUCCESS, /* a session all the same */
    [DBX_REASON_TLSA_UNUSABLE] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_MX_INSECURE] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_ADDR_INSECURE] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_TLSA_INSECURE] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_TLSA_DENIED] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_LEVEL_MAY] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_LEVEL_TEST] = DBX_TLSRPT_SUCCESS,
    [DBX_REASON_PENDING] = DBX_TLSRPT_NONE,
    [DBX_REASON_MX_BOGUS] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_MX_INDETERMINATE] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_NULL_MX] = DBX_TLSRPT_NONE,
    [DBX_REASON_NO_HOSTS] = DBX_TLSRPT_NONE,
    [DBX_REASON_ADDR_BOGUS] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_ADDR_INDETERMINATE] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_ADDR_NONE] = DBX_TLSRPT_NONE,
    [DBX_REASON_TLSA_BOGUS] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_TLSA_INDETERMINATE] = DBX_TLSRPT_DNSSEC_INVALID,
    [DBX_REASON_DANE_REQUIRED] = DBX_TLSRPT_DANE_REQUIRED,
    [DBX_REASON_CONNECT_FAILED] = DBX_TLSRPT_NONE,
    [DBX_REASON_NO_STARTTLS] = DBX_TLSRPT_STARTTLS_NOT_SUPPORTED,
    [DBX_REASON_STARTTLS_REFUSED] = DBX_TLSRPT_STARTTLS_NOT_SUPPORTED,
    [DBX_REASON_HANDSHAKE] = DBX_TLSRPT_VALIDATION_FAILURE,
    [DBX_REASON_NO_MATCH] = DBX_TLSRPT_CERT_NOT_TRUSTED,
    [DBX_REASON_MATCH_ERROR] = DBX_TLSRPT_VALIDATION_FAILURE,
    [DBX_REASON_SESSION_FAILED] = DBX_TLSRPT_NONE,
    [DBX_REASON_RESUME_MISMATCH] = DBX_TLSRPT_NONE, /* our cache's refusal, not the domain's */
    [DBX_REASON_INTERNAL] = DBX_TLSRPT_NONE,
    [DBX_REASON_BAD_INPUT] = DBX_TLSRPT_NONE,
};

dbx_tlsrpt_result_t dbx_tlsrpt_map(dbx_policy_reason_t why)
{
    return (unsigned)why < DBX_ARRAY_LEN(reason_map) ? (dbx_tlsrpt_result_t)reason_map[why]
                                                     : DBX_TLSRPT_NONE;
}

/* A field may hold printable ASCII without tab, ';' (list separator) or space
 * (TLSA texts have spaces: allowed there only). */
static bool field_ok(const char *s, bool spaces)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == ';' || (c == ' ' && !spaces)) {
            return false;
        }
    }
    return true;
}

static const char *or_dash(const char *s)
{
    return s[0] != '\0' ? s : "-";
}

int dbx_tlsrpt_rec_format(const dbx_tlsrpt_rec_t *r, char *buf, size_t cap)
{
    DBX_CHECK(r != NULL && buf != NULL && cap > 0, DBX_ERR_INVAL);
    DBX_CHECK(r->domain[0] != '\0' && field_ok(r->domain, false) && field_ok(r->mx, false) &&
                  field_ok(r->addr, false) && r->n_tlsa <= DBX_TLSRPT_MAX_TLSA &&
                  r->result > DBX_TLSRPT_NONE && r->result < DBX_TLSRPT_RESULT_COUNT,
              DBX_ERR_MALFORMED);
    char t[24];
    dbx_sbuf_t s;
    dbx_sbuf_init(&s, buf, cap);
    dbx_sbuf_puts(&s, "T1\t");
    dbx_sbuf_puts(&s, dbx_dec64(r->when, t));
    /* field by field: a name may be 255 octets, longer than dbx_sbuf_printf's
     * formatting buffer */
    const char *fields[] = {r->domain, r->tlsa_policy ? "tlsa" : "no-policy-found",
                            or_dash(r->mx), or_dash(r->addr), dbx_tlsrpt_result_str(r->result)};
    for (size_t i = 0; i < DBX_ARRAY_LEN(fields); i++) {
        dbx_sbuf_putc(&s, '\t');
        dbx_sbuf_puts(&s, fields[i]);
    }
    dbx_sbuf_putc(&s, '\t');
    for (uint8_t i = 0; i < r->n_tlsa; i++) {
        DBX_CHECK(r->tlsa[i][0] != '\0' && field_ok(r->tlsa[i], true), DBX_ERR_MALFORMED);
        if (i > 0) {
            dbx_sbuf_putc(&s, ';');
        }
        dbx_sbuf_puts(&s, r->tlsa[i]);
    }
    if (r->n_tlsa == 0) {
        dbx_sbuf_putc(&s, '-');
    }
    dbx_sbuf_putc(&s, '\n');
    return s.cut ? DBX_ERR_BUFFER : DBX_OK;
}

/* One tab-separated field: start and length (no copy). */
typedef struct field {
    const char *p;
    size_t n;
} field_t;

static bool field_is(const field_t *f, const char *s)
{
    return strlen(s) == f->n && memcmp(f->p, s, f->n) == 0;
}

/* Copy a field into out (cap) unless it is "-"; false: too long / bad. */
static bool field_copy(const field_t *f, char *out, size_t cap, bool spaces)
{
    if (f->n >= cap) {
        return false;
    }
    memcpy(out, f->p, f->n);
    out[f->n] = '\0';
    if (field_is(f, "-")) {
        out[0] = '\0';
    }
    return field_ok(out, spaces);
}

static int parse_tlsa(const field_t *f, dbx_tlsrpt_rec_t *r)
{
    r->n_tlsa = 0;
    if (field_is(f, "-")) {
        return DBX_OK;
    }
    const char *p = f->p, *end = f->p + f->n;
    while (p < end) {
        size_t n = 0;
        while (p + n < end && p[n] != ';') {
            n++;
        }
        DBX_CHECK(n > 0 && n < DBX_CHECK_TLSA_TEXT && r->n_tlsa < DBX_TLSRPT_MAX_TLSA,
                  DBX_ERR_MALFORMED);
        memcpy(r->tlsa[r->n_tlsa], p, n);
        r->tlsa[r->n_tlsa][n] = '\0';
        DBX_CHECK(field_ok(r->tlsa[r->n_tlsa++], true), DBX_ERR_MALFORMED);
        p += n + (p + n < end ? 1 : 0);
    }
    return DBX_OK;
}

int dbx_tlsrpt_rec_parse(const char *line, dbx_tlsrpt_rec_t *r)
{
    field_t f[8];
    DBX_CHECK(line != NULL && r != NULL, DBX_ERR_INVAL);
    memset(r, 0, sizeof(*r));
    const char *p = line;
    for (int i = 0; i < 8; i++) {
        size_t n = strcspn(p, i == 7 ? "\n" : "\t\n");
        DBX_CHECK(n > 0 && (i == 7 || p[n] == '\t'), DBX_ERR_MALFORMED);
        f[i].p = p;
        f[i].n = n;
        p += n + (p[n] != '\0' ? 1 : 0);
    }
    DBX_CHECK(field_is(&f[0], "T1") && *p == '\0' && f[1].n < 19, DBX_ERR_MALFORMED);
    int64_t t = 0;
    for (size_t i = 0; i < f[1].n; i++) {
        DBX_CHECK(f[1].p[i] >= '0' && f[1].p[i] <= '9', DBX_ERR_MALFORMED);
        t = t * 10 + (f[1].p[i] - '0');
    }
    r->when = t;
    char res[32];
    DBX_CHECK(!field_is(&f[2], "-") && field_copy(&f[2], r->domain, sizeof(r->domain), false) &&
                  field_copy(&f[4], r->mx, sizeof(r->mx), false) &&
                  field_copy(&f[5], r->addr, sizeof(r->addr), false) &&
                  field_copy(&f[6], res, sizeof(res), false),
              DBX_ERR_MALFORMED);
    DBX_CHECK(field_is(&f[3], "tlsa") || field_is(&f[3], "no-policy-found"), DBX_ERR_MALFORMED);
    r->tlsa_policy = field_is(&f[3], "tlsa");
    DBX_CHECK(dbx_tlsrpt_result_parse(res, &r->result) == DBX_OK, DBX_ERR_MALFORMED);
    return parse_tlsa(&f[7], r);
}

/* Fill the host part of a record (policy type, TLSA policy strings). */
static void host_policy(dbx_tlsrpt_rec_t *rec, const dbx_check_host_t *h)
{
    dbx_str_copy(rec->mx, sizeof(rec->mx), h->name);
    rec->tlsa_policy = h->tlsa.done && h->tlsa.sec == DBX_DNSSEC_SECURE && h->usable_tlsa > 0;
    rec->n_tlsa = 0;
    for (uint8_t i = 0; rec->tlsa_policy && i < h->n_tlsa && i < DBX_TLSRPT_MAX_TLSA; i++) {
        /* sorted: the RRset's answer order varies, the policy does not */
        uint8_t k = rec->n_tlsa++;
        while (k > 0 && strcmp(rec->tlsa[k - 1], h->tlsa_rr[i].text) > 0) {
            memcpy(rec->tlsa[k], rec->tlsa[k - 1], DBX_CHECK_TLSA_TEXT);
            k--;
        }
        dbx_str_copy(rec->tlsa[k], DBX_CHECK_TLSA_TEXT, h->tlsa_rr[i].text);
    }
}

static size_t emit(dbx_tlsrpt_sink_t *sink, const dbx_tlsrpt_rec_t *rec)
{
    if (dbx_tlsrpt_rec_format(rec, sink->line, sizeof(sink->line)) != DBX_OK) {
        return 0;
    }
    sink->append(sink->user, sink->line, strlen(sink->line));
    return 1;
}

/* DNS-stage failures (no address tried) are one record per host. */
static bool dns_stage(dbx_tlsrpt_result_t r)
{
    return r == DBX_TLSRPT_DNSSEC_INVALID || r == DBX_TLSRPT_DANE_REQUIRED;
}

size_t dbx_tlsrpt_note(dbx_tlsrpt_sink_t *sink, const char *domain,
                       const dbx_check_result_t *rep, int64_t now)
{
    size_t n = 0;
    if (sink == NULL || sink->append == NULL || domain == NULL || rep == NULL) {
        return 0;
    }
    dbx_tlsrpt_rec_t *const r = &sink->rec;
    memset(r, 0, sizeof(*r));
    r->when = now;
    dbx_str_copy(r->domain, sizeof(r->domain), domain);
    if (rep->n_hosts == 0) { /* MX stage */
        r->result = dbx_tlsrpt_map(rep->why);
        return r->result != DBX_TLSRPT_NONE ? emit(sink, r) : 0;
    }
    for (uint8_t i = 0; i < rep->n_hosts; i++) {
        const dbx_check_host_t *h = &rep->hosts[i];
        host_policy(r, h);
        r->addr[0] = '\0';
        r->result = dbx_tlsrpt_map(h->why);
        if (dns_stage(r->result)) {
            n += emit(sink, r);
            continue;
        }
        for (uint8_t k = 0; k < h->n_addrs; k++) {
            const dbx_check_addr_t *a = &h->addrs[k];
            r->result = dbx_tlsrpt_map(a->why);
            if (r->result == DBX_TLSRPT_NONE || dns_stage(r->result)) {
                continue;
            }
            dbx_addr_format(&a->addr, r->addr, sizeof(r->addr));
            n += emit(sink, r);
        }
    }
    return n;
}
