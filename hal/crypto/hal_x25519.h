/**
 * @file hal_x25519.h
 * @brief danebox's own constant-time X25519 (RFC 7748): arithmetic mod
 *        p = 2^255 - 19 and the Montgomery ladder (internal to hal/crypto/).
 *
 * Field elements are 8 little-endian 32-bit words holding any value below
 * 2^256 (a redundant representation: every operation accepts and returns
 * values < 2^256 congruent mod p); hal_x25519_fe_to_bytes() fully reduces.
 * Every function runs in time independent of the values (no branches or
 * memory indices that depend on them; multiplications use UMAAL on
 * ARMv7E-M, a portable C path elsewhere).  Caveat: the Cortex-M3's UMULL
 * (the portable path there) ends early for small operands, so on the M3 the
 * multiplier's timing depends on data, as it does for mbedTLS' bignum on
 * that core; the Cortex-M4's UMULL/UMAAL take fixed time.  Stack only, no
 * heap.
 *
 * Users: hal_x25519() (the RFC 7748 function, unit-tested against mbedTLS
 * and the RFC's vectors) and, on the boards, the mbedTLS ECP hooks in
 * hal_x25519_mbedtls.c that take over mbedTLS' x/z ladder steps for
 * Curve25519 (MBEDTLS_ECP_INTERNAL_ALT, firmware/config/dbx_mbedtls_config.h).
 */
#ifndef HAL_X25519_H
#define HAL_X25519_H

#include <stdint.h>

/** A field element: 8 little-endian words, value < 2^256, taken mod p. */
typedef uint32_t hal_x25519_fe[8];

/** r = a * b mod p (r may alias a or b). */
void hal_x25519_fe_mul(hal_x25519_fe r, const hal_x25519_fe a, const hal_x25519_fe b);
/** r = a^(p-2) = 1/a mod p (0 for a = 0), by Fermat; r may alias a. */
void hal_x25519_fe_inv(hal_x25519_fe r, const hal_x25519_fe a);
/** Little-endian 32 bytes to a field element, all 256 bits kept. */
void hal_x25519_fe_from_bytes(hal_x25519_fe r, const uint8_t in[32]);
/** The unique representative in [0, p) as little-endian 32 bytes. */
void hal_x25519_fe_to_bytes(uint8_t out[32], const hal_x25519_fe a);

/**
 * One ladder step (RFC 7748 section 5): (x2:z2) <- 2 (x2:z2) and
 * (x3:z3) <- (x2:z2) + (x3:z3), where x1 is the affine u of their difference.
 */
void hal_x25519_ladder_step(hal_x25519_fe x2, hal_x25519_fe z2, hal_x25519_fe x3,
                            hal_x25519_fe z3, const hal_x25519_fe x1);

/**
 * X25519(k, u) of RFC 7748: the scalar is clamped, the top bit of u masked.
 * out receives the fully reduced u-coordinate (all zero for a low-order u;
 * the caller decides whether that is an error).
 */
void hal_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32]);

#endif /* HAL_X25519_H */
