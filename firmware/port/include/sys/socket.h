/* danebox bare-metal POSIX shim: socket TYPES and CONSTANTS only, so that
 * ldns' wire-format code compiles against newlib.  There are no socket
 * functions: the firmware's transport is lwIP's raw API. */
#ifndef DBX_SHIM_SYS_SOCKET_H
#define DBX_SHIM_SYS_SOCKET_H

#include <stdint.h>
#include <sys/types.h>

typedef uint32_t socklen_t;
typedef uint8_t sa_family_t;

#define AF_UNSPEC 0
#define AF_INET   2
#define AF_INET6  10
#define PF_UNSPEC AF_UNSPEC
#define PF_INET   AF_INET
#define PF_INET6  AF_INET6

#define SOCK_STREAM 1
#define SOCK_DGRAM  2

struct sockaddr {
    uint8_t sa_len;
    sa_family_t sa_family;
    char sa_data[14];
};

struct sockaddr_storage {
    uint8_t ss_len;
    sa_family_t ss_family;
    char ss_pad[2];
    uint32_t ss_align[6];
};

#endif /* DBX_SHIM_SYS_SOCKET_H */
