/* freeze: with the front frozen, operations that remove from or prepend to a buffer fail with
   -1 (readln: NULL) and change nothing; with the back frozen, operations that append fail;
   the other end keeps working; unfreezing restores everything and no byte was lost. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
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
    size_t got = 0;
    struct iovec v[16];
    /* Through peek: copyout itself refuses while the front is frozen. */
    int nv = evbuffer_peek(b, -1, NULL, v, 16);
    CHECK(nv >= 0 && nv <= 16);
    for (int i = 0; i < nv; i++) {
        CHECK(got + v[i].iov_len <= sizeof tmp);
        memcpy(tmp + got, v[i].iov_base, v[i].iov_len);
        got += v[i].iov_len;
    }
    CHECK_EQ(evbuffer_get_length(b), n);
    CHECK_EQ(got, n);
    CHECK(memcmp(tmp, want, n) == 0);
}

int main(void)
{
    struct evbuffer *b = evbuffer_new(), *o = evbuffer_new();
    char out[64];
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);

    evbuffer_add(b, "line1\nline2\n", 12);
    evbuffer_add(o, "other", 5);

    /* Front frozen. */
    CHECK_EQ(evbuffer_freeze(b, 1), 0);
    CHECK_EQ(evbuffer_drain(b, 1), -1);
    CHECK_EQ(evbuffer_remove(b, out, 3), -1);
    CHECK(evbuffer_readln(b, NULL, EVBUFFER_EOL_LF) == NULL);
    CHECK_EQ(evbuffer_prepend(b, "x", 1), -1);
    CHECK_EQ(evbuffer_remove_buffer(b, o, 2), -1);
    CHECK_EQ(evbuffer_add_buffer(o, b), -1);       /* would empty b from the front */
    CHECK_EQ(evbuffer_prepend_buffer(b, o), -1);
    CHECK_EQ(evbuffer_write(b, sv[0]), -1);
    expect(b, "line1\nline2\n");
    expect(o, "other");
    /* copyout is refused too; pullup, search and appending still work. */
    CHECK_EQ(evbuffer_copyout(b, out, 5), -1);
    CHECK(evbuffer_pullup(b, -1) != NULL);
    CHECK_EQ(evbuffer_search(b, "line2", 5, NULL).pos, 6);
    CHECK_EQ(evbuffer_add(b, "end", 3), 0);
    CHECK_EQ(evbuffer_add_printf(b, "%d", 7), 1);
    CHECK_EQ(evbuffer_add_buffer(b, o), 0); /* b's back, o's front: both open */
    expect(b, "line1\nline2\nend7other");
    CHECK_EQ(evbuffer_unfreeze(b, 1), 0);
    CHECK_EQ(evbuffer_drain(b, 6), 0);
    expect(b, "line2\nend7other");

    /* Back frozen. */
    CHECK_EQ(evbuffer_freeze(b, 0), 0);
    evbuffer_add(o, "more", 4);
    CHECK_EQ(evbuffer_add(b, "x", 1), -1);
    CHECK_EQ(evbuffer_add_printf(b, "%s", "x"), -1);
    CHECK_EQ(evbuffer_add_reference(b, "x", 1, NULL, NULL), -1);
    CHECK_EQ(evbuffer_add_buffer(b, o), -1);
    CHECK_EQ(evbuffer_add_buffer_reference(b, o), -1);
    CHECK_EQ(evbuffer_remove_buffer(o, b, 2), -1);
    struct iovec v;
    CHECK_EQ(evbuffer_reserve_space(b, 10, &v, 1), -1);
    CHECK_EQ(write(sv[1], "net", 3), 3);
    CHECK_EQ(evbuffer_read(b, sv[0], -1), -1);
    expect(b, "line2\nend7other");
    expect(o, "more");
    /* The front still works. */
    char *s = evbuffer_readln(b, NULL, EVBUFFER_EOL_LF);
    CHECK(s && strcmp(s, "line2") == 0);
    free(s);
    CHECK_EQ(evbuffer_prepend(b, ">", 1), 0);
    CHECK_EQ(evbuffer_remove(b, out, 2), 2);
    CHECK(memcmp(out, ">e", 2) == 0);
    CHECK_EQ(evbuffer_unfreeze(b, 0), 0);
    CHECK_EQ(evbuffer_read(b, sv[0], -1), 3);
    CHECK_EQ(evbuffer_add_buffer(b, o), 0);
    expect(b, "nd7othernetmore");

    /* Reserve, then freeze the back: the commit is refused. */
    CHECK_EQ(evbuffer_reserve_space(b, 10, &v, 1), 1);
    memcpy(v.iov_base, "zz", 2);
    v.iov_len = 2;
    CHECK_EQ(evbuffer_freeze(b, 0), 0);
    CHECK_EQ(evbuffer_commit_space(b, &v, 1), -1);
    CHECK_EQ(evbuffer_unfreeze(b, 0), 0);
    CHECK_EQ(evbuffer_commit_space(b, &v, 1), 0);
    expect(b, "nd7othernetmorezz");

    close(sv[0]);
    close(sv[1]);
    evbuffer_free(b);
    evbuffer_free(o);
    return 0;
}
