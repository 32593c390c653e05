/* Zone text parsing, trust anchors and the in-memory answer source used for
 * offline validation. */
#include "dnssec/dbx_dnssec_int.h"
#include "dbx_anchor.h"

#include <stdlib.h>
#include <string.h>

#define STMT_MAX 16384

/* ---- zone text ----------------------------------------------------------------- */

static int is_blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 0;
    }
    return 1;
}

int dbx_zone_text_parse(const char *text, size_t max, ldns_rr_list *out, int *bad_line)
{
    char *stmt;
    size_t sl = 0;
    int depth = 0, line = 0, stmt_line = 0, st = DBX_OK;
    ldns_rdf *origin = NULL, *prev = NULL;
    uint32_t dttl = 3600;
    const char *p = text;

    DBX_ASSERT(text != NULL && out != NULL);
    stmt = malloc(STMT_MAX);
    if (stmt == NULL) return DBX_ERR_NOMEM;
    while (*p != '\0' && st == DBX_OK) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        int inq = 0;
        line++;
        if (depth == 0) {
            sl = 0;
            stmt_line = line;
        }
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            if (c == '"' && (i == 0 || p[i - 1] != '\\')) inq = !inq;
            if (!inq && c == ';') break;
            if (!inq && (c == '(' || c == ')')) {
                depth += c == '(' ? 1 : -1;
                c = ' ';
            }
            if (c == '\r' || c == '\t') c = ' ';
            if (sl + 2 >= STMT_MAX) {
                st = DBX_ERR_LIMIT;
                break;
            }
            stmt[sl++] = c;
        }
        if (sl + 2 < STMT_MAX) stmt[sl++] = ' ';
        stmt[sl] = '\0';
        p = eol ? eol + 1 : p + len;
        if (st != DBX_OK) break;
        if (depth < 0) {
            st = DBX_ERR_MALFORMED;
            break;
        }
        if (depth > 0 || is_blank(stmt)) continue;
        if (strncmp(stmt, "$ORIGIN", 7) == 0) {
            char name[256];
            ldns_rdf *o = NULL;
            if (sscanf(stmt + 7, "%255s", name) != 1 || ldns_str2rdf_dname(&o, name) != LDNS_STATUS_OK) {
                st = DBX_ERR_MALFORMED;
                break;
            }
            ldns_rdf_deep_free(origin);
            origin = o;
            continue;
        }
        if (strncmp(stmt, "$TTL", 4) == 0) {
            unsigned long t;
            if (sscanf(stmt + 4, "%lu", &t) != 1) {
                st = DBX_ERR_MALFORMED;
                break;
            }
            dttl = (uint32_t)t;
            continue;
        }
        if (stmt[0] == '$') {
            st = DBX_ERR_MALFORMED; /* $INCLUDE and friends: not here */
            break;
        }
        {
            ldns_rr *rr = NULL;
            if (ldns_rr_list_rr_count(out) >= max) {
                st = DBX_ERR_LIMIT;
                break;
            }
            if (ldns_rr_new_frm_str(&rr, stmt, dttl, origin, &prev) != LDNS_STATUS_OK || rr == NULL) {
                st = DBX_ERR_MALFORMED;
                break;
            }
            if (!ldns_rr_list_push_rr(out, rr)) {
                ldns_rr_free(rr);
                st = DBX_ERR_NOMEM;
            }
        }
    }
    if (st == DBX_OK && depth != 0) st = DBX_ERR_MALFORMED;
    if (st != DBX_OK && bad_line != NULL) *bad_line = stmt_line;
    ldns_rdf_deep_free(origin);
    ldns_rdf_deep_free(prev);
    free(stmt);
    return st;
}

/* ---- trust anchors -------------------------------------------------------------- */

void dbx_trust_free(dbx_trust_t *t)
{
    if (t == NULL) return;
    ldns_rdf_deep_free(t->owner);
    ldns_rr_list_deep_free(t->ds);
    ldns_rr_list_deep_free(t->keys);
    memset(t, 0, sizeof *t);
}

