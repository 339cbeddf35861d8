/* Arbitrary bytes into the unmarshal code our generator wrote for shop.rpc (shop.gen.c).
   shop_fuzz_one is the body of the fuzz target rpcgen_unmarshal (fuzz/build.rs compiles this
   file with shop.gen.c into it); built with -DSHOP_FUZZ_MAIN it is a program that runs every
   file named on its command line through the same function (tests-c/probe/check_rpcgen.sh
   replays fuzz/corpus/rpcgen_unmarshal with it under AddressSanitizer, on our library and
   on Debian's). Not a tests-c case: it needs shop.gen.h in the include path.

   Byte 0 picks the reader (item_unmarshal, order_unmarshal, receipt_unmarshal, or
   evtag_unmarshal_order with the tag in byte 1); the rest is the message, put in the buffer
   in two pieces. A message that unmarshals must be complete; every member is then read
   through the accessors (all of its bytes touched); it marshals, the bytes unmarshal into a
   fresh message with nothing left over, and that one marshals to the same bytes. Any broken
   rule aborts. Answers 1 when the message was accepted, else 0. With SHOP_FUZZ_PRINT set, the
   program prints each input's verdict and a hash of what it marshalled to: the same for a
   build over libevent's generator's code (check_rpcgen.sh compares the two). */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shop.gen.h"

int shop_fuzz_one(const unsigned char *data, size_t size);

static volatile unsigned sink;
/* FNV-1a of the bytes the last accepted message marshalled to (the replay prints it, so two
   builds of this harness, over two generators' code, can be compared input by input) */
static unsigned long long marshalled_hash;

static void broken(const char *what)
{
    fprintf(stderr, "shop_fuzz: %s\n", what);
    abort();
}
#define MUST(c) do { if (!(c)) broken(#c); } while (0)

static void touch(const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < n; i++) sink += b[i];
}

static void touch_item(struct item *it)
{
    char *s;
    ev_uint32_t n, len;
    ev_uint64_t big;
    ev_uint8_t *bytes;
    int i;
    MUST(EVTAG_GET(it, name, &s) == 0);
    touch(s, strlen(s));
    MUST(EVTAG_GET(it, count, &n) == 0);
    MUST(EVTAG_GET(it, code, &bytes) == 0);
    touch(bytes, 4);
    if (EVTAG_HAS(it, serial)) MUST(EVTAG_GET(it, serial, &big) == 0);
    else MUST(EVTAG_GET(it, serial, &big) == -1);
    if (EVTAG_HAS(it, note)) {
        MUST(EVTAG_GET_WITH_LEN(it, note, &bytes, &len) == 0);
        touch(bytes, len);
    }
    for (i = 0; i < EVTAG_ARRAY_LEN(it, tags); i++) {
        MUST(EVTAG_ARRAY_GET(it, tags, i, &s) == 0);
        touch(s, strlen(s));
    }
    MUST(EVTAG_ARRAY_GET(it, tags, i, &s) == -1);
    for (i = 0; i < EVTAG_ARRAY_LEN(it, sizes); i++) MUST(EVTAG_ARRAY_GET(it, sizes, i, &n) == 0);
    MUST(EVTAG_ARRAY_GET(it, sizes, i, &n) == -1);
}

static void touch_order(struct order *o)
{
    char *s;
    struct item *it;
    ev_uint64_t big;
    int i;
    MUST(EVTAG_GET(o, customer, &s) == 0);
    touch(s, strlen(s));
    if (EVTAG_HAS(o, gift)) {
        MUST(EVTAG_GET(o, gift, &it) == 0);
        touch_item(it);
    }
    for (i = 0; i < EVTAG_ARRAY_LEN(o, items); i++) {
        MUST(EVTAG_ARRAY_GET(o, items, i, &it) == 0);
        touch_item(it);
    }
    for (i = 0; i < EVTAG_ARRAY_LEN(o, stamps); i++) MUST(EVTAG_ARRAY_GET(o, stamps, i, &big) == 0);
}

static void touch_receipt(struct receipt *r)
{
    char *s;
    ev_uint32_t n;
    MUST(EVTAG_GET(r, total, &n) == 0);
    MUST(EVTAG_GET(r, message, &s) == 0);
    touch(s, strlen(s));
}

