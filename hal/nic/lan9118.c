/* SMSC LAN9118/LAN9220 Ethernet driver: 32-bit PIO, polled RX/TX.
 * Register map and FIFO formats per the SMSC LAN9118 datasheet; only the
 * registers QEMU's model implements are touched (it aborts on others). */
#include "lan9118.h"
#include "dbx_common.h"

#include <string.h>

/* system control and status registers */
#define REG_RX_DATA      0x00u
#define REG_TX_DATA      0x20u
#define REG_RX_STATUS    0x40u
#define REG_TX_STATUS    0x48u
#define REG_ID_REV       0x50u
#define REG_IRQ_CFG      0x54u
#define REG_INT_STS      0x58u
#define REG_INT_EN       0x5Cu
#define REG_BYTE_TEST    0x64u
#define REG_RX_CFG       0x6Cu
#define REG_TX_CFG       0x70u
#define REG_HW_CFG       0x74u
#define REG_RX_FIFO_INF  0x7Cu
#define REG_TX_FIFO_INF  0x80u
#define REG_PMT_CTRL     0x84u
#define REG_MAC_CSR_CMD  0xA4u
#define REG_MAC_CSR_DATA 0xA8u

#define BYTE_TEST_MAGIC  0x87654321u
#define HW_CFG_SRST      0x00000001u
#define HW_CFG_TX_FIF_SZ(n) ((uint32_t)(n) << 16)
#define HW_CFG_MBO       0x00100000u /* must be one */
#define PMT_CTRL_READY   0x00000001u
#define TX_CFG_TX_ON     0x00000002u
#define MAC_CSR_BUSY     0x80000000u
#define MAC_CSR_READ     0x40000000u

/* MAC CSRs (indirect) */
#define MAC_CR           1u
#define MAC_ADDRH        2u
#define MAC_ADDRL        3u
#define MAC_MII_ACC      6u
#define MAC_MII_DATA     7u
#define MAC_CR_FDPX      0x00100000u
#define MAC_CR_MCPAS     0x00080000u /* pass all multicast (IPv6 ND, MLD) */
#define MAC_CR_TXEN      0x00000008u
#define MAC_CR_RXEN      0x00000004u
#define MII_ACC_BUSY     0x00000001u
#define MII_ACC_WRITE    0x00000002u
#define PHY_ADDR         1u
#define PHY_BCR          0u
#define PHY_BSR          1u
#define PHY_BCR_ANENABLE 0x1000u
#define PHY_BCR_ANRESTART 0x0200u
#define PHY_BSR_LINK     0x0004u

/* TX command words */
#define TXA_FIRST_SEG    0x00002000u
#define TXA_LAST_SEG     0x00001000u
#define TXS_ERROR        0x00008000u
/* RX status word */
#define RXS_ERROR        0x00008000u
#define RXS_LEN(s)       (((s) >> 16) & 0x3FFFu)

#define SPIN_LIMIT       100000u

static inline volatile uint32_t *reg(const hal_nic_t *nic, uint32_t off)
{
    const lan9118_cfg_t *cfg = nic->cfg;
    return (volatile uint32_t *)(cfg->base + off);
}

static int wait_clear(const hal_nic_t *nic, uint32_t off, uint32_t mask)
{
    for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
        if ((*reg(nic, off) & mask) == 0) {
            return DBX_OK;
        }
    }
    return DBX_ERR_IO;
}

static int mac_read(hal_nic_t *nic, uint32_t idx, uint32_t *val)
{
    if (wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY) != DBX_OK) {
        return DBX_ERR_IO;
    }
    *reg(nic, REG_MAC_CSR_CMD) = MAC_CSR_BUSY | MAC_CSR_READ | idx;
    if (wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY) != DBX_OK) {
        return DBX_ERR_IO;
    }
    *val = *reg(nic, REG_MAC_CSR_DATA);
    return DBX_OK;
}

static int mac_write(hal_nic_t *nic, uint32_t idx, uint32_t val)
{
    if (wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY) != DBX_OK) {
        return DBX_ERR_IO;
    }
    *reg(nic, REG_MAC_CSR_DATA) = val;
    *reg(nic, REG_MAC_CSR_CMD) = MAC_CSR_BUSY | idx;
    return wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY);
}

static int mii_wait(hal_nic_t *nic)
{
    uint32_t acc = MII_ACC_BUSY;
    for (uint32_t i = 0; i < SPIN_LIMIT && (acc & MII_ACC_BUSY); i++) {
        if (mac_read(nic, MAC_MII_ACC, &acc) != DBX_OK) {
            return DBX_ERR_IO;
        }
    }
    return (acc & MII_ACC_BUSY) ? DBX_ERR_IO : DBX_OK;
}

static int phy_read(hal_nic_t *nic, uint32_t phy_reg, uint32_t *val)
{
    int st = mii_wait(nic);
    if (st == DBX_OK) {
        st = mac_write(nic, MAC_MII_ACC, (PHY_ADDR << 11) | (phy_reg << 6) | MII_ACC_BUSY);
    }
    if (st == DBX_OK) {
        st = mii_wait(nic);
    }
    if (st == DBX_OK) {
        st = mac_read(nic, MAC_MII_DATA, val);
    }
    return st;
}

static int phy_write(hal_nic_t *nic, uint32_t phy_reg, uint32_t val)
{
    int st = mii_wait(nic);
    if (st == DBX_OK) {
        st = mac_write(nic, MAC_MII_DATA, val & 0xFFFFu);
    }
    if (st == DBX_OK) {
        st = mac_write(nic, MAC_MII_ACC,
                       (PHY_ADDR << 11) | (phy_reg << 6) | MII_ACC_WRITE | MII_ACC_BUSY);
    }
    return st == DBX_OK ? mii_wait(nic) : st;
}

