/* foreach_dump: event_base_foreach_event visits every added/active event once, stops on nonzero;
   event_base_dump_events writes output; event_base_get_num_events / get_max_events counts. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static void nop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
}

#define NEV 8
static struct event *evs[NEV];
static int seen[NEV];
static struct event_base *base;
static int internal_count;

static int visit_cb(const struct event_base *b, const struct event *ev, void *arg)
{
    int *count = arg;
    CHECK(b == base);
    int i;
    for (i = 0; i < NEV; i++)
        if (evs[i] == ev)
            break;
    if (i == NEV && (ev->ev_evcallback.evcb_flags & 0x10)) {
        /* libevent also shows its own internal events (EVLIST_INTERNAL: the signal socketpair
           event, the common-timeout timer); tolerated, not required */
        internal_count++;
        return 0;
    }
    if (i == NEV) {
        fprintf(stderr, "foreach visited an unknown event %p (flags 0x%x)\n", (void *)ev,
                ev->ev_evcallback.evcb_flags);
        exit(1);
    }
    seen[i]++;
    (*count)++;
    return 0;
}

static int stop_cb(const struct event_base *b, const struct event *ev, void *arg)
{
    int *count = arg;
    (void)b; (void)ev;
    if (++(*count) == 2)
        return 42;
    return 0;
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    int count = 0;
    CHECK_EQ(event_base_foreach_event(base, visit_cb, &count), 0);
    CHECK_EQ(count, 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_VIRTUAL), 0);

    struct timeval tv = { 10, 0 }, tv2 = { 20, 0 }, ct = { 30, 0 };
    const struct timeval *common = event_base_init_common_timeout(base, &ct);
    CHECK(common != NULL);

    evs[0] = event_new(base, sv[0], EV_READ | EV_PERSIST, nop_cb, NULL);  /* inserted */
    evs[1] = evtimer_new(base, nop_cb, NULL);                             /* timeout (heap) */
    evs[2] = event_new(base, sv[0], EV_READ, nop_cb, NULL);                /* inserted+timeout */
    evs[3] = event_new(base, -1, 0, nop_cb, NULL);                         /* active only */
    evs[4] = evsignal_new(base, SIGUSR1, nop_cb, NULL);                    /* signal */
    evs[5] = evtimer_new(base, nop_cb, NULL);                              /* common timeout */
    evs[6] = event_new(base, sv[1], EV_WRITE, nop_cb, NULL);               /* never added */
    evs[7] = event_new(base, sv[0], EV_READ, nop_cb, NULL);                /* added then deleted */
    CHECK_EQ(event_add(evs[0], NULL), 0);
    CHECK_EQ(event_add(evs[1], &tv), 0);
    CHECK_EQ(event_add(evs[2], &tv2), 0);
    event_active(evs[3], EV_TIMEOUT, 0);
    CHECK_EQ(event_add(evs[4], NULL), 0);
    CHECK_EQ(event_add(evs[5], common), 0);
    CHECK_EQ(event_add(evs[7], NULL), 0);
    CHECK_EQ(event_del(evs[7]), 0);

    /* foreach: each of 0..5 exactly once; internal events never shown */
    count = 0;
    CHECK_EQ(event_base_foreach_event(base, visit_cb, &count), 0);
    CHECK_EQ(count, 6);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(seen[6], 0);
    CHECK_EQ(seen[7], 0);

    /* stop early: the nonzero value is returned */
    count = 0;
    CHECK_EQ(event_base_foreach_event(base, stop_cb, &count), 42);
    CHECK_EQ(count, 2);
    CHECK_EQ(event_base_foreach_event(base, NULL, &count), -1);
    CHECK_EQ(event_base_foreach_event(NULL, visit_cb, &count), -1);

    /* counts: ADDED counts each inserted / timeout / active state of non-internal events,
       so evs[2] (fd + timeout) counts twice and the active-only evs[3] once */
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 7);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 1);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_VIRTUAL), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE), 8);
    CHECK_EQ(event_base_get_num_events(base, 0), 0);

    /* dump: writes something, does not change anything */
    FILE *f = tmpfile();
    CHECK(f != NULL);
    event_base_dump_events(base, f);
    fflush(f);
    long sz = ftell(f);
    CHECK(sz > 0);
    fclose(f);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 7);

    /* max counters: 8 was the peak (evs[7] added before its delete) */
    CHECK_EQ(event_base_get_max_events(base, EVENT_BASE_COUNT_ADDED, 0), 8);
    CHECK_EQ(event_base_get_max_events(base, EVENT_BASE_COUNT_ACTIVE, 0), 1);
    CHECK_EQ(event_base_get_max_events(base, EVENT_BASE_COUNT_ADDED, 1), 8);  /* and clear */
    CHECK_EQ(event_base_get_max_events(base, EVENT_BASE_COUNT_ADDED, 0), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 7);
    CHECK_EQ(event_add(evs[6], NULL), 0);   /* the max starts tracking again from here */
    CHECK_EQ(event_base_get_max_events(base, EVENT_BASE_COUNT_ADDED, 0), 8);

    /* after running the active one and deleting everything, nothing is visited */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 0);
    for (int i = 0; i < NEV; i++)
        event_del(evs[i]);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
    count = 0;
    memset(seen, 0, sizeof(seen));
    CHECK_EQ(event_base_foreach_event(base, visit_cb, &count), 0);
    CHECK_EQ(count, 0);
    f = tmpfile();
    event_base_dump_events(base, f);
    fclose(f);

    for (int i = 0; i < NEV; i++)
        event_free(evs[i]);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