size_t dbx_trust_ds_count(const dbx_trust_t *t)
{
    return (t != NULL && t->ds != NULL) ? ldns_rr_list_rr_count(t->ds) : 0;
}

int dbx_trust_from_ds(dbx_trust_t *t, const dbx_anchor_ds_t *ds, size_t n)
{
    DBX_ASSERT(t != NULL && (ds != NULL || n == 0));
    memset(t, 0, sizeof *t);
    if (n == 0) return DBX_ERR_MALFORMED;
    t->owner = ldns_dname_new_frm_str(".");
    t->ds = ldns_rr_list_new();
    t->keys = ldns_rr_list_new();
    if (t->owner == NULL || t->ds == NULL || t->keys == NULL) goto nomem;
    for (size_t i = 0; i < n; i++) {
        const dbx_anchor_ds_t *a = &ds[i];
        ldns_rr *rr = ldns_rr_new_frm_type(LDNS_RR_TYPE_DS);
        if (rr == NULL) goto nomem;
        ldns_rr_set_owner(rr, ldns_rdf_clone(t->owner));
        ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
        ldns_rr_set_ttl(rr, 86400);
        ldns_rr_set_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, a->key_tag), 0);
        ldns_rr_set_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, a->alg), 1);
        ldns_rr_set_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, a->digest_type), 2);
        ldns_rr_set_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_HEX, a->digest_len, a->digest), 3);
        if (ldns_rr_owner(rr) == NULL || ldns_rr_rdf(rr, 0) == NULL || ldns_rr_rdf(rr, 1) == NULL ||
            ldns_rr_rdf(rr, 2) == NULL || ldns_rr_rdf(rr, 3) == NULL ||
            !ldns_rr_list_push_rr(t->ds, rr)) {
            ldns_rr_free(rr);
            goto nomem;
        }
    }
    return DBX_OK;
nomem:
    dbx_trust_free(t);
    return DBX_ERR_NOMEM;
}

int dbx_trust_builtin(dbx_trust_t *t)
{
    return dbx_trust_from_ds(t, dbx_root_anchor.ds, dbx_root_anchor.ds_count);
}

int dbx_trust_from_text(dbx_trust_t *t, const char *text)
{
    ldns_rr_list *all = ldns_rr_list_new();
    int st;
    DBX_ASSERT(t != NULL && text != NULL);
    memset(t, 0, sizeof *t);
    if (all == NULL) return DBX_ERR_NOMEM;
    st = dbx_zone_text_parse(text, 64, all, NULL);
    if (st == DBX_OK) {
        t->ds = ldns_rr_list_new();
        t->keys = ldns_rr_list_new();
        if (t->ds == NULL || t->keys == NULL) st = DBX_ERR_NOMEM;
    }
    for (size_t i = 0; st == DBX_OK && i < ldns_rr_list_rr_count(all); i++) {
        ldns_rr *rr = ldns_rr_list_rr(all, i);
        ldns_rr_type ty = ldns_rr_get_type(rr);
        if (ty != LDNS_RR_TYPE_DS && ty != LDNS_RR_TYPE_DNSKEY) continue;
        if (t->owner == NULL) {
            t->owner = ldns_rdf_clone(ldns_rr_owner(rr));
            if (t->owner == NULL) st = DBX_ERR_NOMEM;
        } else if (ldns_dname_compare(t->owner, ldns_rr_owner(rr)) != 0) {
            st = DBX_ERR_MALFORMED; /* one anchor owner only */
        }
        if (st == DBX_OK) {
            ldns_rr *c = ldns_rr_clone(rr);
            if (c == NULL || !ldns_rr_list_push_rr(ty == LDNS_RR_TYPE_DS ? t->ds : t->keys, c)) {
                ldns_rr_free(c);
                st = DBX_ERR_NOMEM;
            }
        }
    }
    ldns_rr_list_deep_free(all);
    if (st == DBX_OK && t->owner == NULL) st = DBX_ERR_MALFORMED;
    if (st != DBX_OK) dbx_trust_free(t);
    else ldns_dname2canonical(t->owner);
    return st;
}

