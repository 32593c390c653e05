/* danebox: status strings */
#include "dbx_common.h"

const char *dbx_strerror(int st)
{
    switch (st) {
    case DBX_OK: return "ok";
    case DBX_ERR_INVAL: return "invalid argument";
    case DBX_ERR_NOMEM: return "out of memory";
    case DBX_ERR_MALFORMED: return "malformed input";
    case DBX_ERR_LIMIT: return "resource limit exceeded";
    case DBX_ERR_TIMEOUT: return "timeout";
    case DBX_ERR_IO: return "i/o error";
    case DBX_ERR_CRYPTO: return "cryptographic check failed";
    case DBX_ERR_UNSUPPORTED: return "unsupported";
    case DBX_ERR_NOTFOUND: return "not found";
    case DBX_ERR_TLS: return "tls failure";
    case DBX_ERR_PROTO: return "protocol violation";
    case DBX_ERR_NOENTROPY: return "no entropy source";
    case DBX_ERR_NOTIME: return "wall time unknown";
    case DBX_ERR_INTERNAL: return "internal error";
    case DBX_ERR_BUFFER: return "buffer too small";
    default: return "unknown status";
    }
}
