/*
 * event2/dns_compat.h
 *
 * The 1.x resolver API: the same operations as event2/dns.h, applied to a
 * hidden global resolver that evdns_init() creates on the global base.
 */
#ifndef EVENT2_DNS_COMPAT_H_INCLUDED_
#define EVENT2_DNS_COMPAT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
/* For the callback typedefs (the reference header expects its includer
 * to have included event2/dns.h already). */
#include <event2/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evdns_base;
struct evdns_server_port;
struct in_addr;
struct in6_addr;

EVENT2_EXPORT_SYMBOL
int evdns_init(void);
EVENT2_EXPORT_SYMBOL
struct evdns_base *evdns_get_global_base(void);
EVENT2_EXPORT_SYMBOL
void evdns_shutdown(int fail_requests);

EVENT2_EXPORT_SYMBOL
int evdns_nameserver_add(unsigned long int address);
EVENT2_EXPORT_SYMBOL
int evdns_count_nameservers(void);
EVENT2_EXPORT_SYMBOL
int evdns_clear_nameservers_and_suspend(void);
EVENT2_EXPORT_SYMBOL
int evdns_resume(void);
EVENT2_EXPORT_SYMBOL
int evdns_nameserver_ip_add(const char *ip_as_string);

EVENT2_EXPORT_SYMBOL
int evdns_resolve_ipv4(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
int evdns_resolve_ipv6(const char *name, int flags,
    evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
int evdns_resolve_reverse(const struct in_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
int evdns_resolve_reverse_ipv6(const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);

EVENT2_EXPORT_SYMBOL
int evdns_set_option(const char *option, const char *val, int flags);
EVENT2_EXPORT_SYMBOL
int evdns_resolv_conf_parse(int flags, const char *const filename);
EVENT2_EXPORT_SYMBOL
void evdns_search_clear(void);
EVENT2_EXPORT_SYMBOL
void evdns_search_add(const char *domain);
EVENT2_EXPORT_SYMBOL
void evdns_search_ndots_set(const int ndots);

EVENT2_EXPORT_SYMBOL
struct evdns_server_port *evdns_add_server_port(evutil_socket_t socket,
    int flags, evdns_request_callback_fn_type callback, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_COMPAT_H_INCLUDED_ */
