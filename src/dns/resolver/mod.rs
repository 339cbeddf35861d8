//! The evdns resolver (`struct evdns_base`): name servers, queries, the search list,
//! resolv.conf and hosts files, evdns_getaddrinfo, and dns_compat.h's global base.
//!
//! Files, by concept: [`base`] (the object, its lock and lifetime, the one timer),
//! [`nameserver`] (sockets, the ring, down/up/probing), [`lookup`] (a query's life),
//! [`query`] and [`reply`] (the packets, on [`crate::dns::wire`]), [`deliver`] (results to
//! the program from the loop), [`search`], [`hosts`], [`options`], [`config`]
//! (resolv.conf), [`getaddrinfo`] and [`local_answer`] (evdns_getaddrinfo), [`global`],
//! [`log`], [`errors`], [`sockaddr`]; [`api`] is what the C entry points call.
//!
//! The behaviour is 2.1.12's, learned from its documentation, its regression tests and
//! side-by-side runs against Debian's library (tests-c/dns/resolve_*.c); each file says
//! which of its rules were checked that way.

pub mod api;
pub mod base;
pub mod config;
pub mod deliver;
pub mod errors;
pub mod getaddrinfo;
pub mod global;
pub mod hosts;
pub mod local_answer;
pub mod log;
pub mod lookup;
pub mod nameserver;
pub mod options;
pub mod query;
pub mod reply;
pub mod search;
pub mod sockaddr;
pub mod tcp;

pub use base::EvdnsBase;
pub use getaddrinfo::{GaiCallback, GaiRequest};
pub use lookup::{Lookup, ResolveCallback};
