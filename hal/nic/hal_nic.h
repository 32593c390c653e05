/**
 * @file hal_nic.h
 * @brief Ethernet NIC HAL: one const ops table per device driver, a const
 *        per-board config and a mutable per-instance state (hal_nic_t).
 *
 * Polled, no interrupts: the caller's main loop calls recv() until it returns
 * 0.  Frames are complete Ethernet frames without FCS.
 * All int-returning ops return ::dbx_status_t.
 */
#ifndef HAL_NIC_H
#define HAL_NIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HAL_NIC_MTU_FRAME 1514 /**< largest frame, no FCS, no VLAN tag */

typedef struct hal_nic hal_nic_t;

/** Driver operations (const, one per device type). */
typedef struct hal_nic_ops {
    const char *name;
    /** Probe and reset the device, enable TX/RX.
     *  @return DBX_OK, DBX_ERR_IO (device absent or not responding). */
    int (*init)(hal_nic_t *nic);
    /** Copy the station MAC address into @p mac. */
    void (*get_mac)(hal_nic_t *nic, uint8_t mac[6]);
    /** Transmit one frame (14..HAL_NIC_MTU_FRAME bytes).
     *  @return DBX_OK, DBX_ERR_INVAL (length), DBX_ERR_IO (FIFO full). */
    int (*send)(hal_nic_t *nic, const uint8_t *frame, size_t len);
    /** Receive one pending frame into @p buf.
     *  @return its length, 0 when nothing is pending, or a negative status
     *  (DBX_ERR_BUFFER: frame larger than @p cap, dropped; DBX_ERR_IO). */
    int (*recv)(hal_nic_t *nic, uint8_t *buf, size_t cap);
    /** @return 1 when the PHY reports link up, 0 otherwise. */
    int (*link_up)(hal_nic_t *nic);
} hal_nic_ops_t;

/** One NIC instance: const ops + const board config + mutable driver state. */
struct hal_nic {
    const hal_nic_ops_t *ops;
    const void *cfg; /**< driver-specific config (e.g. lan9118_cfg_t) */
    uint32_t tx_frames, rx_frames, rx_dropped;
};

#ifdef __cplusplus
}
#endif
#endif /* HAL_NIC_H */
