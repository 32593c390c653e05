/* No /etc/services or /etc/protocols on the target: every lookup misses.
 * ldns' WKS code falls back to numbers (see firmware/port/include/netdb.h). */
#include <netdb.h>
#include <stddef.h>

struct servent *getservbyname(const char *name, const char *proto)
{
    (void)name;
    (void)proto;
    return NULL;
}

struct servent *getservbyport(int port, const char *proto)
{
    (void)port;
    (void)proto;
    return NULL;
}

struct protoent *getprotobyname(const char *name)
{
    (void)name;
    return NULL;
}

struct protoent *getprotobynumber(int proto)
{
    (void)proto;
    return NULL;
}

void endservent(void)
{
}

void endprotoent(void)
{
}
