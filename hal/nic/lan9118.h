/**
 * @file lan9118.h
 * @brief SMSC LAN9118/LAN9220 driver (32-bit bus, polled), as on ARM MPS2
 *        boards and modelled by QEMU.
 */
#ifndef LAN9118_H
#define LAN9118_H

#include "hal_nic.h"

/** Board configuration for one LAN9118. */
typedef struct lan9118_cfg {
    uintptr_t base; /**< MMIO base address */
    int irq;        /**< NVIC interrupt line (unused: the driver polls) */
} lan9118_cfg_t;

/** The driver's ops table. */
extern const hal_nic_ops_t lan9118_ops;

#endif /* LAN9118_H */
