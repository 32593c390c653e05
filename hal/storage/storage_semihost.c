/* Storage HAL, QEMU backend: a file on the host through semihosting, with
 * the NOR rules enforced here (read-check-write per request) and power cuts
 * that end the emulation mid-operation (EMULATION ONLY, see semihost.h). */
#include "storage/storage_semihost.h"

#include "arm/semihost.h"
#include "dbx_common.h"

#include <string.h>

#define SH_MODE_RB_PLUS 3u /* "r+b" */
#define SH_MODE_WB_PLUS 7u /* "w+b" */
#define IO_CHUNK 256u

static storage_semihost_t *priv(hal_storage_t *s)
{
    return (storage_semihost_t *)s->priv;
}

static int sh_io(hal_storage_t *s, uint32_t off, void *buf, size_t n, bool wr)
{
    storage_semihost_t *p = priv(s);
    DBX_CHECK(semihost_seek(p->fd, p->base + off) == 0, DBX_ERR_IO);
    int rc = wr ? semihost_write_all(p->fd, buf, n) : semihost_read_all(p->fd, buf, n);
    return rc == 0 ? DBX_OK : DBX_ERR_IO;
}

static int sh_read(hal_storage_t *s, uint32_t off, void *buf, size_t n)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    DBX_CHECK(off <= hal_storage_size(s) && n <= hal_storage_size(s) - off, DBX_ERR_INVAL);
    s->n_read++;
    return n == 0 ? DBX_OK : sh_io(s, off, buf, n, false);
}

/* Program units [off, off+n) of @p src, AND-ed into what the file holds. */
static int sh_write_units(hal_storage_t *s, uint32_t off, const uint8_t *src, size_t n,
                          size_t torn_bytes)
{
    uint8_t cur[IO_CHUNK];
    while (n > 0 || torn_bytes > 0) {
        size_t k = n > 0 ? (n < IO_CHUNK ? n : IO_CHUNK) : torn_bytes;
        int rc = sh_io(s, off, cur, k, false);
        DBX_CHECK(rc == DBX_OK, rc);
        for (size_t i = 0; i < k; i++) {
            cur[i] &= src[i];
        }
        rc = sh_io(s, off, cur, k, true);
        DBX_CHECK(rc == DBX_OK, rc);
        if (n == 0) {
            break;
        }
        off += (uint32_t)k;
        src += k;
        n -= k;
    }
    return DBX_OK;
}

static int sh_program(hal_storage_t *s, uint32_t off, const void *buf, size_t n)
{
    int st = hal_storage_check_program(s, off, n);
    DBX_CHECK(st == DBX_OK, st);
    uint32_t u = s->geom.prog_unit;
    uint8_t cur[IO_CHUNK];
    for (size_t i = 0; i < n; i += IO_CHUNK) { /* NOR: every unit erased */
        size_t k = n - i < IO_CHUNK ? n - i : IO_CHUNK;
        st = sh_io(s, off + (uint32_t)i, cur, k, false);
        DBX_CHECK(st == DBX_OK, st);
        for (size_t j = 0; j < k; j += u) {
            DBX_CHECK(hal_storage_unit_erased(cur + j, u), DBX_ERR_INVAL);
        }
    }
    bool cut = hal_storage_count_op(s);
    s->n_program++;
    if (cut) {
        size_t done = (n / u / 2u) * u;
        st = sh_write_units(s, off, buf, done, 0);
        if (st == DBX_OK && s->cut_torn) {
            (void)sh_write_units(s, off + (uint32_t)done, (const uint8_t *)buf + done, 0,
                                 (u + 1u) / 2u);
        }
        return hal_storage_cut(s);
    }
    st = sh_write_units(s, off, buf, n, 0);
    DBX_CHECK(st == DBX_OK, st);
    s->bytes_programmed += n;
    return DBX_OK;
}

static int sh_fill(hal_storage_t *s, uint32_t off, size_t n)
{
    uint8_t ff[IO_CHUNK];
    memset(ff, 0xFF, sizeof(ff));
    for (size_t i = 0; i < n; i += IO_CHUNK) {
        size_t k = n - i < IO_CHUNK ? n - i : IO_CHUNK;
        int rc = sh_io(s, off + (uint32_t)i, ff, k, true);
        DBX_CHECK(rc == DBX_OK, rc);
    }
    return DBX_OK;
}

static int sh_erase(hal_storage_t *s, uint32_t block)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    DBX_CHECK(block < s->geom.blocks, DBX_ERR_INVAL);
    uint32_t off = block * s->geom.erase_size;
    bool cut = hal_storage_count_op(s);
    s->n_erase++;
    if (cut) {
        if (s->cut_torn) {
            (void)sh_fill(s, off, s->geom.erase_size / 2u);
        }
        return hal_storage_cut(s);
    }
    return sh_fill(s, off, s->geom.erase_size);
}

static int sh_sync(hal_storage_t *s)
{
    DBX_CHECK(!s->dead, DBX_ERR_IO);
    s->n_sync++;
    return DBX_OK; /* every write above went to the host file already */
}

static const hal_storage_ops_t SH_OPS = {
    .name = "semihost",
    .read = sh_read,
    .program = sh_program,
    .erase = sh_erase,
    .sync = sh_sync,
};

/* Power cut: the machine stops here, with the given exit status. */
static void sh_cut(hal_storage_t *s)
{
    semihost_exit(priv(s)->cut_exit);
}

int storage_semihost_open(hal_storage_t *s, storage_semihost_t *p, const char *path,
                          uint32_t base, const hal_storage_geom_t *geom)
{
    DBX_ASSERT(s != NULL && p != NULL && path != NULL && geom != NULL);
    int st = hal_storage_geom_check(geom);
    DBX_CHECK(st == DBX_OK, st);
    memset(s, 0, sizeof(*s));
    s->ops = &SH_OPS;
    s->geom = *geom;
    s->priv = p;
    s->cut_hook = sh_cut;
    p->base = base;
    p->created = false;
    p->fd = semihost_open(path, SH_MODE_RB_PLUS);
    uint32_t need = base + hal_storage_size(s);
    if (p->fd < 0 || semihost_flen(p->fd) < (int32_t)need) { /* a blank part */
        if (p->fd >= 0) {
            semihost_close(p->fd);
        }
        p->fd = semihost_open(path, SH_MODE_WB_PLUS);
        DBX_CHECK(p->fd >= 0, DBX_ERR_IO);
        st = sh_fill(s, 0, need);
        DBX_CHECK(st == DBX_OK, st);
        p->created = true;
    }
    return DBX_OK;
}
