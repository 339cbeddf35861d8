/* basic: the byte-moving core of evbuffer: add/remove/copyout/copyout_from/drain/get_length,
   get_contiguous_space, expand, pullup, prepend, prepend_buffer, add_buffer, remove_buffer and
   add_iovec keep the exact bytes in order and report libevent's return values, including
   requests larger than what the buffer holds. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

/* The whole buffer equals want[0..n). */
static void expect(struct evbuffer *b, const void *want, size_t n)
{
    CHECK_EQ(evbuffer_get_length(b), n);
    char *tmp = malloc(n + 1);
    CHECK_EQ(evbuffer_copyout(b, tmp, n + 1), n);
    CHECK(memcmp(tmp, want, n) == 0);
    free(tmp);
}

int main(void)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    CHECK(a && b);
    char out[64];

    /* Empty buffer. */
    CHECK_EQ(evbuffer_get_length(a), 0);
    CHECK_EQ(evbuffer_get_contiguous_space(a), 0);
    CHECK_EQ(evbuffer_remove(a, out, sizeof out), 0);
    CHECK_EQ(evbuffer_copyout(a, out, sizeof out), 0);
    CHECK_EQ(evbuffer_drain(a, 10), 0);
    CHECK(evbuffer_pullup(a, -1) == NULL);
    CHECK(evbuffer_pullup(a, 0) == NULL);

    /* add / copyout / remove / drain. */
    CHECK_EQ(evbuffer_add(a, "hello ", 6), 0);
    CHECK_EQ(evbuffer_add(a, "world", 5), 0);
    CHECK_EQ(evbuffer_add(a, "", 0), 0);
    expect(a, "hello world", 11);
    CHECK_EQ(evbuffer_copyout(a, out, 5), 5);
    CHECK(memcmp(out, "hello", 5) == 0);
    CHECK_EQ(evbuffer_get_length(a), 11); /* copyout does not drain */
    CHECK_EQ(evbuffer_remove(a, out, 6), 6);
    CHECK(memcmp(out, "hello ", 6) == 0);
    expect(a, "world", 5);
    CHECK_EQ(evbuffer_drain(a, 2), 0);
    expect(a, "rld", 3);
    CHECK_EQ(evbuffer_remove(a, out, sizeof out), 3); /* more than held: all of it */
    CHECK(memcmp(out, "rld", 3) == 0);
    CHECK_EQ(evbuffer_get_length(a), 0);

    /* copyout_from at a position; positions past the end give -1 from ptr_set. */
    evbuffer_add(a, "0123456789", 10);
    struct evbuffer_ptr p;
    CHECK_EQ(evbuffer_ptr_set(a, &p, 4, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_copyout_from(a, &p, out, 3), 3);
    CHECK(memcmp(out, "456", 3) == 0);
    CHECK_EQ(evbuffer_copyout_from(a, &p, out, 100), 6);
    CHECK(memcmp(out, "456789", 6) == 0);
    CHECK_EQ(evbuffer_copyout_from(a, NULL, out, 2), 2);
    CHECK(memcmp(out, "01", 2) == 0);
    CHECK_EQ(evbuffer_ptr_set(a, &p, 10, EVBUFFER_PTR_SET), 0); /* at the end: allowed */
    CHECK_EQ(evbuffer_copyout_from(a, &p, out, 5), 0);
    CHECK_EQ(evbuffer_drain(a, 1000), 0); /* more than held: all of it */
    CHECK_EQ(evbuffer_get_length(a), 0);

    /* A large buffer spans many chains; drain across chain boundaries. */
    static unsigned char big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7 + (i >> 8));
    for (size_t off = 0; off < sizeof big; off += 1000)
        CHECK_EQ(evbuffer_add(a, big + off, 1000), 0);
    expect(a, big, sizeof big);
    CHECK(evbuffer_get_contiguous_space(a) < sizeof big);
    CHECK(evbuffer_get_contiguous_space(a) > 0);
    CHECK_EQ(evbuffer_drain(a, 12345), 0);
    expect(a, big + 12345, sizeof big - 12345);
    CHECK_EQ(evbuffer_copyout_from(a, NULL, out, 10), 10);
    CHECK(memcmp(out, big + 12345, 10) == 0);
    CHECK_EQ(evbuffer_ptr_set(a, &p, 200000, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_copyout_from(a, &p, out, 40), 40);
    CHECK(memcmp(out, big + 12345 + 200000, 40) == 0);

    /* pullup: the first n bytes become contiguous, contents unchanged. */
    unsigned char *m = evbuffer_pullup(a, 50000);
    CHECK(m != NULL);
    CHECK(memcmp(m, big + 12345, 50000) == 0);
    CHECK(evbuffer_get_contiguous_space(a) >= 50000);
    expect(a, big + 12345, sizeof big - 12345);
    CHECK(evbuffer_pullup(a, (ev_ssize_t)(sizeof big)) == NULL); /* more than held */
    m = evbuffer_pullup(a, -1);
    CHECK(m != NULL);
    CHECK_EQ(evbuffer_get_contiguous_space(a), sizeof big - 12345);
    CHECK(memcmp(m, big + 12345, sizeof big - 12345) == 0);
    evbuffer_drain(a, evbuffer_get_length(a));

    /* expand: afterwards the buffer can take that much without allocating a new chain. */
    CHECK_EQ(evbuffer_expand(a, 5000), 0);
    CHECK_EQ(evbuffer_get_length(a), 0);
    struct iovec v[2];
    CHECK_EQ(evbuffer_reserve_space(a, 5000, v, 1), 1);
    CHECK(v[0].iov_len >= 5000);
    CHECK_EQ(evbuffer_add(a, "x", 1), 0);
    CHECK_EQ(evbuffer_expand(a, 0), 0);
    expect(a, "x", 1);
    evbuffer_drain(a, 1);

    /* prepend: into an empty buffer, in front of data, many times. */
    CHECK_EQ(evbuffer_prepend(a, "tail", 4), 0);
    CHECK_EQ(evbuffer_prepend(a, "mid-", 4), 0);
    CHECK_EQ(evbuffer_prepend(a, "", 0), 0);
    expect(a, "mid-tail", 8);
    CHECK_EQ(evbuffer_drain(a, 4), 0);
    CHECK_EQ(evbuffer_prepend(a, "MID-", 4), 0); /* reuses the drained room */
    expect(a, "MID-tail", 8);
    for (int i = 0; i < 2000; i++)
        CHECK_EQ(evbuffer_prepend(a, "ab", 2), 0);
    CHECK_EQ(evbuffer_get_length(a), 4008);
    CHECK_EQ(evbuffer_copyout(a, out, 4), 4);
    CHECK(memcmp(out, "abab", 4) == 0);
    evbuffer_drain(a, 4000);
    expect(a, "MID-tail", 8);

    /* add_buffer moves everything; the source is left empty. */
    evbuffer_add(b, "+more", 5);
    CHECK_EQ(evbuffer_add_buffer(a, b), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);
    expect(a, "MID-tail+more", 13);
    CHECK_EQ(evbuffer_add_buffer(a, b), 0); /* empty source */
    expect(a, "MID-tail+more", 13);
    CHECK_EQ(evbuffer_add_buffer(b, a), 0); /* into an empty destination */
    expect(b, "MID-tail+more", 13);
    CHECK_EQ(evbuffer_get_length(a), 0);

    /* prepend_buffer puts the source in front. */
    evbuffer_add(a, "<", 1);
    CHECK_EQ(evbuffer_prepend_buffer(b, a), 0);
    CHECK_EQ(evbuffer_get_length(a), 0);
    expect(b, "<MID-tail+more", 14);
    CHECK_EQ(evbuffer_prepend_buffer(b, a), 0); /* empty source */
    expect(b, "<MID-tail+more", 14);

    /* remove_buffer moves a prefix; more than held moves all. */
    CHECK_EQ(evbuffer_remove_buffer(b, a, 5), 5);
    expect(a, "<MID-", 5);
    expect(b, "tail+more", 9);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 0), 0);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 1000), 9);
    expect(a, "<MID-tail+more", 14);
    CHECK_EQ(evbuffer_get_length(b), 0);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 10), 0);

    /* remove_buffer across many chains, splitting one in the middle. */
    evbuffer_drain(a, 14);
    for (size_t off = 0; off < sizeof big; off += 7000)
        evbuffer_add(b, big + off, sizeof big - off < 7000 ? sizeof big - off : 7000);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 123457), 123457);
    expect(a, big, 123457);
    expect(b, big + 123457, sizeof big - 123457);
    CHECK_EQ(evbuffer_add_buffer(a, b), 0);
    expect(a, big, sizeof big);

    /* add_iovec gathers in order and returns the byte count. */
    evbuffer_drain(a, sizeof big);
    struct iovec iv[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
    CHECK_EQ(evbuffer_add_iovec(a, iv, 3), 5);
    expect(a, "abcde", 5);
    CHECK_EQ(evbuffer_add_iovec(a, iv, 0), 0);

    evbuffer_free(a);
    evbuffer_free(b);
    return 0;
}
