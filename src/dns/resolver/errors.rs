//! The DNS_ERR_* result codes a resolver callback receives, and their texts.

use libc::c_int;
use std::ffi::CStr;

pub const DNS_ERR_NONE: c_int = 0;
pub const DNS_ERR_FORMAT: c_int = 1;
pub const DNS_ERR_SERVERFAILED: c_int = 2;
pub const DNS_ERR_NOTEXIST: c_int = 3;
pub const DNS_ERR_NOTIMPL: c_int = 4;
pub const DNS_ERR_REFUSED: c_int = 5;
pub const DNS_ERR_TRUNCATED: c_int = 65;
pub const DNS_ERR_UNKNOWN: c_int = 66;
pub const DNS_ERR_TIMEOUT: c_int = 67;
pub const DNS_ERR_SHUTDOWN: c_int = 68;
pub const DNS_ERR_CANCEL: c_int = 69;
pub const DNS_ERR_NODATA: c_int = 70;

/// `evdns_err_to_string`: libevent's wording, compared code by code with 2.1.12.
pub fn err_to_string(err: c_int) -> &'static CStr {
    match err {
        DNS_ERR_NONE => c"no error",
        DNS_ERR_FORMAT => c"misformatted query",
        DNS_ERR_SERVERFAILED => c"server failed",
        DNS_ERR_NOTEXIST => c"name does not exist",
        DNS_ERR_NOTIMPL => c"query not implemented",
        DNS_ERR_REFUSED => c"refused",
        DNS_ERR_TRUNCATED => c"reply truncated or ill-formed",
        DNS_ERR_UNKNOWN => c"unknown",
        DNS_ERR_TIMEOUT => c"request timed out",
        DNS_ERR_SHUTDOWN => c"dns subsystem shut down",
        DNS_ERR_CANCEL => c"dns request canceled",
        DNS_ERR_NODATA => c"no records in the reply",
        _ => c"[Unknown error code]",
    }
}

/// The error a reply's RCODE stands for: 1-5 are themselves (RFC 1035), anything else is
/// "unknown" (the resolver knows no extended codes).
pub fn from_rcode(rcode: u8) -> c_int {
    match rcode {
        1..=5 => rcode as c_int,
        _ => DNS_ERR_UNKNOWN,
    }
}

/// What `evdns_getaddrinfo` reports for a lookup's result: a missing name is EAI_NONAME,
/// every other failure (NODATA included, as in 2.1.12) EAI_FAIL.
pub fn to_getaddrinfo_error(err: c_int) -> c_int {
    use crate::util::addrinfo::{EAI_FAIL, EAI_NONAME};
    match err {
        DNS_ERR_NONE => 0,
        DNS_ERR_NOTEXIST => EAI_NONAME,
        _ => EAI_FAIL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_codes() {
        assert_eq!(err_to_string(3).to_bytes(), b"name does not exist");
        assert_eq!(err_to_string(6).to_bytes(), b"[Unknown error code]");
        assert_eq!(err_to_string(-1).to_bytes(), b"[Unknown error code]");
        assert_eq!(from_rcode(5), DNS_ERR_REFUSED);
        assert_eq!(from_rcode(6), DNS_ERR_UNKNOWN);
        assert_eq!(from_rcode(15), DNS_ERR_UNKNOWN);
        assert_eq!(to_getaddrinfo_error(DNS_ERR_NODATA), crate::util::addrinfo::EAI_FAIL);
    }
}
