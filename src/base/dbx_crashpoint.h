/**
 * @file dbx_crashpoint.h
 * @brief Named fault-injection points for the crash matrix
 *        (tests/rig/test_crash_matrix.sh).
 *
 * DBX_CRASHPOINT("name") marks a place where a kill -9 must leave the queue
 * consistent (every acknowledged message still delivered or bounced).  The
 * host build (board/host/board.mk: -DDBX_CRASHPOINTS=1) compiles the points
 * in; they stay inert unless the environment variable DANEBOX_CRASHPOINT
 * names one ("name" or "name:N" = the N-th time it is reached), then the
 * process logs one line and kills itself with SIGKILL, together with the
 * process whose id is in DANEBOX_CRASHPOINT_ALSO (the relay daemon, for
 * its queue runners) or, when that process leads a process group, the
 * whole group.  Firmware builds expand the macro to nothing.
 */
#ifndef DBX_CRASHPOINT_H
#define DBX_CRASHPOINT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DBX_CRASHPOINTS) && DBX_CRASHPOINTS
/**
 * Kill the process (SIGKILL) if @p name is the armed crash point; returns
 * otherwise.  Cheap when disarmed (the environment is read once).
 */
void dbx_crashpoint(const char *name);
#define DBX_CRASHPOINT(name) dbx_crashpoint(name)
#else
#define DBX_CRASHPOINT(name) ((void)0)
#endif

#ifdef __cplusplus
}
#endif
#endif /* DBX_CRASHPOINT_H */
