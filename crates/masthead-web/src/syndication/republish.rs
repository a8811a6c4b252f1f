//! "Republish this article": copy-ready HTML that carries every attribution the terms ask for,
//! as a page for people and as JSON for scripts, and the first-party image that counts where
//! the copies are read. No cookies, no IP addresses: only the republishing site is recorded
//! (a client's address is held in memory, for its limit, and never written).

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use masthead_core::republication::{republishing_host, site_host};
use masthead_core::{Article, ArticleStatus, Site, Slug};
use serde::Serialize;

use crate::documents::JSON_TYPE;
use crate::http::auth::ClientIp;
use crate::http::conditional::respond;
use crate::http::error::{AppError, Result};
use crate::http::headers::counting_pixel;
use crate::state::AppState;
use crate::views::{LinkView, site_view};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/article/{slug}/{file}", get(republish)).route("/r/{file}", get(beacon))
}

#[derive(Debug, Clone, Serialize)]
struct PolicyTerms {
    key: &'static str,
    name: &'static str,
    text: &'static str,
    url: String,
}

#[derive(Debug, Clone, Serialize)]
struct FeaturedCopy {
    src: String,
    alt: String,
    credit: String,
    width: Option<i64>,
    height: Option<i64>,
}

/// Everything the snippet, the page and the JSON say.
#[derive(Debug, Clone, Serialize)]
struct Republish {
    title: String,
    /// The page republishers should point `rel="canonical"` at: ours, or the original's when we
    /// republished it (as our own page names it).
    canonical: String,
    canonical_tag: String,
    allowed: bool,
    commercial_allowed: bool,
    must_not_edit: bool,
    policy: PolicyTerms,
    authors: Vec<LinkView>,
    /// The outlet named in the byline and copyright: the original's.
    outlet: String,
    /// "This article was originally published on …"
    origin: LinkView,
    copyright: String,
    featured: Option<FeaturedCopy>,
    body_html: String,
    beacon: String,
    permission_contact: String,
    permission_subject: String,
    page_path: String,
    json_path: String,
    /// The republishing site, when the republisher gave it.
    site: Option<String>,
}

fn republish_view(site: &Site, a: &Article, republisher: Option<String>) -> Republish {
    let page = site.url(&a.path());
    // Where search engines should look, as our own page says: the original's page for an
    // article we republished, so that copies of our copy do not start a chain.
    let canonical = a.canonical_url(site);
    let policy = a.effective_policy(site);
    let origin = match a.provenance.original() {
        Some(o) => LinkView { name: o.outlet.name.clone(), url: o.url.to_string() },
        None => LinkView { name: site.title.clone(), url: page.clone() },
    };
    let mut beacon = site.url(&format!("/r/{}.gif", a.id));
    if let Some(host) = &republisher {
        beacon.push_str(&format!("?site={host}"));
    }
    let base = url::Url::parse(&page).unwrap_or_else(|_| site.base_url.clone());
    Republish {
        title: a.title.clone(),
        canonical_tag: format!("<link rel=\"canonical\" href=\"{canonical}\">"),
        allowed: policy.allows_republication(),
        commercial_allowed: policy.allows_commercial_use(),
        must_not_edit: !policy.allows_derivatives(),
        policy: PolicyTerms {
            key: policy.key(),
            name: policy.name(),
            text: policy.text(),
            url: masthead_formats::feeds::license_url(site, a),
        },
        authors: a
            .authors
            .iter()
            .map(|p| LinkView { name: p.name.clone(), url: site.url(&p.path()) })
            .collect(),
        outlet: a.copyright_outlet(site).to_owned(),
        origin,
        copyright: a.copyright_line(site),
        featured: a.featured.as_ref().map(|f| FeaturedCopy {
            src: site.url(&f.media.public_path()),
            alt: f.alt.clone(),
            credit: f.credit.clone(),
            width: f.media.width,
            height: f.media.height,
        }),
        body_html: masthead_core::body::absolutize(&a.body.html, &base),
        beacon,
        permission_contact: site.media_contact.clone(),
        permission_subject: url::form_urlencoded::byte_serialize(
            format!("Permission to republish: {}", a.title).as_bytes(),
        )
        .collect::<String>()
        .replace('+', "%20"),
        page_path: format!("{}/republish", a.path()),
        json_path: format!("{}/republish.json", a.path()),
        canonical,
        site: republisher,
    }
}

