/**
 * @file test_util.h
 * @brief Helpers shared by the host unit tests (linked into every test).
 */
#ifndef DBX_TEST_UTIL_H
#define DBX_TEST_UTIL_H

/** Read a whole file into a NUL-terminated malloc'd buffer.
 *  @return the buffer (caller frees) or NULL when it cannot be read. */
char *dbx_test_slurp(const char *path);

#endif /* DBX_TEST_UTIL_H */
