//! `struct event_config`: what a program asks of a new base.

use crate::backend::Features;
use libc::{c_int, timeval};

pub const EVENT_BASE_FLAG_NOLOCK: c_int = 0x01;
pub const EVENT_BASE_FLAG_IGNORE_ENV: c_int = 0x02;
pub const EVENT_BASE_FLAG_STARTUP_IOCP: c_int = 0x04;
pub const EVENT_BASE_FLAG_NO_CACHE_TIME: c_int = 0x08;
pub const EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST: c_int = 0x10;
pub const EVENT_BASE_FLAG_PRECISE_TIMER: c_int = 0x20;

bitflags::bitflags! {
    /// `enum event_base_config_flag` as a set (`event_config_set_flag` takes the C int).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BaseFlags: c_int {
        /// No lock even when threading is on.
        const NOLOCK = EVENT_BASE_FLAG_NOLOCK;
        /// Ignore the EVENT_* environment variables.
        const IGNORE_ENV = EVENT_BASE_FLAG_IGNORE_ENV;
        /// Windows only; accepted and ignored.
        const STARTUP_IOCP = EVENT_BASE_FLAG_STARTUP_IOCP;
        /// Read the clock on every request instead of once per loop iteration.
        const NO_CACHE_TIME = EVENT_BASE_FLAG_NO_CACHE_TIME;
        /// epoll batches interest changes until the next dispatch.
        const EPOLL_USE_CHANGELIST = EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST;
        /// CLOCK_MONOTONIC instead of the coarse clock.
        const PRECISE_TIMER = EVENT_BASE_FLAG_PRECISE_TIMER;
    }
}

#[derive(Clone, Debug)]
pub struct EventConfig {
    pub avoid: Vec<String>,
    pub require_features: Features,
    pub flags: BaseFlags,
    pub n_cpus_hint: i32,
    /// None: no time limit per priority pass.
    pub max_dispatch_interval: Option<timeval>,
    pub max_dispatch_callbacks: i32,
    /// Priorities below this number (more urgent) are never limited.
    pub limit_callbacks_after_prio: i32,
}

impl Default for EventConfig {
    fn default() -> Self {
        EventConfig {
            avoid: Vec::new(),
            require_features: Features::empty(),
            flags: BaseFlags::empty(),
            n_cpus_hint: 0,
            max_dispatch_interval: None,
            max_dispatch_callbacks: i32::MAX,
            limit_callbacks_after_prio: 1,
        }
    }
}

impl EventConfig {
    pub fn avoid_method(&mut self, name: &str) {
        self.avoid.push(name.to_owned());
    }

    /// Unknown flag bits are refused, as a program would want to hear.
    pub fn set_flag(&mut self, flag: c_int) -> c_int {
        match BaseFlags::from_bits(flag) {
            Some(f) => {
                self.flags |= f;
                0
            }
            None => -1,
        }
    }

    pub fn set_max_dispatch_interval(&mut self, tv: Option<timeval>, max_callbacks: i32, min_priority: i32) {
        self.max_dispatch_interval = tv;
        self.max_dispatch_callbacks = if max_callbacks >= 0 { max_callbacks } else { i32::MAX };
        self.limit_callbacks_after_prio = if min_priority <= 0 { 1 } else { min_priority };
    }

    /// Should `method` be skipped? Avoided by the config, or disabled by EVENT_NO<METHOD>
    /// (unless the config says to ignore the environment).
    pub fn method_disabled(&self, method: &str) -> bool {
        if self.avoid.iter().any(|m| m == method) {
            return true;
        }
        if !self.flags.contains(BaseFlags::IGNORE_ENV) {
            let var = format!("EVENT_NO{}", method.to_ascii_uppercase());
            return getenv(&var).is_some();
        }
        false
    }

    pub fn env_flag(&self, var: &str) -> bool {
        !self.flags.contains(BaseFlags::IGNORE_ENV) && getenv(var).is_some()
    }
}

/// Environment lookup that, like libevent, ignores the environment in setuid programs.
pub fn getenv(var: &str) -> Option<String> {
    // SAFETY: plain libc calls; getauxval is always available on Linux.
    let secure = unsafe { libc::getauxval(libc::AT_SECURE) } != 0;
    if secure {
        return None;
    }
    std::env::var_os(var).map(|v| v.to_string_lossy().into_owned())
}
