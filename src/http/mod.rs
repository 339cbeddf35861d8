//! evhttp: the HTTP layer (event2/http.h), written over the public bufferevent and evbuffer C
//! interface the way a C program would use it.
//!
//! - `uri`: evhttp_uri parsing/joining, percent-coding, query strings, HTML escaping
//! - `headers`: struct evkeyvalq header lists (the TAILQ programs walk themselves)

pub mod headers;
pub mod uri;
