/* DANE-safe TLS session cache: host + port + TLSA RRset digest; see
 * dbx_tls_cache.h. */
#include "dbx_tls_cache.h"
#include "dbx_str.h"

#include <string.h>

#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

void dbx_tls_cache_init(dbx_tls_cache_t *c)
{
    if (c == NULL) return;
    mbedtls_platform_zeroize(c, sizeof *c);
}

void dbx_tls_cache_set_limit(dbx_tls_cache_t *c, size_t n)
{
    if (c == NULL) return;
    dbx_tls_cache_init(c);
    c->limit = n <= DBX_TLS_CACHE_ENTRIES ? (uint32_t)n : 0u;
}

static size_t slots(const dbx_tls_cache_t *c)
{
    return c->limit > 0 && c->limit <= DBX_TLS_CACHE_ENTRIES ? c->limit : DBX_TLS_CACHE_ENTRIES;
}

/* Canonical order of two records: usage, selector, mtype, then the data
 * (a shorter prefix first). */
static int rec_cmp(const dbx_tlsa_t *a, const dbx_tlsa_t *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int d;
    if (a->usage != b->usage) return a->usage < b->usage ? -1 : 1;
    if (a->selector != b->selector) return a->selector < b->selector ? -1 : 1;
    if (a->mtype != b->mtype) return a->mtype < b->mtype ? -1 : 1;
    d = n > 0 ? memcmp(a->data, b->data, n) : 0;
    if (d != 0) return d;
    return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

int dbx_tls_cache_tlsa_digest(const char *base, const dbx_tlsa_t *recs, size_t n,
                              uint8_t out[DBX_TLS_CACHE_DIGEST_LEN])
{
    uint8_t ord[DBX_DANE_MAX_RECORDS];
    uint8_t hdr[5];
    char lbase[DBX_TLS_SNI_MAX + 1];
    size_t bl;
    mbedtls_sha256_context h;
    int ret = 0;

    DBX_CHECK(out != NULL && base != NULL && (recs != NULL || n == 0) &&
                  n <= DBX_DANE_MAX_RECORDS,
              DBX_ERR_INVAL);
    bl = strlen(base);
    DBX_CHECK(bl <= DBX_TLS_SNI_MAX, DBX_ERR_INVAL);
    for (size_t i = 0; i <= bl; i++) lbase[i] = dbx_ascii_lower(base[i]);
    for (size_t i = 0; i < n; i++) {
        DBX_CHECK(!recs[i].truncated && recs[i].len <= 0xffffu &&
                      (recs[i].data != NULL || recs[i].len == 0),
                  DBX_ERR_INVAL);
        ord[i] = (uint8_t)i;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort, n <= 127 */
        uint8_t k = ord[i];
        size_t j = i;
        while (j > 0 && rec_cmp(&recs[ord[j - 1]], &recs[k]) > 0) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = k;
    }
    mbedtls_sha256_init(&h);
    hdr[0] = (uint8_t)(n >> 8);
    hdr[1] = (uint8_t)n;
    ret |= mbedtls_sha256_starts(&h, 0);
    ret |= mbedtls_sha256_update(&h, (const uint8_t *)lbase, bl + 1);
    ret |= mbedtls_sha256_update(&h, hdr, 2);
    for (size_t i = 0; i < n; i++) {
        const dbx_tlsa_t *t = &recs[ord[i]];
        hdr[0] = t->usage;
        hdr[1] = t->selector;
        hdr[2] = t->mtype;
        hdr[3] = (uint8_t)(t->len >> 8);
        hdr[4] = (uint8_t)t->len;
        ret |= mbedtls_sha256_update(&h, hdr, sizeof hdr);
        if (t->len > 0) ret |= mbedtls_sha256_update(&h, t->data, t->len);
    }
    ret |= mbedtls_sha256_finish(&h, out);
    mbedtls_sha256_free(&h);
    return ret == 0 ? DBX_OK : DBX_ERR_CRYPTO;
}

static void drop(dbx_tls_cache_entry_t *e)
{
    mbedtls_platform_zeroize(e, sizeof *e);
}

static bool same_peer(const dbx_tls_cache_entry_t *e, const char *host, uint16_t port)
{
    return e->used == 1 && e->port == port && dbx_ascii_eq(e->host, host);
}

static bool expired(const dbx_tls_cache_entry_t *e, uint32_t now_ms)
{
    return (uint32_t)(now_ms - e->stored_ms) >= e->max_age_ms;
}

const dbx_tls_cache_entry_t *dbx_tls_cache_find(dbx_tls_cache_t *c, const char *host,
                                                uint16_t port, const uint8_t *digest,
                                                uint32_t now_ms)
{
    dbx_tls_cache_entry_t *hit = NULL;
    if (c == NULL || host == NULL || digest == NULL) return NULL;
    for (size_t i = 0; i < DBX_TLS_CACHE_ENTRIES; i++) {
        dbx_tls_cache_entry_t *e = &c->e[i];
        if (!e->used) continue;
        if (expired(e, now_ms)) {
            drop(e);
            c->stats.expired++;
        } else if (same_peer(e, host, port)) {
            if (memcmp(e->tlsa_digest, digest, DBX_TLS_CACHE_DIGEST_LEN) != 0) {
                drop(e); /* the TLSA RRset changed: never resume across it */
                c->stats.invalidated++;
            } else {
                hit = e;
            }
        }
    }
    if (hit != NULL) {
        hit->last_use = ++c->tick;
        c->stats.offered++;
    }
    return hit;
}

/* The slot for a new entry: the host's own, a free one, else the least
 * recently used (counted as evicted). */
static dbx_tls_cache_entry_t *slot_for(dbx_tls_cache_t *c, const char *host, uint16_t port)
{
    dbx_tls_cache_entry_t *free_e = NULL, *lru = &c->e[0];
    for (size_t i = 0; i < slots(c); i++) {
        dbx_tls_cache_entry_t *e = &c->e[i];
        if (same_peer(e, host, port)) return e;
        if (!e->used && free_e == NULL) free_e = e;
        if (e->used && e->last_use < lru->last_use) lru = e;
    }
    if (free_e != NULL) return free_e;
    c->stats.evicted++;
    return lru;
}

int dbx_tls_cache_store(dbx_tls_cache_t *c, const char *host, uint16_t port,
                        const uint8_t *digest, bool verified, const uint8_t *blob, size_t len,
                        uint32_t lifetime_s, uint32_t now_ms)
{
    dbx_tls_cache_entry_t *e;
    uint32_t max_s = DBX_TLS_CACHE_MAX_AGE_S;
    if (c == NULL) return DBX_ERR_INVAL;
    if (!verified || host == NULL || digest == NULL || blob == NULL || len == 0 ||
        host[0] == '\0' || strlen(host) > DBX_TLS_CACHE_KEY_MAX) {
        c->stats.refused++;
        return DBX_ERR_INVAL;
    }
    if (len > DBX_TLS_CACHE_BLOB_MAX) {
        c->stats.refused++;
        return DBX_ERR_LIMIT;
    }
    if (lifetime_s != 0 && lifetime_s < max_s) max_s = lifetime_s;
    e = slot_for(c, host, port);
    drop(e);
    e->used = 1;
    e->port = port;
    e->len = (uint16_t)len;
    e->stored_ms = now_ms;
    e->max_age_ms = max_s * 1000u;
    e->last_use = ++c->tick;
    memcpy(e->tlsa_digest, digest, DBX_TLS_CACHE_DIGEST_LEN);
    dbx_str_copy(e->host, sizeof e->host, host);
    memcpy(e->blob, blob, len);
    c->stats.stored++;
    return DBX_OK;
}

void dbx_tls_cache_drop(dbx_tls_cache_t *c, const char *host, uint16_t port)
{
    if (c == NULL || host == NULL) return;
    for (size_t i = 0; i < DBX_TLS_CACHE_ENTRIES; i++) {
        if (same_peer(&c->e[i], host, port)) {
            drop(&c->e[i]);
            c->stats.invalidated++;
        }
    }
}

void dbx_tls_cache_note_resumed(dbx_tls_cache_t *c)
{
    if (c != NULL) c->stats.resumed++;
}

size_t dbx_tls_cache_sanitize(dbx_tls_cache_t *c)
{
    size_t kept = 0;
    if (c == NULL) return 0;
    memset(&c->stats, 0, sizeof c->stats);
    if (c->limit > DBX_TLS_CACHE_ENTRIES) c->limit = 0;
    for (size_t i = 0; i < DBX_TLS_CACHE_ENTRIES; i++) {
        dbx_tls_cache_entry_t *e = &c->e[i];
        if (!e->used || i >= slots(c)) {
            drop(e);
            continue;
        }
        if (e->len == 0 || e->len > DBX_TLS_CACHE_BLOB_MAX || e->host[0] == '\0' ||
            memchr(e->host, '\0', sizeof e->host) == NULL ||
            e->max_age_ms > DBX_TLS_CACHE_MAX_AGE_S * 1000u || e->used != 1) {
            drop(e);
            continue;
        }
        if (e->last_use > c->tick) c->tick = e->last_use;
        kept++;
    }
    return kept;
}

size_t dbx_tls_cache_count(const dbx_tls_cache_t *c)
{
    size_t n = 0;
    if (c == NULL) return 0;
    for (size_t i = 0; i < DBX_TLS_CACHE_ENTRIES; i++) n += c->e[i].used ? 1u : 0u;
    return n;
}
