/* bench_transfer: move MB megabytes from one bufferevent to another on one base, and check
 * every byte arrived in order.
 *
 *   bench_transfer socket MB   two socket bufferevents on a socketpair
 *   bench_transfer pair MB     a bufferevent_pair (no socket at all: buffer moves only)
 *   bench_transfer filter MB   a filter bufferevent (copying filter) over a socket bufferevent
 *
 * The writer refills its output from a 64 KB pattern whenever it drains below 256 KB (the
 * write callback with a low watermark); the reader drains its input in the read callback.
 * Prints "bytes=<n> usec=<wall time>"; make bench runs it under strace -c (syscalls per MB)
 * and callgrind (instructions per byte) on our library and Debian's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#define CHUNK 65536
#define LOW (256 * 1024)

static unsigned char pattern[CHUNK];
static size_t to_send, sent, received;
static int bad;

static void refill(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	while (sent < to_send && evbuffer_get_length(out) < 4 * LOW) {
		size_t n = to_send - sent < CHUNK ? to_send - sent : CHUNK;
		bufferevent_write(bev, pattern + 0, n);
		sent += n;
	}
}

static void writer_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	refill(bev);
}

static void reader_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	(void)arg;
	while (evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v[8];
		int i, n = evbuffer_peek(in, -1, NULL, v, 8);
		size_t took = 0;
		for (i = 0; i < n && i < 8; i++) {
			/* The stream is the pattern repeated: byte k is pattern[k % CHUNK]. */
			const unsigned char *p = v[i].iov_base;
			size_t off = (received + took) % CHUNK;
			if (p[0] != pattern[off])
				bad = 1;
			took += v[i].iov_len;
		}
		evbuffer_drain(in, took);
		received += took;
	}
	if (received >= to_send)
		event_base_loopbreak(bufferevent_get_base(bev));
}

static enum bufferevent_filter_result copy_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	(void)lim;
	(void)mode;
	(void)ctx;
	evbuffer_remove_buffer(src, dst, evbuffer_get_length(src));
	return BEV_OK;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "socket";
	struct event_base *base = event_base_new();
	struct bufferevent *w = NULL, *r = NULL;
	struct timeval t0, t1;
	int i;

	to_send = (size_t)(argc > 2 ? atol(argv[2]) : 1024) << 20;
	for (i = 0; i < CHUNK; i++)
		pattern[i] = (unsigned char)(i * 7 + 3);
	/* The refill writes whole CHUNKs from the pattern's start, so the stream is periodic. */
	if (strcmp(mode, "pair") == 0) {
		struct bufferevent *p[2];
		if (bufferevent_pair_new(base, 0, p) < 0)
			return 1;
		w = p[0];
		r = p[1];
	} else {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 1;
		evutil_make_socket_nonblocking(sv[0]);
		evutil_make_socket_nonblocking(sv[1]);
		w = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
		r = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
		if (strcmp(mode, "filter") == 0)
			w = bufferevent_filter_new(w, NULL, copy_filter, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
	}
	if (!w || !r)
		return 1;
	bufferevent_setwatermark(w, EV_WRITE, LOW, 0);
	bufferevent_setcb(w, NULL, writer_cb, NULL, NULL);
	bufferevent_setcb(r, reader_cb, NULL, NULL, NULL);
	bufferevent_enable(w, EV_WRITE);
	bufferevent_enable(r, EV_READ);
	gettimeofday(&t0, NULL);
	refill(w);
	event_base_dispatch(base);
	gettimeofday(&t1, NULL);
	printf("bytes=%zu usec=%ld%s\n", received, (long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec)),
	    bad || received != to_send ? " CORRUPT" : "");
	bufferevent_free(w);
	bufferevent_free(r);
	event_base_free(base);
	return bad || received != to_send;
}
