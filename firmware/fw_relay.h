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

/** Delivery (firmware/relay_deliver.c): with resolver= set up the delivery
 *  engine, its RFC 7672 session connector and the lwIP transport whose
 *  blocking calls run @p poll (the relay's poll step); without resolver=
 *  delivery is off.  @return DBX_OK, DBX_ERR_NOTIME (no wall time: off),
 *  DBX_ERR_NOMEM or the trust anchor's error. */
int fw_relay_deliver_init(const dbx_config_t *cfg, void (*poll)(void));

/** Main-loop step: when delivery is on and not already running, walk the
 *  queue (each second, or at once after fw_relay_deliver_kick()) and run
 *  the engine for every message due.  Does nothing when called from
 *  inside a delivery (the poll hook). */
void fw_relay_deliver_step(void);

/** The engine's DSN envelope (dbx_relay_t::dsn_env, only used inside its
 *  bounce step, never across a poll) lent to the listener for its commit
 *  hook; NULL when delivery is off. */
dbx_queue_env_t *fw_relay_deliver_spare_env(void);

/** New mail was committed: the next step walks the queue at once. */
void fw_relay_deliver_kick(void);

/** The relay's Unix time: time= plus the uptime when given (the rig's
 *  signatures are valid then), else the board clock; 0 unknown. */
int64_t fw_relay_now(void);

/** mode=relay: open the queue, then (port != 0) listen and serve forever;
 *  with port=0 only list the queue and return.  @return DBX_OK, or the
 *  error that stopped the relay. */
int fw_relay(const dbx_config_t *cfg);

#endif /* DBX_FW_RELAY_H */
