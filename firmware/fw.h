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

struct dbx_config;
struct dbx_transport;

/** Repaint the unused part of the stack (below the caller's frame), so the
 *  next fw_stack_peak() measures from here. */
void fw_stack_repaint(void);

/** Bytes held through malloc/calloc/realloc right now and their high-water
 *  mark since the last fw_heap_reset_peak() (the firmware links with
 *  --wrap for the four allocator entry points; counts usable block sizes). */
size_t fw_heap_inuse(void);
size_t fw_heap_inuse_peak(void);
void fw_heap_reset_peak(void);

/** A measurement window: core cycles = busy + wait + idle, and memory
 *  high-water marks.  idle: in WFI (fw_net_poll, nothing received); wait:
 *  the rest of those empty polls (LAN9118 poll, lwIP timer check), i.e. the
 *  poll loop's own instructions while waiting for the network; busy: the
 *  rest (the work, incl. processing received frames and the callers' loop
 *  tests between polls).  insns = busy x 1e9/cpu_hz (-icount shift=0),
 *  insns_wait likewise; polls_wait = empty polls. */
typedef struct fw_meter_snap {
    uint64_t busy, total, insns, wait, insns_wait, idle;
    uint32_t polls_wait;
    size_t heap_peak, heap_now, sbrk, stack_peak, tls_peak;
    uint32_t ms;
} fw_meter_snap_t;
typedef struct fw_meter {
    uint64_t c0, idle0, wait0;
    uint32_t polls0;
    uint32_t ms0;
    int stopped;
    fw_meter_snap_t snap; /**< figures frozen by fw_meter_stop() */
} fw_meter_t;
void fw_meter_start(fw_meter_t *m);
/** Freeze the window's figures (printed later by fw_meter_print()). */
void fw_meter_stop(fw_meter_t *m);
/** Print "<what>: heap peak N B (sbrk arena M B), stack peak S B, mbedtls peak
 *  T B, cycles busy/total, instructions ~I (-icount shift=0), ms" -- the
 *  frozen figures after fw_meter_stop(), else the figures up to now. */
void fw_meter_print(const fw_meter_t *m, const char *what);
/** The figures of fw_meter_print() ("heap-peak=N ... ms=N") into @p buf. */
void fw_meter_format(const fw_meter_t *m, char *buf, size_t cap);
/** Cycles spent in WFI so far (fw_net_poll idle). */
uint64_t fw_idle_cycles(void);
/** Cycles of fw_net_poll calls that received nothing, WFI excluded, so far;
 *  @p polls (may be NULL): how many such calls. */
uint64_t fw_wait_cycles(uint32_t *polls);

/** mode=resolve: dbx_resolve() every query= over @p tr; one `danebox resolve
 *  --json` line per question and one "resolve-stats:" line.
 *  @return DBX_OK when all ran (any security status), else the error. */
int fw_resolve(const struct dbx_config *cfg, const struct dbx_transport *tr);

/** Build the trust anchor @p cfg selects (anchor=builtin, or anchor=rig
 *  from anchor-ds= wire fields).  @return DBX_OK or the error. */
struct dbx_trust;
int fw_trust_load(const struct dbx_config *cfg, struct dbx_trust *trust);

/** mode=check: dbx_check_run() for every check= domain over @p tr with one
 *  resolver (shared key cache); per domain the `danebox check --json` line,
 *  the summary lines and a "check-stats:" line.
 *  @return DBX_OK when every domain got a verdict (any verdict), else the
 *  first internal error (DBX_ERR_NOTIME without wall time, DBX_ERR_NOMEM,
 *  DBX_ERR_BUFFER, ...). */
int fw_check(const struct dbx_config *cfg, const struct dbx_transport *tr);

/** mode=probe: one STARTTLS session to probe= with SNI sni=.
 *  @return DBX_OK when TLS was established, else DBX_ERR_TLS / the error. */
int fw_probe(const struct dbx_config *cfg, const struct dbx_transport *tr);

/** Check the ldns subset on the target (key tags of the built-in anchor,
 *  a dname round trip); one summary line into @p line.
 *  @return DBX_OK or DBX_ERR_INTERNAL. */
int fw_ldns_check(char *line, size_t cap);

struct dbx_config;
struct dbx_transport;

/** mode=ping: bring up the network from @p cfg, ARP for and ping the
 *  ping= target (default gw=) @p count times.
 *  @return DBX_OK when every echo got its reply, DBX_ERR_TIMEOUT when one did
 *  not, DBX_ERR_IO when the NIC is absent. */
int fw_net_ping(const struct dbx_config *cfg, int count);

/** mode=dnsprobe: for every resolver= and query=, one DNS exchange over UDP
 *  and one over TCP through @p tr; one line per exchange.
 *  @return DBX_OK when all succeeded and no socket leaked, else DBX_ERR_IO. */
int fw_dnsprobe(const struct dbx_config *cfg, const struct dbx_transport *tr);

/** mode=bench: time SHA-256 1 KiB, RSA-2048 and ECDSA P-256 verification
 *  through hal_crypto_* with fixed vectors (firmware/bench.c); one line per
 *  measurement.  @return DBX_OK when every result was as expected. */
int fw_bench(void);

#endif /* DBX_FW_H */
