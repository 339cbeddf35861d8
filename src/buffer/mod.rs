//! evbuffer: chained byte buffers (event2/buffer.h, event2/buffer_compat.h).
//!
//! - `chain.rs`: one block (our heap block, shared/referenced memory or a file segment) and
//!   libevent's block-size policy;
//! - `buffer.rs`: the chain queue and its operations (add, drain, reserve/commit, pullup,
//!   moving between buffers) as plain logic on `State`;
//! - `search.rs`: positions, search, end-of-line styles, peek;
//! - `io.rs`: read (readv), write (writev / sendfile);
//! - `file_segment.rs`: evbuffer_file_segment (mmap, pread or sendfile);
//! - `callbacks.rs`: change-callback entries and the deferred-callback record;
//! - `handle.rs`: the object behind `struct evbuffer *`: its lock, its references, and the
//!   running of its change callbacks (and the pointer contract every `*mut Evbuffer` follows);
//! - `api.rs`: the operations on a `*mut Evbuffer`, used by the C shims (src/capi/buffer.rs),
//!   evtag, and the layers above.

pub mod api;
#[allow(clippy::module_inception)] // buffer::buffer is the chain queue itself, State; the module name says so
pub mod buffer;
pub mod callbacks;
pub mod chain;
pub mod file_segment;
pub mod handle;
pub mod io;
pub mod search;

#[cfg(test)]
mod tests;

pub use api::Evbuffer;
pub use buffer::{BufferFlags, State, EVBUFFER_FLAG_DRAINS_TO_FD};
pub use callbacks::{CbEntry, CbFlags, CbFunc, CbInfo, EVBUFFER_CB_ENABLED};
pub use search::EvbufferPtr;
