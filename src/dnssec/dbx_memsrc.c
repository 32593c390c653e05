/* The in-memory answer source used for offline validation: answers queries
 * from a parsed zone text (dbx_zone_text_parse(), dbx_offline.c) the way an
 * authoritative server would, with CNAME/DNAME, wildcards and NSEC/NSEC3
 * denials. */
#include "dnssec/dbx_dnssec_int.h"

#include <string.h>

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

/* A response to qname/qtype with only its question and the flags set; NULL on no memory. */
static ldns_pkt *reply_new(const ldns_rdf *qname, uint16_t qtype)
{
    ldns_pkt *p = ldns_pkt_new();
    ldns_rr *q = ldns_rr_new();
    if (p == NULL || q == NULL) {
        ldns_pkt_free(p);
        ldns_rr_free(q);
        return NULL;
    }
    ldns_rr_set_owner(q, ldns_rdf_clone(qname));
    ldns_rr_set_type(q, qtype);
    ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
    ldns_rr_set_question(q, true);
    ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_cd(p, true);
    ldns_pkt_set_rd(p, true);
    ldns_pkt_set_ra(p, true);
    return p;
}

/* A DNAME at a proper ancestor of qname inside zone z: adds it and the CNAME it
 * synthesises (when the result fits); 1 if one was found. */
static int answer_dname(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z, const ldns_rdf *qname)
{
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
            return 1;
        }
        ldns_rdf_deep_free(a);
    }
    return 0;
}

/* The longest existing ancestor-or-self of qname in zone z (caller frees); NULL if none. */
static ldns_rdf *closest_encloser(const dbx_memsrc_t *m, const ldns_rdf *z, const ldns_rdf *qname)
{
    ldns_rdf *ce = NULL;
    for (int l = ldns_dname_label_count(qname); l >= ldns_dname_label_count(z); l--) {
        ce = dbx_dname_ancestor(qname, l);
        if (ce == NULL || name_exists(m, z, ce)) break;
        ldns_rdf_deep_free(ce);
        ce = NULL;
    }
    return ce;
}

/* qname below closest encloser ce: answers from the wildcard *.ce when it has the
 * type (or a CNAME) and returns 1; otherwise marks NXDOMAIN unless *.ce exists. */
static int answer_wildcard(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z, const ldns_rdf *qname,
                           uint16_t qtype, const ldns_rdf *ce)
{
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
        return 1;
    }
    if (!(wc != NULL && name_exists(m, z, wc))) ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
    ldns_rdf_deep_free(wc);
    return 0;
}

/* Fills p with zone z's answer to qname/qtype: the set, a CNAME, a DNAME, a
 * wildcard expansion or a denial (SOA plus NSEC/NSEC3). */
static void answer_in_zone(const dbx_memsrc_t *m, ldns_pkt *p, const ldns_rdf *z, const ldns_rdf *qname,
                           uint16_t qtype)
{
    ldns_rdf *ce;
    if (add_set(m, p, LDNS_SECTION_ANSWER, z, qname, qtype, NULL) > 0) return;
    if (qtype != LDNS_RR_TYPE_CNAME &&
        add_set(m, p, LDNS_SECTION_ANSWER, z, qname, LDNS_RR_TYPE_CNAME, NULL) > 0) {
        return;
    }
    if (answer_dname(m, p, z, qname)) return;
    ce = closest_encloser(m, z, qname);
    if (ce == NULL) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
        return;
    }
    if (ldns_dname_compare(ce, qname) == 0 || !answer_wildcard(m, p, z, qname, qtype, ce)) {
        add_set(m, p, LDNS_SECTION_AUTHORITY, z, z, LDNS_RR_TYPE_SOA, NULL);
        add_denial(m, p, z, qname, ce, 0);
    }
    ldns_rdf_deep_free(ce);
}

static int memsrc_fetch(void *ctx, const ldns_rdf *qname_in, uint16_t qtype, ldns_pkt **out)
{
    dbx_memsrc_t *m = ctx;
    ldns_rdf *qname = ldns_rdf_clone(qname_in);
    ldns_pkt *p;
    const ldns_rdf *z;
    if (qname == NULL) return DBX_ERR_NOMEM;
    ldns_dname2canonical(qname);
    p = reply_new(qname, qtype);
    if (p == NULL) {
        ldns_rdf_deep_free(qname);
        return DBX_ERR_NOMEM;
    }
    m->fetches++;
    z = zone_of(m, qname, qtype == LDNS_RR_TYPE_DS);
    if (z == NULL) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
    } else {
        answer_in_zone(m, p, z, qname, qtype);
    }
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
