/* io: evbuffer_read / evbuffer_write / evbuffer_write_atmost over socketpairs: a 2 MB
   transfer between two buffers arrives intact; one read takes at most libevent's 4096-byte
   slice and fills the free room of the last chain before a new one (readv over two chains);
   write_atmost never writes more than asked; EOF reads 0, a bad fd gives -1 and leaves the
   buffer as it was. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define BIG (2 * 1024 * 1024 + 17)

int main(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    unsigned char *data = malloc(BIG), *back = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 11));

    /* 2 MB from one buffer to another, alternating write and read, some writes capped. */
    struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
    for (size_t off = 0; off < BIG; off += 10000)
        evbuffer_add(src, data + off, BIG - off < 10000 ? BIG - off : 10000);
    int rounds = 0;
    while (evbuffer_get_length(dst) < BIG) {
        CHECK(++rounds < 1000000);
        if (evbuffer_get_length(src)) {
            int w = (rounds % 3) ? evbuffer_write(src, sv[0]) : evbuffer_write_atmost(src, sv[0], 1500);
            if (w < 0)
                CHECK(errno == EAGAIN);
            else if (rounds % 3 == 0)
                CHECK(w <= 1500);
        }
        for (;;) {
            size_t before = evbuffer_get_length(dst);
            int r = evbuffer_read(dst, sv[1], -1);
            if (r < 0) {
                CHECK(errno == EAGAIN);
                CHECK_EQ(evbuffer_get_length(dst), before);
                break;
            }
            CHECK(r > 0 && r <= 4096);
            CHECK_EQ(evbuffer_get_length(dst), before + (size_t)r);
        }
    }
    CHECK_EQ(evbuffer_get_length(src), 0);
    CHECK_EQ(evbuffer_remove(dst, back, BIG), BIG);
    CHECK(memcmp(back, data, BIG) == 0);

    /* One read takes at most 4096 bytes even when more is asked for and waiting. */
    CHECK_EQ(write(sv[0], data, 10000), 10000);
    CHECK_EQ(evbuffer_read(dst, sv[1], 100000), 4096);
    CHECK_EQ(evbuffer_read(dst, sv[1], 10), 10);
    CHECK_EQ(evbuffer_read(dst, sv[1], -1), 4096);
    CHECK_EQ(evbuffer_read(dst, sv[1], -1), 10000 - 4096 * 2 - 10);
    CHECK_EQ(evbuffer_remove(dst, back, BIG), 10000);
    CHECK(memcmp(back, data, 10000) == 0);

    /* A read continues in the last chain's free room, then a second chain: 900 bytes leave
       76 in the first block; 1000 more arrive in one read, the first 76 in that block. */
    evbuffer_free(dst);
    dst = evbuffer_new();
    evbuffer_add(dst, data, 900);
    CHECK_EQ(write(sv[0], data + 900, 1000), 1000);
    CHECK_EQ(evbuffer_read(dst, sv[1], -1), 1000);
    struct iovec v[4];
    CHECK_EQ(evbuffer_peek(dst, -1, NULL, v, 4), 2);
    CHECK_EQ(v[0].iov_len, 976);
    CHECK_EQ(v[1].iov_len, 924);
    CHECK_EQ(evbuffer_remove(dst, back, BIG), 1900);
    CHECK(memcmp(back, data, 1900) == 0);

    /* write_atmost: -1 means all; a cap is honoured exactly when the socket has room. */
    evbuffer_add(src, data, 3000);
    CHECK_EQ(evbuffer_write_atmost(src, sv[0], 1000), 1000);
    CHECK_EQ(evbuffer_get_length(src), 2000);
    CHECK_EQ(evbuffer_write_atmost(src, sv[0], -1), 2000);
    CHECK_EQ(evbuffer_write_atmost(src, sv[0], 10), -1); /* nothing to write: libevent says -1 */
    CHECK_EQ(evbuffer_write(src, sv[0]), -1);
    CHECK_EQ(read(sv[1], back, 5000), 3000);
    CHECK(memcmp(back, data, 3000) == 0);

    /* Nothing waiting: -1/EAGAIN; EOF: 0; a bad fd: -1 and no change. */
    CHECK_EQ(evbuffer_read(dst, sv[1], -1), -1);
    CHECK_EQ(errno, EAGAIN);
    close(sv[0]);
    CHECK_EQ(evbuffer_read(dst, sv[1], -1), 0);
    CHECK_EQ(evbuffer_get_length(dst), 0);
    close(sv[1]);
    evbuffer_add(src, "keep", 4);
    CHECK_EQ(evbuffer_write(src, sv[0]), -1);
    CHECK_EQ(evbuffer_get_length(src), 4);
    CHECK_EQ(evbuffer_read(src, sv[1], 10), -1);
    CHECK_EQ(evbuffer_get_length(src), 4);

    /* A pipe works the same way. */
    int pp[2];
    CHECK(pipe(pp) == 0);
    CHECK_EQ(evbuffer_write(src, pp[1]), 4);
    CHECK_EQ(evbuffer_read(dst, pp[0], -1), 4);
    CHECK_EQ(evbuffer_remove(dst, back, 10), 4);
    CHECK(memcmp(back, "keep", 4) == 0);
    close(pp[0]);
    close(pp[1]);

    evbuffer_free(src);
    evbuffer_free(dst);
    free(data);
    free(back);
    return 0;
}
