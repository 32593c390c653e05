/* danebox bare-metal POSIX shim: <arpa/inet.h>.  Types from <netinet/in.h>;
 * inet_pton/inet_ntop are declared here and provided by ldns' compat code
 * (or the firmware) when linked. */
#ifndef DBX_SHIM_ARPA_INET_H
#define DBX_SHIM_ARPA_INET_H

#include <netinet/in.h>

int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

#endif /* DBX_SHIM_ARPA_INET_H */
