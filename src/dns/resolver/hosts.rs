//! The hosts database (`evdns_base_load_hosts`, DNS_OPTION_HOSTSFILE): /etc/hosts-style
//! lines, consulted by evdns_getaddrinfo only.
//!
//! A line is an address (anything `evutil_parse_sockaddr_port` reads, but without a port)
//! and names; '#' starts a comment; fields are split on blanks and tabs. Lines that do not
//! parse are skipped. Names keep their case and match case-insensitively, in file order.

use super::sockaddr::SockAddr;

pub struct HostEntry {
    pub name: Vec<u8>,
    pub addr: SockAddr,
}

/// The two entries 2.1.12 adds for a NULL or unreadable file.
pub const LOCALHOST_LINES: [&[u8]; 2] = [b"127.0.0.1   localhost", b"::1   localhost"];

pub fn parse_line(line: &[u8], out: &mut Vec<HostEntry>) {
    let line = match line.iter().position(|&c| c == b'#') {
        Some(i) => &line[..i],
        None => line,
    };
    let mut fields = line.split(|&c| c == b' ' || c == b'\t').filter(|f| !f.is_empty());
    let Some(addr) = fields.next().and_then(SockAddr::parse) else { return };
    if addr.port() != 0 {
        return;
    }
    for name in fields {
        out.push(HostEntry { name: name.to_vec(), addr });
    }
}

/// Every line of a file's bytes (up to the first NUL, as a C string would end).
pub fn parse_text(text: &[u8], out: &mut Vec<HostEntry>) {
    let text = match text.iter().position(|&c| c == 0) {
        Some(i) => &text[..i],
        None => text,
    };
    for line in text.split(|&c| c == b'\n') {
        parse_line(line, out);
    }
}

/// The entries for `name` (any case), in order.
pub fn find<'a>(db: &'a [HostEntry], name: &'a [u8]) -> impl Iterator<Item = &'a HostEntry> + 'a {
    db.iter().filter(move |e| e.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let mut db = Vec::new();
        parse_text(
            b"# comment\n10.0.0.1 h1 h1alias # trailing\n  10.0.0.2\th2\n::5 h1\n10.0.0.3:80 hport\nbadaddr hbad\n10.0.0.7 H1\n[::6] six\0 10.0.0.9 after-nul\n",
            &mut db,
        );
        let names: Vec<_> = db.iter().map(|e| String::from_utf8(e.name.clone()).unwrap()).collect();
        assert_eq!(names, ["h1", "h1alias", "h2", "h1", "H1", "six"]);
        let h1: Vec<_> = find(&db, b"h1").map(|e| e.addr.to_text()).collect();
        assert_eq!(h1, ["10.0.0.1:0", "[::5]:0", "10.0.0.7:0"]);
        for l in LOCALHOST_LINES {
            parse_line(l, &mut db);
        }
        assert_eq!(find(&db, b"LOCALHOST").count(), 2);
    }
}