/* The message type's functions, so one round trip serves all three. */
struct kind {
    void *(*make)(void);
    void (*release)(void *);
    int (*unmarshal)(void *, struct evbuffer *);
    void (*marshal)(struct evbuffer *, const void *);
    int (*complete)(void *);
    void (*visit)(void *);
};
#define KIND(T) \
    static void *T##_make(void) { return T##_new(); } \
    static void T##_release(void *m) { T##_free(m); } \
    static int T##_from(void *m, struct evbuffer *b) { return T##_unmarshal(m, b); } \
    static void T##_to(struct evbuffer *b, const void *m) { T##_marshal(b, m); } \
    static int T##_done(void *m) { return T##_complete(m); } \
    static void T##_visit(void *m) { touch_##T(m); } \
    static const struct kind T##_kind = { T##_make, T##_release, T##_from, T##_to, T##_done, T##_visit };
KIND(item)
KIND(order)
KIND(receipt)

static void round_trip(const struct kind *k, void *m)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    void *again = k->make();
    size_t n;
    MUST(a != NULL && b != NULL && again != NULL);
    MUST(k->complete(m) == 0);
    k->visit(m);
    k->marshal(a, m);
    n = evbuffer_get_length(a);
    {
        unsigned char *first = malloc(n + 1);
        MUST(first != NULL);
        MUST(evbuffer_copyout(a, first, n) == (ev_ssize_t)n);
        marshalled_hash = 1469598103934665603ull;
        {
            size_t j;
            for (j = 0; j < n; j++) marshalled_hash = (marshalled_hash ^ first[j]) * 1099511628211ull;
        }
        MUST(k->unmarshal(again, a) == 0);
        MUST(evbuffer_get_length(a) == 0);
        k->marshal(b, again);
        MUST(evbuffer_get_length(b) == n);
        MUST(memcmp(evbuffer_pullup(b, -1), first, n) == 0 || n == 0);
        free(first);
    }
    k->release(again);
    evbuffer_free(a);
    evbuffer_free(b);
}

static void quiet(int severity, const char *msg)
{
    (void)severity; (void)msg;
}

int shop_fuzz_one(const unsigned char *data, size_t size)
{
    static const struct kind *kinds[] = { &item_kind, &order_kind, &receipt_kind, &order_kind };
    static int init;
    const struct kind *k;
    struct evbuffer *buf;
    void *m;
    size_t half;
    int r;

    if (!init) { event_set_log_callback(quiet); init = 1; }
    marshalled_hash = 0;
    if (size < 2) return 0;
    k = kinds[data[0] % 4];
    buf = evbuffer_new();
    m = k->make();
    MUST(buf != NULL && m != NULL);
    half = (size - 2) / 2;
    MUST(evbuffer_add(buf, data + 2, half) == 0);
    MUST(evbuffer_add(buf, data + 2 + half, size - 2 - half) == 0);
    if (data[0] % 4 == 3) r = evtag_unmarshal_order(buf, data[1], m);
    else r = k->unmarshal(m, buf);
    if (r == 0) {
        MUST(data[0] % 4 == 3 || evbuffer_get_length(buf) == 0);
        round_trip(k, m);
    } else {
        MUST(r == -1);
    }
    k->release(m);
    evbuffer_free(buf);
    return r == 0;
}

#ifdef SHOP_FUZZ_MAIN
int main(int argc, char **argv)
{
    int i, r, accepted = 0;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        unsigned char *data;
        long n;
        if (!f) { perror(argv[i]); return 1; }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        data = malloc(n > 0 ? (size_t)n : 1);
        if (!data || (n > 0 && fread(data, 1, (size_t)n, f) != (size_t)n)) { perror(argv[i]); return 1; }
        fclose(f);
        r = shop_fuzz_one(data, (size_t)n);
        accepted += r;
        if (getenv("SHOP_FUZZ_PRINT")) printf("%s %d %016llx\n", strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i], r, marshalled_hash);
        free(data);
    }
    printf("%d inputs through the generated unmarshal code, %d accepted\n", argc - 1, accepted);
    return 0;
}
#endif
