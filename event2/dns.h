/*
 * event2/dns.h
 *
 * Asynchronous DNS: a resolver (struct evdns_base) with its own name
 * servers and search list, a getaddrinfo() work-alike, and a small DNS
 * server framework.
 */
#ifndef EVENT2_DNS_H_INCLUDED_
#define EVENT2_DNS_H_INCLUDED_

#include <event2/visibility.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes passed to callbacks. */
#define DNS_ERR_NONE 0
#define DNS_ERR_FORMAT 1		/* server could not parse the query */
#define DNS_ERR_SERVERFAILED 2		/* server had an internal error */
#define DNS_ERR_NOTEXIST 3		/* no such name */
#define DNS_ERR_NOTIMPL 4		/* query kind not supported */
#define DNS_ERR_REFUSED 5		/* refused by policy */
#define DNS_ERR_TRUNCATED 65		/* reply was truncated */
#define DNS_ERR_UNKNOWN 66		/* unknown error */
#define DNS_ERR_TIMEOUT 67		/* no answer in time */
#define DNS_ERR_SHUTDOWN 68		/* resolver is shutting down */
#define DNS_ERR_CANCEL 69		/* request was cancelled */
#define DNS_ERR_NODATA 70		/* name exists, no records of that type */

/* Kind of answer (the "type" argument of evdns_callback_type). */
#define DNS_IPv4_A 1
#define DNS_PTR 2
#define DNS_IPv6_AAAA 3

/* Request flag: do not apply the search list. */
#define DNS_QUERY_NO_SEARCH 1

/* What evdns_base_resolv_conf_parse() should take from the file. */
#define DNS_OPTION_SEARCH 1
#define DNS_OPTION_NAMESERVERS 2
#define DNS_OPTION_MISC 4
#define DNS_OPTION_HOSTSFILE 8
#define DNS_OPTIONS_ALL 15
/* Do not fall back to a default name server when none is configured. */
#define DNS_OPTION_NAMESERVERS_NO_DEFAULT 16

/* Extensions beyond 2.1.12, with libevent 2.2's values (Debian's 2.1.12 ignores these
   bits): DNS_QUERY_USEVC sends the query over TCP from the start; DNS_QUERY_IGNTC keeps a
   truncated answer final even on a base that retries them over TCP (option
   "tcp-fallback:1"). See the README's evdns extensions. */
#define DNS_QUERY_USEVC 0x02
#define DNS_QUERY_IGNTC 0x04

/* Older name of DNS_QUERY_NO_SEARCH. */
#define DNS_NO_SEARCH DNS_QUERY_NO_SEARCH

/* Resolution result: 'addresses' holds 'count' items of the given type. */
typedef void (*evdns_callback_type)(int result, char type, int count,
    int ttl, void *addresses, void *arg);

struct evdns_base;
struct event_base;

/* Flags for evdns_base_new(). */
#define EVDNS_BASE_INITIALIZE_NAMESERVERS 1
#define EVDNS_BASE_DISABLE_WHEN_INACTIVE 0x8000
#define EVDNS_BASE_NAMESERVERS_NO_DEFAULT 0x10000

/* ---- Resolver ---- */
EVENT2_EXPORT_SYMBOL
struct evdns_base *evdns_base_new(struct event_base *event_base, int flags);
EVENT2_EXPORT_SYMBOL
void evdns_base_free(struct evdns_base *base, int fail_requests);
EVENT2_EXPORT_SYMBOL
void evdns_base_clear_host_addresses(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
const char *evdns_err_to_string(int err);

/* ---- Name servers ---- */

/* address: IPv4 address in network byte order */
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_add(struct evdns_base *base,
    unsigned long int address);
EVENT2_EXPORT_SYMBOL
int evdns_base_count_nameservers(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
int evdns_base_clear_nameservers_and_suspend(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
int evdns_base_resume(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_ip_add(struct evdns_base *base,
    const char *ip_as_string);
EVENT2_EXPORT_SYMBOL
int evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
    const struct sockaddr *sa, ev_socklen_t len, unsigned flags);

/* ---- Lookups ---- */
struct evdns_request;
struct in_addr;
struct in6_addr;

EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_ipv4(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_ipv6(struct evdns_base *base,
    const char *name, int flags, evdns_callback_type callback, void *ptr);
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_reverse(struct evdns_base *base,
    const struct in_addr *in, int flags, evdns_callback_type callback,
    void *ptr);
EVENT2_EXPORT_SYMBOL
struct evdns_request *evdns_base_resolve_reverse_ipv6(
    struct evdns_base *base, const struct in6_addr *in, int flags,
    evdns_callback_type callback, void *ptr);
/* The callback still runs, with DNS_ERR_CANCEL. */
EVENT2_EXPORT_SYMBOL
void evdns_cancel_request(struct evdns_base *base, struct evdns_request *req);

/* ---- Configuration ---- */

/* option is a resolv.conf-style name with a trailing colon ("ndots:"). */
EVENT2_EXPORT_SYMBOL
int evdns_base_set_option(struct evdns_base *base, const char *option,
    const char *val);
EVENT2_EXPORT_SYMBOL
int evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
    const char *const filename);
EVENT2_EXPORT_SYMBOL
int evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname);
EVENT2_EXPORT_SYMBOL
void evdns_base_search_clear(struct evdns_base *base);
EVENT2_EXPORT_SYMBOL
void evdns_base_search_add(struct evdns_base *base, const char *domain);
EVENT2_EXPORT_SYMBOL
void evdns_base_search_ndots_set(struct evdns_base *base, const int ndots);

/* Receives the resolver's diagnostic messages. */
typedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg);
EVENT2_EXPORT_SYMBOL
void evdns_set_log_fn(evdns_debug_log_fn_type fn);

/* Custom sources of query ids / random bytes (rarely needed). */
EVENT2_EXPORT_SYMBOL
void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void));
EVENT2_EXPORT_SYMBOL
void evdns_set_random_bytes_fn(void (*fn)(char *, size_t));

