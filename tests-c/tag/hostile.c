/* tag hostile: evtag records that lie about themselves are refused and consumed exactly as
   Debian's libevent (with its fixes for CVE-2026-63383/63384) consumes them: a timeval whose
   integers run past the declared payload, an integer record with the wrong tag, a bad
   encoding or a payload shorter than its integer, a header declaring more than INT_MAX bytes,
   tags whose continuation bytes run off the end, short strings and fixed fields. */
/* BACKENDS: epoll */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct evbuffer *buf(const unsigned char *p, size_t n)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, p, n);
    return b;
}
#define BUF(...) ({ static const unsigned char d_[] = { __VA_ARGS__ }; buf(d_, sizeof d_); })

int main(void)
{
    struct timeval tv;
    ev_uint32_t v, tag;
    ev_uint64_t v64;
    struct evbuffer *b;
    char *s, fixed[4];

    evtag_init();

    /* timeval: declared payload 4 bytes, its two integers need 7: refused, record consumed */
    b = BUF(0x02, 0x04, 0x3a, 0x00, 0xf8, 0x6d, 0xc3, 0x5e, 0x28, 0x6c);
    CHECK_EQ(evtag_unmarshal_timeval(b, 2, &tv), -1);
    CHECK_EQ(evbuffer_get_length(b), 4);
    evbuffer_free(b);
    /* timeval: extra payload bytes are ignored; a wrong tag still consumes the record */
    b = BUF(0x02, 0x03, 0x01, 0x02, 0x09, 0x44);
    CHECK_EQ(evtag_unmarshal_timeval(b, 2, &tv), 0);
    CHECK_EQ(tv.tv_sec, 1);
    CHECK_EQ(tv.tv_usec, 2);
    CHECK_EQ(evbuffer_get_length(b), 1);
    evbuffer_free(b);
    b = BUF(0x03, 0x02, 0x01, 0x02);
    CHECK_EQ(evtag_unmarshal_timeval(b, 2, &tv), -1);
    CHECK_EQ(evbuffer_get_length(b), 0);
    evbuffer_free(b);

    /* int: a wrong tag takes only the tag */
    b = BUF(0x03, 0x01, 0x05);
    v = 99;
    CHECK_EQ(evtag_unmarshal_int(b, 2, &v), -1);
    CHECK_EQ(v, 99);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);
    /* int: an integer longer than its 1-byte payload is refused, the record consumed */
    b = BUF(0x02, 0x01, 0x3a, 0x00, 0x11);
    CHECK_EQ(evtag_unmarshal_int(b, 2, &v), -1);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);
    /* int: a 16-nibble integer does not fit 32 bits */
    b = BUF(0x02, 0x01, 0xf0);
    v = 99;
    CHECK_EQ(evtag_unmarshal_int(b, 2, &v), -1);
    CHECK_EQ(v, 99);
    CHECK_EQ(evbuffer_get_length(b), 0);
    evbuffer_free(b);
    /* int: a shorter integer in a longer payload is fine; it answers the bytes it took */
    b = BUF(0x02, 0x02, 0x05, 0x07, 0x09);
    CHECK_EQ(evtag_unmarshal_int(b, 2, &v), 1);
    CHECK_EQ(v, 5);
    CHECK_EQ(evbuffer_get_length(b), 1);
    evbuffer_free(b);
    /* int64 with its payload missing */
    b = BUF(0x02, 0x09, 0x3a, 0x00);
    CHECK_EQ(evtag_unmarshal_int64(b, 2, &v64), -1);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);

    /* a header declaring more than INT_MAX bytes (CVE-2026-63384): refused, tag reported */
    {
        struct evbuffer *len = evbuffer_new();
        unsigned char d[32];
        size_t n;
        evtag_encode_int(len, 0x80000001u);
        n = evbuffer_get_length(len);
        d[0] = 0x02;
        evbuffer_remove(len, d + 1, n);
        evbuffer_free(len);
        b = buf(d, n + 1);
        tag = 0;
        CHECK_EQ(evtag_unmarshal_header(b, &tag), -1);
        CHECK_EQ(tag, 2);
        CHECK_EQ(evbuffer_get_length(b), 0);
        evbuffer_free(b);
    }

    /* tags whose continuation bytes run off the end (CVE-2026-63383) */
    b = BUF(0x81, 0x82, 0x83);
    CHECK_EQ(evtag_peek(b, &tag), -1);
    CHECK_EQ(evtag_unmarshal_header(b, &tag), -1);
    CHECK_EQ(evbuffer_get_length(b), 3);
    evbuffer_free(b);
    b = BUF(0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87);
    CHECK_EQ(evtag_peek(b, &tag), -1);
    evbuffer_free(b);

    /* strings and fixed fields shorter than declared, or of the wrong size */
    b = BUF(0x02, 0x05, 'a', 'b');
    s = NULL;
    CHECK_EQ(evtag_unmarshal_string(b, 2, &s), -1);
    CHECK_EQ(s == NULL, 1);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);
    b = BUF(0x02, 0x02, 'a', 'b');
    CHECK_EQ(evtag_unmarshal_fixed(b, 2, fixed, 3), -1);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);
    b = BUF(0x03, 0x02, 'a', 'b');
    CHECK_EQ(evtag_unmarshal_string(b, 2, &s), -1);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_free(b);

    puts("ok");
    return 0;
}
