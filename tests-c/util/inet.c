/* util inet: evutil_inet_pton (libevent's own reader: sscanf-style IPv4, lenient IPv6),
   evutil_inet_pton_scope (zone by interface name or number), evutil_inet_ntop (embedded
   IPv4 forms, "::" only for runs of two or more zero words, buffer-length corners). */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <arpa/inet.h>
#include <errno.h>
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

static void hex(char *out, const unsigned char *b, int n)
{
    for (int i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* pton4(text) == expected hex, or "" for rejected (result 0, buffer untouched) */
static void pton4(int line, const char *s, const char *want)
{
    unsigned char b[4];
    char got[9];
    memset(b, 0xAA, sizeof(b));
    int r = evutil_inet_pton(AF_INET, s, b);
    if (!*want) {
        if (r != 0 || b[0] != 0xAA) { fprintf(stderr, "line %d: pton4(\"%s\") = %d, want 0\n", line, s, r); exit(1); }
        return;
    }
    hex(got, b, 4);
    if (r != 1 || strcmp(got, want)) { fprintf(stderr, "line %d: pton4(\"%s\") = %d %s, want %s\n", line, s, r, got, want); exit(1); }
}

static void pton6(int line, const char *s, const char *want)
{
    unsigned char b[16];
    char got[33];
    memset(b, 0xAA, sizeof(b));
    int r = evutil_inet_pton(AF_INET6, s, b);
    if (!*want) {
        if (r != 0 || b[0] != 0xAA) { fprintf(stderr, "line %d: pton6(\"%s\") = %d, want 0\n", line, s, r); exit(1); }
        return;
    }
    hex(got, b, 16);
    if (r != 1 || strcmp(got, want)) { fprintf(stderr, "line %d: pton6(\"%s\") = %d %s, want %s\n", line, s, r, got, want); exit(1); }
}

static const char *ntop6(const char *hexaddr, char *out, size_t len)
{
    unsigned char b[16];
    for (int i = 0; i < 16; i++) {
        unsigned x;
        sscanf(hexaddr + 2 * i, "%2x", &x);
        b[i] = (unsigned char)x;
    }
    return evutil_inet_ntop(AF_INET6, b, out, len);
}

#define P4(s, w) pton4(__LINE__, s, w)
#define P6(s, w) pton6(__LINE__, s, w)
#define NTOP6(h, want) do { char o_[64]; CHECK_STR(ntop6(h, o_, sizeof(o_)), want); } while (0)

int main(void)
{
    alarm(20);

    /* --- IPv4: "%u.%u.%u.%u" then nothing --- */
    P4("1.2.3.4", "01020304");
    P4("255.255.255.255", "ffffffff");
    P4("0.0.0.0", "00000000");
    P4("01.02.03.010", "0102030a");          /* zero-padded octets are decimal */
    P4("00000000000000000000001.2.3.4", "01020304");
    P4(" 1.2.3.4", "01020304");              /* leading whitespace */
    P4("\t1.2.3.4", "01020304");
    P4("1. 2.3.4", "01020304");              /* whitespace before a number */
    P4("+1.2.3.4", "01020304");
    P4("1.2.3.-0", "01020300");
    P4("4294967297.0.0.0", "01000000");      /* 32-bit wrap of the scanned value */
    P4("-4294967295.0.0.0", "01000000");
    P4("1.2.3.4 ", "");                      /* anything after the last number */
    P4("1.2.3.4\n", "");
    P4("1 .2.3.4", "");
    P4("-1.2.3.4", "");
    P4("256.1.1.1", "");
    P4("1.2.3", "");
    P4("1.2.3.4.5", "");
    P4("0x1.2.3.4", "");
    P4("18446744073709551617.1.1.1", "");
    P4("", "");
    P4("1.2.3.4:80", "");
    P4("::1", "");

    /* --- IPv6 --- */
    P6("::", "00000000000000000000000000000000");
    P6("::1", "00000000000000000000000000000001");
    P6("1::", "00010000000000000000000000000000");
    P6("1:2:3:4:5:6:7:8", "00010002000300040005000600070008");
    P6("1:2:3:4:5:6:7:8:", "00010002000300040005000600070008");  /* trailing ':' tolerated */
    P6("1:2:3:4:5:6:7::", "00010002000300040005000600070000");
    P6("::ffff:1.2.3.4", "00000000000000000000ffff01020304");
    P6("::1.2.3.4", "00000000000000000000000001020304");
    P6("1::2:1.2.3.4", "00010000000000000000000201020304");
    P6("1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304");
    P6("0xff::", "00ff0000000000000000000000000000");          /* strtol's 0x prefix */
    P6("::1. 2.3.4", "00000000000000000000000001020304");
    P6("ABCD:EF01::", "abcdef01000000000000000000000000");
    P6("fe80::1", "fe800000000000000000000000000001");
    P6("::0:0:0:0:0:0:0", "00000000000000000000000000000000");
    P6("1:2:3:4:5:6:7:8:9", "");
    P6("1.2.3.4", "");
    P6("1:2:3:4:5:1.2.3.4", "");
    P6("0x::", "");
    P6("12345::", "");
    P6(":1::", "");
    P6("1:::2", "");
    P6(":::", "");
    P6(" ::1", "");
    P6("::1 ", "");
    P6("fe80::1%lo", "");                    /* zones only through pton_scope */
    P6("::ab1.2.3.4", "");
    P6("::ffff:256.1.1.1", "");
    P6(".1.2.3.4", "");
    P6("1::2::3", "");
    P6("::g", "");
    P6("1:2", "");
    P6("::01234", "");
    P6("1::2:3:4:5:6:7:8", "");
    P6("1:2:3:4::5:6:7:8", "");
    P6("::0:0:0:0:0:0:0:0", "");
    P6("", "");
    P6(":", "");
    {
        char big[3000];
        memset(big, '1', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        P4(big, "");
        P6(big, "");
        for (size_t i = 0; i + 1 < sizeof(big); i++)
            big[i] = (i % 5 == 4) ? ':' : 'a';
        P6(big, "");
    }

    /* unsupported family: -1 */
    {
        unsigned char b[16];
        CHECK_EQ(evutil_inet_pton(AF_UNIX, "1.2.3.4", b), -1);
        CHECK_EQ(evutil_inet_pton(12345, "::1", b), -1);
    }

    /* --- pton_scope --- */
    {
        unsigned char b[16];
        unsigned idx;
        unsigned lo = if_nametoindex("lo");
        CHECK(lo > 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%lo", b, &idx), 1);
        CHECK_EQ(idx, lo);
        CHECK_EQ(b[0], 0xfe);
        CHECK_EQ(b[15], 1);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%1", b, &idx), 1);
        CHECK_EQ(idx, 1);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%99", b, &idx), 1);
        CHECK_EQ(idx, 99);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1", b, &idx), 1);
        CHECK_EQ(idx, 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%", b, &idx), 1);  /* empty zone = 0 */
        CHECK_EQ(idx, 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%bogus0", b, &idx), 0);
        CHECK_EQ(idx, 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%1x", b, &idx), 0);
        CHECK_EQ(idx, 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "1.2.3.4%1", b, &idx), 0);   /* index kept */
        CHECK_EQ(idx, 1);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET6, "%lo", b, &idx), 0);
        CHECK_EQ(idx, lo);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET, "1.2.3.4%1", b, &idx), 0);
        CHECK_EQ(idx, 0);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_INET, "1.2.3.4", b, &idx), 1);
        CHECK_EQ(idx, 0);
        CHECK_EQ(b[0], 1);
        CHECK_EQ(b[3], 4);
        idx = 77;
        CHECK_EQ(evutil_inet_pton_scope(AF_UNIX, "1.2.3.4", b, &idx), -1);
        CHECK_EQ(idx, 0);
    }

    /* --- ntop IPv4: snprintf-style, NULL when truncated (partial text left) --- */
    {
        unsigned char a[4] = {1, 2, 3, 4}, m[4] = {255, 255, 255, 255};
        char o[32];
        memset(o, 'Z', sizeof(o));
        CHECK(evutil_inet_ntop(AF_INET, a, o, 0) == NULL);
        CHECK_EQ(o[0], 'Z');
        CHECK(evutil_inet_ntop(AF_INET, a, o, 1) == NULL);
        CHECK_STR(o, "");
        CHECK(evutil_inet_ntop(AF_INET, a, o, 7) == NULL);
        CHECK_STR(o, "1.2.3.");
        CHECK(evutil_inet_ntop(AF_INET, a, o, 8) == o);
        CHECK_STR(o, "1.2.3.4");
        CHECK_STR(evutil_inet_ntop(AF_INET, m, o, sizeof(o)), "255.255.255.255");
        /* written like evutil_snprintf: the buffer's last byte is cleared too */
        memset(o, 'Z', sizeof(o));
        CHECK(evutil_inet_ntop(AF_INET, a, o, 12) == o);
        CHECK_STR(o, "1.2.3.4");
        CHECK_EQ(o[8], 'Z');
        CHECK_EQ(o[11], 0);
        CHECK_EQ(o[12], 'Z');
        /* IPv6 is copied strlcpy-style: nothing after the terminator is touched */
        memset(o, 'Z', sizeof(o));
        CHECK(ntop6("00000000000000000000000000000001", o, 12) == o);
        CHECK_EQ(o[11], 'Z');
        CHECK(evutil_inet_ntop(AF_UNIX, a, o, sizeof(o)) == NULL);
    }

    /* --- ntop IPv6 --- */
    NTOP6("00000000000000000000000000000000", "::");
    NTOP6("00000000000000000000000000000001", "::1");
    NTOP6("00000000000000000000000000000002", "::2");
    NTOP6("00000000000000000000ffff01020304", "::ffff:1.2.3.4");
    NTOP6("00000000000000000000ffff00000000", "::ffff:0.0.0.0");
    NTOP6("00000000000000000000ffff00000001", "::ffff:0.0.0.1");
    NTOP6("00000000000000000000000001020304", "::1.2.3.4");
    NTOP6("00000000000000000000000000010001", "::0.1.0.1");
    NTOP6("00000000000000000000000000000100", "::100");    /* IPv4-compatible needs both words */
    NTOP6("00000000000000000000000000010000", "::1:0");
    NTOP6("0000000000000000000000000000ffff", "::ffff");
    NTOP6("000000000000000000000000ffff0000", "::ffff:0");
    NTOP6("00000000000000000001ffff01020304", "::1:ffff:102:304");
    NTOP6("0000000000000000fffe000001020304", "::fffe:0:102:304");
    NTOP6("00000000000000000000000100000001", "::1:0:1");
    NTOP6("00010000000000020000000000000003", "1:0:0:2::3");  /* longest run wins */
    NTOP6("00010000000000000002000000000000", "1::2:0:0:0");  /* first of equal runs */
    NTOP6("00010000000200030004000500060007", "1:0:2:3:4:5:6:7");  /* single zero kept */
    NTOP6("00000001000200030004000500060007", "0:1:2:3:4:5:6:7");
    NTOP6("00010002000300040005000600070000", "1:2:3:4:5:6:7:0");
    NTOP6("00010002000300040005000600000000", "1:2:3:4:5:6::");
    NTOP6("00000000000100020003000400050006", "::1:2:3:4:5:6");
    NTOP6("00010000000200000000000300040005", "1:0:2::3:4:5");
    NTOP6("0001000000000000000000000000ffff", "1::ffff");
    NTOP6("fe800000000000000000000000000001", "fe80::1");
    NTOP6("ABCD0000000000000000000000000000", "abcd::");
    NTOP6("11112222333344445555666677778888", "1111:2222:3333:4444:5555:6666:7777:8888");
    {
        /* IPv6 fails only when the text is LONGER than the buffer; equal length is stored
           truncated by one character. */
        char o[64];
        memset(o, 'Z', sizeof(o));
        CHECK(ntop6("00000000000000000000000000000001", o, 0) == NULL);
        CHECK(ntop6("00000000000000000000000000000001", o, 2) == NULL);
        CHECK_EQ(o[0], 'Z');
        CHECK(ntop6("00000000000000000000000000000001", o, 3) == o);
        CHECK_STR(o, "::");
        CHECK(ntop6("00000000000000000000000000000001", o, 4) == o);
        CHECK_STR(o, "::1");
        CHECK(ntop6("00000000000000000000ffff01020304", o, 14) == o);
        CHECK_STR(o, "::ffff:1.2.3.");
        CHECK(ntop6("00000000000000000000ffff01020304", o, 13) == NULL);
        CHECK(ntop6("11112222333344445555666677778888", o, 38) == NULL);
        CHECK(ntop6("11112222333344445555666677778888", o, 39) == o);
        CHECK_STR(o, "1111:2222:3333:4444:5555:6666:7777:888");
        CHECK(ntop6("11112222333344445555666677778888", o, 40) == o);
        CHECK_STR(o, "1111:2222:3333:4444:5555:6666:7777:8888");
    }

    /* --- round trips on a sweep of addresses --- */
    for (int i = 0; i < 2000; i++) {
        unsigned char a[16], back[16];
        char o[64];
        for (int k = 0; k < 16; k++)
            a[k] = (unsigned char)(((i * 7 + k * 13) % 5 == 0) ? 0 : (i * 31 + k * 17));
        CHECK(evutil_inet_ntop(AF_INET6, a, o, sizeof(o)) == o);
        CHECK_EQ(evutil_inet_pton(AF_INET6, o, back), 1);
        CHECK(memcmp(a, back, 16) == 0);
        CHECK(evutil_inet_ntop(AF_INET, a, o, sizeof(o)) == o);
        CHECK_EQ(evutil_inet_pton(AF_INET, o, back), 1);
        CHECK(memcmp(a, back, 4) == 0);
    }
    return 0;
}
