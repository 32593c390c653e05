/* nfqdelay -- hold every packet of an NFQUEUE for a fixed time, then accept
 * it; optionally log DNS questions and TCP connects.  The bench's stand-in
 * for `tc ... netem delay` on kernels without sch_netem (tools/bench/bench.sh
 * prefers netem when the kernel has it).  Runs inside the rig netns; the
 * nft rule (made by bench.sh) queues the netns' locally sent TCP/UDP packets
 * on the OUTPUT hook, so each direction is delayed once: RTT = 2 * delay.
 *
 *   nfqdelay [-q QUEUE] [-d MS] [-l LOGFILE]
 *
 * Log lines (flushed per packet): "udp DST QNAME QTYPE" for a UDP packet to
 * port 53 carrying a DNS query, "syn DST PORT" for a TCP SYN.
 * Stops on SIGTERM/SIGINT (pending packets are accepted first).
 * Built by tools/bench/bench.sh: cc -O2 -o ... nfqdelay.c -lnetfilter_queue */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING 8192

static struct {
    uint32_t id;
    uint64_t due_ns;
} ring[RING];
static size_t head, tail; /* FIFO: constant delay keeps due times ordered */
static uint64_t delay_ns;
static FILE *logf;
static volatile sig_atomic_t stop;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void log_dns(const char *dst, const uint8_t *p, size_t n)
{
    char name[300];
    size_t o = 12, k = 0;
    if (n < 17 || (p[2] & 0x80) != 0 || p[4] != 0 || p[5] == 0) return; /* not a query */
    while (o < n && p[o] != 0) {
        size_t l = p[o];
        if (l > 63 || o + 1 + l > n || k + l + 2 > sizeof name) return;
        memcpy(name + k, p + o + 1, l);
        k += l;
        name[k++] = '.';
        o += 1 + l;
    }
    if (k == 0) name[k++] = '.';
    name[k] = '\0';
    if (o + 3 > n) return;
    fprintf(logf, "udp %s %s %u\n", dst, name, (unsigned)(p[o + 1] << 8 | p[o + 2]));
}

static void log_packet(const uint8_t *p, size_t n)
{
    char dst[INET6_ADDRSTRLEN];
    size_t hl;
    int proto;
    if (n < 20) return;
    if ((p[0] >> 4) == 4) {
        hl = (size_t)(p[0] & 15) * 4;
        proto = p[9];
        inet_ntop(AF_INET, p + 16, dst, sizeof dst);
    } else if ((p[0] >> 4) == 6 && n >= 40) {
        hl = 40; /* no extension headers in the rig */
        proto = p[6];
        inet_ntop(AF_INET6, p + 24, dst, sizeof dst);
    } else {
        return;
    }
    if (n < hl + 8) return;
    const uint8_t *l4 = p + hl;
    unsigned dport = (unsigned)(l4[2] << 8 | l4[3]);
    if (proto == 17 && dport == 53) {
        log_dns(dst, l4 + 8, n - hl - 8);
    } else if (proto == 6 && n >= hl + 14 && (l4[13] & 0x12) == 0x02) {
        fprintf(logf, "syn %s %u\n", dst, dport);
    }
    fflush(logf);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *m, struct nfq_data *d, void *u)
{
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(d);
    uint32_t id = ph ? ntohl(ph->packet_id) : 0;
    (void)m;
    (void)u;
    if (logf) {
        unsigned char *pl;
        int n = nfq_get_payload(d, &pl);
        if (n > 0) log_packet(pl, (size_t)n);
    }
    if (delay_ns == 0 || (tail + 1) % RING == head) {
        return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* no delay / ring full */
    }
    ring[tail].id = id;
    ring[tail].due_ns = now_ns() + delay_ns;
    tail = (tail + 1) % RING;
    return 0;
}

static void on_signal(int s)
{
    (void)s;
    stop = 1;
}

int main(int argc, char **argv)
{
    int c, qnum = 0;
    long ms = 25;
    const char *logpath = NULL;
    struct nfq_handle *h;
    struct nfq_q_handle *qh;
    char buf[0x10000] __attribute__((aligned));

    while ((c = getopt(argc, argv, "q:d:l:")) != -1) {
        switch (c) {
        case 'q': qnum = atoi(optarg); break;
        case 'd': ms = atol(optarg); break;
        case 'l': logpath = optarg; break;
        default:
            fprintf(stderr, "usage: nfqdelay [-q QUEUE] [-d MS] [-l LOGFILE]\n");
            return 2;
        }
    }
    if (ms < 0 || ms > 10000) return 2;
    delay_ns = (uint64_t)ms * 1000000ull;
    if (logpath && (logf = fopen(logpath, "a")) == NULL) {
        perror(logpath);
        return 1;
    }
    h = nfq_open();
    if (h == NULL || (qh = nfq_create_queue(h, (uint16_t)qnum, on_packet, NULL)) == NULL ||
        nfq_set_mode(qh, NFQNL_COPY_PACKET, logf ? 0xffff : 0) < 0) {
        fprintf(stderr, "nfqdelay: cannot bind queue %d (root? nfnetlink_queue?)\n", qnum);
        return 1;
    }
    nfq_set_queue_maxlen(qh, RING);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    int fd = nfq_fd(h);
    printf("nfqdelay: queue %d, delay %ld ms\n", qnum, ms);
    fflush(stdout);
    while (!stop) {
        int timeout = -1;
        if (head != tail) {
            uint64_t t = now_ns();
            timeout = ring[head].due_ns > t ? (int)((ring[head].due_ns - t + 999999) / 1000000) : 0;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, timeout);
        if (pr < 0 && errno != EINTR) break;
        if (pr > 0) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) nfq_handle_packet(h, buf, (int)n);
        }
        uint64_t t = now_ns();
        while (head != tail && ring[head].due_ns <= t) {
            nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
            head = (head + 1) % RING;
        }
    }
    while (head != tail) {
        nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
        head = (head + 1) % RING;
    }
    nfq_destroy_queue(qh);
    nfq_close(h);
    if (logf) fclose(logf);
    return 0;
}
