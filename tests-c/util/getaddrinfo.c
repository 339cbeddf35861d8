/* util getaddrinfo: evutil_getaddrinfo on numeric hosts and services (no DNS), hints flags
   (PASSIVE, NUMERICHOST, NUMERICSERV, ADDRCONFIG, CANONNAME, V4MAPPED), NULL hints (no
   implicit ADDRCONFIG/V4MAPPED), the EVUTIL_EAI_* errors, evutil_freeaddrinfo (and the C
   library's freeaddrinfo, which programs also use on these lists), evutil_gai_strerror. */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

/* Describe a result list as "family/socktype/protocol/flags addr port [canon]; ..." */
static const char *describe(struct evutil_addrinfo *ai)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = 0;
    for (; ai; ai = ai->ai_next) {
        char a[64];
        int port;
        if (ai->ai_family == AF_INET) {
            struct sockaddr_in *s = (struct sockaddr_in *)ai->ai_addr;
            CHECK_EQ(ai->ai_addrlen, sizeof(*s));
            inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
            port = ntohs(s->sin_port);
        } else {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)ai->ai_addr;
            CHECK_EQ(ai->ai_family, AF_INET6);
            CHECK_EQ(ai->ai_addrlen, sizeof(*s));
            inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
            port = ntohs(s->sin6_port);
        }
        CHECK_EQ(ai->ai_addr->sa_family, ai->ai_family);
        n += snprintf(buf + n, sizeof(buf) - n, "%s%d/%d/%d/%#x %s %d%s%s", n ? "; " : "", ai->ai_family,
                      ai->ai_socktype, ai->ai_protocol, ai->ai_flags, a, port, ai->ai_canonname ? " " : "",
                      ai->ai_canonname ? ai->ai_canonname : "");
    }
    return buf;
}

/* Look up and describe (then free); on error return "error N" with res untouched. */
static const char *lookup(const char *node, const char *serv, int family, int socktype, int flags, int use_hints)
{
    static char err[32];
    struct evutil_addrinfo hints, *res = (struct evutil_addrinfo *)&hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_flags = flags;
    int r = evutil_getaddrinfo(node, serv, use_hints ? &hints : NULL, &res);
    if (r != 0) {
        CHECK(res == (struct evutil_addrinfo *)&hints);
        snprintf(err, sizeof(err), "error %d", r);
        return err;
    }
    const char *d = describe(res);
    evutil_freeaddrinfo(res);
    return d;
}

