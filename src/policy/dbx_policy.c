/* RFC 7672 per-host and per-domain decisions; see dbx_policy.h. */
#include "dbx_policy.h"

#include <stdio.h>
#include <string.h>

const char *dbx_verdict_str(dbx_verdict_t v)
{
    switch (v) {
    case DBX_VERDICT_DANE_VERIFIED: return "dane-verified";
    case DBX_VERDICT_ENCRYPT_UNAUTH: return "encrypt-unauthenticated";
    case DBX_VERDICT_OPPORTUNISTIC: return "opportunistic";
    case DBX_VERDICT_DEFER: return "defer";
    }
    return "invalid";
}

const char *dbx_defer_reason_str(dbx_defer_reason_t r)
{
    switch (r) {
    case DBX_DEFER_NONE: return "none";
    case DBX_DEFER_MX_BOGUS: return "mx-bogus";
    case DBX_DEFER_MX_INDETERMINATE: return "mx-indeterminate";
    case DBX_DEFER_ADDR_BOGUS: return "address-bogus";
    case DBX_DEFER_ADDR_INDETERMINATE: return "address-indeterminate";
    case DBX_DEFER_ADDR_NONE: return "no-address";
    case DBX_DEFER_TLSA_BOGUS: return "tlsa-bogus";
    case DBX_DEFER_TLSA_INDETERMINATE: return "tlsa-indeterminate";
    case DBX_DEFER_NO_STARTTLS: return "starttls-not-offered";
    case DBX_DEFER_HANDSHAKE: return "tls-handshake-failed";
    case DBX_DEFER_NO_MATCH: return "tlsa-no-match";
    case DBX_DEFER_MATCH_ERROR: return "tlsa-match-error";
    case DBX_DEFER_BAD_INPUT: return "bad-input";
    }
    return "invalid";
}

const char *dbx_dnssec_str(dbx_dnssec_t s)
{
    switch (s) {
    case DBX_DNSSEC_SECURE: return "secure";
    case DBX_DNSSEC_SECURE_DENIAL: return "secure-denial";
    case DBX_DNSSEC_INSECURE: return "insecure";
    case DBX_DNSSEC_BOGUS: return "bogus";
    case DBX_DNSSEC_INDETERMINATE: return "indeterminate";
    }
    return "invalid";
}

static bool valid_dnssec(dbx_dnssec_t s)
{
    return (unsigned)s <= (unsigned)DBX_DNSSEC_INDETERMINATE;
}

static dbx_verdict_t defer(dbx_defer_reason_t r, dbx_defer_reason_t *why)
{
    if (why != NULL) {
        *why = r;
    }
    return DBX_VERDICT_DEFER;
}

static dbx_verdict_t ok(dbx_verdict_t v, dbx_defer_reason_t *why)
{
    if (why != NULL) {
        *why = DBX_DEFER_NONE;
    }
    return v;
}

