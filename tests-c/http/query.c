/* http query: evhttp_parse_query (a whole URI; only its query part counts) and
   evhttp_parse_query_str (the query itself): keys kept as written, values decoded with '+'
   as space, an element without '=' or with an empty key is an error that leaves the list
   empty, the list is re-initialised first (old entries are not freed), and NULL string. */
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

/* "<rc>:[k]=[v]..." ; also checks the list is well linked, then clears it */
static const char *pq(const char *s, int whole)
{
    static char buf[1024];
    struct evkeyvalq h;
    memset(&h, 0x5a, sizeof(h));     /* garbage: the parser must initialise it */
    int r = whole ? evhttp_parse_query(s, &h) : evhttp_parse_query_str(s, &h);
    size_t n = snprintf(buf, sizeof(buf), "%d:", r);
    struct evkeyval *kv, *last = NULL;
    long entries = 0;
    TAILQ_FOREACH(kv, &h, next) {
        n += snprintf(buf + n, sizeof(buf) - n, "[%s]=[%s]", kv->key, kv->value);
        last = kv;
        entries++;
    }
    CHECK(h.tqh_last == (last ? &last->next.tqe_next : &h.tqh_first));
    CHECK_EQ(live, 3 * entries);
    if (r != 0)
        CHECK_EQ(entries, 0);
    evhttp_clear_headers(&h);
    CHECK_EQ(live, 0);
    return buf;
}

int main(void)
{
    alarm(20);
    event_set_mem_functions(my_malloc, my_realloc, my_free);

    /* --- query strings --- */
    CHECK_STR(pq("a=1&b=2", 0), "0:[a]=[1][b]=[2]");
    CHECK_STR(pq("a=1&", 0), "0:[a]=[1]");
    CHECK_STR(pq("", 0), "0:");
    CHECK_STR(pq(NULL, 0), "0:");
    CHECK_STR(pq("a=b=c", 0), "0:[a]=[b=c]");
    CHECK_STR(pq("a+b=c+d%20", 0), "0:[a+b]=[c d ]");                 /* keys are not decoded */
    CHECK_STR(pq("k%20=%41%4", 0), "0:[k%20]=[A%4]");
    CHECK_STR(pq("a=&b=", 0), "0:[a]=[][b]=[]");
    CHECK_STR(pq("a=1&a=2&A=3", 0), "0:[a]=[1][a]=[2][A]=[3]");
    CHECK_STR(pq("?a=1", 0), "0:[?a]=[1]");
    CHECK_STR(pq("/x?a=1&b=2", 0), "0:[/x?a]=[1][b]=[2]");
    CHECK_STR(pq("q=a%0D%0Ab", 0), "0:[q]=[a\r\nb]");                  /* decoded CRLF is kept */
    CHECK_STR(pq("x=a#b&y=%23", 0), "0:[x]=[a#b][y]=[#]");
    CHECK_STR(pq("a=1;b=2", 0), "0:[a]=[1;b=2]");
    /* malformed */
    CHECK_STR(pq("a", 0), "-1:");
    CHECK_STR(pq("=x", 0), "-1:");
    CHECK_STR(pq("a=1&&b=2", 0), "-1:");
    CHECK_STR(pq("&", 0), "-1:");
    CHECK_STR(pq("&a=1", 0), "-1:");
    CHECK_STR(pq("a=1&b", 0), "-1:");
    CHECK_STR(pq("a=1&b=2&=3", 0), "-1:");
    CHECK_STR(pq("a=1&&", 0), "-1:");

    /* --- whole URIs --- */
    CHECK_STR(pq("/x?a=1&b=2", 1), "0:[a]=[1][b]=[2]");
    CHECK_STR(pq("http://example.com/p/q?name=J+Doe&age=%34%32#frag", 1), "0:[name]=[J Doe][age]=[42]");
    CHECK_STR(pq("http://example.com/p", 1), "0:");
    CHECK_STR(pq("http://example.com/p?", 1), "0:");
    CHECK_STR(pq("?a=1", 1), "0:[a]=[1]");
    CHECK_STR(pq("a=1&&b=2", 1), "0:");            /* that is a path: no query at all */
    CHECK_STR(pq("", 1), "0:");
    CHECK_STR(pq("/?a=1&", 1), "0:[a]=[1]");
    CHECK_STR(pq("/?a=b?c=d", 1), "0:[a]=[b?c=d]");
    CHECK_STR(pq("/?a=1&&b=2", 1), "-1:");
    CHECK_STR(pq("http://[::1]:80/p?q#f", 1), "-1:");
    CHECK_STR(pq("h?a?b", 1), "-1:");
    /* not a URI */
    CHECK_STR(pq("/a b?c=d", 1), "-1:");
    CHECK_STR(pq("/a?c=d e", 1), "-1:");
    CHECK_STR(pq("http://h:99999/?a=1", 1), "-1:");
    CHECK_STR(pq(":?a=1", 1), "-1:");
    CHECK_STR(pq("/?a=%zz", 1), "-1:");

    /* the list is re-initialised, not appended to */
    {
        struct evkeyvalq h;
        TAILQ_INIT(&h);
        CHECK_EQ(evhttp_add_header(&h, "old", "entry"), 0);
        struct evkeyval *old = TAILQ_FIRST(&h);
        CHECK_EQ(evhttp_parse_query_str("new=1", &h), 0);
        CHECK_STR(TAILQ_FIRST(&h)->key, "new");
        CHECK(TAILQ_NEXT(TAILQ_FIRST(&h), next) == NULL);
        evhttp_clear_headers(&h);
        CHECK_EQ(live, 3);   /* the old node was forgotten, not freed */
        my_free(old->key);
        my_free(old->value);
        my_free(old);
        CHECK_EQ(live, 0);
    }
    return 0;
}
