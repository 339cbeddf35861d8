/* http logging: refused headers, malformed URIs and query strings fail silently (no log
   callback at the default, non-debug level); evhttp_uri_parse(NULL) fails with libevent's
   strdup warning and errno EINVAL. */
/* BACKENDS: epoll */
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

static int nlogs, last_sev;
static char last_msg[256];
static void cb(int sev, const char *msg)
{
    nlogs++;
    last_sev = sev;
    snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

int main(void)
{
    alarm(20);
    event_set_log_callback(cb);
    struct evkeyvalq h;
    TAILQ_INIT(&h);
    CHECK_EQ(evhttp_add_header(&h, "a\r", "b"), -1);
    CHECK_EQ(evhttp_add_header(&h, "a", "b\n"), -1);
    CHECK(evhttp_uri_parse("a b") == NULL);
    CHECK(evhttp_uri_parse("http://h:99999/") == NULL);
    CHECK(evhttp_uri_parse("http://[1::2::3]/") == NULL);
    CHECK_EQ(evhttp_parse_query_str("a", &h), -1);
    CHECK_EQ(evhttp_parse_query("a b", &h), -1);
    CHECK_EQ(evhttp_parse_query("/?a=1&&b", &h), -1);
    CHECK_EQ(nlogs, 0);

    errno = 0;
    CHECK(evhttp_uri_parse(NULL) == NULL);
    CHECK_EQ(nlogs, 1);
    CHECK_EQ(last_sev, EVENT_LOG_WARN);
    CHECK_STR(last_msg, "evhttp_uri_parse_with_flags: strdup: Invalid argument");
    CHECK_EQ(errno, EINVAL);
    CHECK(evhttp_uri_parse_with_flags(NULL, EVHTTP_URI_NONCONFORMANT) == NULL);
    CHECK_EQ(nlogs, 2);
    return 0;
}
