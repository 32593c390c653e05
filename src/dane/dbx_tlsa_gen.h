/**
 * @file dbx_tlsa_gen.h
 * @brief Computing TLSA records for publishing (`danebox tlsa`, the
 *        monitor): the same data selection and digests the matcher uses
 *        (dbx_tlsa_selected(), dbx_tlsa_digest() in dbx_dane.h), a
 *        presentation printer, and the choice of issuer for a "2 1 1"
 *        roll-over record.
 *
 * The DANE-for-SMTP how-to's advice encoded here: selector 1 (the public
 * key: survives re-issuing a certificate for the same key) with SHA-256;
 * for "current + issuer" the root of the chain is preferred (the topmost
 * certificate given), overridable by depth.
 */
#ifndef DBX_TLSA_GEN_H
#define DBX_TLSA_GEN_H

#include "dane/dbx_dane.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Buffer that holds the "U S M HEX" text of a SHA-512 record uncut
 *  (dbx_tlsa_to_text() keeps room for "..." while digits remain). */
#define DBX_TLSA_TEXT_DIGEST_MAX (6 + 2 * 64 + 5)

/**
 * Record @p usage @p selector @p mtype for certificate @p c.  The data is
 * written to @p buf (@p cap bytes: 64 is enough for digests) and @p out
 * points into it.
 * @return DBX_OK, DBX_ERR_UNSUPPORTED (selector / matching type),
 *         DBX_ERR_BUFFER, DBX_ERR_MALFORMED, DBX_ERR_CRYPTO, DBX_ERR_INTERNAL.
 */
int dbx_tlsa_make(const mbedtls_x509_crt *c, uint8_t usage, uint8_t selector, uint8_t mtype,
                  uint8_t *buf, size_t cap, dbx_tlsa_t *out);

/**
 * Record @p usage 1 @p mtype for a bare public key given as a DER
 * SubjectPublicKeyInfo (a key pair generated before its certificate: the
 * "next" key of the "current + next" scheme).
 * @return as dbx_tlsa_make().
 */
int dbx_tlsa_make_spki(const uint8_t *spki, size_t spki_len, uint8_t usage, uint8_t mtype,
                       uint8_t *buf, size_t cap, dbx_tlsa_t *out);

/**
 * "U S M hex" (lower case) into @p out.  When the data does not fit, as
 * much as fits followed by "..." (then DBX_ERR_BUFFER); truncated and empty
 * records print "(truncated)" / "(empty)".
 * @return DBX_OK, DBX_ERR_BUFFER (cut, NUL-terminated), DBX_ERR_INTERNAL.
 */
int dbx_tlsa_to_text(const dbx_tlsa_t *t, char *out, size_t cap);

/** Same usage, selector, matching type and data? */
bool dbx_tlsa_equal(const dbx_tlsa_t *a, const dbx_tlsa_t *b);

/**
 * Depth of the issuer certificate for a DANE-TA roll-over record in the
 * chain @p chain (leaf first): @p want when 1 <= want < chain length, else
 * (want <= 0) the topmost certificate given — the root when the chain
 * includes it, the how-to's preference.
 * @return the depth (>= 1), DBX_ERR_NOTFOUND (leaf only, or @p want beyond
 *         the chain), DBX_ERR_INTERNAL on NULL.
 */
int dbx_tlsa_issuer_depth(const mbedtls_x509_crt *chain, int want);

/** Certificate at @p depth of @p chain (0 = leaf), NULL when shorter. */
const mbedtls_x509_crt *dbx_tlsa_chain_at(const mbedtls_x509_crt *chain, int depth);

#ifdef __cplusplus
}
#endif
#endif /* DBX_TLSA_GEN_H */
