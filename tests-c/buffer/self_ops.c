/* self_ops: corner cases with libevent's answers: moving a buffer into itself (add_buffer,
   prepend_buffer, remove_buffer: 0, nothing changes; add_buffer_reference: -1 unless empty),
   set/clear of flags, zero-length adds and references, empty needles, and searching, peeking
   and end-of-line search starting exactly at the end. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

int main(void)
{
    struct evbuffer *b = evbuffer_new(), *e = evbuffer_new();
    char out[8];
    evbuffer_add(b, "abc", 3);
    CHECK_EQ(evbuffer_add_buffer(b, b), 0);
    CHECK_EQ(evbuffer_prepend_buffer(b, b), 0);
    CHECK_EQ(evbuffer_remove_buffer(b, b, 2), 0);
    CHECK_EQ(evbuffer_add_buffer_reference(b, b), -1);
    CHECK_EQ(evbuffer_add_buffer_reference(e, e), 0);
    CHECK_EQ(evbuffer_get_length(b), 3);
    CHECK_EQ(evbuffer_copyout(b, out, sizeof out), 3);
    CHECK(memcmp(out, "abc", 3) == 0);

    CHECK_EQ(evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
    CHECK_EQ(evbuffer_clear_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
    CHECK_EQ(evbuffer_set_flags(b, 0), 0);
    CHECK_EQ(evbuffer_clear_flags(b, 0), 0);

    CHECK_EQ(evbuffer_expand(e, 0), 0);
    CHECK_EQ(evbuffer_get_length(e), 0);
    CHECK_EQ(evbuffer_get_contiguous_space(e), 0);
    CHECK_EQ(evbuffer_add(e, "", 0), 0);
    CHECK_EQ(evbuffer_add_reference(e, "x", 0, NULL, NULL), 0);
    CHECK_EQ(evbuffer_get_length(e), 0);

    struct evbuffer_ptr p, r;
    size_t eol = 7;
    evbuffer_add(e, "hello", 5);
    CHECK_EQ(evbuffer_ptr_set(e, &p, 5, EVBUFFER_PTR_SET), 0);
    r = evbuffer_search(e, "", 0, &p);
    CHECK_EQ(r.pos, 5); /* an empty needle is found where the search starts */
    r = evbuffer_search(e, "", 0, NULL);
    CHECK_EQ(r.pos, 0);
    r = evbuffer_search(e, "lo", 2, &p);
    CHECK_EQ(r.pos, -1);
    r = evbuffer_search_eol(e, &p, &eol, EVBUFFER_EOL_LF);
    CHECK_EQ(r.pos, -1);
    CHECK_EQ(eol, 0);
    CHECK_EQ(evbuffer_peek(e, -1, &p, NULL, 0), 0);

    evbuffer_free(b);
    evbuffer_free(e);
    return 0;
}
