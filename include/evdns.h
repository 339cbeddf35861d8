/*
 * <evdns.h> -- libevent 1.4-style DNS header: the core API (<event.h>)
 * plus the resolver/DNS server API, its 1.x global-resolver calls and the
 * server request layout.
 */
#ifndef EVENT1_EVDNS_H_INCLUDED_
#define EVENT1_EVDNS_H_INCLUDED_

#include <event.h>
#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/dns_struct.h>

#endif /* EVENT1_EVDNS_H_INCLUDED_ */
