/**
 * @file storage_semihost.h
 * @brief Storage HAL backend for QEMU: the flash area is a file on the host
 *        reached through ARM semihosting (EMULATION ONLY).  NOR rules are
 *        enforced by the backend; a power cut ends the emulation with
 *        cut_exit as QEMU's exit status, mid-operation.
 */
#ifndef STORAGE_SEMIHOST_H
#define STORAGE_SEMIHOST_H

#include "storage/hal_storage.h"

/** Backend state (caller-owned, lives as long as the device). */
typedef struct storage_semihost {
    int32_t fd;
    uint32_t base;     /**< offset of the area in the host file */
    int cut_exit;      /**< exit status at a power cut */
    bool created;      /**< the file was missing or short: made blank (0xFF) */
} storage_semihost_t;

/**
 * Open (or create, all 0xFF) the host file @p path as the area at @p base
 * with @p geom, and fill @p s.  @return DBX_OK, DBX_ERR_INVAL (geometry),
 * DBX_ERR_IO (no semihosting, file not writable).
 */
int storage_semihost_open(hal_storage_t *s, storage_semihost_t *p, const char *path,
                          uint32_t base, const hal_storage_geom_t *geom);

#endif /* STORAGE_SEMIHOST_H */
