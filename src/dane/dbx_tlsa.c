/* DANE TLSA records: parsing (RDATA and presentation text), usability and
 * digest agility (RFC 7671 9).  Matching a chain against them is dbx_dane.c.
 * See dbx_dane.h for the decisions and the RFC sections behind them. */
#include "dbx_dane.h"

#include "dbx_str.h"

#include <string.h>

const char *dbx_tlsa_use_str(dbx_tlsa_use_t u)
{
    switch (u) {
    case DBX_TLSA_USABLE: return "usable";
    case DBX_TLSA_UNUSABLE_PKIX: return "PKIX usage unusable for SMTP (RFC 7672 3.1.3)";
    case DBX_TLSA_UNUSABLE_USAGE: return "unknown certificate usage";
    case DBX_TLSA_UNUSABLE_SELECTOR: return "unknown selector";
    case DBX_TLSA_UNUSABLE_MTYPE: return "unsupported matching type";
    case DBX_TLSA_MALFORMED_TRUNCATED: return "malformed: truncated RDATA";
    case DBX_TLSA_MALFORMED_EMPTY: return "malformed: empty association data";
    case DBX_TLSA_MALFORMED_LENGTH: return "malformed: digest length wrong for matching type";
    case DBX_TLSA_IGNORED_AGILITY: return "ignored: stronger digest present (RFC 7671 9)";
    case DBX_TLSA_IGNORED_LIMIT: return "ignored: too many records";
    }
    return "unknown";
}

void dbx_dane_opts_init(dbx_dane_opts_t *o)
{
    if (o == NULL) {
        return;
    }
    memset(o, 0, sizeof *o);
    o->digest_pref[0] = DBX_TLSA_MT_SHA512;
    o->digest_pref[1] = DBX_TLSA_MT_SHA256;
    o->n_digest_pref = 2;
    o->max_records = DBX_DANE_MAX_RECORDS;
    o->max_chain = DBX_DANE_MAX_CHAIN;
}

int dbx_tlsa_from_rdata(const uint8_t *rdata, size_t rdlen, dbx_tlsa_t *out)
{
    DBX_ASSERT(out != NULL);
    DBX_ASSERT(rdata != NULL || rdlen == 0);
    memset(out, 0, sizeof *out);
    if (rdlen < 3) {
        out->truncated = true;
        out->usage = rdlen > 0 ? rdata[0] : 0;
        out->selector = rdlen > 1 ? rdata[1] : 0;
        return DBX_ERR_MALFORMED;
    }
    DBX_CHECK(rdlen - 3 <= DBX_DANE_MAX_DATA, DBX_ERR_LIMIT);
    out->usage = rdata[0];
    out->selector = rdata[1];
    out->mtype = rdata[2];
    out->data = rdata + 3;
    out->len = rdlen - 3;
    return DBX_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')';
}

/* Next token of text[*pos..end): start/len; false at end. */
static bool next_token(const char *t, size_t end, size_t *pos, size_t *start, size_t *len)
{
    size_t p = *pos;
    while (p < end && is_blank(t[p])) {
        p++;
    }
    if (p >= end) {
        *pos = p;
        return false;
    }
    *start = p;
    while (p < end && !is_blank(t[p])) {
        p++;
    }
    *len = p - *start;
    *pos = p;
    return true;
}

static bool parse_u8(const char *s, size_t n, uint8_t *out)
{
    unsigned v = 0;
    if (n == 0 || n > 3) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10u + (unsigned)(s[i] - '0');
    }
    if (v > 255u) {
        return false;
    }
    *out = (uint8_t)v;
    return true;
}

int dbx_tlsa_from_text(const char *text, size_t textlen, uint8_t *buf, size_t bufsize,
                       dbx_tlsa_t *out)
{
    size_t end = 0, pos = 0, st = 0, n = 0, first = 0, ntok = 0;
    size_t tok_st[8], tok_len[8];
    uint8_t f[3];
    size_t hexdigits = 0, olen = 0;
    int hi = -1;

    DBX_ASSERT(text != NULL && out != NULL && (buf != NULL || bufsize == 0));
    memset(out, 0, sizeof *out);
    /* the record ends at a comment or NUL */
    while (end < textlen && text[end] != ';' && text[end] != '\0') {
        end++;
    }
    /* first up to 8 tokens: find "TLSA" to skip a zone-line prefix */
    while (ntok < DBX_ARRAY_LEN(tok_st) && next_token(text, end, &pos, &st, &n)) {
        tok_st[ntok] = st;
        tok_len[ntok] = n;
        ntok++;
    }
    DBX_CHECK(ntok > 0, DBX_ERR_NOTFOUND);
    for (size_t i = 0; i < ntok && i < 5; i++) {
        if (tok_len[i] == 4 && dbx_ascii_casecmp_n(text + tok_st[i], "TLSA", 4) == 0) {
            first = i + 1;
            break;
        }
    }
    DBX_CHECK(ntok >= first + 3, DBX_ERR_MALFORMED);
    for (size_t i = 0; i < 3; i++) {
        DBX_CHECK(parse_u8(text + tok_st[first + i], tok_len[first + i], &f[i]),
                  DBX_ERR_MALFORMED);
    }
    out->usage = f[0];
    out->selector = f[1];
    out->mtype = f[2];
    /* the rest of the record is hex, blanks allowed anywhere */
    pos = tok_st[first + 2] + tok_len[first + 2];
    for (; pos < end; pos++) {
        int v;
        if (is_blank(text[pos])) {
            continue;
        }
        v = dbx_hex_digit(text[pos]);
        DBX_CHECK(v >= 0, DBX_ERR_MALFORMED);
        hexdigits++;
        if (hi < 0) {
            hi = v;
        } else {
            DBX_CHECK(olen < bufsize, DBX_ERR_BUFFER);
            DBX_CHECK(olen < DBX_DANE_MAX_DATA, DBX_ERR_LIMIT);
            buf[olen++] = (uint8_t)((hi << 4) | v);
            hi = -1;
        }
    }
    out->data = olen > 0 ? buf : NULL;
    out->len = olen;
    out->truncated = (hexdigits & 1u) != 0;
    return DBX_OK;
}

