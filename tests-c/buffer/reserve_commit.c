/* reserve_commit: evbuffer_reserve_space / evbuffer_commit_space hand out the free space of the
   chains as iovecs with libevent's sizes (one vector, or two spanning the last chain's room and
   a new chain); a partial commit adds only what is committed; committing more than the space,
   a pointer that is not the space, or space invalidated by an add in between fails with -1
   and changes nothing. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

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
    struct evbuffer *b = evbuffer_new();
    struct iovec v[3];
    char want[4096];

    /* n_vec below 1 is refused. */
    CHECK_EQ(evbuffer_reserve_space(b, 10, v, 0), -1);
    CHECK_EQ(evbuffer_commit_space(b, v, 0), 0);

    /* One vector: a fresh chain of libevent's smallest block (1024 minus its 48-byte header). */
    CHECK_EQ(evbuffer_reserve_space(b, 100, v, 1), 1);
    CHECK_EQ(v[0].iov_len, 976);
    CHECK_EQ(evbuffer_get_length(b), 0);
    memset(v[0].iov_base, 'a', 976);
    /* Reserving again before committing hands out the same space. */
    struct iovec again;
    CHECK_EQ(evbuffer_reserve_space(b, 100, &again, 1), 1);
    CHECK(again.iov_base == v[0].iov_base);
    /* Committing more than the space fails and adds nothing. */
    v[0].iov_len = 977;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), -1);
    CHECK_EQ(evbuffer_get_length(b), 0);
    /* A pointer that is not the space fails. */
    v[0].iov_len = 10;
    v[0].iov_base = (char *)v[0].iov_base + 1;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), -1);
    CHECK_EQ(evbuffer_get_length(b), 0);
    v[0].iov_base = (char *)v[0].iov_base - 1;
    /* Partial commit. */
    v[0].iov_len = 10;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), 0);
    expect(b, "aaaaaaaaaa", 10);
    /* The same vector again no longer points at the space. */
    CHECK_EQ(evbuffer_commit_space(b, v, 1), -1);
    CHECK_EQ(evbuffer_get_length(b), 10);
    CHECK_EQ(evbuffer_get_contiguous_space(b), 10);

    /* The next reservation continues right after the data. */
    CHECK_EQ(evbuffer_reserve_space(b, 50, v, 1), 1);
    CHECK_EQ(v[0].iov_len, 966);
    memcpy(v[0].iov_base, "bbbbb", 5);
    v[0].iov_len = 5;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), 0);
    expect(b, "aaaaaaaaaabbbbb", 15);

    /* A zero-length commit is accepted and adds nothing. */
    CHECK_EQ(evbuffer_reserve_space(b, 1, v, 1), 1);
    v[0].iov_len = 0;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), 0);
    CHECK_EQ(evbuffer_get_length(b), 15);

    /* Reserve, then add: the add writes into the reserved space, so committing fails. */
    CHECK_EQ(evbuffer_reserve_space(b, 20, v, 1), 1);
    memcpy(v[0].iov_base, "XXXX", 4);
    CHECK_EQ(evbuffer_add(b, "c", 1), 0);
    v[0].iov_len = 4;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), -1);
    expect(b, "aaaaaaaaaabbbbbc", 16);
    evbuffer_free(b);

    /* Two vectors: 900 bytes leave 76 in the first block; asking for 2000 spans that room and
       a new chain sized for the rest (2048 - 48). */
    b = evbuffer_new();
    memset(want, 'd', 900);
    evbuffer_add(b, want, 900);
    CHECK_EQ(evbuffer_reserve_space(b, 2000, v, 2), 2);
    CHECK_EQ(v[0].iov_len, 76);
    CHECK_EQ(v[1].iov_len, 2000);
    memset(v[0].iov_base, 'e', 76);
    memset(v[1].iov_base, 'f', 2000);
    /* Committing more than reserved in the second vector fails; nothing is added. */
    v[1].iov_len = 2001;
    CHECK_EQ(evbuffer_commit_space(b, v, 2), -1);
    CHECK_EQ(evbuffer_get_length(b), 900);
    /* Vectors in the wrong order fail. */
    struct iovec sw[2] = { v[1], v[0] };
    sw[0].iov_len = 10;
    CHECK_EQ(evbuffer_commit_space(b, sw, 2), -1);
    CHECK_EQ(evbuffer_get_length(b), 900);
    /* Partial commit across both. */
    v[1].iov_len = 100;
    CHECK_EQ(evbuffer_commit_space(b, v, 2), 0);
    memset(want + 900, 'e', 76);
    memset(want + 976, 'f', 100);
    expect(b, want, 1076);
    evbuffer_free(b);

    /* Two vectors when one chain already has room: one vector is used. */
    b = evbuffer_new();
    evbuffer_add(b, "x", 1);
    CHECK_EQ(evbuffer_reserve_space(b, 100, v, 2), 1);
    CHECK_EQ(v[0].iov_len, 975);
    /* Committing only the first of two reserved vectors (the second chain stays empty). */
    evbuffer_free(b);

    b = evbuffer_new();
    evbuffer_add(b, want, 900);
    CHECK_EQ(evbuffer_reserve_space(b, 2000, v, 3), 2);
    v[0].iov_len = 3;
    memcpy(v[0].iov_base, "123", 3);
    CHECK_EQ(evbuffer_commit_space(b, v, 1), 0);
    CHECK_EQ(evbuffer_get_length(b), 903);
    /* Then an add fills the rest of the first chain and continues in the second. */
    char fill[200];
    memset(fill, 'g', sizeof fill);
    CHECK_EQ(evbuffer_add(b, fill, sizeof fill), 0);
    memcpy(want + 900, "123", 3);
    memcpy(want + 903, fill, 200);
    expect(b, want, 1103);
    evbuffer_free(b);

    /* Big reservations are one chain with at least that much room. */
    b = evbuffer_new();
    CHECK_EQ(evbuffer_reserve_space(b, 100000, v, 1), 1);
    CHECK(v[0].iov_len >= 100000);
    memset(v[0].iov_base, 'z', 100000);
    v[0].iov_len = 100000;
    CHECK_EQ(evbuffer_commit_space(b, v, 1), 0);
    CHECK_EQ(evbuffer_get_length(b), 100000);
    CHECK_EQ(evbuffer_get_contiguous_space(b), 100000);
    evbuffer_free(b);
    return 0;
}
