/* Stub DNS exchange over dbx_transport_t (see dbx_dns.h). */
#include "dns/dbx_dns.h"
#include "dns/dbx_dns_config.h"
#include "hal_crypto.h"
#include "hal_platform.h"

#include <stdlib.h>
#include <string.h>

int dbx_dns_build_query(const ldns_rdf *qname, ldns_rr_type qtype, uint16_t id,
                        uint8_t **wire, size_t *len)
{
    ldns_pkt *q;
    ldns_status s;
    DBX_ASSERT(qname != NULL && wire != NULL && len != NULL);
    DBX_CHECK(ldns_rdf_get_type(qname) == LDNS_RDF_TYPE_DNAME, DBX_ERR_INVAL);
    q = ldns_pkt_query_new(ldns_rdf_clone(qname), qtype, LDNS_RR_CLASS_IN, LDNS_RD | LDNS_CD);
    if (q == NULL) return DBX_ERR_NOMEM;
    ldns_pkt_set_id(q, id);
    ldns_pkt_set_edns_udp_size(q, DBX_DNS_EDNS_SIZE);
    ldns_pkt_set_edns_do(q, true);
    /* ldns_pkt2wire() would allocate LDNS_MAX_PACKETLEN (64 KB); a query
     * (header, one name <= 255 octets, OPT) fits a 512-byte buffer */
    {
        ldns_buffer *b = ldns_buffer_new(512);
        *wire = NULL;
        *len = 0;
        s = b != NULL ? ldns_pkt2buffer_wire(b, q) : LDNS_STATUS_MEM_ERR;
        if (s == LDNS_STATUS_OK && ldns_buffer_status_ok(b)) {
            *len = ldns_buffer_position(b);
            *wire = malloc(*len);
            if (*wire != NULL) {
                memcpy(*wire, ldns_buffer_begin(b), *len);
            } else {
                s = LDNS_STATUS_MEM_ERR;
            }
        } else if (s == LDNS_STATUS_OK) {
            s = LDNS_STATUS_MEM_ERR;
        }
        ldns_buffer_free(b);
    }
    ldns_pkt_free(q);
    return s == LDNS_STATUS_OK ? DBX_OK : DBX_ERR_NOMEM;
}

int dbx_dns_match(const ldns_pkt *pkt, uint16_t id, const ldns_rdf *qname,
                  ldns_rr_type qtype)
{
    const ldns_rr_list *q;
    const ldns_rr *qr;
    DBX_ASSERT(pkt != NULL && qname != NULL);
    DBX_CHECK(ldns_pkt_id(pkt) == id, DBX_ERR_PROTO);
    DBX_CHECK(ldns_pkt_qr(pkt), DBX_ERR_PROTO);
    DBX_CHECK(ldns_pkt_get_opcode(pkt) == LDNS_PACKET_QUERY, DBX_ERR_PROTO);
    q = ldns_pkt_question(pkt);
    DBX_CHECK(q != NULL && ldns_rr_list_rr_count(q) == 1, DBX_ERR_PROTO);
    qr = ldns_rr_list_rr(q, 0);
    DBX_CHECK(ldns_rr_get_type(qr) == qtype, DBX_ERR_PROTO);
    DBX_CHECK(ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN, DBX_ERR_PROTO);
    DBX_CHECK(ldns_dname_compare(ldns_rr_owner(qr), qname) == 0, DBX_ERR_PROTO);
    return DBX_OK;
}

/* Does the message carry a TSIG RR in its additional section, as
 * ldns_wire2pkt() will read it?  We never sign queries, so a TSIG in a
 * response is bogus; and ldns_wire2pkt() keeps a TSIG with
 * ldns_pkt_set_tsig(), which overwrites (leaks) an earlier one, so a message
 * with two leaks one RR per parse.  dbx_dns_parse() runs on every datagram
 * before matching: an off-path sender spraying forged answers could exhaust
 * the heap.  ldns does not skip unparsed RDATA (fewer fields than RDLENGTH:
 * it reads on from there), so only a walk with ldns' own RR reader finds the
 * RRs it will see; this dry run frees each one. */
static int has_tsig(const uint8_t *w, size_t len)
{
    static const ldns_pkt_section secs[4] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
                                             LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL};
    size_t pos = 12;
    if (((w[10] << 8) | w[11]) == 0) return 0; /* ARCOUNT 0: nothing to find */
    for (int s = 0; s < 4; s++) {
        uint32_t count = (uint32_t)((w[4 + 2 * s] << 8) | w[5 + 2 * s]);
        for (uint32_t i = 0; i < count; i++) {
            ldns_rr *rr = NULL;
            int tsig;
            if (ldns_wire2rr(&rr, w, len, &pos, secs[s]) != LDNS_STATUS_OK) {
                ldns_rr_free(rr);
                return 0; /* ldns_wire2pkt() fails here too, freeing all */
            }
            tsig = s == 3 && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG;
            ldns_rr_free(rr);
            if (tsig) return 1;
        }
    }
    return 0;
}

