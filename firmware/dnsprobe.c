/* mode=dnsprobe: real DNS exchanges through the lwIP transport, proof that
 * the firmware's network path works end to end.  For every resolver and
 * every configured question: one query over UDP and the same over TCP
 * (RFC 1035 2-byte length prefix), EDNS0 with DO=1, RD=1, CD=1.  Prints one
 * line per exchange:
 *   dnsprobe: udp 192.0.2.2 ./SOA rcode=NOERROR an=2 flags=qr,rd,ra,cd len=.. port=.. ms=..
 *   dnsprobe: tcp 192.0.2.99 ./SOA error=timeout ms=1500
 * TCP answers are streamed (only the head is kept), so a large answer
 * exercises the transport's flow control without a large buffer. */
#include "fw.h"
#include "dbx_common.h"
#include "dbx_config.h"
#include "hal_crypto.h"
#include "hal_platform.h"
#include "transport_lwip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_HDR     12u
#define EDNS_BUFSZ  1232u
#define MSG_HEAD    600u /* bytes of each answer we keep (header + question) */

static uint8_t qbuf[2 + DNS_HDR + 256 + 4 + 11];
static uint8_t *rbuf; /* EDNS_BUFSZ, heap while the mode runs */

typedef struct {
    uint16_t flags;
    uint16_t an, ns, ar;
    size_t len;
} dns_result_t;

/* Query for name/type into out (after a 2-byte gap for the TCP prefix). */
static size_t build_query(uint8_t *out, uint16_t id, const char *name, uint16_t type)
{
    uint8_t *p = out;
    const char *s = name;
    *p++ = (uint8_t)(id >> 8);
    *p++ = (uint8_t)id;
    *p++ = 0x01; /* RD */
    *p++ = 0x10; /* CD */
    *p++ = 0; *p++ = 1; /* QDCOUNT */
    *p++ = 0; *p++ = 0; /* ANCOUNT */
    *p++ = 0; *p++ = 0; /* NSCOUNT */
    *p++ = 0; *p++ = 1; /* ARCOUNT: OPT */
    while (*s != '\0' && !(s[0] == '.' && s[1] == '\0')) {
        size_t n = strcspn(s, ".");
        *p++ = (uint8_t)n;
        memcpy(p, s, n);
        p += n;
        s += n;
        if (*s == '.') s++;
    }
    *p++ = 0;
    *p++ = (uint8_t)(type >> 8);
    *p++ = (uint8_t)type;
    *p++ = 0; *p++ = 1; /* IN */
    /* OPT: root owner, type 41, class = UDP payload size, TTL = ext-rcode 0,
     * version 0, flags DO; no options */
    *p++ = 0;
    *p++ = 0; *p++ = 41;
    *p++ = (uint8_t)(EDNS_BUFSZ >> 8); *p++ = (uint8_t)EDNS_BUFSZ;
    *p++ = 0; *p++ = 0; *p++ = 0x80; *p++ = 0;
    *p++ = 0; *p++ = 0;
    return (size_t)(p - out);
}

static uint8_t fold(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Header and question check of an answer to query q (qlen bytes). */
static int check_answer(const uint8_t *q, size_t qlen, const uint8_t *m, size_t n,
                        dns_result_t *r)
{
    size_t qsec = qlen - DNS_HDR - 11; /* question section incl. type/class */
    DBX_CHECK(n >= DNS_HDR + qsec, DBX_ERR_MALFORMED);
    DBX_CHECK(m[0] == q[0] && m[1] == q[1], DBX_ERR_PROTO); /* ID */
    DBX_CHECK((m[2] & 0x80) != 0, DBX_ERR_PROTO);            /* QR */
    DBX_CHECK(m[4] == 0 && m[5] == 1, DBX_ERR_PROTO);         /* QDCOUNT 1 */
    for (size_t i = 0; i < qsec; i++) {
        uint8_t a = q[DNS_HDR + i], b = m[DNS_HDR + i];
        if (i < qsec - 4 ? fold(a) != fold(b) : a != b) {
            return DBX_ERR_PROTO;
        }
    }
    r->flags = (uint16_t)(m[2] << 8 | m[3]);
    r->an = (uint16_t)(m[6] << 8 | m[7]);
    r->ns = (uint16_t)(m[8] << 8 | m[9]);
    r->ar = (uint16_t)(m[10] << 8 | m[11]);
    return DBX_OK;
}

static const char *rcode_name(unsigned rc)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED"};
    return rc < DBX_ARRAY_LEN(names) ? names[rc] : "RCODE?";
}

