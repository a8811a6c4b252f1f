//! Files an export names: where their addresses sit in a body, how those addresses are rewritten
//! to the copies, and which paths may be copied at all. Pure functions; the copying is the
//! importer's.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// `rel` as a path inside a folder: relative, without `..`.
pub(super) fn inside(rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel.trim_start_matches('/'));
    let normal = path.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && path.components().next().is_some()).then(|| path.to_owned())
}

/// Where each address under `prefix` sits in `html`: (start of the prefix, end of the address).
fn occurrences(html: &str, prefix: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    if prefix.is_empty() {
        return found;
    }
    let mut from = 0;
    while let Some(at) = html[from..].find(prefix) {
        let start = from + at;
        let rest = &html[start + prefix.len()..];
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '?' | '#'))
            .unwrap_or(rest.len());
        let end = start + prefix.len() + len;
        if len > 0 {
            found.push((start, end));
        }
        from = end.max(start + prefix.len());
    }
    found
}

/// The distinct paths under `prefix` that `html` names, in order.
pub(super) fn referenced(html: &str, prefix: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    occurrences(html, prefix)
        .into_iter()
        .map(|(start, end)| html[start + prefix.len()..end].to_owned())
        .filter(|rel| seen.insert(rel.clone()))
        .collect()
}

/// `html` with `prefix` + each path in `copies` replaced by the copy's address.
pub(super) fn rewrite(html: &str, prefix: &str, copies: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (start, end) in occurrences(html, prefix) {
        if let Some(public) = copies.get(&html[start + prefix.len()..end]) {
            out.push_str(&html[last..start]);
            out.push_str(public);
            last = end;
        }
    }
    out.push_str(&html[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_under_a_prefix_are_found_and_rewritten() {
        let prefix = "https://old.example/wp-content/uploads/";
        let html = "<img src=\"https://old.example/wp-content/uploads/2024/03/a.jpg\" \
                    srcset=\"https://old.example/wp-content/uploads/2024/03/a-300x200.jpg 300w\">\
                    <a href='https://old.example/wp-content/uploads/2024/03/a.jpg?v=2'>a</a>";
        assert_eq!(referenced(html, prefix), ["2024/03/a.jpg", "2024/03/a-300x200.jpg"]);
        let copies = HashMap::from([("2024/03/a.jpg".to_owned(), "/media/uploads/2024/03/a.jpg".to_owned())]);
        assert_eq!(
            rewrite(html, prefix, &copies),
            "<img src=\"/media/uploads/2024/03/a.jpg\" \
             srcset=\"https://old.example/wp-content/uploads/2024/03/a-300x200.jpg 300w\">\
             <a href='/media/uploads/2024/03/a.jpg?v=2'>a</a>"
        );
    }

    #[test]
    fn files_never_leave_their_folder() {
        assert_eq!(inside("2024/03/a.jpg"), Some(PathBuf::from("2024/03/a.jpg")));
        assert_eq!(inside("/2024/03/a.jpg"), Some(PathBuf::from("2024/03/a.jpg")));
        assert_eq!(inside("../etc/passwd"), None);
        assert_eq!(inside("2024/../../x"), None);
        assert_eq!(inside(""), None);
    }
}
