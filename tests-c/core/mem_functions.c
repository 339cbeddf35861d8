/* mem_functions: event_set_mem_functions before anything else routes libevent's allocations
   (bases, events, configs) through the caller's functions; every free matches an allocation. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define MAXP 4096
static void *live[MAXP];
static int nlive;
static int n_malloc, n_realloc, n_free, n_free_null, n_bad_free;

static void track_add(void *p)
{
    CHECK(nlive < MAXP);
    live[nlive++] = p;
}
static int track_del(void *p)
{
    for (int i = 0; i < nlive; i++)
        if (live[i] == p) {
            live[i] = live[--nlive];
            return 1;
        }
    return 0;
}
static int is_live(void *p)
{
    for (int i = 0; i < nlive; i++)
        if (live[i] == p)
            return 1;
    return 0;
}

static void *my_malloc(size_t sz)
{
    void *p = malloc(sz);
    n_malloc++;
    if (p)
        track_add(p);
    return p;
}
static void *my_realloc(void *old, size_t sz)
{
    n_realloc++;
    if (old && !track_del(old)) {
        n_bad_free++;
        fprintf(stderr, "realloc of a pointer not from my_malloc: %p\n", old);
    }
    void *p = realloc(old, sz);
    if (p)
        track_add(p);
    else if (old && sz)
        track_add(old);   /* failed realloc keeps the old block */
    return p;
}
static void my_free(void *p)
{
    n_free++;
    if (!p) {
        n_free_null++;
        return;
    }
    if (!track_del(p)) {
        n_bad_free++;
        fprintf(stderr, "free of a pointer not from my_malloc: %p\n", p);
    }
    free(p);
}

static int ncb;
static void cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)what; (void)arg;
    if (fd >= 0)
        CHECK_EQ(read(fd, &c, 1), 1);
    ncb++;
}

int main(void)
{
    alarm(20);
    event_set_mem_functions(my_malloc, my_realloc, my_free);

    int baseline = nlive;
    struct event_config *cfg = event_config_new();
    CHECK(cfg != NULL);
    CHECK(is_live(cfg));
    CHECK_EQ(event_config_avoid_method(cfg, "nosuchmethod"), 0);
    struct event_base *base = event_base_new_with_config(cfg);
    CHECK(base != NULL);
    CHECK(is_live(base));
    event_config_free(cfg);
    CHECK(!is_live(cfg));
    CHECK(n_malloc > 0);

    struct event_base *base2 = event_base_new();
    CHECK(base2 != NULL);
    CHECK(is_live(base2));

    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct event *ev = event_new(base, sv[0], EV_READ | EV_PERSIST, cb, NULL);
    CHECK(ev != NULL);
    CHECK(is_live(ev));
    CHECK_EQ(event_add(ev, NULL), 0);
    struct event *t = evtimer_new(base, cb, NULL);
    CHECK(is_live(t));
    struct timeval tv = { 0, 1000 };
    CHECK_EQ(evtimer_add(t, &tv), 0);
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, cb, NULL, NULL), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    while (ncb < 3)
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncb, 3);

    /* many events: forces internal tables to grow (realloc or malloc) */
    struct event *many[200];
    for (int i = 0; i < 200; i++) {
        many[i] = evtimer_new(base, cb, NULL);
        struct timeval lt = { 10 + i, 0 };
        CHECK_EQ(evtimer_add(many[i], &lt), 0);
    }
    for (int i = 0; i < 200; i++)
        event_free(many[i]);

    event_free(ev);
    CHECK(!is_live(ev));
    event_free(t);
    CHECK(!is_live(t));
    event_base_free(base);
    CHECK(!is_live(base));
    event_base_free(base2);
    CHECK(!is_live(base2));

    CHECK_EQ(n_bad_free, 0);
    /* everything allocated for the bases and events was released again */
    CHECK_EQ(nlive, baseline);
    CHECK(n_free > 0);

    close(sv[0]); close(sv[1]);
    return 0;
}