async fn republish(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let Path((raw, file)) = path.map_err(|_| AppError::NotFound)?;
    let json = match file.as_str() {
        "republish" => false,
        "republish.json" => true,
        _ => return Err(AppError::NotFound),
    };
    let slug = Slug::parse(&raw).map_err(|_| AppError::NotFound)?;
    let article = state.store().article_by_slug(&slug).await?;
    if article.status != ArticleStatus::Published {
        return Err(AppError::NotFound);
    }
    let republisher = query
        .as_deref()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "site").map(|(_, v)| v.into_owned())
        })
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            republishing_host(&v).ok_or_else(|| AppError::BadRequest(format!("{v:?} is not a web address")))
        })
        .transpose()?;
    let site = state.site().await?;
    let view = republish_view(&site, &article, republisher);
    let snippet = if view.allowed {
        Some(state.theme().render("republish-snippet.html", minijinja::context! { r => &view })?)
    } else {
        None
    };
    if json {
        #[derive(Serialize)]
        struct RepublishJson<'a> {
            #[serde(flatten)]
            view: &'a Republish,
            html: Option<&'a str>,
        }
        let body = serde_json::to_string_pretty(&RepublishJson { view: &view, html: snippet.as_deref() })
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tags = crate::http::page_cache::Tags::default();
        tags.add_article(&article);
        return Ok(tags.apply(respond(&headers, JSON_TYPE, body, Some(article.updated_at))));
    }
    // The preview on our own page must not count for the republisher's site: its image names none.
    let preview = if view.allowed {
        let plain = Republish { beacon: site.url(&format!("/r/{}.gif", article.id)), ..view.clone() };
        state.theme().render("republish-snippet.html", minijinja::context! { r => &plain })?
    } else {
        String::new()
    };
    let html = state.theme().render(
        "republish.html",
        minijinja::context! {
            site => site_view(&site),
            r => &view,
            html => snippet.unwrap_or_default(),
            preview_html => preview,
        },
    )?;
    let mut tags = crate::http::page_cache::Tags::default();
    tags.add_article(&article);
    Ok(tags.apply(respond(&headers, "text/html; charset=utf-8", html, None)))
}

/// `/r/{article id}.gif`: counts a view of a republished copy on the site named by `?site=`
/// (a host name, see `republication::site_host`) or, failing that, by the Referer's host.
/// Always answers with the image at once, so that a copy never shows a broken picture: the
/// view is counted in memory (`masthead_newsroom::views`, written by the `flush-views` job),
/// never in the database while the reader waits, and only within the client's limit.
/// Nothing is counted for our own pages, and unknown articles are dropped when written.
async fn beacon(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Response {
    if let Some(id) = file.strip_suffix(".gif").and_then(|id| id.parse::<i64>().ok()) {
        let from_param = query.as_deref().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "site")
                .and_then(|(_, v)| site_host(&v))
        });
        let from_referer =
            || headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(republishing_host);
        if let Some(host) = from_param.or_else(from_referer) {
            count(&state, id, &host, &ip).await;
        }
    }
    counting_pixel()
}

async fn count(state: &AppState, id: i64, host: &str, client: &str) {
    // The settings are cached; should they be unreadable, count rather than fail the image.
    let own = state.site().await.ok().and_then(|s| s.base_url.host_str().map(str::to_ascii_lowercase));
    if own.as_deref() == Some(host) || id <= 0 || !state.beacon_limits().admit(client) {
        return;
    }
    state.newsroom().views().count(id, host, jiff::Timestamp::now());
}