dbx_verdict_t dbx_policy_host(const dbx_policy_host_t *h, dbx_defer_reason_t *why)
{
    if (h == NULL || !valid_dnssec(h->mx) || !valid_dnssec(h->addr) || !valid_dnssec(h->tlsa)) {
        return defer(DBX_DEFER_BAD_INPUT, why);
    }
    /* 1. the MX RRset */
    if (h->mx == DBX_DNSSEC_BOGUS) {
        return defer(DBX_DEFER_MX_BOGUS, why);
    }
    if (h->mx == DBX_DNSSEC_INDETERMINATE) {
        return defer(DBX_DEFER_MX_INDETERMINATE, why);
    }
    /* 2. the host's addresses */
    if (h->addr == DBX_DNSSEC_BOGUS) {
        return defer(DBX_DEFER_ADDR_BOGUS, why);
    }
    if (h->addr == DBX_DNSSEC_INDETERMINATE) {
        return defer(DBX_DEFER_ADDR_INDETERMINATE, why);
    }
    if (h->addr == DBX_DNSSEC_SECURE_DENIAL) {
        return defer(DBX_DEFER_ADDR_NONE, why);
    }
    /* 3./4. no DANE without a secure MX RRset and secure addresses */
    if (h->mx == DBX_DNSSEC_INSECURE || h->addr == DBX_DNSSEC_INSECURE) {
        return ok(DBX_VERDICT_OPPORTUNISTIC, why);
    }
    /* 5./6. the TLSA lookup */
    if (h->tlsa == DBX_DNSSEC_BOGUS) {
        return defer(DBX_DEFER_TLSA_BOGUS, why);
    }
    if (h->tlsa == DBX_DNSSEC_INDETERMINATE) {
        return defer(DBX_DEFER_TLSA_INDETERMINATE, why);
    }
    if (h->tlsa == DBX_DNSSEC_INSECURE || h->tlsa == DBX_DNSSEC_SECURE_DENIAL) {
        return ok(DBX_VERDICT_OPPORTUNISTIC, why);
    }
    /* 7./8. secure TLSA RRset: TLS is mandatory */
    if (!h->starttls) {
        return defer(DBX_DEFER_NO_STARTTLS, why);
    }
    if (!h->handshake_ok) {
        return defer(DBX_DEFER_HANDSHAKE, why);
    }
    if (h->usable_tlsa == 0) {
        return ok(DBX_VERDICT_ENCRYPT_UNAUTH, why);
    }
    switch (h->match) {
    case DBX_DANE_MATCH: return ok(DBX_VERDICT_DANE_VERIFIED, why);
    case DBX_DANE_NO_MATCH: return defer(DBX_DEFER_NO_MATCH, why);
    case DBX_DANE_NO_USABLE: /* contradicts usable_tlsa > 0 */
    case DBX_DANE_ERROR:
    default: return defer(DBX_DEFER_MATCH_ERROR, why);
    }
}

int dbx_policy_domain(const dbx_policy_host_t *hosts, size_t n, dbx_policy_domain_t *out)
{
    DBX_CHECK(out != NULL, DBX_ERR_INVAL);
    DBX_CHECK(hosts != NULL || n == 0, DBX_ERR_INVAL);
    memset(out, 0, sizeof *out);
    out->verdict = DBX_VERDICT_DEFER;
    out->host = -1;
    out->n_hosts = n < DBX_POLICY_MAX_HOSTS ? n : DBX_POLICY_MAX_HOSTS;
    for (size_t i = 0; i < out->n_hosts; i++) {
        out->verdicts[i] = dbx_policy_host(&hosts[i], &out->reasons[i]);
        if (out->verdicts[i] != DBX_VERDICT_DEFER) {
            out->verdict = out->verdicts[i];
            out->host = (int)i;
            out->n_hosts = i + 1; /* later hosts are not tried */
            break;
        }
    }
    return DBX_OK;
}

static void cat(char *buf, size_t size, size_t *pos, const char *s, bool *trunc)
{
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (*pos + 1 >= size) {
            *trunc = true;
            break;
        }
        buf[(*pos)++] = s[i];
    }
    buf[*pos] = '\0';
}

static void cat_num(char *buf, size_t size, size_t *pos, size_t v, bool *trunc)
{
    char d[24];
    (void)snprintf(d, sizeof d, "%lu", (unsigned long)v); /* newlib-nano: no %zu */
    cat(buf, size, pos, d, trunc);
}

int dbx_policy_domain_str(const dbx_policy_domain_t *d, char *buf, size_t size)
{
    size_t pos = 0;
    bool trunc = false;
    DBX_CHECK(d != NULL && buf != NULL && size > 0, DBX_ERR_INVAL);
    buf[0] = '\0';
    cat(buf, size, &pos, dbx_verdict_str(d->verdict), &trunc);
    if (d->host >= 0) {
        cat(buf, size, &pos, " (host ", &trunc);
        cat_num(buf, size, &pos, (size_t)d->host, &trunc);
        cat(buf, size, &pos, ")", &trunc);
    } else {
        cat(buf, size, &pos, d->n_hosts == 0 ? ": no MX hosts" : ":", &trunc);
        for (size_t i = 0; i < d->n_hosts && i < DBX_POLICY_MAX_HOSTS; i++) {
            cat(buf, size, &pos, i == 0 ? " #" : "; #", &trunc);
            cat_num(buf, size, &pos, i, &trunc);
            cat(buf, size, &pos, " ", &trunc);
            cat(buf, size, &pos, dbx_defer_reason_str(d->reasons[i]), &trunc);
        }
    }
    return trunc ? DBX_ERR_BUFFER : DBX_OK;
}