/* ---- in-memory answer source --------------------------------------------------- */


int dbx_memsrc_init(dbx_memsrc_t *m, const char *zone_text, int *bad_line)
{
    int st;
    DBX_ASSERT(m != NULL && zone_text != NULL);
    memset(m, 0, sizeof *m);
    m->rrs = ldns_rr_list_new();
    m->soa = ldns_rr_list_new();
    if (m->rrs == NULL || m->soa == NULL) {
        dbx_memsrc_free(m);
        return DBX_ERR_NOMEM;
    }
    st = dbx_zone_text_parse(zone_text, DBX_MEMSRC_MAX_RRS, m->rrs, bad_line);
    for (size_t i = 0; st == DBX_OK && i < ldns_rr_list_rr_count(m->rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        ldns_dname2canonical(ldns_rr_owner(rr));
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            ldns_rr *c = ldns_rr_clone(rr);
            if (c == NULL || !ldns_rr_list_push_rr(m->soa, c)) {
                ldns_rr_free(c);
                st = DBX_ERR_NOMEM;
            }
        }
    }
    if (st != DBX_OK) dbx_memsrc_free(m);
    return st;
}

void dbx_memsrc_free(dbx_memsrc_t *m)
{
    if (m == NULL) return;
    ldns_rr_list_deep_free(m->rrs);
    ldns_rr_list_deep_free(m->soa);
    memset(m, 0, sizeof *m);
}

/* Deepest apex at or above @p name (strictly above when @p proper). */
static const ldns_rdf *zone_of(const dbx_memsrc_t *m, const ldns_rdf *name, int proper)
{
    const ldns_rdf *best = NULL;
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->soa); i++) {
        const ldns_rdf *z = ldns_rr_owner(ldns_rr_list_rr(m->soa, i));
        if (!dbx_dname_under(name, z) || (proper && ldns_dname_compare(name, z) == 0)) continue;
        if (best == NULL || ldns_dname_label_count(z) > ldns_dname_label_count(best)) best = z;
    }
    return best;
}

static int bm_has(const ldns_rr *rr, size_t idx, ldns_rr_type t)
{
    const ldns_rdf *bm = ldns_rr_rdf(rr, idx);
    return bm != NULL && ldns_rdf_size(bm) > 0 && ldns_nsec_bitmap_covers_type(bm, t);
}

/* Does @p rr belong to zone @p z? */
static int in_zone(const dbx_memsrc_t *m, const ldns_rr *rr, const ldns_rdf *z)
{
    const ldns_rdf *owner = ldns_rr_owner(rr), *oz;
    switch (ldns_rr_get_type(rr)) {
    case LDNS_RR_TYPE_RRSIG:
        return ldns_rr_rd_count(rr) == 9 && ldns_dname_compare(ldns_rr_rdf(rr, 7), z) == 0;
    case LDNS_RR_TYPE_DS:
        oz = zone_of(m, owner, 1);
        break;
    case LDNS_RR_TYPE_NSEC3:
        return ldns_dname_is_subdomain(owner, z) &&
               ldns_dname_label_count(owner) == ldns_dname_label_count(z) + 1;
    case LDNS_RR_TYPE_NSEC:
        oz = zone_of(m, owner, 0);
        if (oz != NULL && ldns_dname_compare(oz, owner) == 0 && !bm_has(rr, 1, LDNS_RR_TYPE_SOA)) {
            oz = zone_of(m, owner, 1);
        }
        break;
    default:
        oz = zone_of(m, owner, 0);
        break;
    }
    return oz != NULL && ldns_dname_compare(oz, z) == 0;
}

static uint16_t covered(const ldns_rr *sig)
{
    const ldns_rdf *f = ldns_rr_rdf(sig, 0);
    return (f && ldns_rdf_size(f) == 2) ? ldns_rdf2native_int16(f) : 0;
}

