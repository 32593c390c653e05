/**
 * @file hal_storage.h
 * @brief Storage HAL: NOR-flash-like block storage as a const ops struct
 *        (like the NIC HAL), a geometry, and power-cut injection.
 *
 * Semantics every backend ENFORCES (so code above cannot rely on what real
 * NOR flash does not give):
 *  - erase(block) sets the whole erase block to 0xFF;
 *  - program(off, buf, n) only clears bits; @p off and @p n are multiples of
 *    the program unit and every unit it touches must read all-0xFF
 *    (erased) before: programming a non-erased unit is DBX_ERR_INVAL and
 *    changes nothing;
 *  - sync() returns once every earlier program/erase is durable.
 *
 * Power-cut injection (tests): with cut_after = N > 0 the N-th program or
 * erase operation (counting both, from 1) is interrupted: a program leaves
 * the units before the cut programmed and, with cut_torn, one unit half
 * programmed; an erase leaves, with cut_torn, the first half of the block
 * erased and the rest as it was (without cut_torn nothing changes).  Then
 * cut_hook() runs (the QEMU backend ends the machine there; a test may
 * longjmp); when it returns, the device is dead: every later operation
 * returns DBX_ERR_IO, as if the machine had stopped.
 */
#ifndef HAL_STORAGE_H
#define HAL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HAL_STORAGE_UNIT_MAX 32u /**< largest program unit supported */

/** Geometry: erase blocks of erase_size octets, programmed in prog_unit. */
typedef struct hal_storage_geom {
    uint32_t erase_size; /**< power of two, >= 256 */
    uint32_t prog_unit;  /**< power of two, 1..HAL_STORAGE_UNIT_MAX */
    uint32_t blocks;     /**< erase blocks in the area */
} hal_storage_geom_t;

typedef struct hal_storage hal_storage_t;

/** Backend operations (const, one per backend).  All return ::dbx_status_t;
 *  offsets are relative to the start of the storage area. */
typedef struct hal_storage_ops {
    const char *name;
    /** Read @p n octets at @p off.  DBX_ERR_INVAL (range), DBX_ERR_IO. */
    int (*read)(hal_storage_t *s, uint32_t off, void *buf, size_t n);
    /** Program (clear bits) @p n octets at @p off, unit aligned.
     *  DBX_ERR_INVAL (range, alignment, unit not erased), DBX_ERR_IO. */
    int (*program)(hal_storage_t *s, uint32_t off, const void *buf, size_t n);
    /** Erase block @p block to 0xFF.  DBX_ERR_INVAL (range), DBX_ERR_IO. */
    int (*erase)(hal_storage_t *s, uint32_t block);
    /** Make every earlier program/erase durable.  DBX_ERR_IO. */
    int (*sync)(hal_storage_t *s);
} hal_storage_ops_t;

/** One storage device: const ops + geometry + backend state + counters. */
struct hal_storage {
    const hal_storage_ops_t *ops;
    hal_storage_geom_t geom;
    void *priv;                          /**< backend state */
    uint32_t cut_after;                  /**< 0 = never; else cut op N */
    bool cut_torn;                       /**< leave a torn unit / half erase */
    void (*cut_hook)(hal_storage_t *s);  /**< called at the cut (may not return) */
    bool dead;                           /**< cut happened: every op fails */
    uint32_t n_read, n_program, n_erase, n_sync; /**< operation counters */
    uint64_t bytes_programmed;
};

/** @return total size of the area in octets. */
static inline uint32_t hal_storage_size(const hal_storage_t *s)
{
    return s->geom.erase_size * s->geom.blocks;
}

/** Geometry sanity (powers of two, limits).  @return DBX_OK, DBX_ERR_INVAL. */
int hal_storage_geom_check(const hal_storage_geom_t *g);

/** Backend helper: range + alignment check of a program request.
 *  @return DBX_OK, DBX_ERR_INVAL, DBX_ERR_IO (device dead). */
int hal_storage_check_program(const hal_storage_t *s, uint32_t off, size_t n);

/** Backend helper: count one program/erase op and decide whether it is the
 *  one to cut.  @return true when the op must be interrupted. */
bool hal_storage_count_op(hal_storage_t *s);

/** Backend helper: after a partial effect, mark the device dead and call
 *  the hook.  @return DBX_ERR_IO (when the hook returns). */
int hal_storage_cut(hal_storage_t *s);

/** Backend helper: the NOR rule for one unit: @p cur must be all 0xFF.
 *  @return true when the unit can be programmed. */
bool hal_storage_unit_erased(const uint8_t *cur, size_t unit);

/**
 * RAM backend (unit tests, simulation): @p mem of geom->erase_size *
 * geom->blocks octets is the medium (its content is kept: fill it with 0xFF
 * for a blank part, or keep it across "reboots").  Cannot fail for a valid
 * geometry.  @return DBX_OK, DBX_ERR_INVAL (geometry).
 */
int hal_storage_ram_init(hal_storage_t *s, uint8_t *mem, const hal_storage_geom_t *geom);

#ifdef __cplusplus
}
#endif
#endif /* HAL_STORAGE_H */
