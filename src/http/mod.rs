//! evhttp: the HTTP layer (event2/http.h), written over the public bufferevent and evbuffer C
//! interface the way a C program would use it.
//!
//! - `uri`: evhttp_uri parsing/joining, percent-coding, query strings, HTML escaping
//! - `headers`: struct evkeyvalq header lists (the TAILQ programs walk themselves)
//! - `request`: struct evhttp_request, its public layout and lifetime
//! - `parse`: reading first lines, header blocks and chunked bodies out of a buffer
//! - `connection`: struct evhttp_connection, the read/write state machine, client side
//! - `message`: writing headers and replies, error pages
//! - `server`: struct evhttp, listening, routing requests to callbacks

pub mod connection;
pub mod ffi;
pub mod headers;
pub mod message;
pub mod parse;
pub mod request;
pub mod server;
pub mod uri;
