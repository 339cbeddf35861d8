/* util strings: evutil_snprintf/vsnprintf (zero-length buffer gives 0), the ASCII
   case-insensitive comparisons (exactly -1/0/1, signed chars), evutil_strtoll, and the
   internal helpers EVUTIL_IS*_/TO*_, event_strlcpy_, evutil_rtrim_lws_. */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

/* Internal helpers libevent exports for its own tests (not in any header). */
int EVUTIL_ISALPHA_(char c);
int EVUTIL_ISALNUM_(char c);
int EVUTIL_ISSPACE_(char c);
int EVUTIL_ISDIGIT_(char c);
int EVUTIL_ISXDIGIT_(char c);
int EVUTIL_ISPRINT_(char c);
int EVUTIL_ISLOWER_(char c);
int EVUTIL_ISUPPER_(char c);
char EVUTIL_TOLOWER_(char c);
char EVUTIL_TOUPPER_(char c);
size_t event_strlcpy_(char *dst, const char *src, size_t siz);
void evutil_rtrim_lws_(char *s);

static int via_v(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = evutil_vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return r;
}

int main(void)
{
    char buf[64];
    alarm(20);

    /* --- snprintf --- */
    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(evutil_snprintf(buf, 0, "hello %d", 5), 0);
    CHECK_EQ(buf[0], 'X');
    CHECK_EQ(evutil_snprintf(NULL, 0, "hello"), 0);
    CHECK_EQ(evutil_snprintf(buf, 3, "hello %d", 5), 7);
    CHECK_STR(buf, "he");
    CHECK_EQ(evutil_snprintf(buf, 1, "hello"), 5);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(evutil_snprintf(buf, sizeof(buf), "%s-%d-%x-%5.2f", "ab", -12, 255, 3.14159), 15);
    CHECK_STR(buf, "ab--12-ff- 3.14");
    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(via_v(buf, 0, "%d", 12345), 0);
    CHECK_EQ(buf[0], 'X');
    CHECK_EQ(via_v(buf, 4, "%d", 12345), 5);
    CHECK_STR(buf, "123");
    CHECK_EQ(via_v(buf, sizeof(buf), "%s=%lld", "k", (long long)-1), 4);
    CHECK_STR(buf, "k=-1");
    /* the last byte of the buffer is always cleared, even after a short text */
    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(evutil_snprintf(buf, 10, "ab"), 2);
    CHECK_STR(buf, "ab");
    CHECK_EQ(buf[3], 'X');
    CHECK_EQ(buf[9], 0);
    CHECK_EQ(buf[10], 'X');

    /* --- case-insensitive comparison: exactly -1 / 0 / 1 --- */
    CHECK_EQ(evutil_ascii_strcasecmp("abc", "ABC"), 0);
    CHECK_EQ(evutil_ascii_strcasecmp("abc", "abd"), -1);
    CHECK_EQ(evutil_ascii_strcasecmp("abz", "abA"), 1);
    CHECK_EQ(evutil_ascii_strcasecmp("a", "ab"), -1);
    CHECK_EQ(evutil_ascii_strcasecmp("ab", "a"), 1);
    CHECK_EQ(evutil_ascii_strcasecmp("", ""), 0);
    CHECK_EQ(evutil_ascii_strcasecmp("Z", "a"), 1);
    CHECK_EQ(evutil_ascii_strcasecmp("[", "a"), -1);   /* '[' < 'a' */
    CHECK_EQ(evutil_ascii_strcasecmp("[", "A"), -1);   /* compared lower-cased */
    /* bytes >= 0x80 are negative chars and never case-folded */
    CHECK_EQ(evutil_ascii_strcasecmp("\x80", "a"), -1);
    CHECK_EQ(evutil_ascii_strcasecmp("a", "\x80"), 1);
    CHECK_EQ(evutil_ascii_strcasecmp("", "\x80"), 1);
    CHECK_EQ(evutil_ascii_strcasecmp("\xc0", "\xe0"), -1);
    CHECK_EQ(evutil_ascii_strcasecmp("HeLLo WoRLD", "hello world"), 0);
    CHECK_EQ(evutil_ascii_strncasecmp("abcX", "ABCY", 3), 0);
    CHECK_EQ(evutil_ascii_strncasecmp("abcX", "ABCY", 4), -1);
    CHECK_EQ(evutil_ascii_strncasecmp("abcY", "ABCX", 99), 1);
    CHECK_EQ(evutil_ascii_strncasecmp("x", "y", 0), 0);
    CHECK_EQ(evutil_ascii_strncasecmp("a", "ab", 2), -1);
    CHECK_EQ(evutil_ascii_strncasecmp("a", "ab", 1), 0);
    CHECK_EQ(evutil_ascii_strncasecmp("\x80", "a", 1), -1);
    {
        /* strncasecmp must not read beyond n: unterminated inputs */
        char u1[3] = {'a', 'B', 'c'}, u2[3] = {'A', 'b', 'C'};
        CHECK_EQ(evutil_ascii_strncasecmp(u1, u2, 3), 0);
    }

    /* --- strtoll --- */
    {
        char *end = NULL;
        const char *s = " -123abc";
        CHECK_EQ(evutil_strtoll(s, &end, 10), -123);
        CHECK(end == s + 5);
        CHECK_EQ(evutil_strtoll("0x7fffffffffffffffff", NULL, 0), 0x7fffffffffffffffLL);
        CHECK_EQ(evutil_strtoll("-0x10", NULL, 16), -16);
        CHECK_EQ(evutil_strtoll("0777", NULL, 0), 511);
        CHECK_EQ(evutil_strtoll("9223372036854775807", NULL, 10), 9223372036854775807LL);
        s = "zzz";
        CHECK_EQ(evutil_strtoll(s, &end, 10), 0);
        CHECK(end == s);
    }

    /* --- locale-independent character classes --- */
    for (int c = -128; c < 128; c++) {
        char ch = (char)c;
        int d = c >= '0' && c <= '9', lo = c >= 'a' && c <= 'z', up = c >= 'A' && c <= 'Z';
        int x = d || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        int sp = c == ' ' || (c >= 9 && c <= 13), pr = c >= 32 && c <= 126;
        CHECK_EQ(EVUTIL_ISDIGIT_(ch), d);
        CHECK_EQ(EVUTIL_ISALPHA_(ch), lo || up);
        CHECK_EQ(EVUTIL_ISALNUM_(ch), lo || up || d);
        CHECK_EQ(EVUTIL_ISXDIGIT_(ch), x);
        CHECK_EQ(EVUTIL_ISSPACE_(ch), sp);
        CHECK_EQ(EVUTIL_ISPRINT_(ch), pr);
        CHECK_EQ(EVUTIL_ISLOWER_(ch), lo);
        CHECK_EQ(EVUTIL_ISUPPER_(ch), up);
        CHECK_EQ(EVUTIL_TOLOWER_(ch), up ? c + 32 : c);
        CHECK_EQ(EVUTIL_TOUPPER_(ch), lo ? c - 32 : c);
    }

    /* --- strlcpy --- */
    memset(buf, 'Z', sizeof(buf));
    CHECK_EQ(event_strlcpy_(buf, "hello world", 6), 11);
    CHECK_STR(buf, "hello");
    memset(buf, 'Z', sizeof(buf));
    CHECK_EQ(event_strlcpy_(buf, "abc", 0), 3);
    CHECK_EQ(buf[0], 'Z');
    CHECK_EQ(event_strlcpy_(buf, "abc", sizeof(buf)), 3);
    CHECK_STR(buf, "abc");
    CHECK_EQ(event_strlcpy_(buf, "", 1), 0);
    CHECK_STR(buf, "");

    /* --- rtrim of spaces and tabs only --- */
    strcpy(buf, "abc \t \t");
    evutil_rtrim_lws_(buf);
    CHECK_STR(buf, "abc");
    CHECK_EQ(buf[4], 0);             /* each trimmed byte is cleared */
    strcpy(buf, "  \t ");
    evutil_rtrim_lws_(buf);
    CHECK_STR(buf, "");
    strcpy(buf, "a b\n ");
    evutil_rtrim_lws_(buf);
    CHECK_STR(buf, "a b\n");
    strcpy(buf, "");
    evutil_rtrim_lws_(buf);
    CHECK_STR(buf, "");
    strcpy(buf, " x");
    evutil_rtrim_lws_(buf);
    CHECK_STR(buf, " x");
    evutil_rtrim_lws_(NULL);
    return 0;
}
