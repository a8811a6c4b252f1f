//! Old addresses (an imported WordPress or Ghost site's permalinks, `/?p=123`) answered with a
//! 301 to where their article now lives.
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

use masthead_core::{ArticleStatus, Slug};
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
            None => return Found::Nothing,
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
