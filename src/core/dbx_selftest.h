/**
 * @file dbx_selftest.h
 * @brief Power-on self test: crypto HAL known-answer tests and a check that
 *        the built-in root anchor's DS digests match its DNSKEYs.
 */
#ifndef DBX_SELFTEST_H
#define DBX_SELFTEST_H

#include <stddef.h>

/** Run the self test; write a one-line summary to @p line.
 *  @return DBX_OK or DBX_ERR_CRYPTO (a known-answer test failed). */
int dbx_selftest(char *line, size_t cap);

#endif /* DBX_SELFTEST_H */
