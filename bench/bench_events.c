/* The classic libevent event benchmark, written anew: NPIPES socketpairs, NACTIVE of them
 * written to at the start of each round, and every read callback passes a byte along to the
 * next pair until NWRITES writes have happened. Every event (persistent, with a timeout) is
 * deleted, re-assigned and re-added at the start of each round, which exercises add/del.
 *
 * Usage: bench_events [-n pipes] [-a active] [-w writes] [-r rounds] [-s]
 *   -s  set the events up once only (no del+add per round): pure dispatch cost
 * Prints: "<usec per round> <callbacks per round>" for the last rounds' average. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

static int npipes = 100, nactive = 1, nwrites = 100, nrounds = 25, setup_once;
static int *pairs;
static struct event *events;
static struct event_base *base;
static int count, writes, fired;

static void read_cb(evutil_socket_t fd, short which, void *arg)
{
    long idx = (long)arg, widx = idx + 1;
    unsigned char ch;
    (void)which;
    if (read(fd, &ch, 1) == 1)
        count++;
    else
        count++;
    if (writes) {
        if (widx >= npipes)
            widx -= npipes;
        if (write(pairs[2 * widx + 1], "e", 1) != 1)
            perror("write");
        writes--;
        fired++;
    }
}

static long run_once(void)
{
    struct timeval ts, te, tv = { 60, 0 };
    int i, space;
    int redo = !(setup_once && event_initialized(&events[0]));
    for (i = 0; i < npipes && redo; i++) {
        if (event_initialized(&events[i]))
            event_del(&events[i]);
        event_assign(&events[i], base, pairs[2 * i], EV_READ | EV_PERSIST, read_cb, (void *)(long)i);
        event_add(&events[i], &tv);
    }
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    fired = 0;
    space = npipes / nactive;
    space = space * 2;
    for (i = 0; i < nactive; i++, fired++)
        if (write(pairs[i * space + 1], "e", 1) != 1)
            perror("write");
    count = 0;
    writes = nwrites;
    gettimeofday(&ts, NULL);
    do {
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    } while (count != fired);
    gettimeofday(&te, NULL);
    return (te.tv_sec - ts.tv_sec) * 1000000L + (te.tv_usec - ts.tv_usec);
}

int main(int argc, char **argv)
{
    int c, i;
    struct rlimit rl;
    while ((c = getopt(argc, argv, "n:a:w:r:s")) != -1) {
        switch (c) {
        case 'n': npipes = atoi(optarg); break;
        case 'a': nactive = atoi(optarg); break;
        case 'w': nwrites = atoi(optarg); break;
        case 'r': nrounds = atoi(optarg); break;
        case 's': setup_once = 1; break;
        default: fprintf(stderr, "bad option\n"); return 1;
        }
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)npipes * 2 + 50) {
        rl.rlim_cur = (rlim_t)npipes * 2 + 50;
        if (rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    events = calloc(npipes, sizeof(struct event));
    pairs = calloc(npipes * 2, sizeof(int));
    base = event_base_new();
    for (i = 0; i < npipes; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, &pairs[i * 2]) == -1) {
            perror("socketpair");
            return 1;
        }
    }
    long total = 0;
    int measured = 0;
    for (i = 0; i < nrounds; i++) {
        long t = run_once();
        if (i >= nrounds / 5) { /* skip warm-up */
            total += t;
            measured++;
        }
    }
    printf("%.1f %d\n", (double)total / measured, fired);
    return 0;
}
