//! The search list: domains appended to short names, and `ndots`.
//!
//! 2.1.12's rules, checked against it: `evdns_base_search_add` puts the new domain FIRST
//! (the most recently added is tried first) while a resolv.conf `search` line keeps its
//! order; leading dots of a domain are dropped; clearing the list also puts ndots back to 1.
//! A name with at least `ndots` dots is tried as given first and then with each domain; a
//! shorter one with each domain first and as given last. A lookup keeps the list it started
//! with (later additions and ndots changes reach it, a clear does not), as libevent shares
//! the list object with the lookups in progress.

use std::cell::RefCell;
use std::rc::Rc;

pub struct SearchList {
    pub ndots: i32,
    /// In the order they are tried.
    pub domains: Vec<Vec<u8>>,
}

/// The base's list, shared with the lookups that use it. Only touched under the base lock.
pub type SharedSearch = Rc<RefCell<SearchList>>;

impl Default for SearchList {
    fn default() -> Self {
        SearchList { ndots: 1, domains: Vec::new() }
    }
}

impl SearchList {
    /// `evdns_base_search_add`: newest first.
    pub fn add_first(&mut self, domain: &[u8]) {
        self.domains.insert(0, strip_leading_dots(domain).to_vec());
    }
    /// A resolv.conf `search`/`domain` line: file order.
    pub fn add_last(&mut self, domain: &[u8]) {
        self.domains.push(strip_leading_dots(domain).to_vec());
    }
}

fn strip_leading_dots(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'.').count();
    &d[n..]
}

pub fn count_dots(name: &[u8]) -> i32 {
    name.iter().filter(|&&c| c == b'.').count() as i32
}

/// `name` with `domain` appended (no extra dot when the name already ends with one). None
/// for the empty name, which has no last character to look at.
pub fn qualify(name: &[u8], domain: &[u8]) -> Option<Vec<u8>> {
    let last = *name.last()?;
    let mut out = Vec::with_capacity(name.len() + 1 + domain.len());
    out.extend_from_slice(name);
    if last != b'.' {
        out.push(b'.');
    }
    out.extend_from_slice(domain);
    Some(out)
}

/// Where a search stands: `index` is the domain tried last, -1 for "as given first".
pub struct SearchProgress {
    pub list: SharedSearch,
    pub origname: Vec<u8>,
    pub index: isize,
}

/// The next name to try after `progress.index` failed, or None when the search is over.
/// Returns `(name, is_final)`: the as-given attempt that ends a short name's search is final.
pub fn next_candidate(progress: &mut SearchProgress) -> Option<(Vec<u8>, bool)> {
    let list = progress.list.borrow();
    progress.index += 1;
    let i = progress.index as usize;
    if i >= list.domains.len() {
        if count_dots(&progress.origname) < list.ndots {
            return Some((progress.origname.clone(), true));
        }
        return None;
    }
    // A domain list entry always yields a name here (origname is not empty: empty names
    // never start a search).
    qualify(&progress.origname, &list.domains[i]).map(|n| (n, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(list: SearchList, name: &str) -> Vec<String> {
        let first_raw = count_dots(name.as_bytes()) >= list.ndots;
        let shared = Rc::new(RefCell::new(list));
        let mut out = Vec::new();
        let mut p = SearchProgress { list: shared.clone(), origname: name.as_bytes().to_vec(), index: -1 };
        if first_raw {
            out.push(name.to_string());
        } else {
            p.index = 0;
            out.push(String::from_utf8(qualify(name.as_bytes(), &shared.borrow().domains[0]).unwrap()).unwrap());
        }
        while let Some((n, last)) = next_candidate(&mut p) {
            out.push(String::from_utf8(n).unwrap());
            if last {
                break;
            }
        }
        out
    }

    #[test]
    fn orders() {
        let mut l = SearchList::default();
        l.add_first(b"a.example");
        l.add_first(b"..b.example");
        l.add_first(b"c.example.");
        assert_eq!(walk(l, "host"), ["host.c.example.", "host.b.example", "host.a.example", "host"]);
        let mut l = SearchList { ndots: 1, domains: vec![] };
        l.add_last(b"a.ex");
        l.add_last(b"b.ex");
        assert_eq!(walk(l, "h.i"), ["h.i", "h.i.a.ex", "h.i.b.ex"]);
        let l = SearchList { ndots: 3, domains: vec![b"z".to_vec()] };
        assert_eq!(walk(l, "x.y"), ["x.y.z", "x.y"]);
        let l = SearchList { ndots: 1, domains: vec![b"z.example".to_vec()] };
        assert_eq!(walk(l, "x.y."), ["x.y.", "x.y.z.example"]);
        assert_eq!(qualify(b"", b"z"), None);
    }
}
