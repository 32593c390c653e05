/* newlib system call stubs for danebox firmware: console output on the UART,
 * a bounded heap, exit through semihosting. */
#include "fw.h"
#include "arm/semihost.h"
#include "dbx_common.h"
#include "hal_platform.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>

extern char __heap_start, __heap_end;

int _write(int fd, const void *buf, size_t len);
int _read(int fd, void *buf, size_t len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);
void *_sbrk(ptrdiff_t incr);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);

int _write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    hal_console_write(buf, len);
    return (int)len;
}

int _read(int fd, void *buf, size_t len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0; /* no console input */
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd <= 2;
}

int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

/* The heap is the arena [__heap_start, __heap_end) the linker script sizes;
 * growth past its end fails with ENOMEM (malloc returns NULL). */
static char *heap_brk = &__heap_start;
static char *heap_max = &__heap_start;

void *_sbrk(ptrdiff_t incr)
{
    char *old = heap_brk;
    if (incr > 0 && (size_t)incr > (size_t)(&__heap_end - heap_brk)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    if (incr < 0 && (size_t)-incr > (size_t)(heap_brk - &__heap_start)) {
        errno = EINVAL;
        return (void *)-1;
    }
    heap_brk += incr;
    if (heap_brk > heap_max) {
        heap_max = heap_brk;
    }
    return old;
}

size_t fw_heap_peak(void)
{
    return (size_t)(heap_max - &__heap_start);
}

size_t fw_heap_size(void)
{
    return (size_t)(&__heap_end - &__heap_start);
}

void _exit(int status)
{
    semihost_exit(status);
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    int64_t now;
    (void)tz;
    if (hal_clock_unix(&now) != DBX_OK) {
        errno = ENOSYS;
        return -1;
    }
    if (tv != NULL) {
        tv->tv_sec = (time_t)now;
        tv->tv_usec = 0;
    }
    return 0;
}

/* Allocation accounting: the firmware links with --wrap=malloc,free,calloc,
 * realloc (board/common/cortex-m.mk), so every call through the public
 * entry points (ldns, lwIP-free code, the mbedTLS arena's calloc) is counted
 * by usable block size.  libc-internal allocations (_malloc_r) are not
 * counted; freeing one through free() is clamped at zero. */
void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);

static size_t inuse, inuse_peak;

static void acct_add(void *p)
{
    if (p != NULL) {
        inuse += malloc_usable_size(p);
        if (inuse > inuse_peak) inuse_peak = inuse;
    }
}

static void acct_sub(void *p)
{
    if (p != NULL) {
        size_t n = malloc_usable_size(p);
        inuse = n > inuse ? 0 : inuse - n;
    }
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    acct_add(p);
    return p;
}

void __wrap_free(void *p)
{
    acct_sub(p);
    __real_free(p);
}

void *__wrap_calloc(size_t n, size_t sz)
{
    void *p = __real_calloc(n, sz);
    acct_add(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    size_t old = p != NULL ? malloc_usable_size(p) : 0;
    void *q = __real_realloc(p, n);
    if (q != NULL || n == 0) {
        inuse = old > inuse ? 0 : inuse - old;
        acct_add(q);
    }
    return q;
}

size_t fw_heap_inuse(void)
{
    return inuse;
}

size_t fw_heap_inuse_peak(void)
{
    return inuse_peak;
}

void fw_heap_reset_peak(void)
{
    inuse_peak = inuse;
}
