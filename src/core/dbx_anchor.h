/**
 * @file dbx_anchor.h
 * @brief Trust anchors.  The built-in root anchor is generated at build time
 *        (tools/mkanchor.py) from dns-root-data into a const table.
 */
#ifndef DBX_ANCHOR_H
#define DBX_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct dbx_anchor_ds {
    uint16_t key_tag;
    uint8_t alg;
    uint8_t digest_type;
    const uint8_t *digest;
    size_t digest_len;
} dbx_anchor_ds_t;

typedef struct dbx_anchor_key {
    uint16_t key_tag;
    uint16_t flags;
    uint8_t alg;
    const uint8_t *pubkey;
    size_t pubkey_len;
} dbx_anchor_key_t;

/** Root anchor: DS set and the DNSKEYs they name (for self-tests). */
typedef struct dbx_anchor {
    const dbx_anchor_ds_t *ds;
    size_t ds_count;
    const dbx_anchor_key_t *keys;
    size_t key_count;
} dbx_anchor_t;

/** The built-in root trust anchor (KSK-2017 20326 and KSK-2024 38696). */
extern const dbx_anchor_t dbx_root_anchor;

#endif /* DBX_ANCHOR_H */
