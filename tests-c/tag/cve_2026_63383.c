/* CVE-2026-63383 (fixed in Debian's libevent): decoding a tag whose continuation bytes (high
   bit set) run off the end of the buffer read past it. Every reader that decodes a tag must
   refuse such a tag with -1 and leave the buffer as it was, whether the bytes sit in one chain
   or one per chain, for runs of 1 to 6 bytes; a 5-byte tag whose value needs more than 32
   bits is refused too. Expectations are Debian's patched library's. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

/* The bytes in one chain, or one chain per byte (a tag spanning chains). */
static struct evbuffer *make(const unsigned char *p, size_t n, int split)
{
    struct evbuffer *b = evbuffer_new();
    size_t i;
    if (!split) {
        evbuffer_add(b, p, n);
        return b;
    }
    for (i = 0; i < n; i++) {
        struct evbuffer *c = evbuffer_new();
        evbuffer_add(c, p + i, 1);
        evbuffer_add_buffer(b, c);
        evbuffer_free(c);
    }
    return b;
}

int main(void)
{
    static const unsigned char runs[] = { 0x81, 0x82, 0x83, 0x84, 0x85, 0xff };
    static const unsigned char big[] = { 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00 };
    size_t n;
    int split;

    evtag_init();
    for (n = 1; n <= sizeof runs; n++) {
        for (split = 0; split < 2; split++) {
            struct evbuffer *b = make(runs, n, split), *dst = evbuffer_new();
            ev_uint32_t tag = 7, len = 7;
            CHECK_EQ(evtag_peek(b, &tag), -1);
            CHECK_EQ(evtag_peek_length(b, &len), -1);
            CHECK_EQ(evtag_payload_length(b, &len), -1);
            CHECK_EQ(evbuffer_get_length(b), n);
            CHECK_EQ(evtag_unmarshal_header(b, &tag), -1);
            CHECK_EQ(evtag_unmarshal(b, &tag, dst), -1);
            CHECK_EQ(evbuffer_get_length(dst), 0);
            evbuffer_free(b);
            evbuffer_free(dst);
        }
    }
    {
        struct evbuffer *b = make(big, sizeof big, 0);
        ev_uint32_t tag = 0;
        CHECK_EQ(evtag_peek(b, &tag), -1);
        CHECK_EQ(evtag_unmarshal_header(b, &tag), -1);
        CHECK_EQ(evbuffer_get_length(b), sizeof big);
        evbuffer_free(b);
    }
    puts("ok");
    return 0;
}
