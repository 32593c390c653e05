/* Zone text parsing and trust anchors for offline validation; the in-memory
 * answer source that serves a parsed zone is dbx_memsrc.c. */
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

/* State of one zone text parse: the statement gathered over its lines and the
 * $ORIGIN / $TTL / previous owner that records take their defaults from. */
typedef struct {
    char *stmt;       /* STMT_MAX bytes */
    size_t sl;        /* length of stmt */
    int depth;        /* open parentheses */
    ldns_rdf *origin; /* $ORIGIN, NULL before one */
    ldns_rdf *prev;   /* previous owner, for records that leave it out */
    uint32_t dttl;    /* $TTL */
} zone_parse_t;

/* Appends one line (len bytes, no newline) to the statement: the comment is cut,
 * parentheses are counted and blanked, CR and TAB become spaces. */
static int zone_line(zone_parse_t *zp, const char *p, size_t len)
{
    int inq = 0, st = DBX_OK;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '"' && (i == 0 || p[i - 1] != '\\')) inq = !inq;
        if (!inq && c == ';') break;
        if (!inq && (c == '(' || c == ')')) {
            zp->depth += c == '(' ? 1 : -1;
            c = ' ';
        }
        if (c == '\r' || c == '\t') c = ' ';
        if (zp->sl + 2 >= STMT_MAX) {
            st = DBX_ERR_LIMIT;
            break;
        }
        zp->stmt[zp->sl++] = c;
    }
    if (zp->sl + 2 < STMT_MAX) zp->stmt[zp->sl++] = ' ';
    zp->stmt[zp->sl] = '\0';
    return st;
}

/* A statement starting with '$': $ORIGIN and $TTL; anything else ($INCLUDE and
 * friends) is not allowed here. */
static int zone_directive(zone_parse_t *zp)
{
    if (strncmp(zp->stmt, "$ORIGIN", 7) == 0) {
        char name[256];
        ldns_rdf *o = NULL;
        if (sscanf(zp->stmt + 7, "%255s", name) != 1 || ldns_str2rdf_dname(&o, name) != LDNS_STATUS_OK) {
            return DBX_ERR_MALFORMED;
        }
        ldns_rdf_deep_free(zp->origin);
        zp->origin = o;
        return DBX_OK;
    }
    if (strncmp(zp->stmt, "$TTL", 4) == 0) {
        unsigned long t;
        if (sscanf(zp->stmt + 4, "%lu", &t) != 1) return DBX_ERR_MALFORMED;
        zp->dttl = (uint32_t)t;
        return DBX_OK;
    }
    return DBX_ERR_MALFORMED;
}

/* A record statement: parsed and appended to out, which holds at most max. */
static int zone_record(zone_parse_t *zp, ldns_rr_list *out, size_t max)
{
    ldns_rr *rr = NULL;
    if (ldns_rr_list_rr_count(out) >= max) return DBX_ERR_LIMIT;
    if (ldns_rr_new_frm_str(&rr, zp->stmt, zp->dttl, zp->origin, &zp->prev) != LDNS_STATUS_OK || rr == NULL) {
        return DBX_ERR_MALFORMED;
    }
    if (!ldns_rr_list_push_rr(out, rr)) {
        ldns_rr_free(rr);
        return DBX_ERR_NOMEM;
    }
    return DBX_OK;
}

int dbx_zone_text_parse(const char *text, size_t max, ldns_rr_list *out, int *bad_line)
{
    zone_parse_t zp = {.dttl = 3600};
    int line = 0, stmt_line = 0, st = DBX_OK;
    const char *p = text;

    DBX_ASSERT(text != NULL && out != NULL);
    zp.stmt = malloc(STMT_MAX);
    if (zp.stmt == NULL) return DBX_ERR_NOMEM;
    while (*p != '\0' && st == DBX_OK) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        if (zp.depth == 0) {
            zp.sl = 0;
            stmt_line = line;
        }
        st = zone_line(&zp, p, len);
        p = eol ? eol + 1 : p + len;
        if (st != DBX_OK) break;
        if (zp.depth < 0) {
            st = DBX_ERR_MALFORMED;
            break;
        }
        if (zp.depth > 0 || is_blank(zp.stmt)) continue;
        st = zp.stmt[0] == '$' ? zone_directive(&zp) : zone_record(&zp, out, max);
    }
    if (st == DBX_OK && zp.depth != 0) st = DBX_ERR_MALFORMED;
    if (st != DBX_OK && bad_line != NULL) *bad_line = stmt_line;
    ldns_rdf_deep_free(zp.origin);
    ldns_rdf_deep_free(zp.prev);
    free(zp.stmt);
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
