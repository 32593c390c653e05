/* danebox queue: look at and act on the relay's spool.
 *
 *   danebox queue (--config FILE | --spool DIR) list
 *   danebox queue (--config FILE | --spool DIR) show ID
 *   danebox queue (--config FILE | --spool DIR) flush
 *   danebox queue (--config FILE | --spool DIR) delete ID
 *
 * flush makes every deferred recipient due now and asks a running relay
 * (pid in SPOOL/lock) for a queue run (SIGUSR1).  Exit: 0, 1 (no such
 * message), 2 usage, 5 spool error.  Run as root, it acts as the spool's
 * owner (the relay's user), so the files it rewrites stay readable to the
 * relay. */
#include "cli.h"
#include "port/host_spool.h"
#include "relay/dbx_relay.h"
#include "relay_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIST 100000u

static int usage(void)
{
    fprintf(stderr, "usage: danebox queue (--config FILE | --spool DIR) "
                    "list | show ID | flush | delete ID\n");
    return DBX_EXIT_USAGE;
}

static dbx_queue_env_t ENV;

static int list(dbx_queue_t *q, bool flush)
{
    char (*ids)[DBX_QUEUE_ID_MAX] = calloc(MAX_LIST, DBX_QUEUE_ID_MAX);
    size_t n = 0, shown = 0;
    if (ids == NULL) return DBX_EXIT_INTERNAL;
    int st = q->ops->list(q->ctx, ids, MAX_LIST, &n);
    if (st != DBX_OK && st != DBX_ERR_BUFFER) {
        fprintf(stderr, "danebox: cannot list the spool: %s\n", dbx_strerror(st));
        free(ids);
        return DBX_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (q->ops->load(q->ctx, ids[i], &ENV) != DBX_OK) {
            continue; /* removed meanwhile */
        }
        shown++;
        if (flush) {
            for (uint16_t k = 0; k < ENV.n_rcpts; k++) {
                if (ENV.rcpt[k].state == DBX_RCPT_DEFERRED) {
                    ENV.rcpt[k].next_try = 0;
                }
            }
            q->ops->update(q->ctx, &ENV);
            continue;
        }
        char date[40];
        printf("%-18s %9llu  %s  <%s>\n", ENV.id, (unsigned long long)ENV.size,
               dbx_relay_date(ENV.arrival, date, sizeof(date)), ENV.sender);
        for (uint16_t k = 0; k < ENV.n_rcpts; k++) {
            const dbx_queue_rcpt_t *r = &ENV.rcpt[k];
            printf("    %-9s <%s>", dbx_rcpt_state_name(r->state), r->addr);
            if (r->state == DBX_RCPT_DEFERRED) {
                printf(" next=%s", dbx_relay_date(r->next_try, date, sizeof(date)));
            }
            if (r->reason[0] != '\0') {
                printf(" (%s%s%s)", r->dsn, r->dsn[0] ? " " : "", r->reason);
            }
            printf("\n");
        }
    }
    if (!flush) {
        printf("-- %zu message(s)\n", shown);
    }
    free(ids);
    return DBX_EXIT_OK;
}

static int show(dbx_queue_t *q, const char *id)
{
    static char rec[96 * 1024];
    int st = q->ops->load(q->ctx, id, &ENV);
    if (st != DBX_OK) {
        fprintf(stderr, "danebox: %s: %s\n", id, dbx_strerror(st));
        return DBX_EXIT_NEGATIVE;
    }
    dbx_queue_env_format(&ENV, rec, sizeof(rec), NULL);
    fputs(rec, stdout);
    printf("\n");
    void *h = NULL;
    uint8_t buf[4096];
    size_t got = 0;
    if (q->ops->body_open(q->ctx, id, &h) == DBX_OK) {
        while (q->ops->body_read(q->ctx, h, buf, sizeof(buf), &got) == DBX_OK && got > 0) {
            fwrite(buf, 1, got, stdout);
        }
        q->ops->body_close(q->ctx, h);
    }
    return DBX_EXIT_OK;
}

int dbx_cmd_queue(int argc, char **argv)
{
    static relay_config_t cfg;
    const char *spool = NULL, *verb = NULL, *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            if (relay_config_load(argv[++i], &cfg) != 0) return DBX_EXIT_USAGE;
            spool = cfg.spool;
        } else if (strcmp(argv[i], "--spool") == 0 && i + 1 < argc) {
            spool = argv[++i];
        } else if (verb == NULL && argv[i][0] != '-') {
            verb = argv[i];
        } else if (id == NULL && argv[i][0] != '-') {
            id = argv[i];
        } else {
            return usage();
        }
    }
    if (spool == NULL || verb == NULL) return usage();
    bool need_id = strcmp(verb, "show") == 0 || strcmp(verb, "delete") == 0;
    bool known = need_id || strcmp(verb, "list") == 0 || strcmp(verb, "flush") == 0;
    if (!known || need_id != (id != NULL)) return usage();
    if (dbx_cli_spool_owner(spool) != 0) {
        return DBX_EXIT_INTERNAL;
    }
    dbx_queue_t q;
    if (host_spool_open(spool, 0, &q, NULL) != DBX_OK) {
        fprintf(stderr, "danebox: cannot open the spool %s\n", spool);
        return DBX_EXIT_INTERNAL;
    }
    int rc = DBX_EXIT_OK;
    if (strcmp(verb, "list") == 0) {
        rc = list(&q, false);
    } else if (strcmp(verb, "flush") == 0) {
        rc = list(&q, true);
        dbx_cli_spool_poke(spool);
    } else if (strcmp(verb, "show") == 0) {
        rc = show(&q, id);
    } else {
        int st = q.ops->remove(q.ctx, id);
        if (st == DBX_OK) {
            printf("%s: deleted\n", id);
        } else {
            fprintf(stderr, "danebox: %s: %s\n", id, dbx_strerror(st));
            rc = DBX_EXIT_NEGATIVE;
        }
    }
    host_spool_close(&q);
    return rc;
}
