//! The event core: bases, events, the loop, timers, signals, and the process-wide pieces
//! (logging, memory functions, debug mode).

pub mod api;
pub mod base;
pub mod clock;
pub mod config;
pub mod debug;
pub mod deferred;
pub mod dispatch;
pub mod event;
pub mod global;
pub mod io_map;
pub mod log;
pub mod mem;
pub mod signal;
pub mod timer_heap;
