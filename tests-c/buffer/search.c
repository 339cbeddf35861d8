/* search: evbuffer_search / evbuffer_search_range / evbuffer_search_eol / evbuffer_ptr_set /
   evbuffer_peek over a buffer made of several chains: matches straddling chain boundaries,
   continuing from a previous match, the range end bounding the whole match, positions at and
   past the end (-1, pos set to -1), end-of-line lengths, and peek's chain count and iovecs. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static void noop_cleanup(const void *d, size_t l, void *a) { (void)d; (void)l; (void)a; }
static void addref(struct evbuffer *b, const char *s)
{
    CHECK_EQ(evbuffer_add_reference(b, s, strlen(s), noop_cleanup, NULL), 0);
}

int main(void)
{
    struct evbuffer *b = evbuffer_new();
    struct evbuffer_ptr p, q, r;
    size_t eol;

    /* Empty buffer. */
    p = evbuffer_search(b, "x", 1, NULL);
    CHECK_EQ(p.pos, -1);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(p.pos, 0);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_SET), -1);
    CHECK_EQ(p.pos, -1);

    /* Chains: "abcab" "cabc" "xyz\r" "\nabc" (19 bytes). */
    addref(b, "abcab");
    addref(b, "cabc");
    addref(b, "xyz\r");
    addref(b, "\nabc");
    CHECK_EQ(evbuffer_get_length(b), 17);

    p = evbuffer_search(b, "abc", 3, NULL);
    CHECK_EQ(p.pos, 0);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), 0);
    p = evbuffer_search(b, "abc", 3, &p);
    CHECK_EQ(p.pos, 3); /* "ab|c" across the first boundary */
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), 0);
    p = evbuffer_search(b, "abc", 3, &p);
    CHECK_EQ(p.pos, 6);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), 0);
    p = evbuffer_search(b, "abc", 3, &p);
    CHECK_EQ(p.pos, 14);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), 0);
    p = evbuffer_search(b, "abc", 3, &p);
    CHECK_EQ(p.pos, -1);

    p = evbuffer_search(b, "cxyz\r\na", 7, NULL); /* spans three chains */
    CHECK_EQ(p.pos, 8);
    p = evbuffer_search(b, "abcd", 4, NULL);
    CHECK_EQ(p.pos, -1);
    p = evbuffer_search(b, "bcabcxyz\r\nabcX", 14, NULL); /* runs off the end */
    CHECK_EQ(p.pos, -1);
    p = evbuffer_search(b, "\nabc", 4, NULL); /* ends exactly at the end */
    CHECK_EQ(p.pos, 13);

    /* search_range: the whole match must end at or before `end`. */
    CHECK_EQ(evbuffer_ptr_set(b, &q, 9, EVBUFFER_PTR_SET), 0);
    p = evbuffer_search_range(b, "abc", 3, NULL, &q);
    CHECK_EQ(p.pos, 0);
    CHECK_EQ(evbuffer_ptr_set(b, &r, 4, EVBUFFER_PTR_SET), 0);
    p = evbuffer_search_range(b, "abc", 3, &r, &q);
    CHECK_EQ(p.pos, 6);
    CHECK_EQ(evbuffer_ptr_set(b, &q, 8, EVBUFFER_PTR_SET), 0);
    p = evbuffer_search_range(b, "abc", 3, &r, &q); /* 6..9 ends past 8 */
    CHECK_EQ(p.pos, -1);
    p = evbuffer_search_range(b, "xyz", 3, NULL, NULL); /* no end: whole buffer */
    CHECK_EQ(p.pos, 9);

    /* ptr_set: SET and ADD; the end is a valid position, past it is not. */
    CHECK_EQ(evbuffer_ptr_set(b, &p, 17, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(p.pos, 17);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_ADD), 0);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), -1);
    CHECK_EQ(p.pos, -1);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 18, EVBUFFER_PTR_SET), -1);
    CHECK_EQ(p.pos, -1);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 7, EVBUFFER_PTR_ADD), 0);
    CHECK_EQ(p.pos, 12);
    char c;
    CHECK_EQ(evbuffer_copyout_from(b, &p, &c, 1), 1);
    CHECK_EQ(c, '\r');

    /* search_eol: the pointer is at the terminator, eol_len_out its length. */
    p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_CRLF);
    CHECK_EQ(p.pos, 12);
    CHECK_EQ(eol, 2);
    p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_LF);
    CHECK_EQ(p.pos, 13);
    CHECK_EQ(eol, 1);
    p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_CRLF_STRICT);
    CHECK_EQ(p.pos, 12);
    CHECK_EQ(eol, 2);
    p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_ANY);
    CHECK_EQ(p.pos, 12);
    CHECK_EQ(eol, 2);
    eol = 99;
    p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_NUL);
    CHECK_EQ(p.pos, -1);
    CHECK_EQ(eol, 0);
    CHECK_EQ(evbuffer_ptr_set(b, &q, 13, EVBUFFER_PTR_SET), 0);
    p = evbuffer_search_eol(b, &q, &eol, EVBUFFER_EOL_CRLF_STRICT); /* starts after the CR */
    CHECK_EQ(p.pos, -1);
    p = evbuffer_search_eol(b, &q, NULL, EVBUFFER_EOL_ANY);
    CHECK_EQ(p.pos, 13);
    CHECK_EQ(evbuffer_get_length(b), 17); /* searching never drains */

    /* peek: how many chains hold the first len bytes, and their iovecs. */
    struct iovec v[8];
    CHECK_EQ(evbuffer_peek(b, -1, NULL, NULL, 0), 4);
    CHECK_EQ(evbuffer_peek(b, 5, NULL, NULL, 0), 1);
    CHECK_EQ(evbuffer_peek(b, 6, NULL, NULL, 0), 2);
    CHECK_EQ(evbuffer_peek(b, -1, NULL, v, 8), 4);
    CHECK_EQ(v[0].iov_len, 5);
    CHECK(memcmp(v[0].iov_base, "abcab", 5) == 0);
    CHECK_EQ(v[1].iov_len, 4);
    CHECK(memcmp(v[1].iov_base, "cabc", 4) == 0);
    CHECK_EQ(v[3].iov_len, 4);
    CHECK(memcmp(v[3].iov_base, "\nabc", 4) == 0);
    CHECK_EQ(evbuffer_peek(b, -1, NULL, v, 2), 2); /* len -1: stops when the vectors are full */
    CHECK_EQ(evbuffer_peek(b, 17, NULL, v, 2), 4); /* a length: fills 2, says 4 are needed */
    CHECK_EQ(evbuffer_peek(b, 7, NULL, v, 8), 2);
    CHECK_EQ(v[0].iov_len, 5);
    CHECK_EQ(v[1].iov_len, 4); /* whole chains, not cut at len */
    CHECK_EQ(evbuffer_ptr_set(b, &p, 7, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_peek(b, 3, &p, v, 8), 2); /* from inside the second chain */
    CHECK_EQ(v[0].iov_len, 2);
    CHECK(memcmp(v[0].iov_base, "bc", 2) == 0);
    CHECK_EQ(v[1].iov_len, 4);
    CHECK_EQ(evbuffer_peek(b, -1, &p, v, 8), 3);
    CHECK_EQ(evbuffer_ptr_set(b, &p, 17, EVBUFFER_PTR_SET), 0);
    CHECK_EQ(evbuffer_peek(b, -1, &p, v, 8), 0); /* at the end */
    CHECK_EQ(evbuffer_peek(b, 0, NULL, v, 8), 0);

    /* A needle longer than one chain, in a big buffer. */
    evbuffer_drain(b, 17);
    static char big[200000];
    for (int i = 0; i < 200000; i++)
        big[i] = 'a' + (i * 31 % 26);
    memcpy(big + 150000, "NEEDLE-that-is-longer-than-a-few-bytes", 38);
    for (int i = 0; i < 200000; i += 900)
        evbuffer_add(b, big + i, 200000 - i < 900 ? 200000 - i : 900);
    p = evbuffer_search(b, "NEEDLE-that-is-longer-than-a-few-bytes", 38, NULL);
    CHECK_EQ(p.pos, 150000);
    p = evbuffer_search(b, big + 123456, 5000, NULL);
    CHECK(p.pos >= 0 && p.pos <= 123456);
    CHECK(memcmp(big + p.pos, big + 123456, 5000) == 0);

    evbuffer_free(b);
    return 0;
}
