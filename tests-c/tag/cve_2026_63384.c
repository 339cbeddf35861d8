/* CVE-2026-63384 (fixed in Debian's libevent): a record header declaring a payload length near
   or past INT_MAX overflowed the length arithmetic in evtag_unmarshal_header. A record with
   tag 2 whose declared length is 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff (or simply
   more than the 4 bytes that follow) must be refused by evtag_unmarshal and
   evtag_unmarshal_string with -1, the header consumed (the 4 payload bytes left), nothing
   handed out; evtag_peek_length / evtag_payload_length still read the header. Expectations
   are Debian's patched library's. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

/* tag 2, the declared length, then 4 bytes of payload */
static struct evbuffer *record(ev_uint32_t declared)
{
    struct evbuffer *len = evbuffer_new(), *b = evbuffer_new();
    unsigned char tag = 0x02;
    evtag_encode_int(len, declared);
    evbuffer_add(b, &tag, 1);
    evbuffer_add_buffer(b, len);
    evbuffer_add(b, "abcd", 4);
    evbuffer_free(len);
    return b;
}

int main(void)
{
    static const ev_uint32_t lengths[] = { 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu, 100 };
    size_t k;

    evtag_init();
    for (k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        struct evbuffer *b = record(lengths[k]), *dst = evbuffer_new();
        ev_uint32_t tag = 0, len = 0;
        char *s = NULL;
        CHECK_EQ(evtag_peek_length(b, &len), 0);
        CHECK_EQ(evtag_payload_length(b, &len), 0);
        CHECK_EQ(evtag_unmarshal(b, &tag, dst), -1);
        CHECK_EQ(tag, 2);
        CHECK_EQ(evbuffer_get_length(b), 4);
        CHECK_EQ(evbuffer_get_length(dst), 0);
        evbuffer_free(b);
        b = record(lengths[k]);
        CHECK_EQ(evtag_unmarshal_string(b, 2, &s), -1);
        CHECK_EQ(s == NULL, 1);
        CHECK_EQ(evbuffer_get_length(b), 4);
        evbuffer_free(b);
        evbuffer_free(dst);
    }
    puts("ok");
    return 0;
}
