/* lwIP compiler/platform glue for danebox (GCC, newlib or glibc). */
#ifndef DBX_LWIP_ARCH_CC_H
#define DBX_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_NO_UNISTD_H 1
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { printf("lwip assert: %s\n", x); abort(); } while (0)
#define LWIP_ERRNO_STDINCLUDE 1

#endif /* DBX_LWIP_ARCH_CC_H */
