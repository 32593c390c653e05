/* ARM semihosting calls (EMULATION / DEBUG ONLY, see semihost.h). */
#include "semihost.h"

#include <string.h>

int32_t semihost_call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int32_t semihost_open_ro(const char *path)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)path, 1u /* "rb" */, (uint32_t)strlen(path)};
    return semihost_call(SH_SYS_OPEN, args);
}

int32_t semihost_open(const char *path, uint32_t mode)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)strlen(path)};
    return semihost_call(SH_SYS_OPEN, args);
}

int semihost_close(int32_t fd)
{
    uint32_t args[1] = {(uint32_t)fd};
    return semihost_call(SH_SYS_CLOSE, args) == 0 ? 0 : -1;
}

int semihost_write_all(int32_t fd, const uint8_t *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return semihost_call(SH_SYS_WRITE, args) == 0 ? 0 : -1; /* r0 = bytes NOT written */
}

int semihost_seek(int32_t fd, uint32_t pos)
{
    uint32_t args[2] = {(uint32_t)fd, pos};
    return semihost_call(SH_SYS_SEEK, args) == 0 ? 0 : -1;
}

int32_t semihost_flen(int32_t fd)
{
    uint32_t args[1] = {(uint32_t)fd};
    return semihost_call(SH_SYS_FLEN, args);
}

int semihost_read_all(int32_t fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
        int32_t left = semihost_call(SH_SYS_READ, args); /* bytes NOT read */
        if (left < 0 || (size_t)left >= len) {
            return -1; /* error, EOF or no progress */
        }
        buf += len - (size_t)left;
        len = (size_t)left;
    }
    return 0;
}

int32_t semihost_time(void)
{
    return semihost_call(SH_SYS_TIME, NULL);
}

int semihost_cmdline(char *buf, size_t cap)
{
    uint32_t args[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
    if (cap == 0) {
        return -1;
    }
    buf[0] = '\0';
    if (semihost_call(SH_SYS_GET_CMDLINE, args) != 0) {
        buf[0] = '\0';
        return -1;
    }
    buf[cap - 1] = '\0';
    return 0;
}

void semihost_exit(int status)
{
    /* SYS_EXIT_EXTENDED carries the status (QEMU exits with it); plain
     * SYS_EXIT on AArch32 only knows "application exit" = 0 vs error = 1. */
    uint32_t block[2] = {SH_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    semihost_call(SH_SYS_EXIT_EXTENDED, block);
    semihost_call(SH_SYS_EXIT, (void *)(uintptr_t)(status == 0 ? SH_ADP_STOPPED_APPLICATION_EXIT
                                                                : 0x20023u /* RunTimeError */));
    for (;;) {
        __asm__ volatile("wfi");
    }
}