/* Append the RRset (owner @p src_owner, type @p t) of zone @p z and its
 * RRSIGs to @p sec of @p p, renamed to @p as when non-NULL.  @return count. */
static size_t add_set(const dbx_memsrc_t *m, ldns_pkt *p, ldns_pkt_section sec, const ldns_rdf *z,
                      const ldns_rdf *src_owner, ldns_rr_type t, const ldns_rdf *as)
{
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && n == 0) return 0;
        for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
            if (ldns_dname_compare(ldns_rr_owner(rr), src_owner) != 0) continue;
            if (pass == 0 && ldns_rr_get_type(rr) != t) continue;
            if (pass == 1 && (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || covered(rr) != t)) continue;
            if (!in_zone(m, rr, z)) continue;
            ldns_rr *c = ldns_rr_clone(rr);
            if (c == NULL) continue;
            if (as != NULL) {
                ldns_rdf_deep_free(ldns_rr_owner(c));
                ldns_rr_set_owner(c, ldns_rdf_clone(as));
            }
            /* skip duplicates (the same NSEC proving two things) */
            if (ldns_pkt_rr(p, sec, c)) {
                ldns_rr_free(c);
                continue;
            }
            ldns_pkt_push_rr(p, sec, c);
            if (pass == 0) n++;
        }
    }
    return n;
}

/* Does @p name exist (has data or descendants)?  @p name is inside @p z. */
static int name_exists(const dbx_memsrc_t *m, const ldns_rdf *z, const ldns_rdf *name)
{
    (void)z;
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if (t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC3) continue;
        if (dbx_dname_under(ldns_rr_owner(rr), name)) return 1;
    }
    return 0;
}

static int has_set(const dbx_memsrc_t *m, const ldns_rdf *z, const ldns_rdf *o, ldns_rr_type t)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        if (ldns_rr_get_type(rr) == t && ldns_dname_compare(ldns_rr_owner(rr), o) == 0 &&
            in_zone(m, rr, z)) {
            return 1;
        }
    }
    return 0;
}

static ldns_rdf *wild(const ldns_rdf *ce)
{
    uint8_t buf[LDNS_MAX_DOMAINLEN + 3];
    size_t n = ldns_rdf_size(ce);
    if (n + 2 > LDNS_MAX_DOMAINLEN) return NULL;
    buf[0] = 1;
    buf[1] = '*';
    memcpy(buf + 2, ldns_rdf_data(ce), n);
    return ldns_dname_new_frm_data((uint16_t)(n + 2), buf);
}

static int nsec_cov(const ldns_rr *nsec, const ldns_rdf *name)
{
    const ldns_rdf *o = ldns_rr_owner(nsec), *nx = ldns_rr_rdf(nsec, 0);
    int c1 = ldns_dname_compare(o, name), c2 = ldns_dname_compare(name, nx);
    if (ldns_dname_compare(o, nx) < 0) return c1 < 0 && c2 < 0;
    return c1 < 0 || c2 < 0;
}

/* Put the NSEC (match or cover) for @p name of zone @p z into authority. */
static void add_nsec_for(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z,
                         const ldns_rdf *name, int match_ok)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC || !in_zone(m, rr, z)) continue;
        int match = ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
        if ((match && match_ok) || (!match && nsec_cov(rr, name))) {
            add_set(m, p, LDNS_SECTION_AUTHORITY, z, ldns_rr_owner(rr), LDNS_RR_TYPE_NSEC, NULL);
            return;
        }
    }
}