static int lan_init(hal_nic_t *nic)
{
    DBX_ASSERT(nic != NULL && nic->cfg != NULL);
    if (*reg(nic, REG_BYTE_TEST) != BYTE_TEST_MAGIC) {
        return DBX_ERR_IO; /* absent, or bus width/endianness wrong */
    }
    *reg(nic, REG_HW_CFG) = HW_CFG_SRST;
    if (wait_clear(nic, REG_HW_CFG, HW_CFG_SRST) != DBX_OK) {
        return DBX_ERR_IO;
    }
    for (uint32_t i = 0; (*reg(nic, REG_PMT_CTRL) & PMT_CTRL_READY) == 0; i++) {
        if (i == SPIN_LIMIT) {
            return DBX_ERR_IO;
        }
    }
    *reg(nic, REG_IRQ_CFG) = 0; /* polled: no interrupts */
    *reg(nic, REG_INT_EN) = 0;
    *reg(nic, REG_INT_STS) = 0xFFFFFFFFu;
    *reg(nic, REG_HW_CFG) = HW_CFG_MBO | HW_CFG_TX_FIF_SZ(5);
    *reg(nic, REG_RX_CFG) = 0; /* no RX data offset, no end padding */
    if (phy_write(nic, PHY_BCR, PHY_BCR_ANENABLE | PHY_BCR_ANRESTART) != DBX_OK ||
        mac_write(nic, MAC_CR, MAC_CR_FDPX | MAC_CR_MCPAS | MAC_CR_TXEN | MAC_CR_RXEN) != DBX_OK) {
        return DBX_ERR_IO;
    }
    *reg(nic, REG_TX_CFG) = TX_CFG_TX_ON;
    nic->tx_frames = nic->rx_frames = nic->rx_dropped = 0;
    return DBX_OK;
}

static void lan_get_mac(hal_nic_t *nic, uint8_t mac[6])
{
    uint32_t lo = 0, hi = 0;
    (void)mac_read(nic, MAC_ADDRL, &lo);
    (void)mac_read(nic, MAC_ADDRH, &hi);
    mac[0] = (uint8_t)lo;
    mac[1] = (uint8_t)(lo >> 8);
    mac[2] = (uint8_t)(lo >> 16);
    mac[3] = (uint8_t)(lo >> 24);
    mac[4] = (uint8_t)hi;
    mac[5] = (uint8_t)(hi >> 8);
}

static int lan_send(hal_nic_t *nic, const uint8_t *frame, size_t len)
{
    uint32_t w;
    DBX_ASSERT(frame != NULL);
    DBX_CHECK(len >= 14 && len <= HAL_NIC_MTU_FRAME, DBX_ERR_INVAL);
    if ((*reg(nic, REG_TX_FIFO_INF) & 0xFFFFu) < len + 8u) {
        return DBX_ERR_IO; /* TX data FIFO full */
    }
    *reg(nic, REG_TX_DATA) = TXA_FIRST_SEG | TXA_LAST_SEG | (uint32_t)len;
    *reg(nic, REG_TX_DATA) = ((nic->tx_frames & 0xFFFFu) << 16) | (uint32_t)len;
    for (size_t i = 0; i < len; i += 4) {
        size_t n = len - i < 4 ? len - i : 4;
        w = 0;
        memcpy(&w, frame + i, n); /* FIFO words are little-endian */
        *reg(nic, REG_TX_DATA) = w;
    }
    nic->tx_frames++;
    /* drain TX status; an error bit means the frame was lost */
    while ((*reg(nic, REG_TX_FIFO_INF) >> 16) & 0xFFu) {
        if (*reg(nic, REG_TX_STATUS) & TXS_ERROR) {
            return DBX_ERR_IO;
        }
    }
    return DBX_OK;
}

static int lan_recv(hal_nic_t *nic, uint8_t *buf, size_t cap)
{
    uint32_t status, len, words, w;
    int st;
    DBX_ASSERT(buf != NULL);
    if (((*reg(nic, REG_RX_FIFO_INF) >> 16) & 0xFFu) == 0) {
        return 0;
    }
    status = *reg(nic, REG_RX_STATUS);
    len = RXS_LEN(status); /* includes the 4-byte FCS */
    words = (len + 3u) / 4u;
    st = (status & RXS_ERROR) || len < 18u ? DBX_ERR_IO
         : len - 4u > cap                  ? DBX_ERR_BUFFER
                                           : (int)(len - 4u);
    for (uint32_t i = 0; i < words; i++) {
        w = *reg(nic, REG_RX_DATA);
        if (st > 0 && i * 4u < (uint32_t)st) {
            uint32_t n = (uint32_t)st - i * 4u;
            memcpy(buf + i * 4u, &w, n < 4u ? n : 4u);
        }
    }
    if (st < 0) {
        nic->rx_dropped++;
    } else {
        nic->rx_frames++;
    }
    return st;
}

static int lan_link_up(hal_nic_t *nic)
{
    uint32_t bsr = 0;
    return phy_read(nic, PHY_BSR, &bsr) == DBX_OK && (bsr & PHY_BSR_LINK) != 0;
}

const hal_nic_ops_t lan9118_ops = {
    .name = "lan9118",
    .init = lan_init,
    .get_mac = lan_get_mac,
    .send = lan_send,
    .recv = lan_recv,
    .link_up = lan_link_up,
};