int dbx_dns_parse(const uint8_t *wire, size_t len, ldns_pkt **out)
{
    ldns_pkt *p = NULL;
    DBX_ASSERT(wire != NULL && out != NULL);
    *out = NULL;
    DBX_CHECK(len >= 12, DBX_ERR_MALFORMED);
    DBX_CHECK(len <= DBX_DNS_MAX_RESPONSE, DBX_ERR_LIMIT);
    /* Header counts are checked before ldns allocates anything. */
    {
        uint32_t n = 0;
        for (int i = 0; i < 4; i++) n += (uint32_t)((wire[4 + 2 * i] << 8) | wire[5 + 2 * i]);
        DBX_CHECK(n <= DBX_DNS_MAX_RRS + 2, DBX_ERR_LIMIT);
    }
    DBX_CHECK(!has_tsig(wire, len), DBX_ERR_MALFORMED);
    if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK || p == NULL) {
        return DBX_ERR_MALFORMED;
    }
    *out = p;
    return DBX_OK;
}

static int random_id(uint16_t *id)
{
    uint8_t b[2];
    int st = hal_crypto_random(b, sizeof b);
    if (st != DBX_OK) return st;
    *id = (uint16_t)((b[0] << 8) | b[1]);
    return DBX_OK;
}

/* One UDP try.  DBX_OK with *out, or an error; sets *tc when truncated. */
static int try_udp(const dbx_transport_t *tr, const dbx_addr_t *up, const uint8_t *q,
                   size_t qlen, uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype,
                   uint8_t *buf, dbx_dns_stats_t *stats, ldns_pkt **out, int *tc)
{
    void *sock = NULL;
    /* one timeout per try: forged datagrams must not stretch it */
    uint32_t deadline = hal_clock_ms() + DBX_DNS_UDP_TIMEOUT_MS;
    int st = tr->open(tr->ctx, DBX_SOCK_UDP, up, DBX_DNS_UDP_TIMEOUT_MS, &sock);
    if (st != DBX_OK) return st;
    st = tr->send(tr->ctx, sock, q, qlen);
    for (int drops = 0; st == DBX_OK && drops <= DBX_DNS_MAX_MISMATCH; drops++) {
        size_t got = 0;
        ldns_pkt *p = NULL;
        int32_t left = (int32_t)(deadline - hal_clock_ms());
        if (left <= 0) {
            st = DBX_ERR_TIMEOUT;
            break;
        }
        st = tr->recv(tr->ctx, sock, buf, DBX_DNS_UDP_BUF, &got, (uint32_t)left);
        if (st != DBX_OK) break;
        if (dbx_dns_parse(buf, got, &p) != DBX_OK || dbx_dns_match(p, id, qname, qtype) != DBX_OK) {
            /* Forged or stray datagram: keep listening (bounded). */
            ldns_pkt_free(p);
            if (stats) stats->mismatch++;
            continue;
        }
        *tc = ldns_pkt_tc(p);
        *out = p;
        break;
    }
    tr->close(tr->ctx, sock);
    if (st == DBX_OK && *out == NULL) st = DBX_ERR_PROTO;
    return st;
}

/* Read exactly @p n bytes before @p deadline (hal_clock_ms()): the time is
 * for the whole exchange, not per recv, or a peer sending one byte just
 * before each timeout holds a query for hours. */
static int read_full(const dbx_transport_t *tr, void *sock, uint8_t *buf, size_t n,
                     uint32_t deadline)
{
    size_t have = 0;
    while (have < n) {
        size_t got = 0;
        int32_t left = (int32_t)(deadline - hal_clock_ms());
        if (left <= 0) return DBX_ERR_TIMEOUT;
        int st = tr->recv(tr->ctx, sock, buf + have, n - have, &got, (uint32_t)left);
        if (st != DBX_OK) return st;
        if (got == 0) return DBX_ERR_PROTO; /* closed early */
        have += got;
    }
    return DBX_OK;
}

