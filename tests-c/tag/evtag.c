/* evtag: the tagged-data encoding. Integers, 64-bit integers and tags encode to libevent's
   exact bytes; every marshal function writes tag, length, payload; the unmarshal functions
   read them back (checking the tag; the integer readers answer the integer's encoded size), peek/peek_length/payload_length look without draining,
   consume skips a record; truncated or mismatched input answers -1. Also libevent's internal
   evtag_encode_tag / evtag_decode_tag / evtag_decode_int / evtag_decode_int64 that its own
   regression tests call (declared here: no public header has them). */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

int evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag);
int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf);
int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf);
int evtag_decode_int64(ev_uint64_t *pnumber, struct evbuffer *evbuf);

static void expect_bytes(struct evbuffer *b, const char *hex)
{
    char got[256] = "";
    size_t n = evbuffer_get_length(b);
    unsigned char *p = evbuffer_pullup(b, -1);
    for (size_t i = 0; i < n; i++) sprintf(got + strlen(got), i ? " %02x" : "%02x", p[i]);
    if (strcmp(got, hex) != 0) { fprintf(stderr, "bytes '%s', expected '%s'\n", got, hex); exit(1); }
}

int main(void)
{
    struct evbuffer *b = evbuffer_new(), *d = evbuffer_new();
    evtag_init();
    struct { ev_uint32_t v; const char *hex; } ints[] = {
        { 0, "00" }, { 0xf, "0f" }, { 0x10, "10 10" }, { 0xff, "1f f0" }, { 0x100, "20 01" },
        { 0x1234, "34 32 10" }, { 0xfffffff, "6f ff ff ff" }, { 0xffffffff, "7f ff ff ff f0" } };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        evtag_encode_int(b, ints[i].v);
        expect_bytes(b, ints[i].hex);
        ev_uint32_t back = 1;
        CHECK_EQ(evtag_decode_int(&back, b), 0);
        CHECK_EQ(back, ints[i].v);
        CHECK_EQ(evbuffer_get_length(b), 0);
    }
    evtag_encode_int64(b, 0x123456789ULL);
    expect_bytes(b, "89 87 65 43 21");
    ev_uint64_t b64;
    CHECK_EQ(evtag_decode_int64(&b64, b), 0);
    CHECK(b64 == 0x123456789ULL);
    evtag_encode_int64(b, 0xffffffffffffffffULL);
    expect_bytes(b, "ff ff ff ff ff ff ff ff f0");
    CHECK_EQ(evtag_decode_int(&ints[0].v, b), -1);   /* too wide for 32 bits */
    CHECK_EQ(evtag_decode_int64(&b64, b), 0);
    CHECK(b64 == 0xffffffffffffffffULL);

    struct { ev_uint32_t v; const char *hex; } tags[] = {
        { 0, "00" }, { 0x7f, "7f" }, { 0x80, "80 01" }, { 0x3fff, "ff 7f" },
        { 0x4000, "80 80 01" }, { 0xffffffff, "ff ff ff ff 0f" } };
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        int n = evtag_encode_tag(b, tags[i].v);
        CHECK_EQ(n, evbuffer_get_length(b));
        expect_bytes(b, tags[i].hex);
        ev_uint32_t back;
        CHECK_EQ(evtag_decode_tag(&back, b), n);
        CHECK_EQ(back, tags[i].v);
    }
    evbuffer_add(b, "\x80", 1);                        /* unterminated tag */
    CHECK_EQ(evtag_decode_tag(NULL, b), -1);
    CHECK_EQ(evbuffer_get_length(b), 1);
    evbuffer_drain(b, 1);

    /* Records. */
    evtag_marshal(b, 5, "abc", 3);
    expect_bytes(b, "05 03 61 62 63");
    evbuffer_drain(b, 5);
    evtag_marshal_int(b, 0x81, 300);
    expect_bytes(b, "81 01 02 2c 21");
    ev_uint32_t u;
    CHECK_EQ(evtag_unmarshal_int(b, 0x80, &u), -1);   /* wrong tag: header consumed */
    evbuffer_drain(b, evbuffer_get_length(b));
    evtag_marshal_int(b, 0x81, 300);
    CHECK_EQ(evtag_unmarshal_int(b, 0x81, &u), 2);    /* the integer's encoded size */
    CHECK_EQ(u, 300);
    CHECK_EQ(evbuffer_get_length(b), 0);
    evtag_marshal_string(b, 2, "hi");
    expect_bytes(b, "02 02 68 69");
    char *s = NULL;
    CHECK_EQ(evtag_unmarshal_string(b, 2, &s), 0);
    CHECK(strcmp(s, "hi") == 0);
    free(s);
    struct timeval tv = { 5, 7 }, tv2;
    evtag_marshal_timeval(b, 3, &tv);
    expect_bytes(b, "03 02 05 07");
    CHECK_EQ(evtag_unmarshal_timeval(b, 3, &tv2), 0);
    CHECK_EQ(tv2.tv_sec, 5); CHECK_EQ(tv2.tv_usec, 7);
    evtag_marshal_int64(b, 4, 0x100000000ULL);
    expect_bytes(b, "04 05 80 00 00 00 01");
    CHECK_EQ(evtag_unmarshal_int64(b, 4, &b64), 5);
    CHECK(b64 == 0x100000000ULL);
    CHECK_EQ(evbuffer_get_length(b), 0);

    /* Peeking, lengths, consume, unmarshal into a buffer, marshal_buffer. */
    evbuffer_add(d, "payload!", 8);
    evtag_marshal_buffer(b, 0x200, d);
    CHECK_EQ(evbuffer_get_length(d), 0);
    evtag_marshal(b, 7, "xyz", 3);
    ev_uint32_t t, len;
    CHECK_EQ(evtag_peek(b, &t), 2);
    CHECK_EQ(t, 0x200);
    CHECK_EQ(evtag_peek_length(b, &len), 0);
    CHECK_EQ(len, 2 + 1 + 8);
    CHECK_EQ(evtag_payload_length(b, &len), 0);
    CHECK_EQ(len, 8);
    CHECK_EQ(evtag_unmarshal(b, &t, d), 8);
    CHECK_EQ(t, 0x200);
    CHECK(memcmp(evbuffer_pullup(d, -1), "payload!", 8) == 0);
    CHECK_EQ(evtag_consume(b), 0);
    CHECK_EQ(evbuffer_get_length(b), 0);
    char fixed[3];
    evtag_marshal(b, 9, "abc", 3);
    CHECK_EQ(evtag_unmarshal_fixed(b, 9, fixed, 3), 0);
    CHECK(memcmp(fixed, "abc", 3) == 0);

    /* A record cut short: the lengths can be peeked; reading its header answers -1 and,
       as in libevent, the header is gone (only the partial payload is left). */
    evbuffer_add(b, "\x05\x09" "abc", 5);
    CHECK_EQ(evtag_peek_length(b, &len), 0);
    CHECK_EQ(len, 11);
    CHECK_EQ(evtag_payload_length(b, &len), 0);
    CHECK_EQ(len, 9);
    CHECK_EQ(evtag_unmarshal_header(b, &t), -1);
    CHECK_EQ(evbuffer_get_length(b), 3);
    evbuffer_drain(b, 3);
    evbuffer_add(b, "\x05\x09" "abcdefghi", 11);
    CHECK_EQ(evtag_unmarshal_header(b, &t), 9);
    CHECK_EQ(t, 5);
    CHECK_EQ(evbuffer_get_length(b), 9);

    evbuffer_free(b);
    evbuffer_free(d);
    printf("ok\n");
    return 0;
}
