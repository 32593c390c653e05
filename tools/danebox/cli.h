/**
 * @file cli.h
 * @brief The host CLI `danebox`: one file per subcommand, common options and
 *        exit codes (documented in README.md; keep them in sync).
 */
#ifndef DBX_CLI_H
#define DBX_CLI_H

#include <stddef.h>
#include <stdint.h>

/** Exit codes shared by all subcommands. */
enum dbx_exit {
    DBX_EXIT_OK = 0,        /**< secure answer / TLSA match / dane-verified */
    DBX_EXIT_NEGATIVE = 1,  /**< insecure answer / no match / opportunistic or
                                 encrypt-unauthenticated verdict */
    DBX_EXIT_USAGE = 2,     /**< bad arguments, unreadable or malformed input file */
    DBX_EXIT_BOGUS = 3,     /**< bogus answer / defer verdict / no usable TLSA */
    DBX_EXIT_INDETERMINATE = 4, /**< indeterminate answer, resolver unreachable */
    DBX_EXIT_INTERNAL = 5,  /**< internal error, no entropy, no wall time */
};

/** Subcommands: argv[0] is the subcommand name. Return an exit code. */
int dbx_cmd_resolve(int argc, char **argv);
int dbx_cmd_match(int argc, char **argv);
int dbx_cmd_check(int argc, char **argv);
int dbx_cmd_selftest(int argc, char **argv);
/** `danebox relay`: the SMTP relay daemon (tools/danebox/cmd_relay.c). */
int dbx_cmd_relay(int argc, char **argv);
/** `danebox queue`: list / show / flush / delete relay spool messages. */
int dbx_cmd_queue(int argc, char **argv);
/** TLSA records to publish from a certificate / chain / key (cmd_tlsa.c). */
int dbx_cmd_tlsa(int argc, char **argv);
/** Operator monitoring of DOMAIN's DANE setup (cmd_monitor.c). */
int dbx_cmd_monitor(int argc, char **argv);
/** `danebox tlsrpt`: RFC 8460 daily reports from the relay's records
 *  (cmd_tlsrpt.c). */
int dbx_cmd_tlsrpt(int argc, char **argv);
/** Hidden: one STARTTLS session against ADDR (tools/danebox/cmd_probe.c). */
int dbx_cmd_probe(int argc, char **argv);

/** Read a whole file (at most @p max bytes) into a NUL-terminated malloc'd
 *  buffer.  @return 0 or -1 with a message on stderr. */
int dbx_cli_read_file(const char *path, size_t max, char **out, size_t *len);

/** Largest anchor file accepted (bytes). */
#define DBX_CLI_ANCHOR_MAX (64u * 1024u)

struct dbx_trust;
/** Load the trust anchor: the built-in root anchor when @p path is NULL,
 *  else DS/DNSKEY records in zone text from @p path (errors on stderr).
 *  @return DBX_EXIT_OK, DBX_EXIT_USAGE (unreadable/malformed) or
 *  DBX_EXIT_INTERNAL. */
int dbx_cli_load_trust(const char *path, struct dbx_trust *trust);

struct dbx_addr;
/** The first usable "nameserver" of /etc/resolv.conf (port 53).
 *  @return 0 or -1 when there is none. */
int dbx_cli_default_resolver(struct dbx_addr *a);

/** Run as root: become the owner of the relay spool @p spool (so files
 *  written stay the relay's).  @return 0 or -1 (message on stderr). */
int dbx_cli_spool_owner(const char *spool);

/** Ask a running relay (pid in SPOOL/lock) for a queue run (SIGUSR1);
 *  prints what happened. */
void dbx_cli_spool_poke(const char *spool);

/** Parse a Unix time argument ("1700000000"). @return 0 or -1. */
int dbx_cli_parse_time(const char *s, int64_t *out);

/** Parse an NSEC3 iteration limit argument (--nsec3-iterations, 0 up to
 *  DBX_NSEC3_MAX_ITERATIONS: it can only lower the compiled limit).
 *  @return 0 or -1 (message printed). */
int dbx_cli_parse_nsec3_limit(const char *s, uint32_t *out);

#endif /* DBX_CLI_H */
