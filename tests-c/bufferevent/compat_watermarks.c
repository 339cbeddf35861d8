/* compat_watermarks: the old API as tmux-era programs use it: bufferevent_new(fd, readcb,
   writecb, errorcb, arg) with no base, bufferevent_base_set, bufferevent_settimeout in seconds,
   EVBUFFER_LENGTH(bev->input) and EVBUFFER_DATA, the public fields (readcb, cbarg, enabled)
   read and overwritten directly (redsocks calls bev->readcb itself). Then watermarks: the read
   callback waits for the read low-water mark, reading stops at the high-water mark until the
   program drains the input, the write callback runs only once output falls to the write
   low-water mark; getwatermark answers and refuses both directions at once. Also
   bufferevent_getcb, set/get_max_single_read/write and bufferevent_priority_set. */
#include <event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include <event2/buffer_compat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int nread, nwrite, nerr, nread2;
static size_t seen_len;
static void readcb(struct bufferevent *bev, void *arg)
{
    CHECK(arg == (void *)0x1234);
    nread++;
    seen_len = EVBUFFER_LENGTH(bev->input);
}
static void readcb2(struct bufferevent *bev, void *arg)
{
    (void)bev; (void)arg;
    nread2++;
}
static void writecb(struct bufferevent *bev, void *arg) { (void)bev; (void)arg; nwrite++; }
static void errorcb(struct bufferevent *bev, short what, void *arg) { (void)bev; (void)what; (void)arg; nerr++; }

/* Run the loop for 30 ms: enough for loopback data to move, bounded whatever is active. */
static void run_a_bit(struct event_base *base)
{
    struct timeval tv = { 0, 30000 };
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

int main(void)
{
    struct event_base *base = event_init();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    evutil_make_socket_nonblocking(sv[1]);

    struct bufferevent *bev = bufferevent_new(sv[0], readcb, writecb, errorcb, (void *)0x1234);
    CHECK(bev != NULL);
    CHECK(bev->readcb == readcb);
    CHECK(bev->cbarg == (void *)0x1234);
    CHECK_EQ(bufferevent_base_set(base, bev), 0);
    CHECK(bufferevent_get_base(bev) == base);
    bufferevent_settimeout(bev, 30, 0);
    CHECK_EQ(bev->timeout_read.tv_sec, 30);
    CHECK_EQ(bev->timeout_write.tv_sec, 0);
    CHECK_EQ(bufferevent_enable(bev, EV_READ), 0);
    CHECK(bev->enabled & EV_READ);

    bufferevent_data_cb r, w; bufferevent_event_cb e; void *a;
    bufferevent_getcb(bev, &r, &w, &e, &a);
    CHECK(r == readcb && w == writecb && e == errorcb && a == (void *)0x1234);

    CHECK_EQ(write(sv[1], "abc", 3), 3);
    event_loop(EVLOOP_ONCE);
    CHECK_EQ(nread, 1);
    CHECK_EQ(seen_len, 3);
    CHECK(memcmp(EVBUFFER_DATA(bev->input), "abc", 3) == 0);
    evbuffer_drain(bev->input, 3);

    /* Overwriting the public field is how some programs switch callbacks. */
    bev->readcb = readcb2;
    CHECK_EQ(write(sv[1], "d", 1), 1);
    event_loop(EVLOOP_ONCE);
    CHECK_EQ(nread2, 1);
    CHECK_EQ(nread, 1);
    evbuffer_drain(bev->input, 1);
    bev->readcb = readcb;

    /* Read watermarks: low 10, high 20. */
    bufferevent_setwatermark(bev, EV_READ, 10, 20);
    size_t lo = 0, hi = 0;
    CHECK_EQ(bufferevent_getwatermark(bev, EV_READ, &lo, &hi), 0);
    CHECK_EQ(lo, 10); CHECK_EQ(hi, 20);
    CHECK_EQ(bufferevent_getwatermark(bev, EV_READ | EV_WRITE, &lo, &hi), -1);
    nread = 0;
    CHECK_EQ(write(sv[1], "12345", 5), 5);
    run_a_bit(base);
    CHECK_EQ(nread, 0);                        /* below the low-water mark */
    CHECK_EQ(EVBUFFER_LENGTH(bev->input), 5);
    CHECK_EQ(write(sv[1], "6789012345678901234567890", 25), 25);
    run_a_bit(base);
    run_a_bit(base);
    CHECK(nread >= 1);
    CHECK_EQ(EVBUFFER_LENGTH(bev->input), 20); /* stopped at the high-water mark */
    int before = nread;
    run_a_bit(base);
    CHECK_EQ(EVBUFFER_LENGTH(bev->input), 20); /* still suspended */
    evbuffer_drain(bev->input, 20);            /* draining resumes reading */
    run_a_bit(base);
    run_a_bit(base);
    CHECK_EQ(EVBUFFER_LENGTH(bev->input), 10);
    CHECK(nread > before);
    evbuffer_drain(bev->input, 10);

    /* Write low-water mark: the write callback waits until output is at or below 0 bytes
       (default), or at or below the mark when set. */
    bufferevent_setwatermark(bev, EV_WRITE, 100, 0);
    CHECK_EQ(bufferevent_getwatermark(bev, EV_WRITE, &lo, NULL), 0);
    CHECK_EQ(lo, 100);
    nwrite = 0;
    bufferevent_enable(bev, EV_WRITE);
    CHECK_EQ(bufferevent_write(bev, "x", 1), 0);
    run_a_bit(base);
    CHECK_EQ(nwrite, 1);
    char buf[16];
    CHECK_EQ(read(sv[1], buf, sizeof(buf)), 1);

    /* Limits on single reads and writes. */
    CHECK_EQ(bufferevent_get_max_single_read(bev), 16384);
    CHECK_EQ(bufferevent_get_max_single_write(bev), 16384);
    CHECK_EQ(bufferevent_set_max_single_read(bev, 4096), 0);
    CHECK_EQ(bufferevent_get_max_single_read(bev), 4096);
    CHECK_EQ(bufferevent_set_max_single_write(bev, 0), 0);  /* 0 means the default */
    CHECK_EQ(bufferevent_get_max_single_write(bev), 16384);
    CHECK_EQ(bufferevent_get_max_to_read(bev), 4096);

    /* Priorities need a base with several queues. */
    CHECK_EQ(bufferevent_priority_set(bev, 5), -1);
    CHECK_EQ(bufferevent_get_priority(bev), 0);

    CHECK_EQ(nerr, 0);
    bufferevent_free(bev);
    close(sv[0]);   /* no BEV_OPT_CLOSE_ON_FREE with bufferevent_new */
    close(sv[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
