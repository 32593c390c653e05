/**
 * @file dbx_selftest.h
 * @brief Power-on self test: crypto HAL known-answer tests (SHA-256; RSA
 *        PKCS#1 v1.5 and ECDSA P-256 verify, one good and one bad signature
 *        each, through the HAL dispatcher, i.e. through the accelerator when
 *        the board has one) and a check that the built-in root anchor's DS
 *        digests match its DNSKEYs.  A failure latches hal_crypto_refuse():
 *        every later signature verification fails and dbx_check_run()
 *        refuses to start (DBX_ERR_CRYPTO), so nothing is ever validated by
 *        a backend that failed its known answers.
 */
#ifndef DBX_SELFTEST_H
#define DBX_SELFTEST_H

#include <stddef.h>

/** Run the self test; write a one-line summary to @p line ("selftest:
 *  sha256 ok, rsa ok, ecdsa ok, accel NAME, root anchor TAG:ok ...").
 *  @return DBX_OK or DBX_ERR_CRYPTO (a known-answer test failed; latched). */
int dbx_selftest(char *line, size_t cap);

/** One line of crypto HAL counters, per backend: "crypto: accel NAME;
 *  sw hash=N rsa=N ecdsa=N random=N refused=N; accel hash=N rsa=N ecdsa=N
 *  random=N" -- which backend answered, surfaced for the operator.
 *  @return DBX_OK or DBX_ERR_BUFFER (cut). */
int dbx_crypto_counters_line(char *line, size_t cap);

#endif /* DBX_SELFTEST_H */
