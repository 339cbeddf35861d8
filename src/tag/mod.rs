//! evtag (event2/tag.h): libevent's tagged-data encoding, as plain functions on byte slices
//! here, and records read from and written to evbuffers in `evbuffer.rs`. The C layer
//! (src/capi/tag.rs) only checks pointers and calls these.
//!
//! - Integers: a first nibble holding (number of value nibbles - 1), then the value's nibbles,
//!   least significant first, packed high-then-low from the first byte's low nibble on; a
//!   32-bit value takes at most 8 nibbles, a 64-bit one 16.
//! - Tags: base-128, seven bits a byte, least significant first, 0x80 meaning "more"; at
//!   most 32 bits.
//! - A record: tag, length (as an integer), then that many bytes.

pub mod evbuffer;

/// Encode `n` as an evtag integer into `out`; returns the bytes used (1..=9).
pub fn encode_int(n: u64, out: &mut [u8; 9]) -> usize {
    let mut nibbles = [0u8; 16];
    let mut count = 0;
    let mut v = n;
    loop {
        nibbles[count] = (v & 0xf) as u8;
        count += 1;
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    *out = [0; 9];
    out[0] = ((count as u8 - 1) << 4) | nibbles[0];
    // Nibble k (k >= 1) goes to byte (k + 1) / 2: odd k in the high half, even k in the low.
    for (k, &nib) in nibbles.iter().enumerate().take(count).skip(1) {
        let byte = k.div_ceil(2);
        if k % 2 == 1 {
            out[byte] |= nib << 4;
        } else {
            out[byte] |= nib;
        }
    }
    count / 2 + 1
}

/// Decode an evtag integer at the start of `data`, of at most `max_nibbles` nibbles.
/// Returns the value and the bytes it took, or None when malformed or cut short.
pub fn decode_int(data: &[u8], max_nibbles: usize) -> Option<(u64, usize)> {
    let first = *data.first()?;
    let count = ((first >> 4) as usize) + 1;
    let used = count / 2 + 1;
    if count > max_nibbles || used > data.len() {
        return None;
    }
    let mut n: u64 = 0;
    for k in (0..count).rev() {
        let nib = if k == 0 {
            first & 0xf
        } else if k % 2 == 1 {
            data[k.div_ceil(2)] >> 4
        } else {
            data[k / 2] & 0xf
        };
        n = (n << 4) | nib as u64;
    }
    Some((n, used))
}

/// Encode a tag; returns the bytes used (1..=5).
pub fn encode_tag(tag: u32, out: &mut [u8; 5]) -> usize {
    let mut v = tag;
    let mut i = 0;
    loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        out[i] = if v != 0 { low | 0x80 } else { low };
        i += 1;
        if v == 0 {
            return i;
        }
    }
}

/// Decode a tag at the start of `data`: the tag and the bytes it took, or None when it is
/// cut short or does not fit 32 bits.
pub fn decode_tag(data: &[u8]) -> Option<(u32, usize)> {
    let mut n: u64 = 0;
    for (i, &b) in data.iter().enumerate() {
        let shift = 7 * i;
        if shift >= 32 || (shift == 28 && (b & 0x7f) > 0x0f) {
            return None;
        }
        n |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some((n as u32, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_bytes(n: u64) -> Vec<u8> {
        let mut b = [0; 9];
        let k = encode_int(n, &mut b);
        b[..k].to_vec()
    }

    #[test]
    fn integers_match_libevent_bytes() {
        assert_eq!(int_bytes(0), [0x00]);
        assert_eq!(int_bytes(0xf), [0x0f]);
        assert_eq!(int_bytes(0x10), [0x10, 0x10]);
        assert_eq!(int_bytes(0xff), [0x1f, 0xf0]);
        assert_eq!(int_bytes(0x100), [0x20, 0x01]);
        assert_eq!(int_bytes(0x1234), [0x34, 0x32, 0x10]);
        assert_eq!(int_bytes(0xffff_ffff), [0x7f, 0xff, 0xff, 0xff, 0xf0]);
        assert_eq!(int_bytes(0x1_2345_6789), [0x89, 0x87, 0x65, 0x43, 0x21]);
        assert_eq!(int_bytes(u64::MAX), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0]);
    }

    #[test]
    fn integers_round_trip_and_refuse_bad_input() {
        for n in [0u64, 1, 15, 16, 255, 256, 0x1234, 0xfff_ffff, 0xffff_ffff, 0x1_0000_0000, u64::MAX] {
            let b = int_bytes(n);
            assert_eq!(decode_int(&b, 16), Some((n, b.len())));
        }
        assert_eq!(decode_int(&int_bytes(0x1_0000_0000), 8), None); // too wide for 32 bits
        assert_eq!(decode_int(&[0x34, 0x32], 16), None); // cut short
        assert_eq!(decode_int(&[], 16), None);
    }

    #[test]
    fn tags_match_libevent_bytes() {
        let t = |v: u32| {
            let mut b = [0; 5];
            let k = encode_tag(v, &mut b);
            b[..k].to_vec()
        };
        assert_eq!(t(0), [0x00]);
        assert_eq!(t(0x7f), [0x7f]);
        assert_eq!(t(0x80), [0x80, 0x01]);
        assert_eq!(t(0x3fff), [0xff, 0x7f]);
        assert_eq!(t(0x4000), [0x80, 0x80, 0x01]);
        assert_eq!(t(u32::MAX), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        for v in [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, u32::MAX] {
            let b = t(v);
            assert_eq!(decode_tag(&b), Some((v, b.len())));
        }
        assert_eq!(decode_tag(&[0xff, 0xff, 0xff, 0xff, 0x1f]), None); // 33 bits
        assert_eq!(decode_tag(&[0x80]), None); // unterminated
    }
}
