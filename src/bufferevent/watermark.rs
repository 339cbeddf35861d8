//! The watermark rules, as plain arithmetic on buffer lengths.
//!
//! Read side: data is read from the fd only while the input holds less than the high mark
//! (0 = no limit), and the read callback runs once it holds at least the low mark. Write
//! side: the write callback runs once the output has drained to the low mark or below;
//! the write high mark only limits what a filter pushes into an underlying bufferevent.

/// How many bytes may still be read before the input reaches `high`: None when there is no
/// high mark, else `high - len`, which is zero or negative when the input is already full.
pub fn read_room(high: usize, len: usize) -> Option<isize> {
    if high == 0 {
        return None;
    }
    Some(clamp_isize(high as i128 - len as i128))
}

/// Is the input at or over its high mark (reading should pause)?
pub fn read_full(high: usize, len: usize) -> bool {
    high != 0 && len >= high
}

/// Does the read callback run for an input of `len` bytes?
pub fn read_cb_due(low: usize, len: usize, ignore_watermarks: bool) -> bool {
    ignore_watermarks || len >= low
}

/// Does the write callback run for an output of `len` bytes?
pub fn write_cb_due(low: usize, len: usize, ignore_watermarks: bool) -> bool {
    ignore_watermarks || len <= low
}

/// A filter's room in the buffer it writes to: -1 (no limit) without a high mark, else
/// what is left below it (possibly negative), as filters receive it.
pub fn filter_limit(high: usize, len: usize) -> isize {
    read_room(high, len).unwrap_or(-1)
}

pub fn clamp_isize(v: i128) -> isize {
    v.clamp(isize::MIN as i128, isize::MAX as i128) as isize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_room_and_full() {
        assert_eq!(read_room(0, 100), None);
        assert_eq!(read_room(10, 3), Some(7));
        assert_eq!(read_room(10, 10), Some(0));
        assert_eq!(read_room(10, 15), Some(-5));
        assert_eq!(read_room(usize::MAX, 0), Some(isize::MAX));
        assert!(!read_full(0, usize::MAX));
        assert!(!read_full(10, 9));
        assert!(read_full(10, 10));
        assert!(read_full(10, 11));
    }

    #[test]
    fn callback_gates() {
        assert!(read_cb_due(0, 0, false));
        assert!(!read_cb_due(5, 4, false));
        assert!(read_cb_due(5, 5, false));
        assert!(read_cb_due(5, 0, true));
        assert!(write_cb_due(0, 0, false));
        assert!(!write_cb_due(0, 1, false));
        assert!(write_cb_due(10, 10, false));
        assert!(!write_cb_due(10, 11, false));
        assert!(write_cb_due(10, 11, true));
    }

    #[test]
    fn filter_limits() {
        assert_eq!(filter_limit(0, 5), -1);
        assert_eq!(filter_limit(25, 0), 25);
        assert_eq!(filter_limit(25, 20), 5);
        assert_eq!(filter_limit(25, 30), -5);
    }
}
