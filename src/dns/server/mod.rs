//! DNS server ports (`evdns_add_server_port_with_base` and the `evdns_server_request_*`
//! functions of event2/dns.h): queries arriving on a UDP socket the program owns are handed to
//! its callback as `struct evdns_server_request`; it adds records and responds or drops.
//!
//! - [`query`]: a datagram read into a query (safe; which packets are served and which
//!   ignored),
//! - [`reply`]: the reply's bytes exactly as libevent builds them (safe; name compression,
//!   truncation),
//! - [`request`]: the C-visible request and its private state, in the program's memory,
//! - [`port`]: the socket, its events, the queue of replies waiting to be sent, reference
//!   counting and locking.

pub mod port;
pub mod query;
pub mod reply;
pub mod request;
pub mod tcp;

pub use port::{add_port, add_port_with_listener, close_port, drop_request, respond, Responded, ServerPort, ServerRequestCb};
pub use reply::{RData, Record};
pub use request::{EvdnsServerQuestion, EvdnsServerRequest};
