/* util sockaddr: evutil_parse_sockaddr_port (every accepted form, atoi port, port 0 and
   overlong text refused — CVE-2016-10196 — and the whole offered buffer cleared),
   evutil_sockaddr_cmp (libevent's raw orderings), and the internal helpers
   evutil_format_sockaddr_port_, evutil_sockaddr_is_loopback_, evutil_v4addr_is_local_,
   evutil_v6addr_is_local_. */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <arpa/inet.h>
#include <net/if.h>
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

const char *evutil_format_sockaddr_port_(const struct sockaddr *sa, char *out, size_t outlen);
int evutil_sockaddr_is_loopback_(const struct sockaddr *sa);
int evutil_v4addr_is_local_(const struct in_addr *in);
int evutil_v6addr_is_local_(const struct in6_addr *in);

static unsigned char out[256];

/* Parse s with *outlen = room. Returns the result; the address is in `out`. */
static int parse(const char *s, int room, int *outlen)
{
    memset(out, 0xAA, sizeof(out));
    *outlen = room;
    return evutil_parse_sockaddr_port(s, (struct sockaddr *)out, outlen);
}

/* Accepted as IPv4 "a.b.c.d" with port. */
static void ok4(int line, const char *s, const char *addr, int port)
{
    int len;
    char text[64];
    int r = parse(s, sizeof(out), &len);
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    if (r != 0 || len != (int)sizeof(struct sockaddr_in) || sin->sin_family != AF_INET || ntohs(sin->sin_port) != port ||
        strcmp(inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)), addr)) {
        fprintf(stderr, "line %d: parse(\"%s\") = %d len %d, want %s port %d\n", line, s, r, len, addr, port);
        exit(1);
    }
    for (size_t i = sizeof(*sin); i < sizeof(out); i++)
        if (out[i] != 0) { fprintf(stderr, "line %d: byte %zu not cleared\n", line, i); exit(1); }
}

static void ok6(int line, const char *s, const char *addr, int port, unsigned scope)
{
    int len;
    char text[64];
    int r = parse(s, sizeof(out), &len);
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
    if (r != 0 || len != (int)sizeof(struct sockaddr_in6) || sin6->sin6_family != AF_INET6 || ntohs(sin6->sin6_port) != port ||
        sin6->sin6_scope_id != scope || sin6->sin6_flowinfo != 0 ||
        strcmp(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)), addr)) {
        fprintf(stderr, "line %d: parse(\"%s\") = %d len %d, want [%s]:%d%%%u\n", line, s, r, len, addr, port, scope);
        exit(1);
    }
    for (size_t i = sizeof(*sin6); i < sizeof(out); i++)
        if (out[i] != 0) { fprintf(stderr, "line %d: byte %zu not cleared\n", line, i); exit(1); }
}

static void bad(int line, const char *s)
{
    int len;
    int r = parse(s, sizeof(out), &len);
    if (r != -1 || len != (int)sizeof(out) || out[0] != 0xAA) {
        fprintf(stderr, "line %d: parse(\"%.40s\") = %d, want -1 and nothing written\n", line, s, r);
        exit(1);
    }
}

#define OK4(s, a, p) ok4(__LINE__, s, a, p)
#define OK6(s, a, p, sc) ok6(__LINE__, s, a, p, sc)
#define BAD(s) bad(__LINE__, s)

static struct sockaddr_in sin4(const char *a, int port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    inet_pton(AF_INET, a, &s.sin_addr);
    return s;
}

static struct sockaddr_in6 sin6(const char *a, int port)
{
    struct sockaddr_in6 s;
    memset(&s, 0, sizeof(s));
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    inet_pton(AF_INET6, a, &s.sin6_addr);
    return s;
}

#define SA(x) ((struct sockaddr *)&(x))

