/*
 * event2/http_struct.h
 *
 * The layout of struct evhttp_request.  Old programs read its fields
 * directly, so the layout is fixed; new code should use the
 * evhttp_request_get_* accessors in event2/http.h.
 */
#ifndef EVENT2_HTTP_STRUCT_H_INCLUDED_
#define EVENT2_HTTP_STRUCT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
/* For the enum types used below (the reference header expects its
 * includer to have included event2/http.h already). */
#include <event2/http.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct evkeyvalq;
struct evhttp_connection;
struct evhttp_uri;

struct evhttp_request {
	/* link in the connection's request queue */
	struct {
		struct evhttp_request *tqe_next;
		struct evhttp_request **tqe_prev;
	} next;

	struct evhttp_connection *evcon;
	int flags;
/* bits of flags */
#define EVHTTP_REQ_OWN_CONNECTION 0x0001	/* free evcon with the request */
#define EVHTTP_PROXY_REQUEST 0x0002		/* request goes to a proxy */
#define EVHTTP_USER_OWNED 0x0004		/* the program frees it */
#define EVHTTP_REQ_DEFER_FREE 0x0008		/* free once callbacks finish */
#define EVHTTP_REQ_NEEDS_FREE 0x0010		/* a deferred free is due */

	struct evkeyvalq *input_headers;
	struct evkeyvalq *output_headers;

	/* peer address, as text */
	char *remote_host;
	ev_uint16_t remote_port;

	/* cached Host, see evhttp_request_get_host() */
	char *host_cache;

	enum evhttp_request_kind kind;
	enum evhttp_cmd_type type;

	size_t headers_size;
	size_t body_size;

	char *uri;			/* as received / to send */
	struct evhttp_uri *uri_elems;	/* parsed uri */

	char major;			/* HTTP version */
	char minor;

	int response_code;
	char *response_code_line;	/* reason phrase */

	struct evbuffer *input_buffer;	/* body read so far */
	ev_int64_t ntoread;
	unsigned chunked:1,		/* chunked transfer encoding */
	    userdone:1;			/* program finished the reply */

	struct evbuffer *output_buffer;	/* body to send */

	/* completion callback */
	void (*cb)(struct evhttp_request *, void *);
	void *cb_arg;

	/* called for each chunk (clients only) */
	void (*chunk_cb)(struct evhttp_request *, void *);

	/* called once the headers are in; non-zero return cancels */
	int (*header_cb)(struct evhttp_request *, void *);

	/* called on failure */
	void (*error_cb)(enum evhttp_request_error, void *);

	/* called when the request is completely done */
	void (*on_complete_cb)(struct evhttp_request *, void *);
	void *on_complete_cb_arg;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_STRUCT_H_INCLUDED_ */
