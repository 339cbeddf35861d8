/* backpressure: 2 MB each way through SSL bufferevents over sockets with small kernel send
   buffers, so SSL_write keeps running into a full socket (SSL_ERROR_WANT_WRITE) and must be
   retried with the same bytes while the program keeps appending to the output buffer from
   its write callback (the buffer moves under the pending write). Both ends stop and start
   reading on a timer. Every byte arrives, in order, on both flavours (socket/socket, then a
   filter client over a socket bufferevent). */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

#define TOTAL (2 * 1024 * 1024)

struct side {
    struct bufferevent *bev;
    size_t sent, got;
    int done_reading;
};

static struct event_base *base;
static struct side sides[2];
static unsigned seed = 12345;

static unsigned char pattern(int from, size_t i)
{
    return (unsigned char)((i * 31 + i / 4093 + (size_t)from * 7) & 0xff);
}

static void feed(struct side *s, int me)
{
    /* Chunks of varying size, added whenever the output runs low. */
    while (s->sent < TOTAL && evbuffer_get_length(bufferevent_get_output(s->bev)) < 100000) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % 40000;
        if (n > TOTAL - s->sent)
            n = TOTAL - s->sent;
        unsigned char buf[40000];
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(me, s->sent + i);
        CHECK_EQ(bufferevent_write(s->bev, buf, n), 0);
        s->sent += n;
    }
}

static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    int me = (int)(long)arg;
    feed(&sides[me], me);
}

static void readcb(struct bufferevent *bev, void *arg)
{
    int me = (int)(long)arg;
    struct side *s = &sides[me];
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char buf[4096];
    int n;
    while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0) {
        for (int i = 0; i < n; i++)
            if (buf[i] != pattern(!me, s->got + (size_t)i)) {
                fprintf(stderr, "side %d: byte %zu differs\n", me, s->got + (size_t)i);
                exit(1);
            }
        s->got += (size_t)n;
    }
    CHECK(s->got <= TOTAL);
    if (s->got == TOTAL)
        s->done_reading = 1;
    if (sides[0].done_reading && sides[1].done_reading)
        event_base_loopbreak(base);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what == BEV_EVENT_CONNECTED)
        return;
    fprintf(stderr, "side %ld: unexpected event 0x%x\n", (long)arg, what);
    exit(1);
}

/* Every 3 ms one of the ends (in turn) stops or starts reading. */
static void toggle_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    static int tick;
    struct bufferevent *b = sides[tick % 2].bev;
    if ((tick / 2) % 2)
        bufferevent_enable(b, EV_READ);
    else
        bufferevent_disable(b, EV_READ);
    tick++;
}

static void small_buffers(int fd)
{
    int sz = 4096;
    CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz), 0);
}

static void run(SSL_CTX *sctx, SSL_CTX *cctx, int filter)
{
    int fds[2];
    tcp_pair(fds);
    small_buffers(fds[0]);
    small_buffers(fds[1]);
    memset(sides, 0, sizeof sides);
    sides[1].bev = bufferevent_openssl_socket_new(base, fds[1], SSL_new(sctx), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (filter) {
        struct bufferevent *u = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
        sides[0].bev = bufferevent_openssl_filter_new(base, u, SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    } else {
        sides[0].bev = bufferevent_openssl_socket_new(base, fds[0], SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    }
    CHECK(sides[0].bev && sides[1].bev);
    for (long i = 0; i < 2; i++) {
        bufferevent_setcb(sides[i].bev, readcb, writecb, eventcb, (void *)i);
        bufferevent_setwatermark(sides[i].bev, EV_WRITE, 50000, 0);
        bufferevent_enable(sides[i].bev, EV_READ | EV_WRITE);
        feed(&sides[i], (int)i);
    }
    struct event *toggle = event_new(base, -1, EV_PERSIST, toggle_cb, NULL);
    struct timeval tv = { 0, 3000 };
    event_add(toggle, &tv);
    run_for(base, 25000);
    event_free(toggle);
    CHECK_EQ(sides[0].sent, TOTAL);
    CHECK_EQ(sides[1].sent, TOTAL);
    CHECK_EQ(sides[0].got, TOTAL);
    CHECK_EQ(sides[1].got, TOTAL);
    bufferevent_free(sides[0].bev);
    bufferevent_free(sides[1].bev);
    run_for(base, 10);
}

int main(void)
{
    alarm(60);
    base = event_base_new();
    CHECK(base != NULL);
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    run(sctx, cctx, 0);
    run(sctx, cctx, 1);
    event_base_free(base);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    printf("ok\n");
    return 0;
}
