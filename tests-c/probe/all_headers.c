/* Includes every public header (event2/ and the 1.x top-level ones), in
 * one order or, with -DREVERSE_ORDER, the opposite one.  Must compile
 * without warnings as C and C++ (see run_checks.sh). */
#ifndef REVERSE_ORDER
#include <event2/event-config.h>
#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/event_compat.h>
#include <event2/thread.h>
#include <event2/keyvalq_struct.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/tag.h>
#include <event2/tag_compat.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/http_compat.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/dns_compat.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <event2/rpc_compat.h>
#include <event.h>
#include <evutil.h>
#include <evhttp.h>
#include <evdns.h>
#include <evrpc.h>
#else
#include <evrpc.h>
#include <evdns.h>
#include <evhttp.h>
#include <evutil.h>
#include <event.h>
#include <event2/rpc_compat.h>
#include <event2/rpc_struct.h>
#include <event2/rpc.h>
#include <event2/dns_compat.h>
#include <event2/dns_struct.h>
#include <event2/dns.h>
#include <event2/http_compat.h>
#include <event2/http_struct.h>
#include <event2/http.h>
#include <event2/tag_compat.h>
#include <event2/tag.h>
#include <event2/listener.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent.h>
#include <event2/buffer_compat.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <event2/event_compat.h>
#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/util.h>
#include <event2/visibility.h>
#include <event2/event-config.h>
#endif

int main(void)
{
	return 0;
}
