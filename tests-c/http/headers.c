/* http headers: struct evkeyvalq as a real TAILQ the program walks itself; evhttp_add_header
   (keys and values with CR or LF refused, even as an obs-fold continuation), case-insensitive
   evhttp_find_header / evhttp_remove_header (first match only), evhttp_clear_headers leaving
   a reusable empty list, and every node and string coming from the event_set_mem_functions
   allocator. */
/* BACKENDS: epoll */
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

static long live;
static void *my_malloc(size_t n) { live++; return malloc(n); }
static void *my_realloc(void *p, size_t n) { if (!p) live++; return realloc(p, n); }
static void my_free(void *p) { if (p) live--; free(p); }

/* "k=v;k=v;..." walking the list forward, and checking the back links as TAILQ_LAST does */
static const char *dump(struct evkeyvalq *h)
{
    static char buf[1024];
    size_t n = 0;
    struct evkeyval *kv, *prev = NULL;
    buf[0] = 0;
    TAILQ_FOREACH(kv, h, next) {
        n += snprintf(buf + n, sizeof(buf) - n, "%s=%s;", kv->key, kv->value);
        prev = kv;
    }
    CHECK(TAILQ_LAST(h, evkeyvalq) == prev);
    if (prev)
        CHECK(h->tqh_last == &prev->next.tqe_next);
    else
        CHECK(h->tqh_last == &h->tqh_first);
    /* and backwards */
    n = 0;
    TAILQ_FOREACH_REVERSE(kv, h, evkeyvalq, next)
        n++;
    return buf;
}

