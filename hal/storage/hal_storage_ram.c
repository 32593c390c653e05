/* Storage HAL, RAM backend: NOR semantics and power cuts on a RAM array. */
#include "storage/hal_storage.h"

#include "dbx_common.h"

#include <string.h>

static int ram_read(hal_storage_t *s, uint32_t off, void *buf, size_t n)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    DBX_CHECK(off <= hal_storage_size(s) && n <= hal_storage_size(s) - off, DBX_ERR_INVAL);
    memcpy(buf, (const uint8_t *)s->priv + off, n);
    s->n_read++;
    return DBX_OK;
}

static int ram_program(hal_storage_t *s, uint32_t off, const void *buf, size_t n)
{
    int st = hal_storage_check_program(s, off, n);
    DBX_CHECK(st == DBX_OK, st);
    uint8_t *mem = (uint8_t *)s->priv + off;
    const uint8_t *src = buf;
    size_t u = s->geom.prog_unit;
    for (size_t i = 0; i < n; i += u) { /* all-or-nothing NOR check first */
        DBX_CHECK(hal_storage_unit_erased(mem + i, u), DBX_ERR_INVAL);
    }
    bool cut = hal_storage_count_op(s);
    s->n_program++;
    if (cut) {
        size_t units = n / u, done = units / 2u; /* the cut lands mid-way */
        for (size_t i = 0; i < done * u; i++) {
            mem[i] &= src[i];
        }
        if (s->cut_torn) { /* half of one unit, bits only cleared */
            for (size_t i = done * u; i < done * u + (u + 1u) / 2u; i++) {
                mem[i] &= src[i];
            }
        }
        return hal_storage_cut(s);
    }
    for (size_t i = 0; i < n; i++) {
        mem[i] &= src[i];
    }
    s->bytes_programmed += n;
    return DBX_OK;
}

static int ram_erase(hal_storage_t *s, uint32_t block)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    DBX_CHECK(block < s->geom.blocks, DBX_ERR_INVAL);
    uint8_t *mem = (uint8_t *)s->priv + (size_t)block * s->geom.erase_size;
    bool cut = hal_storage_count_op(s);
    s->n_erase++;
    if (cut) {
        if (s->cut_torn) {
            memset(mem, 0xFF, s->geom.erase_size / 2u);
        }
        return hal_storage_cut(s);
    }
    memset(mem, 0xFF, s->geom.erase_size);
    return DBX_OK;
}

static int ram_sync(hal_storage_t *s)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    s->n_sync++;
    return DBX_OK;
}

static const hal_storage_ops_t RAM_OPS = {
    .name = "ram",
    .read = ram_read,
    .program = ram_program,
    .erase = ram_erase,
    .sync = ram_sync,
};

int hal_storage_ram_init(hal_storage_t *s, uint8_t *mem, const hal_storage_geom_t *geom)
{
    DBX_ASSERT(s != NULL && mem != NULL && geom != NULL);
    int st = hal_storage_geom_check(geom);
    DBX_CHECK(st == DBX_OK, st);
    memset(s, 0, sizeof(*s));
    s->ops = &RAM_OPS;
    s->geom = *geom;
    s->priv = mem;
    return DBX_OK;
}
