/**
 * @file semihost.h
 * @brief ARM semihosting (BKPT 0xAB on M-profile).
 *
 * EMULATION / DEBUG ONLY: semihosting needs a debugger or QEMU with
 * `-semihosting-config enable=on`.  Without one, the BKPT escalates to
 * HardFault; firmware/startup.c then makes the call return -1, so every
 * function here reports failure instead of hanging.
 */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

#define SH_SYS_OPEN          0x01
#define SH_SYS_CLOSE         0x02
#define SH_SYS_WRITE0        0x04
#define SH_SYS_WRITE         0x05
#define SH_SYS_READ          0x06
#define SH_SYS_SEEK          0x0A
#define SH_SYS_FLEN          0x0C
#define SH_SYS_TIME          0x11
#define SH_SYS_GET_CMDLINE   0x15
#define SH_SYS_EXIT          0x18
#define SH_SYS_EXIT_EXTENDED 0x20
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/** Raw call: @p op in r0, @p arg in r1.  @return r0 (-1 when unavailable). */
int32_t semihost_call(uint32_t op, void *arg);

/** Open a host file read-only (binary).  @return handle, or -1. */
int32_t semihost_open_ro(const char *path);
/** Open a host file with semihosting open mode @p mode (0..11: "r", "rb",
 *  "r+", "r+b", "w", "wb", "w+", "w+b", ...).  @return handle, or -1. */
int32_t semihost_open(const char *path, uint32_t mode);
/** Close a handle.  @return 0, or -1. */
int semihost_close(int32_t fd);
/** Write exactly @p len bytes.  @return 0 on success, -1 otherwise. */
int semihost_write_all(int32_t fd, const uint8_t *buf, size_t len);
/** Seek to absolute position @p pos.  @return 0, or -1. */
int semihost_seek(int32_t fd, uint32_t pos);
/** Length of the file.  @return the length, or -1. */
int32_t semihost_flen(int32_t fd);
/** Read exactly @p len bytes.  @return 0 on success, -1 otherwise. */
int semihost_read_all(int32_t fd, uint8_t *buf, size_t len);
/** Host wall time, seconds since the epoch.  @return -1 when unavailable. */
int32_t semihost_time(void);
/** The command line QEMU passes (-append), NUL terminated.  @return 0 / -1. */
int semihost_cmdline(char *buf, size_t cap);
/** End the emulation with exit status @p status (never returns when
 *  semihosting works; spins otherwise). */
void semihost_exit(int status) __attribute__((noreturn));

#endif /* SEMIHOST_H */
