//! String helpers with C's exact semantics, over byte slices: case-insensitive comparison,
//! strlcpy/snprintf-style copying, trailing-whitespace trimming, and the number scanners
//! (strtol, strtoul, scanf's `%u`) whose quirks leak into libevent's address parsers.
//!
//! A "C string" here is the slice of its bytes before the NUL; reading past the end of the
//! slice yields 0, which is what C code sees at the terminator.

use super::ctype;

/// The byte at `i`, or 0 past the end (the C terminator).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// libevent's ASCII case-insensitive comparison: -1, 0 or 1, never a difference.
///
/// Bytes are compared as C's (signed, on x86_64) `char` after ASCII lower-casing, so any
/// byte from 0x80 up sorts before every ASCII byte, even before the terminator. `limit`
/// bounds the number of characters compared (strncasecmp); comparison also stops at the
/// terminator.
pub fn ascii_casecmp(a: &[u8], b: &[u8], limit: Option<usize>) -> i32 {
    let mut i = 0usize;
    loop {
        if limit.is_some_and(|n| i >= n) {
            return 0;
        }
        let c1 = ctype::to_lower(at(a, i)) as i8;
        let c2 = ctype::to_lower(at(b, i)) as i8;
        if c1 < c2 {
            return -1;
        }
        if c1 > c2 {
            return 1;
        }
        if c1 == 0 {
            return 0;
        }
        i += 1;
    }
}

/// BSD strlcpy: copy as much of `src` as fits in `dst` (its whole capacity, terminator
/// included), always terminate when `dst` is not empty, and return `src.len()` so callers
/// can detect truncation.
pub fn strlcpy(dst: &mut [u8], src: &[u8]) -> usize {
    if let Some(room) = dst.len().checked_sub(1) {
        let n = src.len().min(room);
        dst[..n].copy_from_slice(&src[..n]);
        dst[n] = 0;
    }
    src.len()
}

/// What libevent's `evutil_snprintf(dst, dst.len(), "%s", text)` does: snprintf, except
/// that an empty buffer is left alone and the answer is then 0 (not the would-be length),
/// and that the buffer's last byte is always set to NUL, even when the text is shorter
/// (callers can see that byte).
pub fn snprint(dst: &mut [u8], text: &[u8]) -> usize {
    let Some(last) = dst.len().checked_sub(1) else {
        return 0;
    };
    let n = strlcpy(dst, text);
    dst[last] = 0;
    n
}

/// Length of `s` once trailing spaces and tabs (HTTP "linear white space") are removed.
pub fn rtrimmed_len(s: &[u8]) -> usize {
    let mut n = s.len();
    while n > 0 && matches!(s[n - 1], b' ' | b'\t') {
        n -= 1;
    }
    n
}

/// `evutil_rtrim_lws_`: each trailing space or tab becomes a NUL, as libevent leaves them.
pub fn rtrim_lws(s: &mut [u8]) {
    let keep = rtrimmed_len(s);
    s[keep..].fill(0);
}

/// How a C integer parser consumed its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scanned<T> {
    pub value: T,
    /// Index just past the number; 0 when no digits were found (C then points endptr at the
    /// start of the input, before any whitespace or sign).
    pub end: usize,
}

/// Whitespace and an optional sign, as strtol/strtoul/scanf skip them: returns the index of
/// the first digit and whether the number is negative.
fn skip_space_and_sign(s: &[u8]) -> (usize, bool) {
    let mut i = 0;
    while ctype::is_space(at(s, i)) {
        i += 1;
    }
    let negative = at(s, i) == b'-';
    if matches!(at(s, i), b'+' | b'-') {
        i += 1;
    }
    (i, negative)
}

