/* http uri_set: evhttp_uri_new (all parts NULL, port -1), every setter's validation (a
   refused value leaves the old one), NULL to clear a part, evhttp_uri_set_port's range,
   EVHTTP_URI_NONCONFORMANT relaxing path/query/fragment setters only, and evhttp_uri_join:
   limit exactly fitting / one short / 0, a host with a relative path refused, userinfo and
   port printed only with a host. */
/* BACKENDS: epoll */
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

static char buf[512];
static const char *join(struct evhttp_uri *u)
{
    memset(buf, 'Z', sizeof(buf));
    return evhttp_uri_join(u, buf, sizeof(buf));
}

int main(void)
{
    alarm(20);
    struct evhttp_uri *u = evhttp_uri_new();
    CHECK(u != NULL);
    CHECK(evhttp_uri_get_scheme(u) == NULL);
    CHECK(evhttp_uri_get_userinfo(u) == NULL);
    CHECK(evhttp_uri_get_host(u) == NULL);
    CHECK_EQ(evhttp_uri_get_port(u), -1);
    CHECK(evhttp_uri_get_path(u) == NULL);
    CHECK(evhttp_uri_get_query(u) == NULL);
    CHECK(evhttp_uri_get_fragment(u) == NULL);
    CHECK_STR(join(u), "");
    CHECK(evhttp_uri_join(u, buf, 0) == NULL);
    CHECK_STR(evhttp_uri_join(u, buf, 1), "");

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    CHECK_EQ(evhttp_uri_set_scheme(u, "1a"), -1);
    CHECK_EQ(evhttp_uri_set_scheme(u, ""), -1);
    CHECK_EQ(evhttp_uri_set_scheme(u, "a:b"), -1);
    CHECK_EQ(evhttp_uri_set_scheme(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_scheme(u, "+a"), -1);
    CHECK(evhttp_uri_get_scheme(u) == NULL);
    CHECK_EQ(evhttp_uri_set_scheme(u, "a+b-c.d9"), 0);
    CHECK_STR(evhttp_uri_get_scheme(u), "a+b-c.d9");
    CHECK_EQ(evhttp_uri_set_scheme(u, "1bad"), -1);
    CHECK_STR(evhttp_uri_get_scheme(u), "a+b-c.d9");       /* unchanged */
    CHECK_EQ(evhttp_uri_set_scheme(u, "http"), 0);
    CHECK_STR(join(u), "http:");

    /* userinfo */
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a@b"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a%4"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a%zz"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a/b"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, ""), 0);
    CHECK_STR(evhttp_uri_get_userinfo(u), "");
    CHECK_EQ(evhttp_uri_set_userinfo(u, "us-er:p%41ss!$&'()*+,;=~"), 0);
    CHECK_STR(evhttp_uri_get_userinfo(u), "us-er:p%41ss!$&'()*+,;=~");
    CHECK_STR(join(u), "http:");                 /* no host: no authority at all */

    /* host: reg-name, or a bracketed literal */
    CHECK_EQ(evhttp_uri_set_host(u, "[::1"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "a:b"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "x%4"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "[]"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "[1::2::3]"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "[v1.]x"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "a/b"), -1);
    CHECK_EQ(evhttp_uri_set_host(u, "a@b"), -1);
    CHECK(evhttp_uri_get_host(u) == NULL);
    CHECK_EQ(evhttp_uri_set_host(u, ""), 0);
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@");
    CHECK_EQ(evhttp_uri_set_host(u, "[v7.a:b]"), 0);
    CHECK_EQ(evhttp_uri_set_host(u, "ex%41mple.com"), 0);
    CHECK_EQ(evhttp_uri_set_host(u, "[::1]"), 0);
    CHECK_STR(evhttp_uri_get_host(u), "[::1]");
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@[::1]");

    /* port: -1 (none) and up, no upper bound here */
    CHECK_EQ(evhttp_uri_set_port(u, -2), -1);
    CHECK_EQ(evhttp_uri_get_port(u), -1);
    CHECK_EQ(evhttp_uri_set_port(u, 70000), 0);
    CHECK_EQ(evhttp_uri_get_port(u), 70000);
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@[::1]:70000");
    CHECK_EQ(evhttp_uri_set_port(u, 0), 0);
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@[::1]:0");
    CHECK_EQ(evhttp_uri_set_port(u, -1), 0);
    CHECK_EQ(evhttp_uri_set_port(u, 8080), 0);

    /* path */
    CHECK_EQ(evhttp_uri_set_path(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_path(u, "/a?b"), -1);
    CHECK_EQ(evhttp_uri_set_path(u, "/a#"), -1);
    CHECK_EQ(evhttp_uri_set_path(u, "/%zz"), -1);
    CHECK_EQ(evhttp_uri_set_path(u, "/%4"), -1);
    CHECK(evhttp_uri_get_path(u) == NULL);
    CHECK_EQ(evhttp_uri_set_path(u, "x"), 0);          /* accepted, but join refuses it */
    CHECK(evhttp_uri_join(u, buf, sizeof(buf)) == NULL);
    CHECK_EQ(evhttp_uri_set_path(u, ""), 0);
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@[::1]:8080");
    CHECK_EQ(evhttp_uri_set_path(u, "/p/a:b@c;d=e%20~"), 0);

    /* query and fragment ('?' fine, '#' never in a query) */
    CHECK_EQ(evhttp_uri_set_query(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_query(u, "a#b"), -1);
    CHECK_EQ(evhttp_uri_set_query(u, "%g0"), -1);
    CHECK_EQ(evhttp_uri_set_query(u, "a?b/=c&d"), 0);
    CHECK_EQ(evhttp_uri_set_fragment(u, "a#b"), -1);
    CHECK_EQ(evhttp_uri_set_fragment(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_fragment(u, "a?b/"), 0);
    CHECK_STR(join(u), "http://us-er:p%41ss!$&'()*+,;=~@[::1]:8080/p/a:b@c;d=e%20~?a?b/=c&d#a?b/");

    /* the limit counts the NUL */
    {
        size_t len = strlen("http://us-er:p%41ss!$&'()*+,;=~@[::1]:8080/p/a:b@c;d=e%20~?a?b/=c&d#a?b/");
        char small[128];
        CHECK(evhttp_uri_join(u, small, len) == NULL);
        CHECK(evhttp_uri_join(u, small, len + 1) == small);
        CHECK_EQ(strlen(small), len);
    }

    /* NULL clears a part */
    CHECK_EQ(evhttp_uri_set_query(u, NULL), 0);
    CHECK_EQ(evhttp_uri_set_fragment(u, ""), 0);
    CHECK_EQ(evhttp_uri_set_userinfo(u, NULL), 0);
    CHECK_STR(join(u), "http://[::1]:8080/p/a:b@c;d=e%20~#");
    CHECK_EQ(evhttp_uri_set_host(u, NULL), 0);
    CHECK_STR(join(u), "http:/p/a:b@c;d=e%20~#");     /* no host: the port goes too */
    CHECK_EQ(evhttp_uri_set_scheme(u, NULL), 0);
    CHECK_EQ(evhttp_uri_set_fragment(u, NULL), 0);
    CHECK_EQ(evhttp_uri_set_path(u, NULL), 0);
    CHECK_STR(join(u), "");
    CHECK_EQ(evhttp_uri_get_port(u), 8080);

    /* nonconformant: only the path/query/fragment setters relax */
    evhttp_uri_set_flags(u, EVHTTP_URI_NONCONFORMANT);
    CHECK_EQ(evhttp_uri_set_path(u, "a b"), 0);
    CHECK_EQ(evhttp_uri_set_path(u, "/a?b"), -1);
    CHECK_EQ(evhttp_uri_set_path(u, "/a#"), -1);
    CHECK_STR(evhttp_uri_get_path(u), "a b");
    CHECK_EQ(evhttp_uri_set_query(u, "a b?|"), 0);
    CHECK_EQ(evhttp_uri_set_query(u, "a#"), -1);
    CHECK_EQ(evhttp_uri_set_fragment(u, "a# b?"), 0);
    CHECK_EQ(evhttp_uri_set_host(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_userinfo(u, "a b"), -1);
    CHECK_EQ(evhttp_uri_set_scheme(u, "a b"), -1);
    CHECK_STR(join(u), "a b?a b?|#a# b?");
    evhttp_uri_set_flags(u, 0);
    CHECK_EQ(evhttp_uri_set_path(u, "a b"), -1);
    CHECK_STR(evhttp_uri_get_path(u), "a b");
    evhttp_uri_free(u);

    /* a parsed URI remembers its flags for later setters */
    u = evhttp_uri_parse_with_flags("/x", EVHTTP_URI_NONCONFORMANT);
    CHECK(u != NULL);
    CHECK_EQ(evhttp_uri_set_path(u, "/a b"), 0);
    evhttp_uri_free(u);
    u = evhttp_uri_parse("http://h/x");
    CHECK_EQ(evhttp_uri_set_path(u, "/a b"), -1);
    CHECK_EQ(evhttp_uri_set_port(u, 81), 0);
    CHECK_STR(join(u), "http://h:81/x");
    evhttp_uri_free(u);
    return 0;
}
