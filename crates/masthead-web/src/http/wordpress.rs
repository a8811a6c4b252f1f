//! WordPress's own addresses, which the redirects look up before anything else answers them,
//! and which the page cache's fast path therefore leaves alone.

use axum::http::Uri;

/// `/?p=123`, `/?page_id=7`: WordPress's own addresses of a post, which the home page would
/// otherwise answer as itself.
pub(crate) fn names_wordpress_id(uri: &Uri) -> bool {
    uri.path() == "/"
        && uri.query().is_some_and(|q| q.split('&').any(|p| p.starts_with("p=") || p.starts_with("page_id=")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_home_page_with_an_id_is_looked_up_before_it_runs() {
        let yes = |s: &str| names_wordpress_id(&s.parse().unwrap());
        assert!(yes("/?p=123"));
        assert!(yes("/?utm_source=x&page_id=7"));
        assert!(!yes("/?after=1700000000-3"));
        assert!(!yes("/"));
        assert!(!yes("/article/x?p=1"));
        assert!(!yes("/?pp=1"));
    }
}
