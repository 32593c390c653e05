/* Fuzz the host spool's envelope file reader (host_spool_env_decode: the
 * CRC-32 trailer, then the strict record parser dbx_queue_env_parse).
 * Input: byte 0 selects the mode, the rest is the file.
 *  - even: the bytes as an env file, trailer and all (what a damaged or
 *    hostile spool file gives the runner);
 *  - odd: the bytes as a record without trailer, parsed directly (the part
 *    a random trailer never reaches).
 * Whatever parses must survive encode -> decode unchanged. */
#include "fuzz_common.h"
#include "../../tools/danebox/port/host_spool.h"

#define FILE_MAX (96u * 1024u + 64u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dbx_queue_env_t env, again;
    static char buf[FILE_MAX];
    if (size < 1 || size > FILE_MAX) return 0;
    uint32_t crc = 0, crc2 = 0;
    int st;
    if ((data[0] & 1) == 0) {
        st = host_spool_env_decode((const char *)data + 1, size - 1, &env, &crc);
    } else {
        st = dbx_queue_env_parse((const char *)data + 1, size - 1, &env);
        crc = 0x12345678u;
    }
    if (st != DBX_OK) {
        if (st != DBX_ERR_MALFORMED && st != DBX_ERR_LIMIT) abort();
        return 0;
    }
    if (env.n_rcpts == 0 || env.n_rcpts > DBX_QUEUE_MAX_RCPTS || env.id[0] == '\0') abort();
    size_t len = 0;
    st = host_spool_env_encode(&env, crc, buf, sizeof(buf), &len);
    if (st != DBX_OK) return 0; /* e.g. an id with a space: parse accepts, format refuses */
    if (host_spool_env_decode(buf, len, &again, &crc2) != DBX_OK) abort();
    if (crc2 != crc || memcmp(&env, &again, sizeof(env)) != 0) abort();
    /* any single flipped bit of a good file is caught */
    size_t at = data[size - 1] * 257u % len;
    buf[at] ^= (char)(1u << (data[0] >> 1 & 7));
    if (host_spool_env_decode(buf, len, &again, &crc2) == DBX_OK) abort();
    return 0;
}
