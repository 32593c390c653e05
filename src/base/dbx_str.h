/**
 * @file dbx_str.h
 * @brief The one small string toolkit of the core: bounded copy and
 *        format, ASCII case folding, hex, a bounded writer and the one JSON
 *        string escaper.  Dependency-free (libc string/stdio only), no
 *        allocation; every function NUL-terminates whatever fits.
 */
#ifndef DBX_STR_H
#define DBX_STR_H

#include "dbx_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Copy @p src (NULL: "") into @p dst of @p cap octets, cut to fit.
 *  @return true when it was cut. */
bool dbx_str_copy(char *dst, size_t cap, const char *src);

/** snprintf into @p dst; on an encoding error @p dst becomes "".
 *  @return true when the output was cut. */
bool dbx_str_fmt(char *dst, size_t cap, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** ASCII-only lower case of @p c (no locale). */
char dbx_ascii_lower(char c);

/** ASCII case-insensitive compare of @p n octets: <0, 0, >0. */
int dbx_ascii_casecmp_n(const char *a, const char *b, size_t n);

/** ASCII case-insensitive equality of two NUL-terminated strings. */
bool dbx_ascii_eq(const char *a, const char *b);

/** Value of hex digit @p c (0-9, a-f, A-F): 0..15, or -1 for any other octet. */
int dbx_hex_digit(char c);

/** Lower-case hex of @p len octets into @p out (2*len+1 octets needed).
 *  @return DBX_OK or DBX_ERR_BUFFER (nothing meaningful written). */
int dbx_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap);

/** 32-bit FNV-1a of @p len octets (not cryptographic: spreading and
 *  remembering keys that no remote party chooses to collide). */
uint32_t dbx_fnv1a(const void *p, size_t len);

/** Bounded writer over a caller buffer; always NUL-terminated. */
typedef struct dbx_sbuf {
    char *b;
    size_t cap, len;
    bool cut; /**< something did not fit */
} dbx_sbuf_t;

/** Start writing into @p b (@p cap > 0). */
void dbx_sbuf_init(dbx_sbuf_t *s, char *b, size_t cap);
void dbx_sbuf_putc(dbx_sbuf_t *s, char c);
void dbx_sbuf_puts(dbx_sbuf_t *s, const char *t);
/** printf-append (one call formats at most 255 octets; longer is cut). */
void dbx_sbuf_printf(dbx_sbuf_t *s, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/**
 * The one JSON string escaper: appends "..." with '"' and '\\' escaped,
 * \\n \\r \\t as such, every other octet < 0x20 or >= 0x7f as \\u00XX (so
 * output is ASCII whatever the input).  NULL writes "".
 */
void dbx_sbuf_json_str(dbx_sbuf_t *s, const char *t);

/** The one JSON escaping rule for one octet: writes its escaped form
 *  (1..6 chars) plus NUL into @p out.  @return the length. */
size_t dbx_json_escape_char(unsigned char c, char out[7]);

/** JSON-escape @p t into @p out (with the quotes), as dbx_sbuf_json_str().
 *  @return DBX_OK or DBX_ERR_BUFFER (cut, NUL-terminated). */
int dbx_json_escape(const char *t, char *out, size_t cap);

/**
 * Decimal text of @p v in @p buf (24 bytes hold every int64_t): the one
 * 64-bit formatter, since newlib-nano's printf (boards) has no %lld.
 * @return a pointer into @p buf (not necessarily its start).
 */
const char *dbx_dec64(int64_t v, char buf[24]);

/** A UTC calendar time (proleptic Gregorian). */
typedef struct dbx_utc {
    int year, mon, day;   /**< mon 1..12, day 1..31 */
    int hour, min, sec;
    int wday;             /**< 0 = Thursday (1970-01-01), .. 6 = Wednesday */
} dbx_utc_t;

/** The one calendar conversion: Unix time @p t -> UTC fields. */
void dbx_utc_from_unix(int64_t t, dbx_utc_t *out);

/** ISO 8601 "2026-11-30T17:09:20Z" of @p t into @p buf (21 octets).
 *  @return @p buf. */
const char *dbx_utc_iso(int64_t t, char buf[21]);

#ifdef __cplusplus
}
#endif
#endif /* DBX_STR_H */