int main(void)
{
    alarm(20);
    unsigned lo = if_nametoindex("lo");
    CHECK(lo > 0);

    /* --- accepted forms --- */
    OK4("1.2.3.4", "1.2.3.4", 0);
    OK4("1.2.3.4:80", "1.2.3.4", 80);
    OK4("1.2.3.4:1", "1.2.3.4", 1);
    OK4("1.2.3.4:65535", "1.2.3.4", 65535);
    OK4("1.2.3.4:80abc", "1.2.3.4", 80);        /* atoi: trailing junk ignored */
    OK4("1.2.3.4: 80", "1.2.3.4", 80);
    OK4("1.2.3.4:+80", "1.2.3.4", 80);
    OK4("1.2.3.4:4294967376", "1.2.3.4", 80);   /* atoi wraps to 32 bits */
    OK4(" 1.2.3.4:80", "1.2.3.4", 80);
    OK4("01.2.3.4:80", "1.2.3.4", 80);
    OK6("[::1]", "::1", 0, 0);
    OK6("[::1]:80", "::1", 80, 0);
    OK6("[::1]80", "::1", 0, 0);                /* only "]:" introduces a port */
    OK6("::1", "::1", 0, 0);
    OK6("::1:80", "::0.1.0.128", 0, 0);         /* bare IPv6 never has a port (glibc prints ::1:80 so) */
    OK6("[::ffff:1.2.3.4]:80", "::ffff:1.2.3.4", 80, 0);
    OK6("[fe80::1%lo]:99", "fe80::1", 99, lo);
    OK6("fe80::1%lo", "fe80::1", 0, lo);
    OK6("[fe80::1%2]:99", "fe80::1", 99, 2);
    OK6("[fe80::1%]:99", "fe80::1", 99, 0);
    OK6("[1:2:3:4:5:6:7:8]:65535", "1:2:3:4:5:6:7:8", 65535, 0);

    /* --- refused --- */
    BAD("[::1");
    BAD("1.2.3.4:");
    BAD("1.2.3.4:0");
    BAD("1.2.3.4:00");
    BAD("1.2.3.4:65536");
    BAD("1.2.3.4:-1");
    BAD("1.2.3.4:abc");
    BAD("1.2.3.4:99999999999999999999");
    BAD("[::1]:");
    BAD("[::1]:0");
    BAD("[::1]:65536");
    BAD("[1.2.3.4]:80");
    BAD("1.2.3.4:80:90");
    BAD(":80");
    BAD("");
    BAD("[]");
    BAD("[]:80");
    BAD("1.2.3.4 :80");
    BAD("[ ::1]:80");
    BAD("1.2.3.4]:80");
    BAD("[fe80::1%bogus0]:80");
    BAD("1.2.3");
    BAD("localhost:80");
    OK6("[::1]]:80", "::1", 0, 0);           /* text after "]" other than ":" is ignored */

    /* --- lengths: the address text may be 127 bytes, never more; nothing overflows --- */
    {
        char s[4096];
        int len;
        memset(s, ' ', 120);
        strcpy(s + 120, "1.2.3.4:80");        /* 127 bytes before ':' */
        OK4(s, "1.2.3.4", 80);
        memset(s, ' ', 121);
        strcpy(s + 121, "1.2.3.4:80");        /* 128 */
        BAD(s);
        strcpy(s, "[::1%");
        memset(s + 5, '0', 122);
        strcpy(s + 127, "1]:80");              /* 127 inside the brackets */
        OK6(s, "::1", 80, 1);
        strcpy(s, "[::1%");
        memset(s + 5, '0', 123);
        strcpy(s + 128, "1]:80");              /* 128 */
        BAD(s);
        memset(s, '1', 2000);
        s[2000] = 0;
        BAD(s);
        s[0] = '[';
        s[1999] = ']';
        BAD(s);
        memset(s, '1', 2000);
        s[1000] = ':';
        BAD(s);
        memset(s, 'a', sizeof(s) - 1);
        s[sizeof(s) - 1] = 0;
        s[0] = '[';
        s[3000] = ']';
        s[3001] = ':';
        s[3002] = '8';
        BAD(s);
        for (size_t i = 0; i < sizeof(s) - 1; i++)
            s[i] = (i % 3 == 2) ? ':' : '1';
        BAD(s);                                 /* bare IPv6 of any length: just invalid */
        /* room checks: too small refuses and writes nothing */
        CHECK_EQ(parse("1.2.3.4:80", sizeof(struct sockaddr_in) - 1, &len), -1);
        CHECK_EQ(len, sizeof(struct sockaddr_in) - 1);
        CHECK_EQ(out[0], 0xAA);
        CHECK_EQ(parse("1.2.3.4:80", 0, &len), -1);
        CHECK_EQ(parse("1.2.3.4:80", -1, &len), -1);
        CHECK_EQ(parse("[::1]:80", sizeof(struct sockaddr_in6) - 1, &len), -1);
        CHECK_EQ(parse("1.2.3.4:80", sizeof(struct sockaddr_in), &len), 0);
        CHECK_EQ(len, sizeof(struct sockaddr_in));
        CHECK_EQ(out[sizeof(struct sockaddr_in)], 0xAA);   /* beyond the offered room: untouched */
        CHECK_EQ(parse("1.2.3.4:80", 20, &len), 0);
        CHECK_EQ(out[19], 0);                              /* within the room: cleared */
        CHECK_EQ(out[20], 0xAA);
        CHECK_EQ(parse("[::1]:80", sizeof(struct sockaddr_in6), &len), 0);
        CHECK_EQ(len, sizeof(struct sockaddr_in6));
        CHECK_EQ(out[sizeof(struct sockaddr_in6)], 0xAA);
    }

    /* --- sockaddr_cmp --- */
    {
        struct sockaddr_in a = sin4("1.0.0.2", 0), b = sin4("2.0.0.1", 0);
        struct sockaddr_in6 x = sin6("::1", 8080), y = sin6("::1", 1);
        struct sockaddr_in6 p = sin6("0:1000::", 0), q = sin6("0:300::", 0);
        struct sockaddr u;
        /* IPv4 addresses compare as the raw network-order word read natively */
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(b), 1), 1);
        CHECK_EQ(evutil_sockaddr_cmp(SA(b), SA(a), 1), -1);
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(a), 1), 0);
        b = sin4("1.0.0.2", 81);
        a.sin_port = htons(80);
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(b), 1), -256);   /* raw port difference */
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(b), 0), 0);
        a.sin_port = htons(0x0100);
        b.sin_port = htons(0x0001);
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(b), 1), -255);
        /* family difference first */
        CHECK_EQ(evutil_sockaddr_cmp(SA(a), SA(x), 1), AF_INET - AF_INET6);
        CHECK_EQ(evutil_sockaddr_cmp(SA(x), SA(a), 0), AF_INET6 - AF_INET);
        /* IPv6: memcmp's byte difference */
        CHECK_EQ(evutil_sockaddr_cmp(SA(p), SA(q), 1), 0x10 - 0x03);
        CHECK_EQ(evutil_sockaddr_cmp(SA(q), SA(p), 1), 0x03 - 0x10);
        CHECK_EQ(evutil_sockaddr_cmp(SA(x), SA(y), 1), (int)htons(8080) - (int)htons(1));
        CHECK_EQ(evutil_sockaddr_cmp(SA(x), SA(y), 0), 0);
        y.sin6_port = x.sin6_port;
        y.sin6_scope_id = 5;                     /* scope and flow are not compared */
        y.sin6_flowinfo = 7;
        CHECK_EQ(evutil_sockaddr_cmp(SA(x), SA(y), 1), 0);
        /* other families never compare equal */
        memset(&u, 0, sizeof(u));
        u.sa_family = AF_UNIX;
        CHECK_EQ(evutil_sockaddr_cmp(&u, &u, 1), 1);
        CHECK_EQ(evutil_sockaddr_cmp(&u, &u, 0), 1);
    }

    /* --- format_sockaddr_port_ --- */
    {
        struct sockaddr_in a = sin4("1.2.3.4", 80);
        struct sockaddr_in6 b = sin6("::1", 8080), c = sin6("::ffff:10.0.0.1", 65535);
        struct sockaddr u;
        char o[64];
        CHECK(evutil_format_sockaddr_port_(SA(a), o, sizeof(o)) == o);
        CHECK_STR(o, "1.2.3.4:80");
        CHECK_STR(evutil_format_sockaddr_port_(SA(b), o, sizeof(o)), "[::1]:8080");
        CHECK_STR(evutil_format_sockaddr_port_(SA(c), o, sizeof(o)), "[::ffff:10.0.0.1]:65535");
        memset(o, 'Z', sizeof(o));
        CHECK(evutil_format_sockaddr_port_(SA(a), o, 20) == o);
        CHECK_STR(o, "1.2.3.4:80");
        CHECK_EQ(o[11], 'Z');
        CHECK_EQ(o[19], 0);                 /* evutil_snprintf clears the last byte */
        CHECK_EQ(o[20], 'Z');
        memset(o, 'Z', sizeof(o));
        CHECK(evutil_format_sockaddr_port_(SA(a), o, 5) == o);
        CHECK_STR(o, "1.2.");
        memset(&u, 0, sizeof(u));
        u.sa_family = AF_UNIX;
        CHECK_STR(evutil_format_sockaddr_port_(&u, o, sizeof(o)), "<addr with socktype 1>");
        u.sa_family = 12345;
        CHECK_STR(evutil_format_sockaddr_port_(&u, o, sizeof(o)), "<addr with socktype 12345>");
    }

    /* --- loopback / local predicates --- */
    {
        struct sockaddr_in a = sin4("127.0.1.1", 0), b = sin4("1.2.3.4", 0), c = sin4("127.255.255.255", 9);
        struct sockaddr_in6 x = sin6("::1", 0), y = sin6("::2", 0), z = sin6("::ffff:127.0.0.1", 0);
        struct sockaddr u;
        memset(&u, 0, sizeof(u));
        u.sa_family = AF_UNIX;
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(a)), 1);
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(c)), 1);
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(b)), 0);
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(x)), 1);
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(y)), 0);
        CHECK_EQ(evutil_sockaddr_is_loopback_(SA(z)), 0);
        CHECK_EQ(evutil_sockaddr_is_loopback_(&u), 0);

        static const struct { const char *a; int local; } v4[] = {
            {"0.0.0.0", 1}, {"127.0.0.1", 1}, {"127.255.255.255", 1}, {"169.254.1.1", 1},
            {"169.255.0.0", 0}, {"224.0.0.1", 1}, {"239.255.255.255", 1}, {"240.0.0.0", 0},
            {"1.2.3.4", 0}, {"10.0.0.1", 0}, {"192.168.0.1", 0}, {"255.255.255.255", 0},
        };
        for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
            struct in_addr ia;
            inet_pton(AF_INET, v4[i].a, &ia);
            if (evutil_v4addr_is_local_(&ia) != v4[i].local) { fprintf(stderr, "v4 local %s\n", v4[i].a); exit(1); }
        }
        static const struct { const char *a; int local; } v6[] = {
            {"::", 1}, {"::1", 1}, {"::ffff:1.2.3.4", 1}, {"fc00::", 1}, {"fd00::1", 1}, {"fe80::1", 1},
            {"febf::", 1}, {"fec0::", 1}, {"feff::", 1}, {"ff02::1", 1}, {"2001:db8::1", 0},
            {"0:0:0:1::", 0}, {"fb00::", 0}, {"fe00::", 0},
        };
        for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
            struct in6_addr ia;
            inet_pton(AF_INET6, v6[i].a, &ia);
            if (evutil_v6addr_is_local_(&ia) != v6[i].local) { fprintf(stderr, "v6 local %s\n", v6[i].a); exit(1); }
        }
    }
    return 0;
}
