/* util parse_fuzz: 200000 pseudo-random near-miss strings through evutil_inet_pton (both
   families), evutil_inet_pton_scope, evutil_parse_sockaddr_port, evutil_inet_ntop (random
   addresses, random buffer sizes) and the ASCII comparisons; every result (return value,
   bytes written, text) is folded into one hash that must equal the one Debian's libevent
   gives. The first mismatch of a failing run is easiest found by diffing EVUTIL_FUZZ_DUMP=1
   output between libraries. */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state = 88172645463325252ULL;
static unsigned rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)rng_state;
}

static uint64_t hash = 1469598103934665603ULL;
static int dump;
static void mix(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        hash ^= b[i];
        hash *= 1099511628211ULL;
    }
}
static void mix_int(long long v) { mix(&v, sizeof(v)); }

int main(void)
{
    alarm(60);
    dump = getenv("EVUTIL_FUZZ_DUMP") != NULL;
    /* no letters that could spell an interface name: zones stay numeric */
    static const char *alphabets[] = {"0123456789.:", "0123456789abcdefABCDEF:.x% []", "0123456789.: +-\t", "1:.[]%0fe8"};
    static const char *prefixes[] = {"::", "1.2.3.4", "::ffff:", "[::1]:", "fe80::1%", "1:2:3:4:5:6:"};
    for (int i = 0; i < 200000; i++) {
        char s[128];
        int len = rnd() % 40;
        const char *a = alphabets[rnd() % 4];
        int al = (int)strlen(a);
        for (int j = 0; j < len; j++)
            s[j] = a[rnd() % al];
        s[len] = 0;
        if (rnd() % 3 == 0) {
            char t[128];
            snprintf(t, sizeof(t), "%s%s", prefixes[rnd() % 6], s);
            memcpy(s, t, sizeof(s));
        }
        unsigned char b4[4] = {0}, b6[16] = {0}, bs[16] = {0}, out[64];
        unsigned idx = 12345;
        int outlen = sizeof(out);
        int r4 = evutil_inet_pton(AF_INET, s, b4);
        int r6 = evutil_inet_pton(AF_INET6, s, b6);
        int rs = evutil_inet_pton_scope(AF_INET6, s, bs, &idx);
        memset(out, 0x5A, sizeof(out));
        int rp = evutil_parse_sockaddr_port(s, (struct sockaddr *)out, &outlen);
        mix_int(r4); mix(b4, 4);
        mix_int(r6); mix(b6, 16);
        mix_int(rs); mix_int(idx); mix(bs, 16);
        mix_int(rp); mix_int(outlen); mix(out, sizeof(out));
        if (dump)
            printf("%s|%d %d %d %u %d %d\n", s, r4, r6, rs, idx, rp, outlen);

        unsigned char addr[16];
        for (int k = 0; k < 16; k++) {
            unsigned x = rnd();
            addr[k] = (x % 3 == 0) ? 0 : (x % 5 == 0 ? 0xff : (unsigned char)(x >> 8));
        }
        if (rnd() % 2)
            memset(addr, 0, 10);
        char text[64];
        size_t tl = rnd() % 50;
        memset(text, 'Z', sizeof(text));
        const char *q6 = evutil_inet_ntop(AF_INET6, addr, text, tl);
        mix_int(q6 != NULL); mix(text, sizeof(text));
        memset(text, 'Z', sizeof(text));
        const char *q4 = evutil_inet_ntop(AF_INET, addr, text, tl % 18);
        mix_int(q4 != NULL); mix(text, sizeof(text));
        if (dump)
            printf("ntop %zu %d %d %.20s\n", tl, q6 != NULL, q4 != NULL, text);

        char c1[8], c2[8];
        static const char letters[] = "aAbB\x80\xff[_z";
        for (int k = 0; k < 7; k++) {
            c1[k] = letters[rnd() % 9];
            c2[k] = letters[rnd() % 9];
        }
        c1[7] = c2[7] = 0;
        c1[rnd() % 8] = 0;
        int n = (int)(rnd() % 5);
        mix_int(evutil_ascii_strcasecmp(c1, c2));
        mix_int(evutil_ascii_strncasecmp(c1, c2, n));
    }
    if (dump)
        return 0;
    const uint64_t want = 0xbfbeddb520cd99e6ULL;
    if (hash != want) {
        fprintf(stderr, "parse_fuzz: hash %#llx, want %#llx\n", (unsigned long long)hash, (unsigned long long)want);
        return 1;
    }
    return 0;
}