/* NSEC3 of zone @p z matching (match=1) or covering (0) @p name; NULL if none. */
static const ldns_rr *n3_for(const dbx_memsrc_t *m, const ldns_rdf *z, const ldns_rdf *name,
                             int match)
{
    const ldns_rr *first = NULL;
    uint8_t h[20];
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        uint8_t oh[20];
        size_t ol;
        const uint8_t *o;
        const ldns_rdf *nx;
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3 || !in_zone(m, rr, z) || ldns_rr_rd_count(rr) < 5) continue;
        if (first == NULL) {
            const ldns_rdf *salt = ldns_rr_rdf(rr, 3);
            first = rr;
            if (ldns_rdf_size(salt) < 1 ||
                dbx_nsec3_hash(NULL, name, 1, ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)),
                               ldns_rdf_data(salt) + 1, ldns_rdf_data(salt)[0], h) != DBX_OK) {
                return NULL;
            }
        }
        o = ldns_rdf_data(ldns_rr_owner(rr));
        nx = ldns_rr_rdf(rr, 4);
        if (dbx_b32hex_decode(o + 1, o[0], oh, 20, &ol) != 0 || ol != 20 || ldns_rdf_size(nx) != 21) continue;
        int c1 = memcmp(oh, h, 20), c2 = memcmp(h, ldns_rdf_data(nx) + 1, 20);
        if (match) {
            if (c1 == 0) return rr;
        } else if (memcmp(oh, ldns_rdf_data(nx) + 1, 20) < 0 ? (c1 < 0 && c2 < 0) : (c1 < 0 || c2 < 0)) {
            return rr;
        }
    }
    return NULL;
}

static void add_rr_set_of(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z, const ldns_rr *rr)
{
    if (rr != NULL) {
        add_set(m, p, LDNS_SECTION_AUTHORITY, z, ldns_rr_owner(rr), ldns_rr_get_type(rr), NULL);
    }
}

static int zone_uses_nsec3(const dbx_memsrc_t *m, const ldns_rdf *z)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(m->rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(m->rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3 && in_zone(m, rr, z)) return 1;
    }
    return 0;
}

/* Denial records for qname (negative answers and wildcard expansions). */
static void add_denial(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z, const ldns_rdf *qname,
                       const ldns_rdf *ce, int for_wildcard_answer)
{
    int n3 = zone_uses_nsec3(m, z);
    ldns_rdf *wc = wild(ce);
    if (n3) {
        const ldns_rr *mt = for_wildcard_answer ? NULL : n3_for(m, z, qname, 1);
        if (mt != NULL) {
            add_rr_set_of(m, p, z, mt);
        } else {
            ldns_rdf *nc = dbx_dname_ancestor(qname, ldns_dname_label_count(ce) + 1);
            if (!for_wildcard_answer) add_rr_set_of(m, p, z, n3_for(m, z, ce, 1));
            if (nc) add_rr_set_of(m, p, z, n3_for(m, z, nc, 0));
            if (!for_wildcard_answer && wc) {
                const ldns_rr *w = n3_for(m, z, wc, 1);
                add_rr_set_of(m, p, z, w ? w : n3_for(m, z, wc, 0));
            }
            ldns_rdf_deep_free(nc);
        }
    } else {
        add_nsec_for(m, p, z, qname, !for_wildcard_answer);
        if (!for_wildcard_answer && wc && !has_set(m, z, qname, LDNS_RR_TYPE_NSEC)) {
            add_nsec_for(m, p, z, wc, 1);
        }
    }
    ldns_rdf_deep_free(wc);
}

