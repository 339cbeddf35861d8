/* util mm: the internal allocator entry points (event_mm_malloc_/calloc_/realloc_/strdup_/
   free_) follow event_set_mem_functions, and so do the util objects: evutil_monotonic_timer_new
   and lists marked as libevent-allocated in evutil_freeaddrinfo. */
/* BACKENDS: epoll */
#include <event2/event.h>
#include <event2/util.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

void *event_mm_malloc_(size_t sz);
void *event_mm_calloc_(size_t count, size_t size);
void *event_mm_realloc_(void *p, size_t sz);
char *event_mm_strdup_(const char *s);
void event_mm_free_(void *p);

static int nmalloc, nrealloc, nfree;
static void *my_malloc(size_t n) { nmalloc++; return malloc(n); }
static void *my_realloc(void *p, size_t n) { nrealloc++; return realloc(p, n); }
static void my_free(void *p) { if (p) nfree++; free(p); }

int main(void)
{
    alarm(20);

    /* --- with the C library's allocator --- */
    {
        char *p = event_mm_malloc_(16);
        CHECK(p != NULL);
        p = event_mm_realloc_(p, 4096);
        CHECK(p != NULL);
        event_mm_free_(p);
        CHECK(event_mm_malloc_(0) == NULL);
        CHECK(event_mm_calloc_(0, 8) == NULL);
        CHECK(event_mm_calloc_(8, 0) == NULL);
        errno = 0;
        CHECK(event_mm_calloc_(SIZE_MAX / 2, 4) == NULL);
        CHECK_EQ(errno, ENOMEM);
        unsigned char *z = event_mm_calloc_(4, 8);
        for (int i = 0; i < 32; i++)
            CHECK_EQ(z[i], 0);
        event_mm_free_(z);
        char *s = event_mm_strdup_("hello");
        CHECK(s && !strcmp(s, "hello"));
        free(s);                               /* plain C heap without custom functions */
        errno = 0;
        CHECK(event_mm_strdup_(NULL) == NULL);
        CHECK_EQ(errno, EINVAL);
        event_mm_free_(NULL);
    }

    event_set_mem_functions(my_malloc, my_realloc, my_free);

    /* --- through the program's allocator --- */
    {
        char *p = event_mm_malloc_(10);
        CHECK_EQ(nmalloc, 1);
        p = event_mm_realloc_(p, 100);
        CHECK_EQ(nrealloc, 1);
        event_mm_free_(p);
        CHECK_EQ(nfree, 1);
        unsigned char *z = event_mm_calloc_(3, 5);
        CHECK_EQ(nmalloc, 2);
        for (int i = 0; i < 15; i++)
            CHECK_EQ(z[i], 0);
        event_mm_free_(z);
        char *s = event_mm_strdup_("abc");
        CHECK_EQ(nmalloc, 3);
        CHECK(!strcmp(s, "abc"));
        event_mm_free_(s);
        CHECK_EQ(nfree, 3);
        CHECK(event_mm_malloc_(0) == NULL);
        CHECK_EQ(nmalloc, 3);
    }

    /* --- monotonic timers come from it --- */
    {
        int m0 = nmalloc, f0 = nfree;
        struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
        CHECK(t != NULL);
        CHECK_EQ(nmalloc, m0 + 1);
        evutil_monotonic_timer_free(t);
        CHECK_EQ(nfree, f0 + 1);
    }

    /* --- a list marked libevent-allocated (0x80000000 in the head's flags) is released
           node by node, canonical names too, through the allocator --- */
    {
        int f0 = nfree;
        size_t node = sizeof(struct evutil_addrinfo) + sizeof(struct sockaddr_in);
        struct evutil_addrinfo *a = event_mm_calloc_(1, node), *b = event_mm_calloc_(1, node);
        a->ai_flags = (int)0x80000000u;
        a->ai_family = b->ai_family = AF_INET;
        a->ai_addr = (struct sockaddr *)(a + 1);
        b->ai_addr = (struct sockaddr *)(b + 1);
        a->ai_addrlen = b->ai_addrlen = sizeof(struct sockaddr_in);
        a->ai_canonname = event_mm_strdup_("host.example");
        a->ai_next = b;
        evutil_freeaddrinfo(a);
        CHECK_EQ(nfree, f0 + 3);
    }

    /* --- a system list does not go through it --- */
    {
        struct evutil_addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_flags = EVUTIL_AI_CANONNAME;
        int m0 = nmalloc, f0 = nfree;
        CHECK_EQ(evutil_getaddrinfo("127.0.0.1", "80", &hints, &res), 0);
        evutil_freeaddrinfo(res);
        CHECK_EQ(nmalloc, m0);
        CHECK_EQ(nfree, f0);
    }
    return 0;
}
