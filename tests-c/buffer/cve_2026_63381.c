/* CVE-2026-63381 (Debian's libevent 2.1.12-stable-8+deb12u1: "Fix a dangling pointer in
   evbuffer_add_buffer_reference"): a buffer whose only content is an empty chain (an
   evbuffer_add_reference of 0 bytes, or bytes added and drained) takes a shared reference to
   another buffer's bytes; the empty chain is thrown away (its cleanup runs then, once) and the
   buffer reads exactly the referenced bytes, keeps working afterwards (add, prepend, drain,
   search, pullup, move on), and both buffers free in either order with every cleanup run once.
   Run it under valgrind to see the memory side; the checks here are the behaviour. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int ncleanup;
static void cleanup(const void *data, size_t len, void *arg)
{
    (void)data; (void)len; (void)arg;
    ncleanup++;
}

static void expect(struct evbuffer *b, const char *want)
{
    size_t n = strlen(want);
    CHECK_EQ(evbuffer_get_length(b), n);
    CHECK(n == 0 || memcmp(evbuffer_pullup(b, -1), want, n) == 0);
}

int main(void)
{
    const char chunk[] = "If you have found the answer to such a problem";
    size_t len = strlen(chunk);
    static const char ref[] = "referenced";
    struct evbuffer *src, *dst;
    int order;

    for (order = 0; order < 2; order++) {
        /* the case of the fix: an empty reference chain first, then the shared reference */
        ncleanup = 0;
        src = evbuffer_new();
        dst = evbuffer_new();
        CHECK(src && dst);
        CHECK_EQ(evbuffer_add_reference(dst, "", 0, cleanup, NULL), 0);
        CHECK_EQ(evbuffer_get_length(dst), 0);
        CHECK_EQ(evbuffer_add(src, chunk, len), 0);
        CHECK_EQ(evbuffer_add_buffer_reference(dst, src), 0);
        CHECK_EQ(ncleanup, 1);                  /* the empty chain went away at once */
        expect(dst, chunk);
        expect(src, chunk);                      /* the source keeps its bytes */
        /* dst keeps working on top of the shared chain */
        CHECK_EQ(evbuffer_add(dst, "!", 1), 0);
        CHECK_EQ(evbuffer_prepend(dst, ">", 1), 0);
        CHECK_EQ(evbuffer_search(dst, "answer", 6, NULL).pos, 1 + 22);
        CHECK_EQ(evbuffer_drain(dst, 4), 0);
        CHECK_EQ(evbuffer_get_length(dst), len + 2 - 4);
        CHECK(memcmp(evbuffer_pullup(dst, 5), "you h", 5) == 0);
        expect(src, chunk);
        if (order == 0) {
            evbuffer_free(src);
            expect(dst, "you have found the answer to such a problem!");
            evbuffer_free(dst);
        } else {
            evbuffer_free(dst);
            expect(src, chunk);
            evbuffer_free(src);
        }
        CHECK_EQ(ncleanup, 1);
    }

    /* an empty chain left by a drain, then a reference to a buffer holding a reference */
    ncleanup = 0;
    src = evbuffer_new();
    dst = evbuffer_new();
    CHECK_EQ(evbuffer_add_reference(src, ref, strlen(ref), cleanup, NULL), 0);
    CHECK_EQ(evbuffer_add(dst, "xyz", 3), 0);
    CHECK_EQ(evbuffer_drain(dst, 3), 0);
    CHECK_EQ(evbuffer_add_buffer_reference(dst, src), 0);
    expect(dst, ref);
    CHECK_EQ(evbuffer_drain(src, strlen(ref)), 0);
    CHECK_EQ(ncleanup, 0);                      /* dst still reads the bytes */
    expect(dst, ref);
    {
        struct evbuffer *third = evbuffer_new();
        CHECK_EQ(evbuffer_add_buffer(third, dst), 0); /* moved on */
        expect(third, ref);
        CHECK_EQ(evbuffer_get_length(dst), 0);
        CHECK_EQ(evbuffer_add(dst, "again", 5), 0);
        expect(dst, "again");
        evbuffer_free(third);
    }
    CHECK_EQ(ncleanup, 1);
    evbuffer_free(dst);
    evbuffer_free(src);
    CHECK_EQ(ncleanup, 1);

    /* an empty source: nothing to share, both stay usable */
    src = evbuffer_new();
    dst = evbuffer_new();
    CHECK_EQ(evbuffer_add_reference(dst, "", 0, NULL, NULL), 0);
    CHECK_EQ(evbuffer_add_buffer_reference(dst, src), 0);
    CHECK_EQ(evbuffer_get_length(dst), 0);
    CHECK_EQ(evbuffer_add(dst, "ok", 2), 0);
    expect(dst, "ok");
    evbuffer_free(src);
    evbuffer_free(dst);
    printf("ok\n");
    return 0;
}