static int memsrc_fetch(void *ctx, const ldns_rdf *qname_in, uint16_t qtype, ldns_pkt **out)
{
    dbx_memsrc_t *m = ctx;
    ldns_pkt *p = ldns_pkt_new();
    ldns_rr *q = ldns_rr_new();
    ldns_rdf *qname = ldns_rdf_clone(qname_in);
    const ldns_rdf *z;
    ldns_rdf *ce = NULL;
    if (p == NULL || q == NULL || qname == NULL) {
        ldns_pkt_free(p);
        ldns_rr_free(q);
        ldns_rdf_deep_free(qname);
        return DBX_ERR_NOMEM;
    }
    m->fetches++;
    ldns_dname2canonical(qname);
    ldns_rr_set_owner(q, ldns_rdf_clone(qname));
    ldns_rr_set_type(q, qtype);
    ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
    ldns_rr_set_question(q, true);
    ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_cd(p, true);
    ldns_pkt_set_rd(p, true);
    ldns_pkt_set_ra(p, true);
    z = zone_of(m, qname, qtype == LDNS_RR_TYPE_DS);
    if (z == NULL) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
        goto out;
    }
    if (add_set(m, p, LDNS_SECTION_ANSWER, z, qname, qtype, NULL) > 0) goto out;
    if (qtype != LDNS_RR_TYPE_CNAME &&
        add_set(m, p, LDNS_SECTION_ANSWER, z, qname, LDNS_RR_TYPE_CNAME, NULL) > 0) {
        goto out;
    }
    /* DNAME at a proper ancestor inside the zone */
    for (int l = ldns_dname_label_count(qname) - 1; l >= ldns_dname_label_count(z); l--) {
        ldns_rdf *a = dbx_dname_ancestor(qname, l);
        if (a != NULL && add_set(m, p, LDNS_SECTION_ANSWER, z, a, LDNS_RR_TYPE_DNAME, NULL) > 0) {
            const ldns_rr *d = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
            size_t keep = ldns_rdf_size(qname) - ldns_rdf_size(a);
            uint8_t buf[LDNS_MAX_DOMAINLEN + 1];
            const ldns_rdf *tg = ldns_rr_rdf(d, 0);
            if (keep + ldns_rdf_size(tg) <= LDNS_MAX_DOMAINLEN) {
                ldns_rr *c = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
                memcpy(buf, ldns_rdf_data(qname), keep);
                memcpy(buf + keep, ldns_rdf_data(tg), ldns_rdf_size(tg));
                ldns_rr_set_owner(c, ldns_rdf_clone(qname));
                ldns_rr_set_ttl(c, ldns_rr_ttl(d));
                ldns_rr_set_class(c, LDNS_RR_CLASS_IN);
                ldns_rr_set_rdf(c, ldns_dname_new_frm_data((uint16_t)(keep + ldns_rdf_size(tg)), buf), 0);
                ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, c);
            }
            ldns_rdf_deep_free(a);
            goto out;
        }
        ldns_rdf_deep_free(a);
    }
    /* closest encloser */
    for (int l = ldns_dname_label_count(qname); l >= ldns_dname_label_count(z); l--) {
        ce = dbx_dname_ancestor(qname, l);
        if (ce == NULL || name_exists(m, z, ce)) break;
        ldns_rdf_deep_free(ce);
        ce = NULL;
    }
    if (ce == NULL) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
        goto out;
    }
    if (ldns_dname_compare(ce, qname) != 0) {
        /* wildcard expansion? */
        ldns_rdf *wc = wild(ce);
        ldns_rr_type t = qtype;
        int hit = wc != NULL && has_set(m, z, wc, qtype);
        if (wc != NULL && !hit && qtype != LDNS_RR_TYPE_CNAME && has_set(m, z, wc, LDNS_RR_TYPE_CNAME)) {
            t = LDNS_RR_TYPE_CNAME;
            hit = 1;
        }
        if (hit && qtype != LDNS_RR_TYPE_DS) {
            add_set(m, p, LDNS_SECTION_ANSWER, z, wc, t, qname);
            add_denial(m, p, z, qname, ce, 1);
            ldns_rdf_deep_free(wc);
            goto out;
        }
        if (!(wc != NULL && name_exists(m, z, wc))) ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
        ldns_rdf_deep_free(wc);
    }
    add_set(m, p, LDNS_SECTION_AUTHORITY, z, z, LDNS_RR_TYPE_SOA, NULL);
    add_denial(m, p, z, qname, ce, 0);
out:
    ldns_rdf_deep_free(ce);
    ldns_rdf_deep_free(qname);
    *out = p;
    return DBX_OK;
}

dbx_source_t dbx_memsrc_source(dbx_memsrc_t *m)
{
    dbx_source_t s;
    s.ctx = m;
    s.fetch = memsrc_fetch;
    return s;
}
