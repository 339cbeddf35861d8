//! Common timeouts (`event_base_init_common_timeout`): a program that uses one duration for
//! many events asks the base for a "common" timeval and passes it back to event_add. Ours are
//! ordinary timeouts on the one timer heap (it already orders equal deadlines by add order);
//! the timeval only has to be recognised, decoded, and handed out once per duration.

use super::EventBase;
use crate::core::{clock, log};
use libc::timeval;

// Common timeouts are timevals whose tv_usec carries a marker and an index in its high bits;
// programs pass them back to event_add unchanged.
pub const COMMON_TIMEOUT_MICROSECONDS_MASK: i64 = 0x000f_ffff;
const COMMON_TIMEOUT_IDX_MASK: i64 = 0x0ff0_0000;
const COMMON_TIMEOUT_IDX_SHIFT: i64 = 20;
const COMMON_TIMEOUT_MASK: i64 = 0xf000_0000;
const COMMON_TIMEOUT_MAGIC: i64 = 0x5000_0000;
const MAX_COMMON_TIMEOUTS: usize = 256;

impl EventBase {
    /// A common-timeout timeval stands for its plain duration.
    pub fn decode_common_timeout(&self, tv: &timeval) -> timeval {
        if tv.tv_usec & COMMON_TIMEOUT_MASK == COMMON_TIMEOUT_MAGIC {
            let idx = ((tv.tv_usec & COMMON_TIMEOUT_IDX_MASK) >> COMMON_TIMEOUT_IDX_SHIFT) as usize;
            if idx < self.common_timeouts.len() {
                return timeval { tv_sec: tv.tv_sec, tv_usec: tv.tv_usec & COMMON_TIMEOUT_MICROSECONDS_MASK };
            }
        }
        *tv
    }

    pub fn init_common_timeout(&mut self, duration: &timeval) -> Option<*const timeval> {
        // One of ours passed back: the same pointer.
        if duration.tv_usec & COMMON_TIMEOUT_MASK == COMMON_TIMEOUT_MAGIC {
            let idx = ((duration.tv_usec & COMMON_TIMEOUT_IDX_MASK) >> COMMON_TIMEOUT_IDX_SHIFT) as usize;
            if let Some(ct) = self.common_timeouts.get(idx) {
                if ct.tv_sec == duration.tv_sec && ct.tv_usec == duration.tv_usec {
                    return Some(&**ct as *const timeval);
                }
            }
        }
        let d = if duration.tv_usec >= 1_000_000 { clock::normalize(duration) } else { *duration };
        // Already a common timeout of ours, or one we made before: hand back the same one.
        for ct in &self.common_timeouts {
            if ct.tv_sec == d.tv_sec
                && (ct.tv_usec & COMMON_TIMEOUT_MICROSECONDS_MASK) == (d.tv_usec & COMMON_TIMEOUT_MICROSECONDS_MASK)
            {
                return Some(&**ct as *const timeval);
            }
        }
        if self.common_timeouts.len() >= MAX_COMMON_TIMEOUTS {
            log::warn(
                "event_base_init_common_timeout: Too many common timeouts already in use; we only support 256 per event_base",
            );
            return None;
        }
        let idx = self.common_timeouts.len() as i64;
        let tv = Box::new(timeval {
            tv_sec: d.tv_sec,
            tv_usec: (d.tv_usec & COMMON_TIMEOUT_MICROSECONDS_MASK) | COMMON_TIMEOUT_MAGIC | (idx << COMMON_TIMEOUT_IDX_SHIFT),
        });
        let p = &*tv as *const timeval;
        self.common_timeouts.push(tv);
        Some(p)
    }
}
