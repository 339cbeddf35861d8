/* printf: evbuffer_add_printf / evbuffer_add_vprintf append the formatted text (no NUL) and
   return its length, for short and long (multi-chain, 200 KB) results, after existing data
   and into a chain with little room left. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int my_printf(struct evbuffer *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = evbuffer_add_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

static void expect(struct evbuffer *b, const char *want, size_t n)
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
    CHECK_EQ(evbuffer_add_printf(b, "%s", ""), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);
    CHECK_EQ(evbuffer_add_printf(b, "n=%d s=%s %zu%%", -42, "str", (size_t)7), 14);
    expect(b, "n=-42 s=str 7%", 14);
    CHECK_EQ(my_printf(b, "|%05x|%c", 0xbeef, 'Z'), 8);
    expect(b, "n=-42 s=str 7%|0beef|Z", 22);
    evbuffer_drain(b, 22);

    /* Long results: bigger than any first guess, spanning several blocks. */
    static char big[200001], want[400100];
    for (int i = 0; i < 200000; i++)
        big[i] = 'A' + i % 26;
    char pad[970];
    memset(pad, '.', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    CHECK_EQ(evbuffer_add_printf(b, "%s", pad), 969); /* leaves a few bytes in the block */
    CHECK_EQ(evbuffer_add_printf(b, "[%s]", big), 200002);
    CHECK_EQ(my_printf(b, "%s%d", big, 12345), 200005);
    size_t n = 0;
    memcpy(want + n, pad, 969); n += 969;
    want[n++] = '[';
    memcpy(want + n, big, 200000); n += 200000;
    want[n++] = ']';
    memcpy(want + n, big, 200000); n += 200000;
    memcpy(want + n, "12345", 5); n += 5;
    expect(b, want, n);

    /* Many small ones in a row. */
    evbuffer_drain(b, n);
    n = 0;
    for (int i = 0; i < 5000; i++) {
        int r = evbuffer_add_printf(b, "%d,", i);
        CHECK(r > 0);
        n += (size_t)sprintf(want + n, "%d,", i);
    }
    expect(b, want, n);
    evbuffer_free(b);
    return 0;
}
