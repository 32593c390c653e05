/**
 * @file fw_relay.h
 * @brief mode=relay on the board: the SMTP listener on lwIP (raw TCP API,
 *        NO_SYS) running the smtpd state machine into the flash queue.
 */
#ifndef DBX_FW_RELAY_H
#define DBX_FW_RELAY_H

#include "dbx_config.h"
#include "queue/dbx_queue.h"
#include "storage/hal_storage.h"

#define FW_RELAY_SESSIONS 2        /**< concurrent inbound sessions */
#define FW_RELAY_EXIT_POWERCUT 7   /**< QEMU exit status at a power cut */

/** Open the queue on the board's flash area (cfg->flash), print the boot
 *  scan figures and the queued messages; arm cfg->powercut afterwards.
 *  @return DBX_OK or the error (printed). */
int fw_relay_queue_open(const dbx_config_t *cfg);

/** The queue / storage device opened by fw_relay_queue_open(). */
dbx_queue_t *fw_relay_queue(void);
hal_storage_t *fw_relay_storage(void);

/** Print "queue-stats: programs=... erases=..." (flash work since boot). */
void fw_relay_queue_stats(void);

/** mode=relay: open the queue, then (port != 0) listen and serve forever;
 *  with port=0 only list the queue and return.  @return DBX_OK, or the
 *  error that stopped the relay. */
int fw_relay(const dbx_config_t *cfg);

#endif /* DBX_FW_RELAY_H */