int main(void)
{
    alarm(20);
    char buf[64];

    /* constants as Debian's headers define them (feature macros make these glibc's) */
    CHECK_EQ(EVUTIL_EAI_BADFLAGS, -1);
    CHECK_EQ(EVUTIL_EAI_NONAME, -2);
    CHECK_EQ(EVUTIL_EAI_AGAIN, -3);
    CHECK_EQ(EVUTIL_EAI_FAIL, -4);
    CHECK_EQ(EVUTIL_EAI_FAMILY, -6);
    CHECK_EQ(EVUTIL_EAI_SOCKTYPE, -7);
    CHECK_EQ(EVUTIL_EAI_SERVICE, -8);
    CHECK_EQ(EVUTIL_EAI_MEMORY, -10);
    CHECK_EQ(EVUTIL_EAI_SYSTEM, -11);
    CHECK_EQ(EVUTIL_EAI_CANCEL, -90001);
    CHECK_EQ(EVUTIL_AI_PASSIVE, 1);
    CHECK_EQ(EVUTIL_AI_CANONNAME, 2);
    CHECK_EQ(EVUTIL_AI_NUMERICHOST, 4);
    CHECK_EQ(EVUTIL_AI_NUMERICSERV, 0x400);
    CHECK_EQ(EVUTIL_AI_V4MAPPED, 8);
    CHECK_EQ(EVUTIL_AI_ALL, 0x10);
    CHECK_EQ(EVUTIL_AI_ADDRCONFIG, 0x20);

    /* numeric host, numeric service, no socktype: one entry per socket type */
    CHECK_STR(lookup("1.2.3.4", "80", AF_UNSPEC, 0, 0, 1),
              "2/1/6/0 1.2.3.4 80; 2/2/17/0 1.2.3.4 80; 2/3/0/0 1.2.3.4 80");
    /* NULL hints: like zeroed hints (no implicit flags) */
    CHECK_STR(lookup("1.2.3.4", "80", 0, 0, 0, 0),
              "2/1/6/0 1.2.3.4 80; 2/2/17/0 1.2.3.4 80; 2/3/0/0 1.2.3.4 80");
    CHECK_STR(lookup("1.2.3.4", "80", AF_INET, SOCK_STREAM, 0, 1), "2/1/6/0 1.2.3.4 80");
    CHECK_STR(lookup("1.2.3.4", "80", AF_INET, SOCK_DGRAM, EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV, 1),
              "2/2/17/0x404 1.2.3.4 80");
    CHECK_STR(lookup("1.2.3.4", "99999", AF_INET, SOCK_STREAM, 0, 1), "2/1/6/0 1.2.3.4 34463");
    CHECK_STR(lookup("1.2.3.4", NULL, AF_INET, SOCK_STREAM, 0, 1), "2/1/6/0 1.2.3.4 0");
    CHECK_STR(lookup("::1", "80", AF_UNSPEC, SOCK_STREAM, 0, 1), "10/1/6/0 ::1 80");
    CHECK_STR(lookup("::ffff:1.2.3.4", "443", AF_INET6, SOCK_STREAM, 0, 1), "10/1/6/0 ::ffff:1.2.3.4 443");
    CHECK_STR(lookup("1.2.3.4", "80", AF_INET6, SOCK_STREAM, EVUTIL_AI_V4MAPPED, 1), "10/1/6/0x8 ::ffff:1.2.3.4 80");
    /* AI_ADDRCONFIG does not filter literal addresses */
    CHECK_STR(lookup("127.0.0.1", "80", AF_UNSPEC, SOCK_STREAM, EVUTIL_AI_ADDRCONFIG | EVUTIL_AI_NUMERICHOST, 1),
              "2/1/6/0x24 127.0.0.1 80");
    /* AI_CANONNAME on a literal: the literal itself */
    CHECK_STR(lookup("1.2.3.4", NULL, AF_INET, SOCK_DGRAM, EVUTIL_AI_CANONNAME, 1), "2/2/17/0x2 1.2.3.4 0 1.2.3.4");
    /* passive, no host: the wildcard addresses */
    CHECK_STR(lookup(NULL, "8080", AF_INET, SOCK_STREAM, EVUTIL_AI_PASSIVE, 1), "2/1/6/0x1 0.0.0.0 8080");
    CHECK_STR(lookup(NULL, "8080", AF_INET6, SOCK_STREAM, EVUTIL_AI_PASSIVE, 1), "10/1/6/0x1 :: 8080");
    /* not passive, no host: loopback */
    CHECK_STR(lookup(NULL, "8080", AF_INET, SOCK_STREAM, 0, 1), "2/1/6/0 127.0.0.1 8080");
    CHECK_STR(lookup(NULL, "8080", AF_INET6, SOCK_STREAM, 0, 1), "10/1/6/0 ::1 8080");
    /* libevent's private hint flag (0x80000000) is stripped, not refused */
    CHECK_STR(lookup("1.2.3.4", NULL, AF_INET, SOCK_DGRAM, (int)0x80000000u, 1), "2/2/17/0 1.2.3.4 0");

    /* --- errors --- */
    CHECK_STR(lookup(NULL, NULL, 0, SOCK_STREAM, 0, 1), "error -2");                      /* NONAME */
    CHECK_STR(lookup("1.2.3.4", "http", AF_INET, SOCK_STREAM, EVUTIL_AI_NUMERICSERV, 1), "error -2");
    CHECK_STR(lookup("not-an-address.invalid", "80", AF_INET, SOCK_STREAM, EVUTIL_AI_NUMERICHOST, 1), "error -2");
    CHECK_STR(lookup("::1", "80", AF_INET, SOCK_STREAM, 0, 1), "error -9");             /* ADDRFAMILY */
    CHECK_STR(lookup("1.2.3.4", "80", AF_INET6, SOCK_STREAM, 0, 1), "error -9");
    CHECK_STR(lookup("1.2.3.4", NULL, AF_INET, SOCK_DGRAM, 0x40000000, 1), "error -1");  /* BADFLAGS */
    CHECK_STR(lookup("1.2.3.4", NULL, 12345, 0, 0, 1), "error -6");                      /* FAMILY */
    CHECK_STR(lookup("1.2.3.4", NULL, AF_INET, 12345, 0, 1), "error -7");                /* SOCKTYPE */
    CHECK_STR(lookup("1.2.3.4", "-1", AF_INET, SOCK_STREAM, 0, 1), "error -8");          /* SERVICE */
    CHECK_STR(lookup("1.2.3.4", "no-such-service-x", AF_INET, SOCK_STREAM, 0, 1), "error -8");

    /* evutil lists are the C library's: its freeaddrinfo releases them too */
    {
        struct evutil_addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_flags = EVUTIL_AI_CANONNAME;
        CHECK_EQ(evutil_getaddrinfo("10.1.2.3", "7", &hints, &res), 0);
        CHECK(res != NULL);
        freeaddrinfo(res);
        /* and the other way round */
        struct addrinfo *sys = NULL;
        CHECK_EQ(getaddrinfo("10.1.2.3", "7", NULL, &sys), 0);
        evutil_freeaddrinfo(sys);
    }

    /* --- gai_strerror: libevent's BSD texts, the C library's for the rest --- */
    CHECK_STR(evutil_gai_strerror(0), "No error");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_BADFLAGS), "invalid value for ai_flags");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_NONAME), "nodename nor servname provided, or not known");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_AGAIN), "temporary failure in name resolution");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_FAIL), "non-recoverable failure in name resolution");
    CHECK_STR(evutil_gai_strerror(-5), "no address associated with nodename");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_FAMILY), "ai_family not supported");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_SOCKTYPE), "ai_socktype not supported");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_SERVICE), "servname not supported for ai_socktype");
    CHECK_STR(evutil_gai_strerror(-9), "address family for nodename not supported");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_MEMORY), "memory allocation failure");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_SYSTEM), "system error");
    CHECK_STR(evutil_gai_strerror(EVUTIL_EAI_CANCEL), "Request canceled");
    snprintf(buf, sizeof(buf), "%s", gai_strerror(-100));
    CHECK_STR(evutil_gai_strerror(-100), buf);
    snprintf(buf, sizeof(buf), "%s", gai_strerror(-901));
    CHECK_STR(evutil_gai_strerror(-901), buf);
    snprintf(buf, sizeof(buf), "%s", gai_strerror(12345));
    CHECK_STR(evutil_gai_strerror(12345), buf);
    return 0;
}
