/* danebox: IPv4/IPv6 address text <-> dbx_addr_t, without OS calls. */
#include "dbx_transport.h"
#include "dbx_str.h"

#include <stdio.h>
#include <string.h>

static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i++] - '0');
            if (++digits > 3 || v > 255) return -1;
        }
        if (digits == 0) return -1;
        out[part] = (uint8_t)v;
        if (part < 3) {
            if (i >= n || s[i] != '.') return -1;
            i++;
        }
    }
    return i == n ? 0 : -1;
}

static int parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n >= 1 && s[0] == ':') {
        return -1;
    }
    while (i < n) {
        unsigned v = 0;
        int d = 0;
        /* embedded IPv4 tail */
        size_t j = i;
        while (j < n && s[j] != ':' && s[j] != '.') j++;
        if (j < n && s[j] == '.') {
            uint8_t v4[4];
            if (nw > 6 || parse_v4(s + i, n - i, v4) != 0) return -1;
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        while (i < n && dbx_hex_digit(s[i]) >= 0) {
            v = v << 4 | (unsigned)dbx_hex_digit(s[i++]);
            if (++d > 4) return -1;
        }
        if (d == 0 || nw >= 8) return -1;
        w[nw++] = (uint16_t)v;
        if (i == n) break;
        if (s[i] != ':') return -1;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0) return -1;
            gap = nw;
            i++;
        } else if (i == n) {
            return -1;
        }
    }
    if (gap < 0 && nw != 8) return -1;
    if (gap >= 0 && nw > 7) return -1;
    memset(out, 0, 16);
    int tail = gap >= 0 ? nw - gap : 0;
    int head = gap >= 0 ? gap : nw;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(w[k] >> 8);
        out[2 * k + 1] = (uint8_t)w[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        out[2 * pos] = (uint8_t)(w[gap + k] >> 8);
        out[2 * pos + 1] = (uint8_t)w[gap + k];
    }
    return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
    unsigned v = 0;
    if (*s == '\0') return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > 65535) return -1;
    }
    if (v == 0) return -1;
    *port = (uint16_t)v;
    return 0;
}

int dbx_addr_parse(const char *s, uint16_t default_port, dbx_addr_t *out)
{
    const char *colon;
    size_t n;
    DBX_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->port = default_port;
    n = strlen(s);
    DBX_CHECK(n > 0 && n < 64, DBX_ERR_MALFORMED);
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        DBX_CHECK(end != NULL, DBX_ERR_MALFORMED);
        DBX_CHECK(parse_v6(s + 1, (size_t)(end - s - 1), out->addr) == 0, DBX_ERR_MALFORMED);
        out->family = 6;
        if (end[1] == ':') {
            DBX_CHECK(parse_port(end + 2, &out->port) == 0, DBX_ERR_MALFORMED);
        } else {
            DBX_CHECK(end[1] == '\0', DBX_ERR_MALFORMED);
        }
        return DBX_OK;
    }
    colon = strchr(s, ':');
    if (colon != NULL && strchr(colon + 1, ':') != NULL) { /* bare IPv6 */
        DBX_CHECK(parse_v6(s, n, out->addr) == 0, DBX_ERR_MALFORMED);
        out->family = 6;
        return DBX_OK;
    }
    if (colon != NULL) {
        DBX_CHECK(parse_port(colon + 1, &out->port) == 0, DBX_ERR_MALFORMED);
        n = (size_t)(colon - s);
    }
    DBX_CHECK(parse_v4(s, n, out->addr) == 0, DBX_ERR_MALFORMED);
    out->family = 4;
    return DBX_OK;
}

const char *dbx_addr_format(const dbx_addr_t *a, char *buf, size_t cap)
{
    if (a->family == 4) {
        snprintf(buf, cap, "%u.%u.%u.%u", a->addr[0], a->addr[1], a->addr[2], a->addr[3]);
        return buf;
    }
    /* RFC 5952: lowercase, longest run of >= 2 zero words compressed */
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && a->addr[2 * j] == 0 && a->addr[2 * j + 1] == 0) j++;
        if (j - i > bestlen && j - i >= 2) {
            best = i;
            bestlen = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < 8 && used < cap; i++) {
        if (i == best) {
            used += (size_t)snprintf(buf + used, cap - used, "::");
            i += bestlen - 1;
            continue;
        }
        unsigned w = (unsigned)a->addr[2 * i] << 8 | a->addr[2 * i + 1];
        int sep = i > 0 && i != best + bestlen;
        used += (size_t)snprintf(buf + used, cap - used, "%s%x", sep ? ":" : "", w);
    }
    return buf;
}
