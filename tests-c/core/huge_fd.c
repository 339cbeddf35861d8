/* huge_fd: event_add for a descriptor no real process can have (INT_MAX, INT_MAX/2) fails
   with -1 instead of trying to size a table for it; a signal number out of range fails too. */
#include <event2/event.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static void cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
}

int main(void)
{
    struct event_base *base = event_base_new();
    struct event *a = event_new(base, INT_MAX, EV_READ, cb, NULL);
    struct event *b = event_new(base, INT_MAX / 2, EV_READ, cb, NULL);
    struct event *s1 = evsignal_new(base, -1, cb, NULL);
    struct event *s2 = evsignal_new(base, NSIG, cb, NULL);
    CHECK(a && b && s1 && s2);
    CHECK(event_add(a, NULL) != 0);
    CHECK(event_add(b, NULL) != 0);
    CHECK(event_add(s1, NULL) != 0);
    CHECK(event_add(s2, NULL) != 0);
    event_free(a);
    event_free(b);
    event_free(s1);
    event_free(s2);
    event_base_free(base);
    puts("ok");
    return 0;
}
