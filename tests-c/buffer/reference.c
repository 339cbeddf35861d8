/* reference: evbuffer_add_reference keeps the program's memory in place (no copy) and runs
   its cleanup exactly once, with the original pointer, length and argument, only when no
   buffer can read the bytes any more (drained, moved on and drained, or the buffer freed).
   evbuffer_add_buffer_reference shares bytes read-only: each side can be drained, appended
   to or freed independently without the other seeing it. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int ncleanup;
static const void *last_data;
static size_t last_len;
static void *last_arg;
static void cleanup(const void *data, size_t len, void *arg)
{
    ncleanup++;
    last_data = data;
    last_len = len;
    last_arg = arg;
}

static void expect(struct evbuffer *b, const char *want)
{
    size_t n = strlen(want);
    CHECK_EQ(evbuffer_get_length(b), n);
    char tmp[4096];
    CHECK_EQ(evbuffer_copyout(b, tmp, sizeof tmp), n);
    CHECK(memcmp(tmp, want, n) == 0);
}

int main(void)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c;
    static char mem[] = "referenced bytes";
    int tag;

    /* Drained in pieces: cleanup only once the last byte goes. */
    evbuffer_add(a, "<", 1);
    CHECK_EQ(evbuffer_add_reference(a, mem, 16, cleanup, &tag), 0);
    evbuffer_add(a, ">", 1);
    CHECK_EQ(ncleanup, 0);
    expect(a, "<referenced bytes>");
    mem[0] = 'R'; /* not copied: the buffer reads our memory */
    expect(a, "<Referenced bytes>");
    char out[32];
    CHECK_EQ(evbuffer_remove(a, out, 5), 5);
    CHECK_EQ(evbuffer_drain(a, 7), 0);
    CHECK_EQ(ncleanup, 0);
    expect(a, "bytes>");
    CHECK_EQ(evbuffer_drain(a, 4), 0);
    CHECK_EQ(ncleanup, 0);
    CHECK_EQ(evbuffer_drain(a, 1), 0);
    CHECK_EQ(ncleanup, 1);
    CHECK(last_data == mem);
    CHECK_EQ(last_len, 16);
    CHECK(last_arg == &tag);
    expect(a, ">");
    evbuffer_drain(a, 1);
    CHECK_EQ(ncleanup, 1);

    /* Freeing the buffer runs it. */
    ncleanup = 0;
    c = evbuffer_new();
    evbuffer_add_reference(c, mem, 16, cleanup, NULL);
    evbuffer_free(c);
    CHECK_EQ(ncleanup, 1);
    CHECK(last_arg == NULL);

    /* NULL cleanup is allowed. */
    CHECK_EQ(evbuffer_add_reference(a, mem, 3, NULL, NULL), 0);
    expect(a, "Ref");
    evbuffer_drain(a, 3);

    /* Moved with add_buffer / remove_buffer: the cleanup follows the bytes. */
    ncleanup = 0;
    evbuffer_add_reference(a, mem, 16, cleanup, NULL);
    CHECK_EQ(evbuffer_add_buffer(b, a), 0);
    CHECK_EQ(ncleanup, 0);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 4), 4); /* part of the reference, into a */
    expect(a, "Refe");
    expect(b, "renced bytes");
    evbuffer_drain(a, 4);
    CHECK_EQ(ncleanup, 0);
    evbuffer_drain(b, 12);
    CHECK_EQ(ncleanup, 1);

    /* copyout, peek, search and pullup of a reference do not release it early. */
    ncleanup = 0;
    evbuffer_add_reference(a, mem, 16, cleanup, NULL);
    evbuffer_add(a, "+tail", 5);
    struct evbuffer_ptr p = evbuffer_search(a, "bytes+", 6, NULL);
    CHECK_EQ(p.pos, 11);
    unsigned char *m = evbuffer_pullup(a, -1);
    CHECK(m && memcmp(m, "Referenced bytes+tail", 21) == 0);
    /* The bytes were copied out by the pullup, so the program's memory is let go. */
    CHECK_EQ(ncleanup, 1);
    evbuffer_drain(a, 21);
    CHECK_EQ(ncleanup, 1);

    /* add_buffer_reference: b reads a's bytes; neither side's changes show in the other. */
    ncleanup = 0;
    evbuffer_add(a, "shared-", 7);
    evbuffer_add_reference(a, mem, 16, cleanup, NULL);
    CHECK_EQ(evbuffer_add_buffer_reference(b, a), 0);
    expect(a, "shared-Referenced bytes");
    expect(b, "shared-Referenced bytes");
    evbuffer_add(a, "!a", 2);
    evbuffer_add(b, "!b", 2);
    expect(a, "shared-Referenced bytes!a");
    expect(b, "shared-Referenced bytes!b");
    evbuffer_drain(a, 25);
    CHECK_EQ(ncleanup, 0); /* b still reads the referenced memory */
    expect(b, "shared-Referenced bytes!b");
    evbuffer_add(a, "again", 5);
    expect(b, "shared-Referenced bytes!b");
    CHECK_EQ(evbuffer_remove(b, out, 10), 10);
    CHECK(memcmp(out, "shared-Ref", 10) == 0);
    evbuffer_free(b);
    CHECK_EQ(ncleanup, 1);
    expect(a, "again");

    /* Referencing an empty buffer adds nothing. */
    b = evbuffer_new();
    c = evbuffer_new();
    CHECK_EQ(evbuffer_add_buffer_reference(b, c), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);
    /* A large multi-chain buffer referenced twice, source freed first. */
    static char big[100000];
    for (int i = 0; i < 100000; i++)
        big[i] = (char)(i % 251);
    for (int i = 0; i < 100000; i += 1000)
        evbuffer_add(c, big + i, 1000);
    CHECK_EQ(evbuffer_add_buffer_reference(b, c), 0);
    CHECK_EQ(evbuffer_add_buffer_reference(b, c), 0);
    evbuffer_free(c);
    CHECK_EQ(evbuffer_get_length(b), 200000);
    static char back[200000];
    CHECK_EQ(evbuffer_remove(b, back, sizeof back), 200000);
    CHECK(memcmp(back, big, 100000) == 0);
    CHECK(memcmp(back + 100000, big, 100000) == 0);

    evbuffer_free(a);
    evbuffer_free(b);
    return 0;
}