/* ---- DNS server ---- */
struct evdns_server_request;
struct evdns_server_question;

/* A query arrived on a server port. */
typedef void (*evdns_request_callback_fn_type)(
    struct evdns_server_request *, void *);

/* Sections of a reply. */
#define EVDNS_ANSWER_SECTION 0
#define EVDNS_AUTHORITY_SECTION 1
#define EVDNS_ADDITIONAL_SECTION 2

/* Record and query types. */
#define EVDNS_TYPE_A 1
#define EVDNS_TYPE_NS 2
#define EVDNS_TYPE_CNAME 5
#define EVDNS_TYPE_SOA 6
#define EVDNS_TYPE_PTR 12
#define EVDNS_TYPE_MX 15
#define EVDNS_TYPE_TXT 16
#define EVDNS_TYPE_AAAA 28

#define EVDNS_QTYPE_AXFR 252
#define EVDNS_QTYPE_ALL 255

#define EVDNS_CLASS_INET 1

/* Header flags for evdns_server_request_set_flags(). */
#define EVDNS_FLAGS_AA 0x400
#define EVDNS_FLAGS_RD 0x080

struct evdns_server_port;

EVENT2_EXPORT_SYMBOL
struct evdns_server_port *evdns_add_server_port_with_base(
    struct event_base *base, evutil_socket_t socket, int flags,
    evdns_request_callback_fn_type callback, void *user_data);
EVENT2_EXPORT_SYMBOL
void evdns_close_server_port(struct evdns_server_port *port);

struct evconnlistener;
/* Extension beyond 2.1.12 (libevent 2.2's signature): a server port answering DNS over
   TCP on the connections 'listener' accepts (each message with a 2-byte length in
   front). flags must be 0. The port takes over the listener's callback and frees the
   listener when it is closed. */
EVENT2_EXPORT_SYMBOL
struct evdns_server_port *evdns_add_server_port_with_listener(
    struct event_base *base, struct evconnlistener *listener, int flags,
    evdns_request_callback_fn_type callback, void *user_data);

EVENT2_EXPORT_SYMBOL
void evdns_server_request_set_flags(struct evdns_server_request *req,
    int flags);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_reply(struct evdns_server_request *req,
    int section, const char *name, int type, int dns_class, int ttl,
    int datalen, int is_name, const char *data);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_a_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
    const char *name, int n, const void *addrs, int ttl);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
    struct in_addr *in, const char *inaddr_name, const char *hostname,
    int ttl);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
    const char *name, const char *cname, int ttl);

/* Send the reply (err: DNS rcode) / discard the request; both free it. */
EVENT2_EXPORT_SYMBOL
int evdns_server_request_respond(struct evdns_server_request *req, int err);
EVENT2_EXPORT_SYMBOL
int evdns_server_request_drop(struct evdns_server_request *req);

EVENT2_EXPORT_SYMBOL
int evdns_server_request_get_requesting_addr(
    struct evdns_server_request *req, struct sockaddr *sa, int addr_len);

/* ---- Asynchronous getaddrinfo ---- */
struct evdns_getaddrinfo_request;

/* Results (free with evutil_freeaddrinfo()) or an EVUTIL_EAI_* error. */
typedef void (*evdns_getaddrinfo_cb)(int result,
    struct evutil_addrinfo *res, void *arg);

EVENT2_EXPORT_SYMBOL
struct evdns_getaddrinfo_request *evdns_getaddrinfo(
    struct evdns_base *dns_base, const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, evdns_getaddrinfo_cb cb,
    void *arg);
EVENT2_EXPORT_SYMBOL
void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req);

/* Copy the address of name server number idx into sa; returns its
 * length, or -1. */
EVENT2_EXPORT_SYMBOL
int evdns_base_get_nameserver_addr(struct evdns_base *base, int idx,
    struct sockaddr *sa, ev_socklen_t len);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_H_INCLUDED_ */
