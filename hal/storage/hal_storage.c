/* Storage HAL: the checks and power-cut bookkeeping every backend shares. */
#include "storage/hal_storage.h"

#include "dbx_common.h"

static bool pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

int hal_storage_geom_check(const hal_storage_geom_t *g)
{
    DBX_ASSERT(g != NULL);
    DBX_CHECK(pow2(g->erase_size) && g->erase_size >= 256u, DBX_ERR_INVAL);
    DBX_CHECK(pow2(g->prog_unit) && g->prog_unit <= HAL_STORAGE_UNIT_MAX, DBX_ERR_INVAL);
    DBX_CHECK(g->prog_unit < g->erase_size, DBX_ERR_INVAL);
    DBX_CHECK(g->blocks >= 2u && g->blocks <= 0xFFFFFFFFu / g->erase_size, DBX_ERR_INVAL);
    return DBX_OK;
}

int hal_storage_check_program(const hal_storage_t *s, uint32_t off, size_t n)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    uint32_t u = s->geom.prog_unit;
    DBX_CHECK(off % u == 0 && n % u == 0, DBX_ERR_INVAL);
    DBX_CHECK(off <= hal_storage_size(s) && n <= hal_storage_size(s) - off, DBX_ERR_INVAL);
    return DBX_OK;
}

bool hal_storage_count_op(hal_storage_t *s)
{
    uint32_t done = s->n_program + s->n_erase; /* caller counts its op after */
    return s->cut_after != 0 && done + 1u == s->cut_after;
}

int hal_storage_cut(hal_storage_t *s)
{
    s->dead = true;
    if (s->cut_hook != NULL) {
        s->cut_hook(s);
    }
    return DBX_ERR_IO;
}

bool hal_storage_unit_erased(const uint8_t *cur, size_t unit)
{
    for (size_t i = 0; i < unit; i++) {
        if (cur[i] != 0xFFu) {
            return false;
        }
    }
    return true;
}
