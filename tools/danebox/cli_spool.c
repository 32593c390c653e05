/* Helpers of the commands acting on the relay's spool (queue, tlsrpt). */
#include "cli.h"

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int dbx_cli_spool_owner(const char *spool)
{
    struct stat sst;
    if (stat(spool, &sst) == 0 && geteuid() == 0 && sst.st_uid != 0 &&
        (setgroups(0, NULL) != 0 || setgid(sst.st_gid) != 0 || setuid(sst.st_uid) != 0)) {
        fprintf(stderr, "danebox: cannot switch to the spool owner (uid %ld)\n",
                (long)sst.st_uid);
        return -1;
    }
    return 0;
}

void dbx_cli_spool_poke(const char *spool)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/lock", spool);
    FILE *f = fopen(p, "r");
    long pid = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1) {
            pid = 0;
        }
        fclose(f);
    }
    if (pid > 1 && kill((pid_t)pid, SIGUSR1) == 0) {
        printf("queue run requested from the relay (pid %ld)\n", pid);
    } else {
        printf("no running relay found; queued mail goes at its next queue run\n");
    }
}