static int digest_rank(uint8_t mtype, const dbx_dane_opts_t *o)
{
    for (int i = 0; i < o->n_digest_pref && i < (int)DBX_ARRAY_LEN(o->digest_pref); i++) {
        if (o->digest_pref[i] == mtype) {
            return i;
        }
    }
    return -1;
}

static size_t digest_len(uint8_t mtype)
{
    return mtype == DBX_TLSA_MT_SHA256 ? 32u : mtype == DBX_TLSA_MT_SHA512 ? 64u : 0u;
}

dbx_tlsa_use_t dbx_tlsa_usability(const dbx_tlsa_t *r, const dbx_dane_opts_t *opts)
{
    dbx_dane_opts_t def;
    if (opts == NULL) {
        dbx_dane_opts_init(&def);
        opts = &def;
    }
    if (r == NULL || r->truncated) {
        return DBX_TLSA_MALFORMED_TRUNCATED;
    }
    if (r->usage == DBX_TLSA_PKIX_TA || r->usage == DBX_TLSA_PKIX_EE) {
        return DBX_TLSA_UNUSABLE_PKIX;
    }
    if (r->usage != DBX_TLSA_DANE_TA && r->usage != DBX_TLSA_DANE_EE) {
        return DBX_TLSA_UNUSABLE_USAGE;
    }
    if (r->selector > DBX_TLSA_SEL_SPKI) {
        return DBX_TLSA_UNUSABLE_SELECTOR;
    }
    if (r->mtype == DBX_TLSA_MT_FULL) {
        return r->len == 0 ? DBX_TLSA_MALFORMED_EMPTY : DBX_TLSA_USABLE;
    }
    if (digest_len(r->mtype) == 0 || digest_rank(r->mtype, opts) < 0) {
        return DBX_TLSA_UNUSABLE_MTYPE;
    }
    return r->len == digest_len(r->mtype) ? DBX_TLSA_USABLE : DBX_TLSA_MALFORMED_LENGTH;
}

int dbx_tlsa_classify(const dbx_tlsa_t *recs, size_t n, const dbx_dane_opts_t *opts,
                      dbx_tlsa_use_t *use)
{
    dbx_dane_opts_t def;
    int usable = 0;
    DBX_ASSERT((recs != NULL && use != NULL) || n == 0);
    if (opts == NULL) {
        dbx_dane_opts_init(&def);
        opts = &def;
    }
    for (size_t i = 0; i < n; i++) {
        use[i] = i < opts->max_records ? dbx_tlsa_usability(&recs[i], opts)
                                       : DBX_TLSA_IGNORED_LIMIT;
    }
    /* RFC 7671 §9: per (usage, selector), only the strongest digest present
     * is used; Full(0) is not a digest and always stays. */
    for (uint8_t u = DBX_TLSA_DANE_TA; u <= DBX_TLSA_DANE_EE; u++) {
        for (uint8_t s = 0; s <= DBX_TLSA_SEL_SPKI; s++) {
            int best = -1;
            for (size_t i = 0; i < n; i++) {
                int rk;
                if (use[i] != DBX_TLSA_USABLE || recs[i].usage != u || recs[i].selector != s ||
                    recs[i].mtype == DBX_TLSA_MT_FULL) {
                    continue;
                }
                rk = digest_rank(recs[i].mtype, opts);
                if (best < 0 || rk < best) {
                    best = rk;
                }
            }
            for (size_t i = 0; i < n && best >= 0; i++) {
                if (use[i] == DBX_TLSA_USABLE && recs[i].usage == u && recs[i].selector == s &&
                    recs[i].mtype != DBX_TLSA_MT_FULL && digest_rank(recs[i].mtype, opts) > best) {
                    use[i] = DBX_TLSA_IGNORED_AGILITY;
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        usable += use[i] == DBX_TLSA_USABLE ? 1 : 0;
    }
    return usable;
}