static void flags_text(uint16_t f, char *out)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } bits[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
                {0x0080, "ra"}, {0x0020, "ad"}, {0x0010, "cd"}};
    out[0] = '\0';
    for (size_t i = 0; i < DBX_ARRAY_LEN(bits); i++) {
        if (f & bits[i].bit) {
            if (out[0] != '\0') strcat(out, ",");
            strcat(out, bits[i].name);
        }
    }
}

static int udp_exchange(const dbx_transport_t *tr, const dbx_addr_t *to, const uint8_t *q,
                        size_t qlen, uint32_t tmo, dns_result_t *r, tlw_info_t *info)
{
    void *sock = NULL;
    uint32_t t0 = hal_clock_ms();
    int st = tr->open(tr->ctx, DBX_SOCK_UDP, to, tmo, &sock);
    if (st != DBX_OK) {
        return st;
    }
    st = tr->send(tr->ctx, sock, q, qlen);
    while (st == DBX_OK) {
        uint32_t used = hal_clock_ms() - t0;
        size_t got = 0;
        if (used >= tmo) {
            st = DBX_ERR_TIMEOUT;
            break;
        }
        st = tr->recv(tr->ctx, sock, rbuf, EDNS_BUFSZ, &got, tmo - used);
        if (st != DBX_OK) {
            break;
        }
        if (check_answer(q, qlen, rbuf, got, r) == DBX_OK) {
            r->len = got;
            break;
        }
        /* from the peer but not an answer to our question: keep waiting */
    }
    tlw_info(sock, info);
    tr->close(tr->ctx, sock);
    return st;
}

/* Read exactly n bytes (n <= cap), or the stream's end/error. */
static int tcp_read_n(const dbx_transport_t *tr, void *sock, uint8_t *buf, size_t n,
                      uint32_t t0, uint32_t tmo)
{
    size_t have = 0;
    while (have < n) {
        uint32_t used = hal_clock_ms() - t0;
        size_t got = 0;
        int st;
        if (used >= tmo) {
            return DBX_ERR_TIMEOUT;
        }
        st = tr->recv(tr->ctx, sock, buf + have, n - have, &got, tmo - used);
        if (st != DBX_OK) {
            return st;
        }
        if (got == 0) {
            return DBX_ERR_PROTO; /* closed mid-message */
        }
        have += got;
    }
    return DBX_OK;
}

static int tcp_exchange(const dbx_transport_t *tr, const dbx_addr_t *to, uint8_t *q2,
                        size_t qlen, uint32_t tmo, dns_result_t *r, tlw_info_t *info)
{
    void *sock = NULL;
    uint32_t t0 = hal_clock_ms();
    uint8_t lenb[2];
    size_t mlen, head, left;
    int st = tr->open(tr->ctx, DBX_SOCK_TCP, to, tmo, &sock);
    if (st != DBX_OK) {
        return st;
    }
    q2[0] = (uint8_t)(qlen >> 8);
    q2[1] = (uint8_t)qlen;
    st = tr->send(tr->ctx, sock, q2, qlen + 2);
    if (st == DBX_OK) {
        st = tcp_read_n(tr, sock, lenb, 2, t0, tmo);
    }
    if (st == DBX_OK) {
        mlen = (size_t)lenb[0] << 8 | lenb[1];
        head = mlen < MSG_HEAD ? mlen : MSG_HEAD;
        st = tcp_read_n(tr, sock, rbuf, head, t0, tmo);
        /* stream the rest through the tail of rbuf */
        for (left = mlen - head; st == DBX_OK && left > 0;) {
            size_t n = left < EDNS_BUFSZ - MSG_HEAD ? left : EDNS_BUFSZ - MSG_HEAD;
            st = tcp_read_n(tr, sock, rbuf + MSG_HEAD, n, t0, tmo);
            left -= n;
        }
        if (st == DBX_OK) {
            st = check_answer(q2 + 2, qlen, rbuf, head, r);
            r->len = mlen;
        }
    }
    tlw_info(sock, info);
    tr->close(tr->ctx, sock);
    return st;
}