static int try_tcp(const dbx_transport_t *tr, const dbx_addr_t *up, const uint8_t *q,
                   size_t qlen, uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype,
                   ldns_pkt **out)
{
    void *sock = NULL;
    uint8_t hdr[2], *buf = NULL;
    size_t rlen;
    int st;
    uint32_t deadline = hal_clock_ms() + DBX_DNS_TCP_TIMEOUT_MS;
    uint8_t *framed = malloc(qlen + 2);
    if (framed == NULL) return DBX_ERR_NOMEM;
    framed[0] = (uint8_t)(qlen >> 8);
    framed[1] = (uint8_t)qlen;
    memcpy(framed + 2, q, qlen);
    st = tr->open(tr->ctx, DBX_SOCK_TCP, up, DBX_DNS_TCP_TIMEOUT_MS, &sock);
    if (st == DBX_OK) st = tr->send(tr->ctx, sock, framed, qlen + 2);
    free(framed);
    if (st == DBX_OK) st = read_full(tr, sock, hdr, 2, deadline);
    if (st == DBX_OK) {
        rlen = (size_t)((hdr[0] << 8) | hdr[1]);
        if (rlen > DBX_DNS_MAX_RESPONSE) st = DBX_ERR_LIMIT;
        else if (rlen < 12) st = DBX_ERR_MALFORMED;
        else if ((buf = malloc(rlen)) == NULL) st = DBX_ERR_NOMEM;
        else st = read_full(tr, sock, buf, rlen, deadline);
        if (st == DBX_OK) st = dbx_dns_parse(buf, rlen, out);
        if (st == DBX_OK && dbx_dns_match(*out, id, qname, qtype) != DBX_OK) {
            ldns_pkt_free(*out);
            *out = NULL;
            st = DBX_ERR_PROTO;
        }
    }
    free(buf);
    tr->close(tr->ctx, sock);
    return st;
}

int dbx_dns_query(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                  const ldns_rdf *qname, ldns_rr_type qtype, dbx_dns_stats_t *stats,
                  ldns_pkt **out)
{
    uint8_t *buf;
    int last = DBX_ERR_TIMEOUT;
    DBX_ASSERT(tr != NULL && ups != NULL && qname != NULL && out != NULL);
    *out = NULL;
    DBX_CHECK(nups > 0, DBX_ERR_INVAL);
    buf = malloc(DBX_DNS_UDP_BUF);
    if (buf == NULL) return DBX_ERR_NOMEM;
    if (stats) stats->rounds++;
    for (size_t u = 0; u < nups && *out == NULL; u++) {
        for (int t = 0; t < DBX_DNS_UDP_TRIES && *out == NULL; t++) {
            uint8_t *q = NULL;
            size_t qlen = 0;
            uint16_t id;
            int tc = 0, st;
            ldns_pkt *p = NULL;
            st = random_id(&id);
            if (st != DBX_OK) {
                free(buf);
                return st;
            }
            st = dbx_dns_build_query(qname, qtype, id, &q, &qlen);
            if (st != DBX_OK) {
                free(buf);
                return st;
            }
            if (stats) stats->queries++;
            st = try_udp(tr, &ups[u], q, qlen, id, qname, qtype, buf, stats, &p, &tc);
            if (st == DBX_OK && tc) {
                ldns_pkt_free(p);
                p = NULL;
                if (stats) stats->tcp++;
                st = try_tcp(tr, &ups[u], q, qlen, id, qname, qtype, &p);
            }
            free(q);
            if (st == DBX_OK) {
                *out = p;
            } else {
                if (st == DBX_ERR_TIMEOUT && stats) stats->timeouts++;
                last = st;
                if (st == DBX_ERR_IO) break; /* unreachable: next upstream */
            }
        }
    }
    free(buf);
    return *out != NULL ? DBX_OK : last;
}

/* ---- concurrent questions ---------------------------------------------------------- */

typedef struct {
    void *sock;     /**< NULL: not (or no longer) outstanding */
    uint8_t *q;     /**< the query's wire form */
    size_t qlen;
    uint16_t id;
    uint8_t drops;  /**< mismatching datagrams dropped */
} bslot_t;

/* IDs for @p n questions, pairwise distinct (a reply can name one only). */
static int batch_ids(bslot_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int clash;
        int tries = 0;
        do {
            int st = random_id(&s[i].id);
            if (st != DBX_OK) return st;
            clash = 0;
            for (size_t k = 0; k < i; k++) clash |= s[k].id == s[i].id;
        } while (clash && ++tries < 16);
        if (clash) return DBX_ERR_NOENTROPY; /* a random source this poor is broken */
    }
    return DBX_OK;
}

/* One datagram for slot @p i: DBX_OK (answered or still pending), else done
 * with that status. */
static int batch_read(const dbx_transport_t *tr, bslot_t *s, const dbx_dns_question_t *qs, size_t i,
                      uint8_t *buf, uint32_t slice, dbx_dns_stats_t *stats, ldns_pkt **out, int *done)
{
    size_t got = 0;
    ldns_pkt *p = NULL;
    int st = tr->recv(tr->ctx, s[i].sock, buf, DBX_DNS_UDP_BUF, &got, slice);
    *done = 0;
    if (st == DBX_ERR_TIMEOUT) return DBX_OK; /* not yet: the others' turn */
    *done = 1;
    if (st != DBX_OK) return st;
    if (dbx_dns_parse(buf, got, &p) != DBX_OK || dbx_dns_match(p, s[i].id, qs[i].qname, qs[i].qtype) != DBX_OK) {
        ldns_pkt_free(p);
        if (stats) stats->mismatch++;
        *done = ++s[i].drops > DBX_DNS_MAX_MISMATCH;
        return DBX_ERR_PROTO;
    }
    if (ldns_pkt_tc(p)) { /* truncated: the one-by-one exchange goes to TCP */
        ldns_pkt_free(p);
        return DBX_ERR_PROTO;
    }
    *out = p;
    return DBX_OK;
}

