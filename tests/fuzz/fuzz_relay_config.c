/* Fuzz the relay's configuration parser (tools/danebox/relay_config.c:
 * relay_config_load reads the input as the config file).  What loads must
 * be consistent: a listen address, retry_min <= retry_max, TLS cert and
 * key together, every list within its bound.  The parser's error lines go
 * to /dev/null (FUZZ_VERBOSE=1 keeps them). */
#include "fuzz_common.h"
#include "../../tools/danebox/relay_config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static char path[64];
static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "/tmp/dbx-fuzz-relay-%ld.conf", (long)getpid());
    if (getenv("FUZZ_VERBOSE") == NULL) devnull = open("/dev/null", O_WRONLY);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static relay_config_t c;
    if (size > 16384) return 0;
    FILE *f = fopen(path, "wb");
    if (f == NULL) abort();
    if (fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    int saved = -1;
    if (devnull >= 0) {
        fflush(stderr);
        saved = dup(2);
        dup2(devnull, 2);
    }
    int rc = relay_config_load(path, &c);
    if (saved >= 0) {
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
    }
    if (rc != 0) return 0;
    if (c.n_listen == 0 || c.n_listen > RELAY_MAX_LISTEN) abort();
    if (c.retry_max_s < c.retry_min_s) abort();
    if ((c.tls_cert[0] == '\0') != (c.tls_key[0] == '\0')) abort();
    if (c.n_allow > RELAY_MAX_ALLOW || c.n_policies > RELAY_MAX_POLICIES || c.n_resolver > DBX_DNS_MAX_UPSTREAMS) abort();
    dbx_addr_t a;
    memset(&a, 0, sizeof(a));
    a.family = 4;
    a.addr[0] = 127;
    a.addr[3] = 1;
    (void)relay_config_allowed(&c, &a);
    return 0;
}
