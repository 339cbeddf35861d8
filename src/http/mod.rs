//! evhttp: the HTTP layer (event2/http.h), over the bufferevent, evbuffer, listener and event
//! layers' Rust APIs.
//!
//! - `uri`: evhttp_uri parsing/joining, percent-coding, query strings, HTML escaping
//! - `headers`: struct evkeyvalq header lists (the TAILQ programs walk themselves)
//! - `request`: struct evhttp_request, its public layout and lifetime
//! - `parse`: reading first lines, header blocks and chunked bodies out of a buffer
//! - `connection`: struct evhttp_connection: the object, its bufferevent callbacks, failure
//! - `reader`: the state machine reading one message (request or response) off a connection
//! - `client`: outgoing connections: connect, retry, the request queue
//! - `message`: writing headers and replies, error pages
//! - `server`: struct evhttp, listening, routing requests to callbacks

pub mod client;
pub mod connection;
pub mod headers;
pub mod message;
pub mod parse;
pub mod reader;
pub mod request;
pub mod server;
pub mod uri;
