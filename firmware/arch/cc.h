/* lwIP compiler/platform glue for danebox (GCC, newlib or glibc). */
#ifndef DBX_LWIP_ARCH_CC_H
#define DBX_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_NO_UNISTD_H 1
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#if defined(__arm__)
/* The board: every assertion stays, but it reports the file and line in the
 * pinned lwIP source instead of its message (7 KB of strings in flash). */
#ifdef __FILE_NAME__
#define DBX_LWIP_FILE __FILE_NAME__
#else
#define DBX_LWIP_FILE __FILE__
#endif
#define LWIP_PLATFORM_ASSERT(x) \
    do { (void)sizeof(x); printf("lwip assert: %s:%d\n", DBX_LWIP_FILE, __LINE__); abort(); } while (0)
#else
#define LWIP_PLATFORM_ASSERT(x) do { printf("lwip assert: %s\n", x); abort(); } while (0)
#endif
#define LWIP_ERRNO_STDINCLUDE 1

#endif /* DBX_LWIP_ARCH_CC_H */
