/* http uri_encode: evhttp_encode_uri / evhttp_uriencode (explicit sizes with embedded NULs,
   -1 for strlen, space as '+'), evhttp_decode_uri ('+' decoded only after a '?'),
   evhttp_uridecode (decode_plus, size_out), libevent's internal evhttp_decode_uri_internal
   (three-way plus control), evhttp_htmlescape; results come from the program's allocator. */
/* BACKENDS: epoll */
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

/* libevent's internal decoder, exported for its own tests */
int evhttp_decode_uri_internal(const char *uri, size_t length, char *ret, int decode_plus);

static long live;
static void *my_malloc(size_t n) { live++; return malloc(n); }
static void *my_realloc(void *p, size_t n) { if (!p) live++; return realloc(p, n); }
static void my_free(void *p) { if (p) live--; free(p); }

/* check a returned string, then free it through the library's allocator */
#define TAKE_STR(expr, want) do { char *r_ = (expr); CHECK_EQ(live, 1); CHECK_STR(r_, want); my_free(r_); CHECK_EQ(live, 0); } while (0)

static void internal(const char *in, size_t len, int ctl, const char *want, int want_len)
{
    char buf[128];
    memset(buf, 'Z', sizeof(buf));
    int n = evhttp_decode_uri_internal(in, len, buf, ctl);
    if (n != want_len || memcmp(buf, want, want_len + 1)) {
        fprintf(stderr, "internal(\"%s\", %zu, %d) = %d \"%s\", want %d \"%s\"\n", in, len, ctl, n, buf, want_len, want);
        exit(1);
    }
}

int main(void)
{
    alarm(20);
    event_set_mem_functions(my_malloc, my_realloc, my_free);

    /* --- encoding: unreserved kept, everything else %XX (upper-case) --- */
    TAKE_STR(evhttp_encode_uri("abcXYZ019-._~"), "abcXYZ019-._~");
    TAKE_STR(evhttp_encode_uri("a b+c/~-._!*'();:@&=$,?#[]%\xff"),
             "a%20b%2Bc%2F~-._%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D%25%FF");
    TAKE_STR(evhttp_encode_uri(""), "");
    TAKE_STR(evhttp_encode_uri("\x01\t\r\n\x7f\x80"), "%01%09%0D%0A%7F%80");
    TAKE_STR(evhttp_encode_uri("a b"), "a%20b");                      /* no '+' here */
    TAKE_STR(evhttp_uriencode("a b", -1, 1), "a+b");
    TAKE_STR(evhttp_uriencode("a b", -1, 0), "a%20b");
    TAKE_STR(evhttp_uriencode("a b\0c", 5, 1), "a+b%00c");           /* explicit size: NULs too */
    TAKE_STR(evhttp_uriencode("a b\0c", 5, 0), "a%20b%00c");
    TAKE_STR(evhttp_uriencode("abcdef", 3, 0), "abc");
    TAKE_STR(evhttp_uriencode("abc", 0, 1), "");
    TAKE_STR(evhttp_uriencode("", -1, 1), "");
    TAKE_STR(evhttp_uriencode("+ +", -1, 1), "%2B+%2B");

    /* --- evhttp_decode_uri: '+' is a space only once a '?' was seen --- */
    TAKE_STR(evhttp_decode_uri("a+b%20c?d+e%2"), "a+b c?d e%2");
    TAKE_STR(evhttp_decode_uri("%41%42%43"), "ABC");
    TAKE_STR(evhttp_decode_uri("%4a%4A%7e"), "JJ~");
    TAKE_STR(evhttp_decode_uri("%"), "%");
    TAKE_STR(evhttp_decode_uri("%4"), "%4");
    TAKE_STR(evhttp_decode_uri("%4g%g4%%41"), "%4g%g4%A");
    TAKE_STR(evhttp_decode_uri("a%3Fb+c"), "a?b+c");         /* a decoded '?' does not switch */
    TAKE_STR(evhttp_decode_uri("??++"), "??  ");
    TAKE_STR(evhttp_decode_uri(""), "");
    TAKE_STR(evhttp_decode_uri("%2B+"), "++");

    /* --- evhttp_uridecode: any non-zero decode_plus decodes every '+' --- */
    {
        size_t n = 99;
        char *d = evhttp_uridecode("a+b%00c%4", 1, &n);
        CHECK_EQ(n, 7);
        CHECK(!memcmp(d, "a b\0c%4", 8));
        my_free(d);
        d = evhttp_uridecode("a+b?c+d", 0, &n);
        CHECK_EQ(n, 7);
        CHECK_STR(d, "a+b?c+d");
        my_free(d);
        d = evhttp_uridecode("a+b?c+d", 5, &n);
        CHECK_STR(d, "a b?c d");
        my_free(d);
        d = evhttp_uridecode("a+b?c+d", -1, &n);
        CHECK_STR(d, "a b?c d");
        my_free(d);
        d = evhttp_uridecode("%e2%82%ac", 0, &n);
        CHECK_EQ(n, 3);
        CHECK_STR(d, "\xe2\x82\xac");
        my_free(d);
        d = evhttp_uridecode("", 1, &n);
        CHECK_EQ(n, 0);
        CHECK_STR(d, "");
        my_free(d);
        TAKE_STR(evhttp_uridecode("x+%20y", 1, NULL), "x  y");
        CHECK_EQ(live, 0);
    }

    /* --- the internal decoder: 1 always, -1 after '?', anything else never --- */
    internal("x+%41%4g%%41?+", 14, -1, "x+A%4g%A? ", 10);
    internal("x+%41%4g%%41?+", 14, 1, "x A%4g%A? ", 10);
    internal("x+%41%4g%%41?+", 14, 0, "x+A%4g%A?+", 10);
    internal("a+b?c+d", 7, 2, "a+b?c+d", 7);
    internal("a+b?c+d", 7, -5, "a+b?c d", 7);
    internal("%41", 2, 0, "%4", 2);           /* the length bounds the escape */
    internal("%41", 3, 0, "A", 1);
    internal("%41%42", 5, 0, "A%4", 3);
    internal("abc", 0, 0, "", 0);
    internal("a\0b%00c", 7, 0, "a\0b\0c", 5);  /* NULs inside the length are data */

    /* --- HTML escaping --- */
    TAKE_STR(evhttp_htmlescape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#039;&amp;&#039;&lt;/a&gt;");
    TAKE_STR(evhttp_htmlescape(""), "");
    TAKE_STR(evhttp_htmlescape("plain text %20 + ;"), "plain text %20 + ;");
    TAKE_STR(evhttp_htmlescape("&amp;"), "&amp;amp;");
    TAKE_STR(evhttp_htmlescape("<<>>"), "&lt;&lt;&gt;&gt;");

    /* round trip over every byte */
    {
        char all[256];
        for (int i = 0; i < 256; i++)
            all[i] = (char)(i + 1);   /* 1..255, then a NUL */
        all[255] = 0;
        char *e = evhttp_encode_uri(all);
        char *d = evhttp_decode_uri(e);
        CHECK_STR(d, all);
        size_t n = 0;
        char *d2 = evhttp_uridecode(e, 1, &n);
        CHECK_EQ(n, 255);
        CHECK_STR(d2, all);
        my_free(e);
        my_free(d);
        my_free(d2);
        e = evhttp_uriencode(all, 256, 1);
        CHECK_EQ(strlen(e), 3 * 256 - 2 * 66 - 2);  /* 66 unreserved bytes, space as '+' (1 byte) */
        my_free(e);
        CHECK_EQ(live, 0);
    }
    return 0;
}
