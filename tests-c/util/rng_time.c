/* util rng & time: evutil_secure_rng_* (init 0, device file refused, bytes vary),
   the internal weak PRNG (libevent's exact sequence), evutil_date_rfc1123, the monotonic
   timer object (unconfigured = wall clock; default/precise/fallback), evutil_usleep_. */
/* BACKENDS: epoll */
#include <event2/util.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

struct evutil_weakrand_state { uint32_t seed; };
uint32_t evutil_weakrand_seed_(struct evutil_weakrand_state *st, uint32_t seed);
int32_t evutil_weakrand_(struct evutil_weakrand_state *st);
int32_t evutil_weakrand_range_(struct evutil_weakrand_state *st, int32_t top);
void evutil_usleep_(const struct timeval *tv);
int evutil_configure_monotonic_time_(struct evutil_monotonic_timer *t, int flags);
int evutil_gettime_monotonic_(struct evutil_monotonic_timer *t, struct timeval *tv);

static long long us(const struct timeval *tv) { return tv->tv_sec * 1000000LL + tv->tv_usec; }
static long long mono_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(void)
{
    alarm(20);

    /* --- secure RNG --- */
    {
        unsigned char a[256], b[256], z[256];
        CHECK_EQ(evutil_secure_rng_init(), 0);
        CHECK_EQ(evutil_secure_rng_init(), 0);
        CHECK_EQ(evutil_secure_rng_set_urandom_device_file("/dev/urandom"), -1);
        CHECK_EQ(evutil_secure_rng_set_urandom_device_file("/nonexistent"), -1);
        evutil_secure_rng_add_bytes("some entropy", 12);
        evutil_secure_rng_add_bytes(NULL, 0);
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        memset(z, 0, sizeof(z));
        evutil_secure_rng_get_bytes(a, sizeof(a));
        evutil_secure_rng_get_bytes(b, sizeof(b));
        CHECK(memcmp(a, z, sizeof(a)) != 0);
        CHECK(memcmp(a, b, sizeof(a)) != 0);
        evutil_secure_rng_get_bytes(a, 0);
        /* every byte value shows up over a large draw */
        static unsigned char big[1 << 16];
        int seen[256] = {0}, distinct = 0;
        evutil_secure_rng_get_bytes(big, sizeof(big));
        for (size_t i = 0; i < sizeof(big); i++)
            if (!seen[big[i]]++)
                distinct++;
        CHECK_EQ(distinct, 256);
    }

    /* --- weak PRNG: libevent's LCG, reproducible from a seed --- */
    {
        struct evutil_weakrand_state st;
        static const int32_t want[] = {1406932606, 654583775, 1449466924, 229283573, 1109335178};
        static const int32_t want_range[] = {51, 17, 30, 53, 94};
        CHECK_EQ(evutil_weakrand_seed_(&st, 12345), 12345);
        CHECK_EQ(st.seed, 12345);
        for (int i = 0; i < 5; i++)
            CHECK_EQ(evutil_weakrand_(&st), want[i]);
        CHECK_EQ(st.seed, 1109335178);
        evutil_weakrand_seed_(&st, 1);
        for (int i = 0; i < 5; i++)
            CHECK_EQ(evutil_weakrand_range_(&st, 100), want_range[i]);
        CHECK_EQ(st.seed, 2035015474);
        uint32_t s = evutil_weakrand_seed_(&st, 0);     /* 0: seeded from time and pid */
        CHECK(s != 0);
        CHECK_EQ(st.seed, s);
        for (int i = 0; i < 10000; i++) {
            int32_t v = evutil_weakrand_(&st);
            CHECK(v >= 0);
            int32_t r = evutil_weakrand_range_(&st, 7);
            CHECK(r >= 0 && r < 7);
            CHECK_EQ(evutil_weakrand_range_(&st, 1), 0);
        }
    }

    /* --- RFC 1123 dates --- */
    {
        struct tm tm;
        char d[64];
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = 94; tm.tm_mon = 10; tm.tm_mday = 6;
        tm.tm_hour = 8; tm.tm_min = 49; tm.tm_sec = 37; tm.tm_wday = 0;
        CHECK_EQ(evutil_date_rfc1123(d, sizeof(d), &tm), 29);
        CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
        memset(d, 'Z', sizeof(d));
        CHECK_EQ(evutil_date_rfc1123(d, 10, &tm), 29);     /* truncated, full length returned */
        CHECK_STR(d, "Sun, 06 N");
        memset(d, 'Z', sizeof(d));
        CHECK_EQ(evutil_date_rfc1123(d, 0, &tm), 0);
        CHECK_EQ(d[0], 'Z');
        CHECK_EQ(evutil_date_rfc1123(d, 30, &tm), 29);
        CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
        memset(d, 'Z', sizeof(d));
        CHECK_EQ(evutil_date_rfc1123(d, 40, &tm), 29);
        CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
        CHECK_EQ(d[30], 'Z');
        CHECK_EQ(d[39], 0);                 /* evutil_snprintf clears the last byte */
        CHECK_EQ(d[40], 'Z');
        /* fields are printed as given, not normalised */
        tm.tm_wday = 6; tm.tm_mon = 0; tm.tm_mday = 31; tm.tm_year = 5 - 1900;
        tm.tm_hour = 23; tm.tm_min = 59; tm.tm_sec = 60;
        CHECK_EQ(evutil_date_rfc1123(d, sizeof(d), &tm), 29);
        CHECK_STR(d, "Sat, 31 Jan    5 23:59:60 GMT");
        tm.tm_year = 10000; tm.tm_mon = 11; tm.tm_wday = 3;
        CHECK_EQ(evutil_date_rfc1123(d, sizeof(d), &tm), 30);
        CHECK_STR(d, "Wed, 31 Dec 11900 23:59:60 GMT");
        /* NULL: now, in GMT */
        time_t before = time(NULL);
        CHECK_EQ(evutil_date_rfc1123(d, sizeof(d), NULL), 29);
        time_t after = time(NULL);
        char b1[64], b2[64];
        struct tm g;
        strftime(b1, sizeof(b1), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&before, &g));
        strftime(b2, sizeof(b2), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&after, &g));
        CHECK(!strcmp(d, b1) || !strcmp(d, b2));
    }

    /* --- monotonic timers --- */
    {
        struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
        struct timeval tv, now;
        CHECK(t != NULL);
        /* a fresh timer reads the wall clock */
        gettimeofday(&now, NULL);
        CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
        CHECK(llabs(us(&tv) - us(&now)) < 2000000);
        /* default: the coarse monotonic clock */
        CHECK_EQ(evutil_configure_monotonic_time(t, 0), 0);
        CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
        CHECK(llabs(us(&tv) - mono_us(CLOCK_MONOTONIC_COARSE)) < 100000);
        /* precise: the monotonic clock */
        CHECK_EQ(evutil_configure_monotonic_time(t, EV_MONOT_PRECISE), 0);
        CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
        CHECK(llabs(us(&tv) - mono_us(CLOCK_MONOTONIC)) < 100000);
        struct timeval prev = tv;
        for (int i = 0; i < 1000; i++) {
            CHECK_EQ(evutil_gettime_monotonic_(t, &tv), 0);
            CHECK(us(&tv) >= us(&prev));
            prev = tv;
        }
        /* fallback (wins over precise): the wall clock, kept from going backwards */
        CHECK_EQ(evutil_configure_monotonic_time_(t, EV_MONOT_FALLBACK | EV_MONOT_PRECISE), 0);
        gettimeofday(&now, NULL);
        CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
        CHECK(llabs(us(&tv) - us(&now)) < 2000000);
        prev = tv;
        for (int i = 0; i < 1000; i++) {
            CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
            CHECK(us(&tv) >= us(&prev));
            prev = tv;
        }
        CHECK_EQ(evutil_configure_monotonic_time(t, 99), 0);
        CHECK_EQ(evutil_gettime_monotonic(t, &tv), 0);
        evutil_monotonic_timer_free(t);
        evutil_monotonic_timer_free(NULL);
    }

    /* --- usleep_ --- */
    {
        struct timeval d = {0, 50000};
        long long t0 = mono_us(CLOCK_MONOTONIC);
        evutil_usleep_(&d);
        long long took = mono_us(CLOCK_MONOTONIC) - t0;
        CHECK(took >= 49000);
        CHECK(took < 2000000);
        d.tv_usec = 0;
        evutil_usleep_(&d);
    }
    return 0;
}