static int dnsprobe_run(const dbx_config_t *cfg, const dbx_transport_t *tr);

int fw_dnsprobe(const dbx_config_t *cfg, const dbx_transport_t *tr)
{
    rbuf = malloc(EDNS_BUFSZ);
    if (rbuf == NULL) {
        printf("dnsprobe: %s\n", dbx_strerror(DBX_ERR_NOMEM));
        return DBX_ERR_NOMEM;
    }
    int st = dnsprobe_run(cfg, tr);
    free(rbuf);
    rbuf = NULL;
    return st;
}

static int dnsprobe_run(const dbx_config_t *cfg, const dbx_transport_t *tr)
{
    int ok = 0, failed = 0;
    for (size_t ri = 0; ri < cfg->n_resolvers; ri++) {
        const dbx_addr_t *to = &cfg->resolver[ri];
        char addr[48];
        dbx_addr_format(to, addr, sizeof addr);
        for (size_t qi = 0; qi < cfg->n_queries; qi++) {
            const dbx_cfg_query_t *qq = &cfg->query[qi];
            for (int tcp = 0; tcp <= 1; tcp++) {
                dns_result_t r;
                tlw_info_t info;
                uint8_t idb[2];
                uint16_t id;
                size_t qlen;
                uint32_t t0;
                int st;
                char fl[32];

                st = hal_crypto_random(idb, sizeof idb);
                if (st != DBX_OK) {
                    printf("dnsprobe: no entropy for the query ID\n");
                    return DBX_ERR_NOENTROPY;
                }
                id = (uint16_t)(idb[0] << 8 | idb[1]);
                memset(&r, 0, sizeof r);
                qlen = build_query(qbuf + 2, id, qq->name, qq->type);
                t0 = hal_clock_ms();
                st = tcp ? tcp_exchange(tr, to, qbuf, qlen, cfg->timeout_ms, &r, &info)
                         : udp_exchange(tr, to, qbuf + 2, qlen, cfg->timeout_ms, &r, &info);
                if (st == DBX_OK) {
                    flags_text(r.flags, fl);
                    printf("dnsprobe: %s %s %s/%s rcode=%s an=%u ns=%u ar=%u flags=%s len=%lu "
                           "port=%u ms=%lu",
                           tcp ? "tcp" : "udp", addr, qq->name, dbx_rrtype_name(qq->type),
                           rcode_name(r.flags & 0xF), r.an, r.ns, r.ar, fl,
                           (unsigned long)r.len, info.local_port,
                           (unsigned long)(hal_clock_ms() - t0));
                    if (tcp) {
                        printf(" ring-max=%lu", (unsigned long)info.tcp_rx_max);
                    } else {
                        printf(" foreign-dropped=%lu", (unsigned long)info.dropped_foreign);
                    }
                    printf("\n");
                    ok++;
                } else {
                    printf("dnsprobe: %s %s %s/%s error=%s ms=%lu\n", tcp ? "tcp" : "udp", addr,
                           qq->name, dbx_rrtype_name(qq->type), dbx_strerror(st),
                           (unsigned long)(hal_clock_ms() - t0));
                    failed++;
                }
            }
        }
    }
    printf("dnsprobe: %d exchanges ok, %d failed, %d sockets left open\n", ok, failed,
           tlw_open_count());
    return failed == 0 && tlw_open_count() == 0 ? DBX_OK : DBX_ERR_IO;
}
