/* Fuzz the flash queue's boot scan and record reader (dbx_fqueue_open on a
 * RAM storage image, then list / load / body read / one new message).
 * Input: byte 0 selects the mode.
 *  - even: the rest is the raw image (8 blocks of 4 KiB; the remainder
 *    erased), records and all;
 *  - odd: a valid image is built first (1..4 messages whose bodies and
 *    fates come from the input, one removed, one updated), then the rest
 *    of the input is applied as (offset, value) byte overwrites: torn and
 *    flipped records behind valid CRC-protected neighbours. */
#include "fuzz_common.h"
#include "queue/dbx_fqueue.h"
#include "storage/hal_storage.h"

#define BLK 4096u
#define NBLK 8u

static uint8_t MEM[BLK * NBLK];
static hal_storage_t ST;
static dbx_fqueue_t *FQ;
static dbx_queue_t Q;
static dbx_queue_env_t ENV;
static const hal_storage_geom_t GEOM = {.erase_size = BLK, .prog_unit = 16, .blocks = NBLK};

static int boot(void)
{
    if (hal_storage_ram_init(&ST, MEM, &GEOM) != DBX_OK) abort();
    return dbx_fqueue_open(FQ, &ST, &Q);
}

static int put(fz_t *f, unsigned k)
{
    static uint8_t body[3000];
    void *h = NULL;
    size_t n = fz_u16(f) % sizeof(body);
    for (size_t i = 0; i < n; i++) body[i] = (uint8_t)(i * 7 + k);
    if (Q.ops->create(Q.ctx, &h) != DBX_OK) return -1;
    if (Q.ops->write(Q.ctx, h, body, n) != DBX_OK) {
        Q.ops->discard(Q.ctx, h);
        return -1;
    }
    memset(&ENV, 0, sizeof(ENV));
    strcpy(ENV.sender, "s@lan.test");
    ENV.size = n;
    ENV.n_rcpts = 1;
    strcpy(ENV.rcpt[0].addr, "r@dane-ee.test");
    return Q.ops->commit(Q.ctx, h, &ENV) == DBX_OK ? 0 : -1;
}

static void build(fz_t *f)
{
    memset(MEM, 0xFF, sizeof(MEM));
    if (boot() != DBX_OK) abort(); /* a blank part always opens */
    unsigned n = 1 + fz_u8(f) % 4;
    char first[DBX_QUEUE_ID_MAX] = "";
    for (unsigned k = 0; k < n; k++) {
        if (put(f, k) == 0 && first[0] == '\0') strcpy(first, ENV.id);
    }
    uint8_t fate = fz_u8(f);
    if (first[0] != '\0' && (fate & 1) && Q.ops->load(Q.ctx, first, &ENV) == DBX_OK) {
        ENV.rcpt[0].state = DBX_RCPT_DEFERRED;
        ENV.rcpt[0].attempts = 1;
        (void)Q.ops->update(Q.ctx, &ENV);
    }
    if (first[0] != '\0' && (fate & 2)) (void)Q.ops->remove(Q.ctx, first);
    while (f->n >= 3) { /* overwrites */
        uint32_t off = fz_u16(f) % sizeof(MEM);
        MEM[off] = fz_u8(f);
    }
}

/* Everything the scan accepted is readable within the image's size. */
static void walk(void)
{
    static char ids[DBX_FQ_MAX_MSGS + 1][DBX_QUEUE_ID_MAX];
    static uint8_t buf[512];
    size_t n = 0;
    int st = Q.ops->list(Q.ctx, ids, DBX_FQ_MAX_MSGS + 1, &n);
    if (st != DBX_OK && st != DBX_ERR_BUFFER) return;
    if (n > DBX_FQ_MAX_MSGS) abort();
    for (size_t i = 0; i < n; i++) {
        if (Q.ops->load(Q.ctx, ids[i], &ENV) == DBX_OK && ENV.n_rcpts > DBX_QUEUE_MAX_RCPTS)
            abort();
        void *h = NULL;
        if (Q.ops->body_open(Q.ctx, ids[i], &h) != DBX_OK) continue;
        size_t got = 0, total = 0;
        while (Q.ops->body_read(Q.ctx, h, buf, sizeof(buf), &got) == DBX_OK && got > 0) {
            total += got;
            if (total > sizeof(MEM)) abort();
        }
        Q.ops->body_close(Q.ctx, h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > sizeof(MEM) + 1) return 0;
    if (FQ == NULL && (FQ = malloc(dbx_fqueue_state_size())) == NULL) abort();
    fz_t f = {data + 1, size - 1};
    if (data[0] & 1) {
        build(&f);
    } else {
        memset(MEM, 0xFF, sizeof(MEM));
        memcpy(MEM, data + 1, size - 1);
    }
    if (boot() != DBX_OK) return 0;
    walk();
    fz_t more = {data, size};
    (void)put(&more, 9); /* a new message on whatever the scan made of it */
    walk();
    return 0;
}