int main(void)
{
    alarm(20);
    event_set_mem_functions(my_malloc, my_realloc, my_free);
    struct evkeyvalq h;
    TAILQ_INIT(&h);
    CHECK_STR(dump(&h), "");
    CHECK(evhttp_find_header(&h, "x") == NULL);
    CHECK_EQ(evhttp_remove_header(&h, "x"), -1);

    CHECK_EQ(evhttp_add_header(&h, "Host", "example.com"), 0);
    CHECK_EQ(live, 3);                       /* node, key, value */
    CHECK_EQ(evhttp_add_header(&h, "Content-Type", "text/plain"), 0);
    CHECK_EQ(evhttp_add_header(&h, "X-Empty", ""), 0);
    CHECK_EQ(evhttp_add_header(&h, "", "empty key"), 0);
    CHECK_EQ(evhttp_add_header(&h, "HOST", "second"), 0);
    CHECK_EQ(evhttp_add_header(&h, "a b:c", "a b\t \x01\x7f\xff"), 0);
    CHECK_EQ(live, 18);
    CHECK_STR(dump(&h), "Host=example.com;Content-Type=text/plain;X-Empty=;=empty key;HOST=second;a b:c=a b\t \x01\x7f\xff;");

    /* CR / LF anywhere in the key or value: refused, nothing added */
    const char *bad_values[] = { "a\r\n b", "a\n\tb", "a\r\n", "a\rb", "a\r\r\n\tb", "\r\n x", "a\nb", "a\n", "\r", "\n" };
    for (unsigned i = 0; i < sizeof(bad_values) / sizeof(*bad_values); i++)
        CHECK_EQ(evhttp_add_header(&h, "K", bad_values[i]), -1);
    CHECK_EQ(evhttp_add_header(&h, "a\nb", "v"), -1);
    CHECK_EQ(evhttp_add_header(&h, "a\rb", "v"), -1);
    CHECK_EQ(evhttp_add_header(&h, "\r\n", "v"), -1);
    CHECK_EQ(evhttp_add_header(&h, "X\r\n", "a\r\n"), -1);
    CHECK_EQ(live, 18);
    CHECK(evhttp_find_header(&h, "K") == NULL);

    /* lookups ignore ASCII case and return the first match, pointing into the list */
    CHECK_STR(evhttp_find_header(&h, "host"), "example.com");
    CHECK_STR(evhttp_find_header(&h, "CONTENT-type"), "text/plain");
    CHECK_STR(evhttp_find_header(&h, "x-empty"), "");
    CHECK_STR(evhttp_find_header(&h, ""), "empty key");
    CHECK(evhttp_find_header(&h, "Hos") == NULL);
    CHECK(evhttp_find_header(&h, "Hostt") == NULL);
    CHECK(evhttp_find_header(&h, "Content-Type ") == NULL);
    CHECK(evhttp_find_header(&h, "host") == TAILQ_FIRST(&h)->value);

    /* remove drops the first match only */
    CHECK_EQ(evhttp_remove_header(&h, "hOsT"), 0);
    CHECK_EQ(live, 15);
    CHECK_STR(evhttp_find_header(&h, "Host"), "second");
    CHECK_STR(dump(&h), "Content-Type=text/plain;X-Empty=;=empty key;HOST=second;a b:c=a b\t \x01\x7f\xff;");
    CHECK_EQ(evhttp_remove_header(&h, "a b:c"), 0);   /* the last one: tqh_last moves back */
    CHECK_STR(dump(&h), "Content-Type=text/plain;X-Empty=;=empty key;HOST=second;");
    CHECK_EQ(evhttp_remove_header(&h, "content-type"), 0);   /* the first one */
    CHECK_STR(dump(&h), "X-Empty=;=empty key;HOST=second;");
    CHECK_EQ(evhttp_remove_header(&h, ""), 0);   /* a middle one */
    CHECK_STR(dump(&h), "X-Empty=;HOST=second;");
    CHECK_EQ(evhttp_remove_header(&h, "host"), 0);
    CHECK_EQ(evhttp_remove_header(&h, "host"), -1);
    CHECK_EQ(evhttp_remove_header(&h, "nothere"), -1);
    CHECK_EQ(live, 3);
    CHECK_STR(dump(&h), "X-Empty=;");

    /* appending after removals keeps the order */
    CHECK_EQ(evhttp_add_header(&h, "A", "1"), 0);
    CHECK_EQ(evhttp_add_header(&h, "B", "2"), 0);
    CHECK_STR(dump(&h), "X-Empty=;A=1;B=2;");

    /* a node the program inserted itself with TAILQ macros and our allocator is ours too */
    {
        struct evkeyval *kv = calloc(1, sizeof(*kv));
        kv->key = strdup("Mine");
        kv->value = strdup("hand-made");
        live += 3;
        TAILQ_INSERT_HEAD(&h, kv, next);
        CHECK_STR(evhttp_find_header(&h, "mine"), "hand-made");
        CHECK_STR(dump(&h), "Mine=hand-made;X-Empty=;A=1;B=2;");
    }

    /* clear frees everything and leaves an empty, usable list */
    evhttp_clear_headers(&h);
    CHECK_EQ(live, 0);
    CHECK(TAILQ_EMPTY(&h));
    CHECK(h.tqh_last == &h.tqh_first);
    CHECK_STR(dump(&h), "");
    evhttp_clear_headers(&h);
    CHECK_EQ(evhttp_add_header(&h, "After", "clear"), 0);
    CHECK_STR(dump(&h), "After=clear;");
    evhttp_clear_headers(&h);
    CHECK_EQ(live, 0);

    /* many entries */
    for (int i = 0; i < 200; i++) {
        char k[16], v[16];
        snprintf(k, sizeof(k), "k%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        CHECK_EQ(evhttp_add_header(&h, k, v), 0);
    }
    CHECK_STR(evhttp_find_header(&h, "K199"), "v199");
    CHECK_STR(evhttp_find_header(&h, "k0"), "v0");
    for (int i = 0; i < 200; i += 2) {
        char k[16];
        snprintf(k, sizeof(k), "K%d", i);
        CHECK_EQ(evhttp_remove_header(&h, k), 0);
    }
    {
        int n = 0;
        struct evkeyval *kv;
        TAILQ_FOREACH(kv, &h, next) {
            char k[16];
            snprintf(k, sizeof(k), "k%d", 2 * n + 1);
            CHECK_STR(kv->key, k);
            n++;
        }
        CHECK_EQ(n, 100);
    }
    dump(&h);
    evhttp_clear_headers(&h);
    CHECK_EQ(live, 0);
    return 0;
}
