/*
 * event2/bufferevent.h
 *
 * bufferevent: an fd (or another bufferevent, or a pair) plus an input and
 * an output evbuffer, with callbacks when data arrives, when output drains
 * and on errors/EOF/timeouts.  Also filters and rate limiting.
 */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/visibility.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct evbuffer;
struct evdns_base;
struct sockaddr;
struct bufferevent;

/* Bits passed to the event callback ("what"). */
#define BEV_EVENT_READING 0x01		/* while reading */
#define BEV_EVENT_WRITING 0x02		/* while writing */
#define BEV_EVENT_EOF 0x10		/* end of file */
#define BEV_EVENT_ERROR 0x20		/* see EVUTIL_SOCKET_ERROR() */
#define BEV_EVENT_TIMEOUT 0x40		/* a timeout expired */
#define BEV_EVENT_CONNECTED 0x80	/* a connect finished */

typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what,
    void *ctx);

/* Creation options. */
enum bufferevent_options {
	BEV_OPT_CLOSE_ON_FREE = (1 << 0),	/* close/free the underlying */
	BEV_OPT_THREADSAFE = (1 << 1),		/* add a lock */
	BEV_OPT_DEFER_CALLBACKS = (1 << 2),	/* run callbacks from the loop */
	BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)	/* call callbacks unlocked */
};

/* ---- Socket bufferevents ---- */
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_socket_new(struct event_base *base,
    evutil_socket_t fd, int options);
EVENT2_EXPORT_SYMBOL
int bufferevent_socket_connect(struct bufferevent *bufev,
    const struct sockaddr *addr, int socklen);
EVENT2_EXPORT_SYMBOL
int bufferevent_socket_connect_hostname(struct bufferevent *bufev,
    struct evdns_base *evdns_base, int family, const char *hostname,
    int port);
EVENT2_EXPORT_SYMBOL
int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* ---- Generic operations ---- */
EVENT2_EXPORT_SYMBOL
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
struct event_base *bufferevent_get_base(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
int bufferevent_priority_set(struct bufferevent *bufev, int pri);
EVENT2_EXPORT_SYMBOL
int bufferevent_get_priority(const struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
void bufferevent_free(struct bufferevent *bufev);

EVENT2_EXPORT_SYMBOL
void bufferevent_setcb(struct bufferevent *bufev,
    bufferevent_data_cb readcb, bufferevent_data_cb writecb,
    bufferevent_event_cb eventcb, void *cbarg);
EVENT2_EXPORT_SYMBOL
void bufferevent_getcb(struct bufferevent *bufev,
    bufferevent_data_cb *readcb_ptr, bufferevent_data_cb *writecb_ptr,
    bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

EVENT2_EXPORT_SYMBOL
int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
EVENT2_EXPORT_SYMBOL
evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);

EVENT2_EXPORT_SYMBOL
int bufferevent_write(struct bufferevent *bufev, const void *data,
    size_t size);
EVENT2_EXPORT_SYMBOL
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);
EVENT2_EXPORT_SYMBOL
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);
EVENT2_EXPORT_SYMBOL
int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);

EVENT2_EXPORT_SYMBOL
struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

EVENT2_EXPORT_SYMBOL
int bufferevent_enable(struct bufferevent *bufev, short event);
EVENT2_EXPORT_SYMBOL
int bufferevent_disable(struct bufferevent *bufev, short event);
EVENT2_EXPORT_SYMBOL
short bufferevent_get_enabled(struct bufferevent *bufev);

EVENT2_EXPORT_SYMBOL
int bufferevent_set_timeouts(struct bufferevent *bufev,
    const struct timeval *timeout_read, const struct timeval *timeout_write);

EVENT2_EXPORT_SYMBOL
void bufferevent_setwatermark(struct bufferevent *bufev, short events,
    size_t lowmark, size_t highmark);
EVENT2_EXPORT_SYMBOL
int bufferevent_getwatermark(struct bufferevent *bufev, short events,
    size_t *lowmark, size_t *highmark);

