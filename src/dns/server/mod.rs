//! DNS server ports (`evdns_add_server_port_with_base` and the `evdns_server_request_*`
//! functions of event2/dns.h).
//!
//! - [`query`]: a datagram read into a query (safe; which packets are served and which
//!   ignored),
//! - [`reply`]: the reply's bytes exactly as libevent builds them (safe; name compression,
//!   truncation).

pub mod query;
pub mod reply;
