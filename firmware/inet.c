/* inet_pton()/inet_ntop() for the bare-metal targets (declared by the shim's
 * <arpa/inet.h>; ldns' text conversions call them), implemented with lwIP's
 * address parsers/printers.  Without IPv6 in lwIP, AF_INET6 is unsupported.
 * Note: lwIP's IPv4 parser also accepts the short inet_aton() forms. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lwip/ip_addr.h"

int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

int inet_pton(int af, const char *src, void *dst)
{
    if (af == AF_INET) {
        ip4_addr_t a;
        if (!ip4addr_aton(src, &a)) {
            return 0;
        }
        memcpy(dst, &a.addr, 4); /* lwIP keeps it in network order */
        return 1;
    }
#if LWIP_IPV6
    if (af == AF_INET6) {
        ip6_addr_t a;
        if (!ip6addr_aton(src, &a)) {
            return 0;
        }
        memcpy(dst, a.addr, 16);
        return 1;
    }
#endif
    errno = EAFNOSUPPORT;
    return -1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
    const char *r = NULL;
    if (af == AF_INET) {
        ip4_addr_t a;
        memcpy(&a.addr, src, 4);
        r = ip4addr_ntoa_r(&a, dst, (int)size);
    }
#if LWIP_IPV6
    else if (af == AF_INET6) {
        ip6_addr_t a;
        memcpy(a.addr, src, 16);
        ip6_addr_clear_zone(&a);
        r = ip6addr_ntoa_r(&a, dst, (int)size);
    }
#endif
    else {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    if (r == NULL) {
        errno = ENOSPC;
    }
    return r;
}