/// Digits of `radix` starting at `i`, accumulated as an unsigned magnitude that saturates
/// (the overflow flag tells). Returns (magnitude, overflowed, index past the digits).
fn magnitude(s: &[u8], mut i: usize, radix: u32) -> (u64, bool, usize) {
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = (at(s, i) as char).to_digit(radix) {
        match value.checked_mul(radix as u64).and_then(|v| v.checked_add(d as u64)) {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    (value, overflow, i)
}

/// glibc's `strtoul(s, &end, 10)`: overflow saturates at ULONG_MAX; a leading '-' negates
/// the (unsigned) result.
pub fn strtoul(s: &[u8]) -> Scanned<u64> {
    let (start, negative) = skip_space_and_sign(s);
    let (mag, overflow, end) = magnitude(s, start, 10);
    if end == start {
        return Scanned { value: 0, end: 0 };
    }
    let value = if overflow {
        u64::MAX
    } else if negative {
        mag.wrapping_neg()
    } else {
        mag
    };
    Scanned { value, end }
}

/// glibc's `strtol(s, &end, 10)`: saturates at LONG_MAX / LONG_MIN.
pub fn strtol(s: &[u8]) -> Scanned<i64> {
    let (start, negative) = skip_space_and_sign(s);
    let (mag, overflow, end) = magnitude(s, start, 10);
    if end == start {
        return Scanned { value: 0, end: 0 };
    }
    let value = match (negative, overflow) {
        (false, true) => i64::MAX,
        (true, true) => i64::MIN,
        (false, false) => i64::try_from(mag).unwrap_or(i64::MAX),
        (true, false) => {
            if mag > i64::MAX as u64 + 1 {
                i64::MIN
            } else {
                (mag as i64).wrapping_neg()
            }
        }
    };
    Scanned { value, end }
}

/// C's `atoi`: `(int)strtol(s, NULL, 10)` — out-of-range values wrap to 32 bits.
pub fn atoi(s: &[u8]) -> i32 {
    strtol(s).value as i32
}

/// One `%u` conversion of glibc's scanf: optional whitespace and sign, then at least one
/// decimal digit. The value is strtoul's, cut to 32 bits (so "4294967297" reads as 1 and
/// "-1" as 4294967295). None when no digit follows.
pub fn scan_u32(s: &[u8]) -> Option<Scanned<u32>> {
    let r = strtoul(s);
    if r.end == 0 {
        return None;
    }
    Some(Scanned { value: r.value as u32, end: r.end })
}

/// glibc's `strtol(s, &end, 16)` for input that starts with a hex digit: an optional "0x"
/// prefix (only taken when a hex digit follows it), then hex digits. Overflow saturates.
pub fn strtol_hex(s: &[u8]) -> Scanned<i64> {
    let (start, negative) = skip_space_and_sign(s);
    let mut i = start;
    if at(s, i) == b'0' && matches!(at(s, i + 1), b'x' | b'X') && ctype::is_xdigit(at(s, i + 2)) {
        i += 2;
    }
    let (mag, overflow, end) = magnitude(s, i, 16);
    if end == i {
        // No digits after a would-be prefix: the lone "0" is the number.
        return if i > start { Scanned { value: 0, end: start + 1 } } else { Scanned { value: 0, end: 0 } };
    }
    let mag = if overflow { i64::MAX as u64 } else { mag.min(i64::MAX as u64) };
    let value = if negative { -(mag as i64) } else { mag as i64 };
    Scanned { value, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casecmp_is_signed_and_clamped() {
        assert_eq!(ascii_casecmp(b"abc", b"ABC", None), 0);
        assert_eq!(ascii_casecmp(b"abc", b"abd", None), -1);
        assert_eq!(ascii_casecmp(b"abd", b"abc", None), 1);
        assert_eq!(ascii_casecmp(b"a", b"ab", None), -1);
        assert_eq!(ascii_casecmp(b"ab", b"a", None), 1);
        // High bytes are negative chars.
        assert_eq!(ascii_casecmp(b"\x80", b"a", None), -1);
        assert_eq!(ascii_casecmp(b"", b"\x80", None), 1);
        assert_eq!(ascii_casecmp(b"\xc0", b"\xe0", None), -1);
        // '[' sits between 'Z' and 'a'; comparison is after lower-casing.
        assert_eq!(ascii_casecmp(b"[", b"A", None), -1);
        assert_eq!(ascii_casecmp(b"Z", b"a", None), 1);
    }

    #[test]
    fn ncasecmp_limits() {
        assert_eq!(ascii_casecmp(b"abcX", b"ABCY", Some(3)), 0);
        assert_eq!(ascii_casecmp(b"abcX", b"ABCY", Some(4)), -1);
        assert_eq!(ascii_casecmp(b"x", b"y", Some(0)), 0);
        assert_eq!(ascii_casecmp(b"a", b"ab", Some(2)), -1);
    }

    #[test]
    fn strlcpy_and_snprint() {
        let mut b = [b'Z'; 8];
        assert_eq!(strlcpy(&mut b[..6], b"hello world"), 11);
        assert_eq!(&b[..6], b"hello\0");
        assert_eq!(strlcpy(&mut [], b"abc"), 3);
        let mut e: [u8; 0] = [];
        assert_eq!(snprint(&mut e, b"abc"), 0);
        let mut c = [b'Z'; 3];
        assert_eq!(snprint(&mut c, b"hello"), 5);
        assert_eq!(&c, b"he\0");
        let mut d = [b'Z'; 6];
        assert_eq!(snprint(&mut d, b"ab"), 2);
        assert_eq!(&d, b"ab\0ZZ\0");
    }

    #[test]
    fn rtrim() {
        assert_eq!(rtrimmed_len(b"abc \t \t"), 3);
        assert_eq!(rtrimmed_len(b" \t "), 0);
        assert_eq!(rtrimmed_len(b"a b\n "), 4);
        assert_eq!(rtrimmed_len(b""), 0);
    }

    #[test]
    fn strtol_matches_c() {
        assert_eq!(strtol(b"  -123abc"), Scanned { value: -123, end: 6 });
        assert_eq!(strtol(b"+80"), Scanned { value: 80, end: 3 });
        assert_eq!(strtol(b"abc"), Scanned { value: 0, end: 0 });
        assert_eq!(strtol(b" -"), Scanned { value: 0, end: 0 });
        assert_eq!(strtol(b"99999999999999999999").value, i64::MAX);
        assert_eq!(strtol(b"-99999999999999999999").value, i64::MIN);
        assert_eq!(strtol(b"-9223372036854775808").value, i64::MIN);
        assert_eq!(atoi(b"4294967376"), 80);
        assert_eq!(atoi(b"99999999999999999999"), -1);
        assert_eq!(atoi(b"80abc"), 80);
    }

    #[test]
    fn strtoul_and_scan() {
        assert_eq!(strtoul(b"-1").value, u64::MAX);
        assert_eq!(strtoul(b"18446744073709551617").value, u64::MAX);
        assert_eq!(strtoul(b"").end, 0);
        assert_eq!(scan_u32(b"4294967297.0").unwrap(), Scanned { value: 1, end: 10 });
        assert_eq!(scan_u32(b"-4294967295").unwrap().value, 1);
        assert_eq!(scan_u32(b" +7x").unwrap(), Scanned { value: 7, end: 3 });
        assert_eq!(scan_u32(b"-0").unwrap().value, 0);
        assert_eq!(scan_u32(b"18446744073709551617").unwrap().value, u32::MAX);
        assert!(scan_u32(b"x").is_none());
        assert!(scan_u32(b"+").is_none());
    }

    #[test]
    fn hex() {
        assert_eq!(strtol_hex(b"ff:"), Scanned { value: 255, end: 2 });
        assert_eq!(strtol_hex(b"0xff::"), Scanned { value: 255, end: 4 });
        assert_eq!(strtol_hex(b"0x::"), Scanned { value: 0, end: 1 });
        assert_eq!(strtol_hex(b"12345"), Scanned { value: 0x12345, end: 5 });
        assert_eq!(strtol_hex(b"g"), Scanned { value: 0, end: 0 });
    }
}