EVENT2_EXPORT_SYMBOL
void bufferevent_lock(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
void bufferevent_unlock(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
void bufferevent_incref(struct bufferevent *bufev);
EVENT2_EXPORT_SYMBOL
int bufferevent_decref(struct bufferevent *bufev);

/* How hard bufferevent_flush() pushes data through. */
enum bufferevent_flush_mode {
	BEV_NORMAL = 0,		/* ordinary operation */
	BEV_FLUSH = 1,		/* push out everything we have */
	BEV_FINISHED = 2	/* and signal that no more data follows */
};

EVENT2_EXPORT_SYMBOL
int bufferevent_flush(struct bufferevent *bufev, short iotype,
    enum bufferevent_flush_mode mode);

/* Options for bufferevent_trigger() / bufferevent_trigger_event(). */
enum bufferevent_trigger_options {
	BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
	BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

EVENT2_EXPORT_SYMBOL
void bufferevent_trigger(struct bufferevent *bufev, short iotype,
    int options);
EVENT2_EXPORT_SYMBOL
void bufferevent_trigger_event(struct bufferevent *bufev, short what,
    int options);

/* ---- Filters ---- */

/* What a filter callback reports. */
enum bufferevent_filter_result {
	BEV_OK = 0,		/* produced some output */
	BEV_NEED_MORE = 1,	/* needs more input first */
	BEV_ERROR = 2		/* failed */
};

typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(
    struct evbuffer *src, struct evbuffer *dst, ev_ssize_t dst_limit,
    enum bufferevent_flush_mode mode, void *ctx);

EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
    bufferevent_filter_cb input_filter, bufferevent_filter_cb output_filter,
    int options, void (*free_context)(void *), void *ctx);

/* ---- Pairs ---- */
EVENT2_EXPORT_SYMBOL
int bufferevent_pair_new(struct event_base *base, int options,
    struct bufferevent *pair[2]);
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

/* ---- Rate limiting ---- */
struct ev_token_bucket_cfg;
struct bufferevent_rate_limit_group;

/* Largest meaningful rate or burst. */
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX

EVENT2_EXPORT_SYMBOL
struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate,
    size_t read_burst, size_t write_rate, size_t write_burst,
    const struct timeval *tick_len);
EVENT2_EXPORT_SYMBOL
void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);
EVENT2_EXPORT_SYMBOL
int bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg);

EVENT2_EXPORT_SYMBOL
struct bufferevent_rate_limit_group *bufferevent_rate_limit_group_new(
    struct event_base *base, const struct ev_token_bucket_cfg *cfg);
EVENT2_EXPORT_SYMBOL
int bufferevent_rate_limit_group_set_cfg(
    struct bufferevent_rate_limit_group *group,
    const struct ev_token_bucket_cfg *cfg);
EVENT2_EXPORT_SYMBOL
int bufferevent_rate_limit_group_set_min_share(
    struct bufferevent_rate_limit_group *group, size_t share);
EVENT2_EXPORT_SYMBOL
void bufferevent_rate_limit_group_free(
    struct bufferevent_rate_limit_group *group);
EVENT2_EXPORT_SYMBOL
int bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *group);
EVENT2_EXPORT_SYMBOL
int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev);

EVENT2_EXPORT_SYMBOL
int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
EVENT2_EXPORT_SYMBOL
int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);

EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);
EVENT2_EXPORT_SYMBOL
const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(
    const struct bufferevent *bev);

EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_rate_limit_group_get_read_limit(
    struct bufferevent_rate_limit_group *group);
EVENT2_EXPORT_SYMBOL
ev_ssize_t bufferevent_rate_limit_group_get_write_limit(
    struct bufferevent_rate_limit_group *group);

EVENT2_EXPORT_SYMBOL
int bufferevent_decrement_read_limit(struct bufferevent *bev,
    ev_ssize_t decr);
EVENT2_EXPORT_SYMBOL
int bufferevent_decrement_write_limit(struct bufferevent *bev,
    ev_ssize_t decr);
EVENT2_EXPORT_SYMBOL
int bufferevent_rate_limit_group_decrement_read(
    struct bufferevent_rate_limit_group *group, ev_ssize_t decr);
EVENT2_EXPORT_SYMBOL
int bufferevent_rate_limit_group_decrement_write(
    struct bufferevent_rate_limit_group *group, ev_ssize_t decr);

EVENT2_EXPORT_SYMBOL
void bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *grp,
    ev_uint64_t *total_read_out, ev_uint64_t *total_written_out);
EVENT2_EXPORT_SYMBOL
void bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_H_INCLUDED_ */
