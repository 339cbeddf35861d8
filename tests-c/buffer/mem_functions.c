/* mem_functions: with event_set_mem_functions, an evbuffer, its blocks and the strings
   evbuffer_readln / evbuffer_readline return come from the program's allocator (so the
   program frees them with its own free); every free matches an allocation, and after freeing
   the buffers nothing of theirs is left. */
/* BACKENDS: epoll */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
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

/* Is p inside some live block (a pointer into a chain)? Sizes are not tracked, so: is there a
   live block starting at most `slack` bytes before p. */
static int inside_live(void *p, size_t slack)
{
    for (int i = 0; i < nlive; i++)
        if ((char *)p >= (char *)live[i] && (char *)p < (char *)live[i] + slack)
            return 1;
    return 0;
}

int main(void)
{
    alarm(20);
    event_set_mem_functions(my_malloc, my_realloc, my_free);
    int baseline = nlive;

    struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
    CHECK(b && c);
    CHECK(is_live(b));
    int before = n_malloc;
    CHECK_EQ(evbuffer_add(b, "first line\r\nsecond\nthird", 24), 0);
    CHECK(n_malloc > before); /* the block */
    struct iovec v;
    CHECK_EQ(evbuffer_reserve_space(b, 200000, &v, 1), 1);
    CHECK(inside_live(v.iov_base, 256)); /* in a block from my_malloc */

    size_t n;
    char *s = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
    CHECK(s && strcmp(s, "first line") == 0 && n == 10);
    CHECK(is_live(s));
    my_free(s);
    s = evbuffer_readline(b);
    CHECK(s && strcmp(s, "second") == 0);
    CHECK(is_live(s));
    my_free(s);

    /* Big data, moved around, pulled up, printed into, read back. */
    static char big[300000];
    memset(big, 'q', sizeof big);
    big[sizeof big - 1] = '\n';
    CHECK_EQ(evbuffer_add(c, big, sizeof big), 0);
    CHECK_EQ(evbuffer_add_printf(c, "%s-%d\n", "printed", 5), 10);
    CHECK_EQ(evbuffer_add_buffer(b, c), 0);
    CHECK(evbuffer_pullup(b, -1) != NULL);
    CHECK(evbuffer_add_buffer_reference(c, b) == 0);
    s = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
    CHECK(s && n == 5 + sizeof big - 1);
    CHECK(is_live(s));
    my_free(s);
    s = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
    CHECK(s && strcmp(s, "printed-5") == 0);
    CHECK(is_live(s));
    my_free(s);
    CHECK_EQ(evbuffer_get_length(b), 0);

    evbuffer_free(b);
    evbuffer_free(c);
    CHECK_EQ(n_bad_free, 0);
    CHECK_EQ(nlive, baseline);
    return 0;
}
