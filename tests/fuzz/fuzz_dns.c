/* Fuzz the stub's DNS response handling: dbx_dns_parse + dbx_dns_match, the
 * report printers over what parsed, and dbx_dns_query over a fake transport
 * that answers with fuzz-chosen datagrams (UDP) and a fuzz-chosen stream
 * (TCP fallback on TC).
 * Input: byte 0 = flags (bit0: patch the query ID into each answer, as an
 * on-path upstream can; bits 1-3: TCP chunk size seed), then chunks (16-bit
 * length + bytes): UDP datagrams in order; the first chunk after a TC=1
 * datagram is the TCP stream (with its own length prefix). */
#include "fuzz_common.h"
#include "dns/dbx_dns.h"
#include "report/dbx_report.h"
#include "dns/dbx_dns_config.h"

typedef struct fake {
    fz_t in;
    uint8_t flags;
    uint8_t id[2];
    int open, tcp;
    const uint8_t *stream;
    size_t slen, spos;
    unsigned calls;
    uint32_t opened_ms; /* fake clock when the socket opened */
} fake_t;

static int f_open(void *ctx, dbx_sock_type_t type, const dbx_addr_t *peer, uint32_t ms, void **sock)
{
    fake_t *f = ctx;
    if (f->open || peer == NULL) abort();
    f->open = 1;
    f->tcp = type == DBX_SOCK_TCP;
    f->opened_ms = fuzz_clock_ms;
    if (f->tcp) {
        f->stream = fz_chunk(&f->in, &f->slen);
        f->spos = 0;
        if (f->stream == NULL) f->slen = 0;
    }
    *sock = f;
    return DBX_OK;
}

static int f_send(void *ctx, void *sock, const uint8_t *buf, size_t len)
{
    fake_t *f = ctx;
    size_t off;
    if (sock != f || !f->open) abort();
    off = f->tcp ? 2 : 0;
    if (len < off + 12) abort();
    f->id[0] = buf[off];
    f->id[1] = buf[off + 1];
    return DBX_OK;
}

static int f_recv(void *ctx, void *sock, uint8_t *buf, size_t cap, size_t *got, uint32_t ms)
{
    fake_t *f = ctx;
    if (sock != f || !f->open || cap == 0) abort();
    if (++f->calls > 100000) abort();
    if (!f->tcp) {
        size_t l;
        const uint8_t *p;
        /* forged datagrams arriving just before each timeout must not
         * stretch one try beyond its timeout */
        if (ms == 0) abort();
        fuzz_clock_ms += ms - 1;
        if (fuzz_clock_ms - f->opened_ms > DBX_DNS_UDP_TIMEOUT_MS) abort();
        p = fz_chunk(&f->in, &l);
        if (p == NULL) return DBX_ERR_TIMEOUT;
        if (l > cap) l = cap; /* datagram truncated to the buffer */
        memcpy(buf, p, l);
        if ((f->flags & 1) && l >= 2) memcpy(buf, f->id, 2);
        *got = l;
        return DBX_OK;
    }
    {
        size_t k = f->slen - f->spos, step = ((f->flags >> 1) & 7) * 97 + 1;
        /* a trickling peer: each piece arrives just before the timeout
         * given; the whole TCP exchange must still end in its time */
        if (ms == 0) abort();
        fuzz_clock_ms += ms - 1;
        if (fuzz_clock_ms - f->opened_ms > DBX_DNS_TCP_TIMEOUT_MS) abort();
        if (k == 0) {
            *got = 0;
            return DBX_OK;
        }
        if (k > step) k = step;
        if (k > cap) k = cap;
        memcpy(buf, f->stream + f->spos, k);
        for (size_t i = 0; i < k; i++) { /* stream offsets 2,3 = message ID */
            size_t o = f->spos + i;
            if ((f->flags & 1) && (o == 2 || o == 3)) buf[i] = f->id[o - 2];
        }
        f->spos += k;
        *got = k;
        return DBX_OK;
    }
}

static void f_close(void *ctx, void *sock)
{
    fake_t *f = ctx;
    if (sock == NULL) return;
    if (sock != f || !f->open) abort();
    f->open = 0;
}

static void print_all(const ldns_pkt *p)
{
    ldns_pkt_section secs[] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
                               LDNS_SECTION_ADDITIONAL};
    for (size_t s = 0; s < 4; s++) {
        ldns_rr_list *l = ldns_pkt_get_section_clone(p, secs[s]);
        for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(l, i);
            free(dbx_rr_text(rr));
            free(dbx_rdf_text(ldns_rr_owner(rr)));
        }
        ldns_rr_list_deep_free(l);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    hal_mbedtls_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const dbx_addr_t ups[2] = {{4, {192, 0, 2, 53}, 53}, {6, {0x20, 0x01, 0x0d, 0xb8}, 53}};
    fake_t fk;
    dbx_transport_t tr = {&fk, f_open, f_send, f_recv, f_close};
    fz_t in = {data, size};
    ldns_rdf *qname = NULL;
    ldns_rr_type qtype = LDNS_RR_TYPE_TLSA;
    ldns_pkt *p = NULL;
    size_t l;
    const uint8_t *c;
    uint8_t flags;

    if (size > 3 * 16384) return 0;
    flags = fz_u8(&in);
    /* 1. the first chunk alone: parse, match, print */
    c = fz_chunk(&in, &l);
    if (c != NULL) {
        uint8_t *copy = malloc(l ? l : 1);
        if (copy == NULL) abort();
        memcpy(copy, c, l);
        if (dbx_dns_parse(copy, l, &p) == DBX_OK) {
            const ldns_rr_list *q = ldns_pkt_question(p);
            if (p == NULL) abort();
            if (ldns_rr_list_rr_count(q) > 0) {
                const ldns_rr *qr = ldns_rr_list_rr(q, 0);
                if (ldns_rr_owner(qr) && ldns_rdf_get_type(ldns_rr_owner(qr)) == LDNS_RDF_TYPE_DNAME) {
                    qname = ldns_rdf_clone(ldns_rr_owner(qr));
                    qtype = ldns_rr_get_type(qr);
                }
            }
            if (qname != NULL) (void)dbx_dns_match(p, ldns_pkt_id(p), qname, qtype);
            print_all(p);
            ldns_pkt_free(p);
            p = NULL;
        } else if (p != NULL) {
            abort(); /* error must not hand out a packet */
        }
        free(copy);
    }
    if (qname == NULL) qname = ldns_dname_new_frm_str("_25._tcp.mx.example.test.");
    if (qname == NULL) abort();

    /* 2. the whole exchange: every chunk (the first one again) as answers */
    memset(&fk, 0, sizeof fk);
    fk.in.p = data + 1;
    fk.in.n = size ? size - 1 : 0;
    fk.flags = flags;
    if (dbx_dns_query(&tr, ups, 2, qname, qtype, NULL, &p) == DBX_OK) {
        if (p == NULL) abort();
        print_all(p);
        ldns_pkt_free(p);
    } else if (p != NULL) {
        abort();
    }
    if (fk.open) abort();
    ldns_rdf_deep_free(qname);
    return 0;
}
