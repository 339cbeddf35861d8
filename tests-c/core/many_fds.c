/* many_fds: 500 socketpairs with READ events; writing to every other one runs exactly those
   callbacks, on every backend (select too). The fds stay below FD_SETSIZE (1024): Debian's
   libevent select backend aborts (glibc fortify fd_set check) on larger fds. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NPAIRS 500
static int sp[NPAIRS][2];
static struct event *evs[NPAIRS];
static int fired[NPAIRS];
static short whats[NPAIRS];

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    int i = (int)(long)arg;
    char c;
    CHECK_EQ(fd, sp[i][0]);
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(c, (char)('a' + i % 26));
    fired[i]++;
    whats[i] = what;
}

int main(void)
{
    alarm(20);
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 2 * NPAIRS + 20) {
        rlim_t want = 2 * NPAIRS + 20;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
            printf("skip: RLIMIT_NOFILE hard limit %lu too low\n", (unsigned long)rl.rlim_max);
            return 0;
        }
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            printf("skip: cannot raise RLIMIT_NOFILE\n");
            return 0;
        }
    }

    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    for (int i = 0; i < NPAIRS; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]) != 0) {
            printf("skip: socketpair %d failed\n", i);
            return 0;
        }
        evs[i] = event_new(base, sp[i][0], EV_READ, read_cb, (void *)(long)i);
        CHECK(evs[i] != NULL);
        CHECK_EQ(event_add(evs[i], NULL), 0);
    }
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), NPAIRS);
    if (sp[NPAIRS - 1][1] >= 1024 && !strcmp(event_base_get_method(base), "select")) {
        printf("skip: fds reach %d; select cannot go past FD_SETSIZE\n", sp[NPAIRS - 1][1]);
        return 0;
    }

    /* nothing ready yet */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    for (int i = 0; i < NPAIRS; i++)
        CHECK_EQ(fired[i], 0);

    /* even ones */
    for (int i = 0; i < NPAIRS; i += 2) {
        char c = 'a' + i % 26;
        CHECK_EQ(write(sp[i][1], &c, 1), 1);
    }
    /* one blocking pass must run at least one; NONBLOCK passes collect the rest
       (a backend may return only part of the ready set per poll) */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    for (int i = 0; i < NPAIRS; i++) {
        if (fired[i] != (i % 2 == 0)) {
            fprintf(stderr, "pair %d fired %d times\n", i, fired[i]);
            return 1;
        }
        if (i % 2 == 0)
            CHECK_EQ(whats[i], EV_READ);
    }
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), NPAIRS / 2);

    /* odd ones; the fired (non-persistent) even ones are no longer added */
    for (int i = 1; i < NPAIRS; i += 2) {
        char c = 'a' + i % 26;
        CHECK_EQ(write(sp[i][1], &c, 1), 1);
    }
    for (int i = 0; i < NPAIRS; i += 2) {
        char c = 'a' + i % 26;
        CHECK_EQ(write(sp[i][1], &c, 1), 1);   /* not watched: must not fire */
    }
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);   /* all fired, base empty */
    for (int i = 0; i < NPAIRS; i++)
        CHECK_EQ(fired[i], 1);

    /* re-add all (non-persistent) again */
    for (int i = 0; i < NPAIRS; i++)
        CHECK_EQ(event_add(evs[i], NULL), 0);
    /* the even ones already have a byte waiting: they fire right away */
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    for (int i = 0; i < NPAIRS; i++)
        CHECK_EQ(fired[i], 1 + (i % 2 == 0));

    for (int i = 0; i < NPAIRS; i++) {
        event_free(evs[i]);
        close(sp[i][0]);
        close(sp[i][1]);
    }
    event_base_free(base);
    return 0;
}
