/**
 * @file fw.h
 * @brief danebox firmware internals: memory statistics from the startup
 *        code and the newlib syscalls, and the network smoke test.
 */
#ifndef DBX_FW_H
#define DBX_FW_H

#include <stddef.h>
#include <stdint.h>

/** Bytes of the painted main stack ever used (high-water mark). */
size_t fw_stack_peak(void);
/** Size of the stack reserve. */
size_t fw_stack_size(void);
/** Bytes of the heap arena ever handed out by _sbrk (high-water mark). */
size_t fw_heap_peak(void);
/** Size of the heap arena (_sbrk refuses to grow past it). */
size_t fw_heap_size(void);

/** Check the ldns subset on the target (key tags of the built-in anchor,
 *  a dname round trip); one summary line into @p line.
 *  @return DBX_OK or DBX_ERR_INTERNAL. */
int fw_ldns_check(char *line, size_t cap);

/** Network smoke test: bring up the LAN9118 + lwIP with a static IPv4
 *  address, ARP for and ping @p target (dotted quad) @p count times.
 *  @return DBX_OK when every echo got its reply, DBX_ERR_TIMEOUT when one did
 *  not, DBX_ERR_IO when the NIC is absent. */
int fw_net_ping(const char *local, const char *gw, const char *target, int count);

#endif /* DBX_FW_H */
