//! Locale-independent ASCII character classes (libevent's `EVUTIL_IS*_` / `EVUTIL_TO*_`).
//!
//! Protocol parsers must not change meaning with `setlocale`, so these look only at ASCII:
//! a byte >= 0x80 belongs to no class and is never case-mapped.

pub fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

pub fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

pub fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// C's isspace in the "C" locale: space, \t, \n, \v, \f, \r. (Rust's `is_ascii_whitespace`
/// leaves out \v, which C counts.)
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

pub fn is_xdigit(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Printable ASCII: space through '~'.
pub fn is_print(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}

pub fn is_lower(b: u8) -> bool {
    b.is_ascii_lowercase()
}

pub fn is_upper(b: u8) -> bool {
    b.is_ascii_uppercase()
}

pub fn to_lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

pub fn to_upper(b: u8) -> u8 {
    b.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_ascii_only() {
        for b in 0x80..=0xffu8 {
            assert!(!is_digit(b) && !is_alpha(b) && !is_alnum(b) && !is_space(b));
            assert!(!is_xdigit(b) && !is_print(b) && !is_lower(b) && !is_upper(b));
            assert_eq!(to_lower(b), b);
            assert_eq!(to_upper(b), b);
        }
    }

    #[test]
    fn space_includes_vertical_tab() {
        let spaces: Vec<u8> = (0..=0x7fu8).filter(|&b| is_space(b)).collect();
        assert_eq!(spaces, vec![9, 10, 11, 12, 13, 32]);
    }

    #[test]
    fn print_and_case() {
        assert!(is_print(b' ') && is_print(b'~') && !is_print(0x7f) && !is_print(b'\t'));
        assert_eq!(to_lower(b'Q'), b'q');
        assert_eq!(to_upper(b'q'), b'Q');
        assert_eq!(to_lower(b'['), b'[');
        assert!(is_xdigit(b'F') && !is_xdigit(b'g'));
    }
}