int dbx_dns_query_batch_udp(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                            const dbx_dns_question_t *qs, size_t n, dbx_dns_stats_t *stats,
                            ldns_pkt **out, int *status)
{
    bslot_t s[DBX_DNS_MAX_OUTSTANDING];
    uint8_t *buf;
    size_t pending = 0;
    uint32_t deadline;
    int st;
    DBX_ASSERT(tr != NULL && ups != NULL && qs != NULL && out != NULL && status != NULL);
    DBX_CHECK(nups > 0 && n > 0, DBX_ERR_INVAL);
    DBX_CHECK(n <= DBX_DNS_MAX_OUTSTANDING, DBX_ERR_LIMIT);
    memset(s, 0, sizeof s);
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        status[i] = DBX_ERR_TIMEOUT;
    }
    st = batch_ids(s, n);
    for (size_t i = 0; i < n && st == DBX_OK; i++) {
        st = dbx_dns_build_query(qs[i].qname, qs[i].qtype, s[i].id, &s[i].q, &s[i].qlen);
    }
    buf = st == DBX_OK ? malloc(DBX_DNS_UDP_BUF) : NULL; /* as dbx_dns_query()'s */
    if (buf == NULL) {
        for (size_t i = 0; i < n; i++) free(s[i].q);
        return st != DBX_OK ? st : DBX_ERR_NOMEM;
    }
    if (stats) stats->rounds++;
    /* every question on the wire before any answer is awaited */
    for (size_t i = 0; i < n; i++) {
        if (tr->open(tr->ctx, DBX_SOCK_UDP, &ups[0], DBX_DNS_UDP_TIMEOUT_MS, &s[i].sock) != DBX_OK) {
            s[i].sock = NULL;
            continue;
        }
        if (stats) stats->queries++;
        if (tr->send(tr->ctx, s[i].sock, s[i].q, s[i].qlen) != DBX_OK) {
            tr->close(tr->ctx, s[i].sock);
            s[i].sock = NULL;
            continue;
        }
        pending++;
        if (stats && pending > stats->outstanding_peak) stats->outstanding_peak = (uint32_t)pending;
    }
    /* one timeout for the whole batch; round robin in short slices */
    deadline = hal_clock_ms() + DBX_DNS_UDP_TIMEOUT_MS;
    while (pending > 0) {
        for (size_t i = 0; i < n; i++) {
            int32_t left = (int32_t)(deadline - hal_clock_ms());
            int done = 0;
            if (s[i].sock == NULL) continue;
            if (left <= 0) break;
            status[i] = batch_read(tr, s, qs, i, buf,
                                   (uint32_t)(left < DBX_DNS_BATCH_SLICE_MS ? left : DBX_DNS_BATCH_SLICE_MS),
                                   stats, &out[i], &done);
            if (out[i] != NULL || done) {
                tr->close(tr->ctx, s[i].sock);
                s[i].sock = NULL;
                pending--;
            }
        }
        if ((int32_t)(deadline - hal_clock_ms()) <= 0) break;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i].sock != NULL) {
            tr->close(tr->ctx, s[i].sock);
            if (stats) stats->timeouts++;
        }
        free(s[i].q);
    }
    free(buf);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != NULL) status[i] = DBX_OK;
    }
    return DBX_OK;
}

int dbx_dns_query_batch(const dbx_transport_t *tr, const dbx_addr_t *ups, size_t nups,
                        const dbx_dns_question_t *qs, size_t n, dbx_dns_stats_t *stats,
                        ldns_pkt **out, int *status)
{
    int st = dbx_dns_query_batch_udp(tr, ups, nups, qs, n, stats, out, status);
    if (st != DBX_OK) return st;
    /* unanswered (timeout, truncation, errors): one by one, with the retries,
     * the other upstreams and TCP of dbx_dns_query() */
    for (size_t i = 0; i < n; i++) {
        if (out[i] == NULL) status[i] = dbx_dns_query(tr, ups, nups, qs[i].qname, qs[i].qtype, stats, &out[i]);
    }
    return DBX_OK;
}

/* ldns link glue (kept in this object so it is always linked). */
#include "dbx_ldns_glue.inc"
