/**
 * @file dbx_common.h
 * @brief danebox core: the one status enum, check macros, shared small types.
 *
 * Every public function of the core returns a ::dbx_status_t (0 = OK,
 * negative = error) unless it documents otherwise.  Two check macros:
 *  - DBX_CHECK(cond, status): for bad *external* input (a DNS answer, a
 *    certificate, an SMTP reply).  Returns @p status from the calling function,
 *    never crashes.
 *  - DBX_ASSERT(cond): for programmer bugs (NULL where the contract forbids
 *    it).  Returns DBX_ERR_INTERNAL in release builds; aborts in debug builds
 *    (DBX_DEBUG defined) so tests find the bug.
 */
#ifndef DBX_COMMON_H
#define DBX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the core, printed by `danebox --version` and the firmware
 *  banner (override with -DDBX_VERSION=...). */
#ifndef DBX_VERSION
#define DBX_VERSION "0.1-dev"
#endif

/** Status codes shared by every layer of the core. */
typedef enum dbx_status {
    DBX_OK = 0,
    DBX_ERR_INVAL = -1,       /**< bad argument from our own caller */
    DBX_ERR_NOMEM = -2,       /**< allocation failed / arena exhausted */
    DBX_ERR_MALFORMED = -3,   /**< malformed external input */
    DBX_ERR_LIMIT = -4,       /**< a resource limit against hostile peers hit */
    DBX_ERR_TIMEOUT = -5,     /**< the peer did not answer in time */
    DBX_ERR_IO = -6,          /**< transport error */
    DBX_ERR_CRYPTO = -7,      /**< signature / digest check failed */
    DBX_ERR_UNSUPPORTED = -8, /**< algorithm or feature not supported */
    DBX_ERR_NOTFOUND = -9,    /**< no such item */
    DBX_ERR_TLS = -10,        /**< TLS handshake / record failure */
    DBX_ERR_PROTO = -11,      /**< peer violated the protocol */
    DBX_ERR_NOENTROPY = -12,  /**< no entropy source: refuse to run */
    DBX_ERR_NOTIME = -13,     /**< wall time unknown: refuse to validate */
    DBX_ERR_INTERNAL = -14,   /**< programmer bug caught by DBX_ASSERT */
    DBX_ERR_BUFFER = -15,     /**< caller buffer too small */
} dbx_status_t;

/** @return a static, never-NULL description of @p st. */
const char *dbx_strerror(int st);

/** Bad external input: return @p st from the calling function. */
#define DBX_CHECK(cond, st)        \
    do {                           \
        if (!(cond)) {             \
            return (st);           \
        }                          \
    } while (0)

#ifdef DBX_DEBUG
#include <stdlib.h>
#define DBX_ASSERT(cond)           \
    do {                           \
        if (!(cond)) {             \
            abort();               \
        }                          \
    } while (0)
#else
/** Programmer bug: return DBX_ERR_INTERNAL from the calling function. */
#define DBX_ASSERT(cond) DBX_CHECK(cond, DBX_ERR_INTERNAL)
#endif

/** Keep the first error: `DBX_STICK(ctx->err, st)`. */
#define DBX_STICK(slot, st)                 \
    do {                                    \
        if ((slot) == DBX_OK && (st) < 0) { \
            (slot) = (st);                  \
        }                                   \
    } while (0)

#define DBX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#ifdef __cplusplus
}
#endif
#endif /* DBX_COMMON_H */
