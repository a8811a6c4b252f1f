//! Old addresses (an imported WordPress or Ghost site's permalinks, `/?p=123`, its feeds and
//! archives: `/feed/`, `/category/x/`, `/tag/x/rss/`) answered with a 301 to where they now
//! live.
//!
//! [`follow_redirects`] wraps the whole router and asks the store only when Masthead itself
//! has nothing at the address: the request runs first, and a GET or HEAD that ends in a 404 is
//! looked up. Pages, feeds, media and the admin never cost a lookup, and a stored redirect can
//! never hide one of them. The one exception is WordPress's `/?p=123` (and `?page_id=`): the
//! home page answers any query, so those are looked up before it runs. Nothing here writes.
//!
//! A redirect leads only to an article that is published: an import stores one for every
//! post, drafts and private posts included, and following it would tell anyone the slug (and so
//! the headline) of an article nobody has published. Otherwise the answer is 404.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use masthead_core::{ArticleStatus, Slug, TermKind};
use masthead_store::StoreError;

use crate::http::error::AppError;
use crate::state::AppState;

/// The middleware: see the module's documentation.
pub async fn follow_redirects(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let uri = request.uri().clone();
    if crate::http::wordpress::names_wordpress_id(&uri) {
        return match lookup(&state, &uri).await {
            Found::Redirect(redirect) => redirect,
            Found::Unpublished => AppError::NotFound.into_response(),
            Found::Nothing => next.run(request).await,
        };
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    match lookup(&state, &uri).await {
        Found::Redirect(redirect) => redirect,
        Found::Unpublished | Found::Nothing => response,
    }
}

/// What a stored redirect gives.
enum Found {
    /// A 301 to where the address now lives.
    Redirect(Response),
    /// A redirect to an article that is not published: answered as if there were none, but the
    /// home page must not stand in for it.
    Unpublished,
    Nothing,
}

/// Where `uri` now lives. A failing database costs the reader only the redirect: the response
/// they would have had is kept.
async fn lookup(state: &AppState, uri: &Uri) -> Found {
    let address = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or_else(|| uri.path());
    let stored = |address: &str| {
        let address = address.to_owned();
        async move {
            state.store().redirect_for(&address).await.unwrap_or_else(|e| {
                tracing::error!(error = %e, address, "could not look up a redirect");
                None
            })
        }
    };
    // `page`: where the article page the address belongs to now lives, when that is what
    // tells whether to follow.
    let (to, page) = match stored(address).await {
        Some(to) => (to.clone(), to),
        // An article that moved takes its other addresses along: its ninjs, its republish page.
        None => match article_sub_address(uri.path()) {
            Some((page, rest)) => match stored(page).await {
                Some(to) if to.starts_with("/article/") => (format!("{to}{rest}"), to),
                _ => return Found::Nothing,
            },
            // An imported site's feed and archive addresses.
            None => match platform_address(state, uri.path()).await {
                Some(to) => (to.clone(), to),
                None => return Found::Nothing,
            },
        },
    };
    if let Some(slug) = article_slug(state, &page).await {
        match state.store().article_by_slug(&slug).await {
            Ok(article) if article.status == ArticleStatus::Published => {}
            Ok(_) | Err(StoreError::NotFound) => return Found::Unpublished,
            Err(e) => {
                tracing::error!(error = %e, address, "could not read the article a redirect leads to");
                return Found::Nothing;
            }
        }
    }
    let location = match HeaderValue::from_str(&to) {
        Ok(value) => value,
        Err(_) => {
            tracing::error!(address, to, "a stored redirect leads to an address that cannot be sent");
            return Found::Nothing;
        }
    };
    // Permanent, but kept by browsers and caches for a day only, so that a redirect the
    // newsroom corrects is followed again soon.
    let cache = HeaderValue::from_static("public, max-age=86400");
    Found::Redirect(
        (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location), (header::CACHE_CONTROL, cache)])
            .into_response(),
    )
}

/// Where a WordPress or Ghost feed or archive address lives here, if it names something we
/// have: `/feed/` and Ghost's `/rss/` are the site's feed; `/category/x/` is the region or
/// theme `x` (a nested category by its last part); `/tag/x/` and `/author/x/` are ours without
/// the slash; each with `/feed/` (WordPress) or `/rss/` (Ghost) after it is that archive's feed.
async fn platform_address(state: &AppState, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    let (parts, feed) = match parts.split_last() {
        Some((last, rest)) if matches!(*last, "feed" | "rss" | "rss2") => (rest, Some("feed.xml")),
        Some((&"atom", rest)) if rest.last() == Some(&"feed") => (&rest[..rest.len() - 1], Some("atom.xml")),
        Some((&"rss2", rest)) if rest.last() == Some(&"feed") => (&rest[..rest.len() - 1], Some("feed.xml")),
        _ => (&parts[..], None),
    };
    let with_feed = |base: String| match feed {
        Some(file) => format!("{base}/{file}"),
        None => base,
    };
    match parts {
        [] => feed.map(|file| format!("/{file}")),
        ["category", .., last] => {
            let slug = Slug::parse(last).ok()?;
            for (kind, prefix) in [(TermKind::Region, "region"), (TermKind::Theme, "theme")] {
                if state.store().term_by_slug(kind, &slug).await.is_ok() {
                    return Some(with_feed(format!("/{prefix}/{slug}")));
                }
            }
            None
        }
        ["tag", slug] => {
            let slug = Slug::parse(slug).ok()?;
            state.store().term_by_slug(TermKind::Tag, &slug).await.ok()?;
            let ours = format!("/tag/{slug}");
            // `/tag/x` itself is ours; only its other forms are redirected.
            (feed.is_some() || path != ours).then(|| with_feed(ours))
        }
        ["author", slug] => {
            let slug = Slug::parse(slug).ok()?;
            state.store().author_by_slug(&slug).await.ok()?;
            let ours = format!("/author/{slug}");
            (feed.is_some() || path != ours).then(|| with_feed(ours))
        }
        _ => None,
    }
}

/// An address under an article's page, split into the page and the rest:
/// `/article/water.ninjs.json` into `/article/water` and `.ninjs.json`, `/article/water/republish`
/// into `/article/water` and `/republish`.
fn article_sub_address(path: &str) -> Option<(&str, &str)> {
    let slug = path.strip_prefix("/article/")?;
    let end = slug.find(['/', '.'])?;
    let (page, rest) = path.split_at("/article/".len() + end);
    (end > 0 && rest.len() > 1).then_some((page, rest))
}

/// The slug of the article page `to` names (`/article/{slug}`, relative or on this site), if
/// it names one.
async fn article_slug(state: &AppState, to: &str) -> Option<Slug> {
    let base = state.site().await.ok()?.base_url;
    let url = base.join(to).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let rest = url.path().strip_prefix("/article/")?;
    Slug::parse(rest.trim_end_matches('/')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_s_other_addresses_are_split_from_its_page() {
        assert_eq!(article_sub_address("/article/water.ninjs.json"), Some(("/article/water", ".ninjs.json")));
        assert_eq!(article_sub_address("/article/water/republish"), Some(("/article/water", "/republish")));
        assert_eq!(article_sub_address("/article/water"), None);
        assert_eq!(article_sub_address("/article/water/"), None);
        assert_eq!(article_sub_address("/article//x"), None);
        assert_eq!(article_sub_address("/author/ana/feed.xml"), None);
    }
}
