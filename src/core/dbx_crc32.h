/**
 * @file dbx_crc32.h
 * @brief CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), nibble table.
 */
#ifndef DBX_CRC32_H
#define DBX_CRC32_H

#include <stddef.h>
#include <stdint.h>

/** Continue a CRC-32: start with @p crc = 0; dbx_crc32(0, "123456789", 9)
 *  is 0xCBF43926.  @return the updated CRC. */
uint32_t dbx_crc32(uint32_t crc, const void *p, size_t n);

#endif /* DBX_CRC32_H */
