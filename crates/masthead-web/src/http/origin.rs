//! Whether a form was posted from this site's own pages. Public pages are served from a cache
//! shared by every reader, so a form on them cannot carry a per-reader CSRF token; their POSTs
//! are checked by where the browser says they came from instead: `Sec-Fetch-Site`, which every
//! current browser sends and no page can forge, else `Origin`, else `Referer`, each compared
//! with the site's own origin (its base URL, or the host the request was sent to). A POST that
//! says none of them is refused: every browser sends at least one.

use axum::http::{HeaderMap, header};

/// `scheme://host[:port]` of `url`, as browsers write an `Origin`.
fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether the request that carries `headers` comes from a page of the site at `base`.
pub fn same_origin(headers: &HeaderMap, base: &url::Url) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    match get("sec-fetch-site") {
        Some("same-origin") => return true,
        // "cross-site", "same-site" (another subdomain), "none" (typed in the address bar, which
        // cannot post a form): refused.
        Some(_) => return false,
        None => {}
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let ours = |url: &url::Url| {
        origin_of(url) == origin_of(base)
            || host.is_some_and(|h| {
                let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!("{}{port}", url.host_str().unwrap_or_default()).eq_ignore_ascii_case(h)
            })
    };
    if let Some(origin) = get("origin") {
        // "null" (a sandboxed frame, a file) parses as no URL: refused.
        return url::Url::parse(origin).is_ok_and(|u| ours(&u));
    }
    match get("referer") {
        Some(referer) => url::Url::parse(referer).is_ok_and(|u| ours(&u)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_sites_own_pages_may_post() {
        let base: url::Url = "https://meridian.example/".parse().unwrap();
        let yes = [
            headers(&[("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")]),
            headers(&[("origin", "https://meridian.example")]),
            headers(&[("referer", "https://meridian.example/article/x")]),
            headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]),
        ];
        for h in &yes {
            assert!(same_origin(h, &base), "{h:?}");
        }
        let no = [
            headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://meridian.example")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("origin", "https://meridian.example.evil.example")]),
            headers(&[("referer", "https://evil.example/?https://meridian.example/")]),
            headers(&[]),
        ];
        for h in &no {
            assert!(!same_origin(h, &base), "{h:?}");
        }
    }
}
