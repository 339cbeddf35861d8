/* evbuffer micro-benchmarks: the operations servers do per request, each timed over many
 * iterations with CLOCK_MONOTONIC. Built against ours and against Debian's libevent by
 * bench/run.sh and run side by side.
 *
 * Usage: bench_buffer [case]   (no argument: every case)
 * Prints one line per case: "<name> <ns per op>". */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile size_t sink; /* keeps results alive */
static char blk[65536];

/* add 32 B, 128 times, then drain everything: the small-write pattern. ns per add. */
static double add_drain_32(void)
{
    struct evbuffer *b = evbuffer_new();
    const int rounds = 20000, per = 128;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < per; i++)
            evbuffer_add(b, blk, 32);
        evbuffer_drain(b, evbuffer_get_length(b));
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / ((double)rounds * per);
}

/* add 64 KB then drain it: large blocks. ns per add+drain. */
static double add_drain_64k(void)
{
    struct evbuffer *b = evbuffer_new();
    const int rounds = 20000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add(b, blk, sizeof blk);
        evbuffer_drain(b, sizeof blk);
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / rounds;
}

/* remove 32 B at a time from a 64 KB buffer (refilled). ns per remove. */
static double remove_32(void)
{
    struct evbuffer *b = evbuffer_new();
    char out[32];
    const int rounds = 2000, per = 2048;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add(b, blk, sizeof blk);
        for (int i = 0; i < per; i++)
            sink += evbuffer_remove(b, out, sizeof out);
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / ((double)rounds * per);
}

/* readln (CRLF) over HTTP-header-like lines, added as network reads would (4 KB pieces).
   ns per line, refill included. */
static char lines[1 << 16];
static size_t lines_len;
static int nlines;
static double readln_crlf(void)
{
    if (!lines_len) {
        while (lines_len + 100 < sizeof lines) {
            lines_len += (size_t)sprintf(lines + lines_len, "X-Header-%d: some value of a typical length %d\r\n", nlines, nlines * 7);
            nlines++;
        }
    }
    struct evbuffer *b = evbuffer_new();
    const int rounds = 300;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        for (size_t off = 0; off < lines_len; off += 4096)
            evbuffer_add(b, lines + off, lines_len - off < 4096 ? lines_len - off : 4096);
        size_t n;
        char *s;
        while ((s = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF)) != NULL) {
            sink += n;
            free(s);
        }
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / ((double)rounds * nlines);
}

/* evbuffer_search for a 16-byte needle at the end of 64 KB held in 4 KB chains; its first
   four bytes recur every 36 bytes, so there are ~1800 partial matches on the way. */
static double search_64k(void)
{
    struct evbuffer *b = evbuffer_new();
    static char hay[65536];
    for (size_t i = 0; i < sizeof hay; i++)
        hay[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36];
    memcpy(hay + sizeof hay - 16, "ahov#needle-end!", 16);
    for (size_t off = 0; off < sizeof hay; off += 4096)
        evbuffer_add_reference(b, hay + off, 4096, NULL, NULL); /* fixed 4 KB chains */
    const int rounds = 3000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        struct evbuffer_ptr p = evbuffer_search(b, "ahov#needle-end!", 16, NULL);
        sink += (size_t)p.pos;
    }
    t = now_ns() - t;
    if (evbuffer_search(b, "ahov#needle-end!", 16, NULL).pos != (ev_ssize_t)(sizeof hay - 16))
        abort();
    evbuffer_free(b);
    return t / rounds;
}

/* add_buffer: move 16 KB (4 chains) back and forth between two buffers. ns per move. */
static double add_buffer_move(void)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    for (int i = 0; i < 4; i++)
        evbuffer_add(a, blk, 4000);
    const int rounds = 500000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add_buffer(b, a);
        evbuffer_add_buffer(a, b);
    }
    t = now_ns() - t;
    if (evbuffer_get_length(a) != 16000)
        abort();
    evbuffer_free(a);
    evbuffer_free(b);
    return t / (2.0 * rounds);
}

/* remove_buffer: move 1000 B from a 64 KB buffer to another, then drain it. ns per move. */
static double remove_buffer_1k(void)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    const int rounds = 3000, per = 65;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add(a, blk, sizeof blk);
        for (int i = 0; i < per; i++)
            sink += (size_t)evbuffer_remove_buffer(a, b, 1000);
        evbuffer_drain(a, evbuffer_get_length(a));
        evbuffer_drain(b, evbuffer_get_length(b));
    }
    t = now_ns() - t;
    evbuffer_free(a);
    evbuffer_free(b);
    return t / ((double)rounds * per);
}

/* reserve 4 KB in up to two vectors, commit 4 KB, drain: a read loop without the syscall. */
static double reserve_commit_4k(void)
{
    struct evbuffer *b = evbuffer_new();
    struct iovec v[2];
    const int rounds = 300000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        int n = evbuffer_reserve_space(b, 4096, v, 2);
        size_t left = 4096;
        for (int i = 0; i < n; i++) {
            if (v[i].iov_len > left)
                v[i].iov_len = left;
            left -= v[i].iov_len;
        }
        evbuffer_commit_space(b, v, n);
        if (evbuffer_get_length(b) > 32768)
            evbuffer_drain(b, 32768);
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / rounds;
}

/* add_printf of a short status line, drained every 64. ns per printf. */
static double printf_small(void)
{
    struct evbuffer *b = evbuffer_new();
    const int rounds = 300000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add_printf(b, "HTTP/1.1 %d %s\r\nContent-Length: %d\r\n", 200, "OK", r);
        if ((r & 63) == 63)
            evbuffer_drain(b, evbuffer_get_length(b));
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / rounds;
}

/* prepend 16 B headers in front of 1 KB payloads, then drain. ns per prepend+add+drain. */
static double prepend_small(void)
{
    struct evbuffer *b = evbuffer_new();
    const int rounds = 500000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add(b, blk, 1024);
        evbuffer_prepend(b, blk, 16);
        evbuffer_drain(b, 1040);
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / rounds;
}

/* pullup of the first 2 KB of a buffer in 1 KB reference chains (copies each time). */
static double pullup_2k(void)
{
    struct evbuffer *b = evbuffer_new();
    const int rounds = 200000;
    double t = now_ns();
    for (int r = 0; r < rounds; r++) {
        evbuffer_add_reference(b, blk, 1024, NULL, NULL);
        evbuffer_add_reference(b, blk + 1024, 1024, NULL, NULL);
        sink += (size_t)evbuffer_pullup(b, 2048)[100];
        evbuffer_drain(b, 2048);
    }
    t = now_ns() - t;
    evbuffer_free(b);
    return t / rounds;
}

static const struct { const char *name; double (*fn)(void); } cases[] = {
    { "add32+drain", add_drain_32 },
    { "add64k+drain", add_drain_64k },
    { "remove32", remove_32 },
    { "readln_crlf", readln_crlf },
    { "search_64k", search_64k },
    { "add_buffer_16k", add_buffer_move },
    { "remove_buffer_1k", remove_buffer_1k },
    { "reserve_commit_4k", reserve_commit_4k },
    { "printf_small", printf_small },
    { "prepend16", prepend_small },
    { "pullup_2k", pullup_2k },
};

int main(int argc, char **argv)
{
    memset(blk, 'x', sizeof blk);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        printf("%s %.1f\n", cases[i].name, cases[i].fn());
    }
    return 0;
}
