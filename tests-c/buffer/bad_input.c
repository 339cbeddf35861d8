/* bad_input: sizes near SIZE_MAX and negative ev_ssize_t lengths: additions that cannot fit
   or would overflow the total length fail with -1 (pullup: NULL) and leave the buffer exactly
   as it was; negative lengths mean "everything" where libevent says so (pullup, peek,
   write_atmost); positions that would overflow are refused. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static void expect(struct evbuffer *b, const char *want)
{
    size_t n = strlen(want);
    char tmp[256];
    CHECK_EQ(evbuffer_get_length(b), n);
    CHECK_EQ(evbuffer_copyout(b, tmp, sizeof tmp), n);
    CHECK(memcmp(tmp, want, n) == 0);
}

int main(void)
{
    static char src[64] = "0123456789";
    struct evbuffer *e = evbuffer_new(), *b = evbuffer_new();
    struct iovec v[2];

    /* Into an empty buffer: no block can be that big. */
    CHECK_EQ(evbuffer_add(e, src, SIZE_MAX), -1);
    CHECK_EQ(evbuffer_add(e, src, SIZE_MAX / 2 + 1), -1);
    CHECK_EQ(evbuffer_expand(e, SIZE_MAX), -1);
    CHECK_EQ(evbuffer_expand(e, SIZE_MAX - 100), -1);
    CHECK_EQ(evbuffer_reserve_space(e, -1, v, 1), -1);
    CHECK_EQ(evbuffer_reserve_space(e, -100, v, 2), -1);
    CHECK_EQ(evbuffer_get_length(e), 0);
    CHECK(evbuffer_pullup(e, -1) == NULL);

    /* Onto data: the total would overflow. */
    evbuffer_add(b, "abc", 3);
    CHECK_EQ(evbuffer_add(b, src, SIZE_MAX), -1);
    CHECK_EQ(evbuffer_add(b, src, SIZE_MAX - 2), -1);
    CHECK_EQ(evbuffer_add(b, src, SIZE_MAX - 3), -1);
    CHECK_EQ(evbuffer_prepend(b, src, SIZE_MAX), -1);
    CHECK_EQ(evbuffer_prepend(b, src, SIZE_MAX - 2), -1);
    CHECK_EQ(evbuffer_expand(b, SIZE_MAX), -1);
    CHECK_EQ(evbuffer_reserve_space(b, -1, v, 1), -1);
    expect(b, "abc");

    /* Over-long requests to take things out are capped at what is there. */
    char out[16];
    CHECK_EQ(evbuffer_copyout(b, out, SIZE_MAX), 3);
    CHECK(evbuffer_pullup(b, INTPTR_MAX) == NULL);
    unsigned char *m = evbuffer_pullup(b, -7); /* any negative size: everything */
    CHECK(m && memcmp(m, "abc", 3) == 0);
    CHECK_EQ(evbuffer_peek(b, -9, NULL, v, 2), 1);
    CHECK_EQ(v[0].iov_len, 3);
    CHECK_EQ(evbuffer_peek(b, INTPTR_MAX, NULL, v, 2), 1);
    CHECK_EQ(evbuffer_remove_buffer(b, e, SIZE_MAX), 3);
    expect(e, "abc");
    CHECK_EQ(evbuffer_add_buffer(b, e), 0);
    CHECK_EQ(evbuffer_remove(b, out, SIZE_MAX), 3);
    CHECK_EQ(evbuffer_get_length(b), 0);
    evbuffer_add(b, "abc", 3);
    CHECK_EQ(evbuffer_drain(b, SIZE_MAX), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);

    /* Positions: adding SIZE_MAX overflows and is refused. */
    evbuffer_add(b, "abcdef", 6);
    struct evbuffer_ptr p;
    CHECK_EQ(evbuffer_ptr_set(b, &p, 2, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_ptr_set(b, &p, SIZE_MAX, EVBUFFER_PTR_ADD), -1);
    CHECK_EQ(evbuffer_ptr_set(b, &p, SIZE_MAX, EVBUFFER_PTR_SET), -1);
    CHECK_EQ(evbuffer_ptr_set(b, &p, SIZE_MAX - 1, EVBUFFER_PTR_SET), -1);
    expect(b, "abcdef");

    /* write_atmost: a negative limit means everything. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(evbuffer_write_atmost(b, sv[0], -5), 6);
    CHECK_EQ(read(sv[1], out, sizeof out), 6);
    CHECK(memcmp(out, "abcdef", 6) == 0);
    close(sv[0]);
    close(sv[1]);

    /* NULL data with zero length is fine. */
    CHECK_EQ(evbuffer_add(b, NULL, 0), 0);
    CHECK_EQ(evbuffer_prepend(b, NULL, 0), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);

    evbuffer_free(e);
    evbuffer_free(b);
    return 0;
}
