//! `struct event_config`: what a program asks of a new base.

use libc::timeval;

pub const EVENT_BASE_FLAG_NOLOCK: i32 = 0x01;
pub const EVENT_BASE_FLAG_IGNORE_ENV: i32 = 0x02;
pub const EVENT_BASE_FLAG_STARTUP_IOCP: i32 = 0x04;
pub const EVENT_BASE_FLAG_NO_CACHE_TIME: i32 = 0x08;
pub const EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST: i32 = 0x10;
pub const EVENT_BASE_FLAG_PRECISE_TIMER: i32 = 0x20;
const ALL_FLAGS: i32 = 0x3f;

#[derive(Clone, Debug)]
pub struct EventConfig {
    pub avoid: Vec<String>,
    pub require_features: i32,
    pub flags: i32,
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
            require_features: 0,
            flags: 0,
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
    pub fn set_flag(&mut self, flag: i32) -> i32 {
        if flag & !ALL_FLAGS != 0 {
            return -1;
        }
        self.flags |= flag;
        0
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
        if self.flags & EVENT_BASE_FLAG_IGNORE_ENV == 0 {
            let var = format!("EVENT_NO{}", method.to_ascii_uppercase());
            return getenv(&var).is_some();
        }
        false
    }

    pub fn env_flag(&self, var: &str) -> bool {
        self.flags & EVENT_BASE_FLAG_IGNORE_ENV == 0 && getenv(var).is_some()
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
