/* bench_bev: bufferevent ping-pong. N socketpair connections, a socket bufferevent on each end;
   every connection bounces one small message (64 bytes by default) back and forth until M
   messages have been delivered over all connections. Prints "<usec per message> <messages>".
   usage: bench_bev [-n connections] [-m total messages] [-s message size] */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static long delivered, target;
static size_t msg_size = 64;
static struct event_base *base;

static void bounce(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in) >= msg_size) {
        delivered++;
        if (delivered >= target) {
            event_base_loopbreak(base);
            return;
        }
        /* Send the message straight back: move it from input to output. */
        evbuffer_remove_buffer(in, bufferevent_get_output(bev), msg_size);
    }
}

int main(int argc, char **argv)
{
    int n = 100, c;
    target = 200000;
    while ((c = getopt(argc, argv, "n:m:s:")) != -1) {
        switch (c) {
        case 'n': n = atoi(optarg); break;
        case 'm': target = atol(optarg); break;
        case 's': msg_size = (size_t)atol(optarg); break;
        default: fprintf(stderr, "usage: %s [-n conns] [-m messages] [-s size]\n", argv[0]); return 2;
        }
    }
    base = event_base_new();
    struct bufferevent **bevs = calloc((size_t)n * 2, sizeof(*bevs));
    char *msg = calloc(1, msg_size);
    for (int i = 0; i < n; i++) {
        int sv[2];
        if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) { perror("socketpair"); return 1; }
        for (int k = 0; k < 2; k++) {
            evutil_make_socket_nonblocking(sv[k]);
            bevs[2 * i + k] = bufferevent_socket_new(base, sv[k], BEV_OPT_CLOSE_ON_FREE);
            bufferevent_setcb(bevs[2 * i + k], bounce, NULL, NULL, NULL);
            bufferevent_enable(bevs[2 * i + k], EV_READ | EV_WRITE);
        }
        bufferevent_write(bevs[2 * i], msg, msg_size);
    }
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    event_base_dispatch(base);
    gettimeofday(&t1, NULL);
    double us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_usec - t0.tv_usec);
    printf("%.3f %ld\n", us / (double)delivered, delivered);
    for (int i = 0; i < 2 * n; i++) bufferevent_free(bevs[i]);
    event_base_free(base);
    free(bevs);
    free(msg);
    return 0;
}
