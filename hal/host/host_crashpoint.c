/* Host crash points (dbx_crashpoint.h): armed by DANEBOX_CRASHPOINT. */
#include "dbx_crashpoint.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(DBX_CRASHPOINTS) && DBX_CRASHPOINTS

void dbx_crashpoint(const char *name)
{
    static int armed = -1; /* -1: environment not read yet */
    static char want[64];
    static unsigned long nth = 1, hits = 0;
    if (armed < 0) {
        const char *e = getenv("DANEBOX_CRASHPOINT");
        armed = e != NULL && e[0] != '\0' && strlen(e) < sizeof(want);
        if (armed) {
            snprintf(want, sizeof(want), "%s", e);
            char *colon = strchr(want, ':');
            if (colon != NULL) {
                *colon = '\0';
                nth = strtoul(colon + 1, NULL, 10);
            }
        }
    }
    if (!armed || strcmp(name, want) != 0 || ++hits < nth) {
        return;
    }
    char line[160];
    int n = snprintf(line, sizeof(line), "danebox[%ld]: crashpoint %s reached: SIGKILL\n",
                     (long)getpid(), name);
    if (n > 0 && (size_t)n < sizeof(line) && write(STDERR_FILENO, line, (size_t)n) < 0) {
        line[0] = '\0'; /* nothing to do: we die either way */
    }
    /* the whole relay dies: the daemon (DANEBOX_CRASHPOINT_ALSO, set for
     * its queue runners) and, when it leads a process group (started with
     * setsid by the test), every process of that group */
    const char *also = getenv("DANEBOX_CRASHPOINT_ALSO");
    long pid = also != NULL ? strtol(also, NULL, 10) : (long)getpid();
    if (pid > 1 && getpgid((pid_t)pid) == (pid_t)pid) {
        kill((pid_t)-pid, SIGKILL);
    } else if (pid > 1 && pid != (long)getpid()) {
        kill((pid_t)pid, SIGKILL);
    }
    raise(SIGKILL);
}

#endif
