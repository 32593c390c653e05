/* danebox bare-metal POSIX shim: <netdb.h> constants, and the services/protocols
 * lookups ldns' WKS code calls (no resolver:
 * name resolution is danebox's own validating stub). */
#ifndef DBX_SHIM_NETDB_H
#define DBX_SHIM_NETDB_H

#include <sys/socket.h>

#define NI_MAXHOST 1025
#define NI_MAXSERV 32

struct servent {
    char *s_name;
    char **s_aliases;
    int s_port;
    char *s_proto;
};

struct protoent {
    char *p_name;
    char **p_aliases;
    int p_proto;
};

/* No services/protocols database on the target: firmware/port/netdb_stub.c
 * implements these as "not found" (ldns then prints WKS numerically). */
struct servent *getservbyname(const char *name, const char *proto);
struct servent *getservbyport(int port, const char *proto);
struct protoent *getprotobyname(const char *name);
struct protoent *getprotobynumber(int proto);
void endservent(void);
void endprotoent(void);

#endif /* DBX_SHIM_NETDB_H */
