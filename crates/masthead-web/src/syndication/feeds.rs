//! What the site offers to machines: feeds for the site and every archive, ninjs for partners,
//! sitemaps and `robots.txt`. Documents are written by `masthead_formats`; this module finds the
//! articles and answers conditional requests.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use masthead_core::{Article, Site, TermKind};
use masthead_formats::feeds::{self, FEED_LENGTH, FeedScope};
use masthead_formats::{ninjs, sitemap};
use masthead_store::Page;

use crate::documents::JSON_TYPE;
use crate::http::conditional::respond;
use crate::http::error::{AppError, Result};
use crate::http::page_cache::Tags;
use crate::state::AppState;

pub(crate) const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
pub(crate) const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
pub(crate) const JSON_FEED_TYPE: &str = "application/feed+json; charset=utf-8";
const XML_TYPE: &str = "application/xml; charset=utf-8";

#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

/// Which archive a feed follows.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Author,
    Term(TermKind),
}

pub(crate) fn router() -> Router<AppState> {
    let mut r = Router::new()
        .route("/feed.xml", get(|s, h| site_feed(Format::Rss, s, h)))
        .route("/atom.xml", get(|s, h| site_feed(Format::Atom, s, h)))
        .route("/feed.json", get(|s, h| site_feed(Format::Json, s, h)))
        .route("/ninjs/items", get(ninjs_items))
        .route("/sitemap.xml", get(sitemap_xml))
        .route("/sitemap/{file}", get(sitemap_page))
        .route("/news-sitemap.xml", get(news_sitemap))
        .route("/robots.txt", get(robots))
        .route("/language/{tag}/feed.xml", get(|s, p, h| language_feed(Format::Rss, s, p, h)))
        .route("/language/{tag}/atom.xml", get(|s, p, h| language_feed(Format::Atom, s, p, h)))
        .route("/language/{tag}/feed.json", get(|s, p, h| language_feed(Format::Json, s, p, h)));
    for (prefix, scope) in [
        ("author", Scope::Author),
        ("region", Scope::Term(TermKind::Region)),
        ("theme", Scope::Term(TermKind::Theme)),
        ("tag", Scope::Term(TermKind::Tag)),
    ] {
        r = r
            .route(
                &format!("/{prefix}/{{slug}}/feed.xml"),
                get(move |s, p, h| archive_feed(scope, Format::Rss, s, p, h)),
            )
            .route(
                &format!("/{prefix}/{{slug}}/atom.xml"),
                get(move |s, p, h| archive_feed(scope, Format::Atom, s, p, h)),
            )
            .route(
                &format!("/{prefix}/{{slug}}/feed.json"),
                get(move |s, p, h| archive_feed(scope, Format::Json, s, p, h)),
            );
    }
    r
}

fn render(
    format: Format,
    site: &Site,
    scope: &FeedScope,
    articles: &[Article],
    headers: &HeaderMap,
    mut tags: Tags,
) -> Response {
    let last = masthead_formats::last_modified(articles);
    for a in articles {
        tags.add_article(a);
    }
    let (path, mut response) = match format {
        Format::Rss => {
            (scope.rss_path(), respond(headers, RSS_TYPE, feeds::rss(site, scope, articles), last))
        }
        Format::Atom => {
            (scope.atom_path(), respond(headers, ATOM_TYPE, feeds::atom(site, scope, articles), last))
        }
        Format::Json => (
            scope.json_path(),
            respond(headers, JSON_FEED_TYPE, feeds::json_feed(site, scope, articles), last),
        ),
    };
    // WebSub §4: the topic and the hub are also announced in HTTP headers, for subscribers that
    // do not read the document.
    let mut links = vec![format!("<{}>; rel=\"self\"", site.url(&path))];
    if let Some(hub) = &site.websub_hub {
        links.push(format!("<{hub}>; rel=\"hub\""));
    }
    if let Ok(value) = axum::http::HeaderValue::from_str(&links.join(", ")) {
        response.headers_mut().insert(axum::http::header::LINK, value);
    }
    tags.apply(response)
}

async fn full_articles(state: &AppState, listing: masthead_store::Listing) -> Result<Vec<Article>> {
    let ids: Vec<i64> = listing.items.iter().map(|s| s.id).collect();
    Ok(state.store().articles(&ids).await?)
}

async fn site_feed(format: Format, State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let site = state.site().await?;
    let listing = state.store().published(Page::first(FEED_LENGTH)).await?;
    let articles = full_articles(&state, listing).await?;
    Ok(render(format, &site, &FeedScope::site(&site), &articles, &headers, Tags::new(["listing".to_owned()])))
}

/// `/language/{tag}/feed.xml` (and Atom, JSON Feed): the articles in one language.
async fn language_feed(
    format: Format,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(tag) = path.map_err(|_| AppError::NotFound)?;
    if !masthead_core::article::is_language_tag(&tag) {
        return Err(AppError::NotFound);
    }
    let site = state.site().await?;
    let ids = state.store().published_in_language(&tag, tag == site.language, FEED_LENGTH).await?;
    let articles = state.store().articles(&ids).await?;
    let scope = FeedScope::language(&site, &tag);
    Ok(render(format, &site, &scope, &articles, &headers, Tags::new(["listing".to_owned()])))
}

async fn archive_feed(
    scope: Scope,
    format: Format,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let slug = crate::paths::slug_from(path)?;
    let site = state.site().await?;
    let page = Page::first(FEED_LENGTH);
    let (feed_scope, listing, tags) = match scope {
        Scope::Author => {
            let author = state.store().author_by_slug(&slug).await?;
            let tags = Tags::new([format!("author:{}", author.id)]);
            (
                FeedScope::author(&site, &author),
                state.store().published_by_author(author.id, page).await?,
                tags,
            )
        }
        Scope::Term(kind) => {
            let term = state.store().term_by_slug(kind, &slug).await?;
            let tags = Tags::new(
                state.store().term_subtree(term.id).await?.into_iter().map(|t| format!("term:{t}")),
            );
            (FeedScope::term(&site, &term), state.store().published_in_term(term.id, page).await?, tags)
        }
    };
    let articles = full_articles(&state, listing).await?;
    Ok(render(format, &site, &feed_scope, &articles, &headers, tags))
}

/// Partners' listing: published articles changed since `?since=` (RFC 3339; default: all),
/// oldest change first, 50 a page; `next` continues.
async fn ninjs_items(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let since = match get("since") {
        None => jiff::Timestamp::UNIX_EPOCH,
        Some(s) => s.parse::<jiff::Timestamp>().map_err(|_| {
            AppError::BadRequest(format!(
                "since={s:?} is not a date and time; use RFC 3339, as in 2026-11-29T08:00:00Z"
            ))
        })?,
    };
    let after = match get("after") {
        None => None,
        Some(a) => {
            let bad = || AppError::BadRequest(format!("after={a:?} is not a position from this listing"));
            let (secs, id) = a.split_once('-').ok_or_else(bad)?;
            let at = secs
                .parse::<i64>()
                .ok()
                .and_then(|s| jiff::Timestamp::from_second(s).ok())
                .ok_or_else(bad)?;
            Some((at, id.parse::<i64>().map_err(|_| bad())?))
        }
    };
    let site = state.site().await?;
    let (articles, next) = state.store().published_changed_since(since, after, 50).await?;
    let listing = ninjs::NinjsListing {
        items: articles.iter().map(|a| ninjs::ninjs(&site, a)).collect(),
        next: next.map(|(at, id)| {
            let since =
                url::form_urlencoded::byte_serialize(since.to_string().as_bytes()).collect::<String>();
            site.url(&format!("/ninjs/items?since={since}&after={}-{id}", at.as_second()))
        }),
    };
    let body = serde_json::to_string_pretty(&listing).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tags = Tags::new(["listing".to_owned()]);
    for a in &articles {
        tags.add_article(a);
    }
    Ok(tags.apply(respond(&headers, JSON_TYPE, body, masthead_formats::last_modified(&articles))))
}

/// Each sitemap of articles covers this many article ids: a page is one read by key, and its
/// size (about 100 bytes an address) stays well under the page cache's limit for an entry.
pub(crate) const SITEMAP_ARTICLE_IDS: i64 = 10_000;

/// The numbers of the sitemaps of articles, from the first published article's span of ids
/// to the last's.
fn article_sitemaps(span: &masthead_store::PublishedSpan) -> std::ops::RangeInclusive<i64> {
    span.first_id / SITEMAP_ARTICLE_IDS..=span.last_id / SITEMAP_ARTICLE_IDS
}

/// The sitemaps the index names: the site's other pages, then one per span of article ids
/// (`span`: [`masthead_store::Store::published_span`], two index seeks whatever the size of the
/// site).
pub(crate) fn sitemap_paths(span: Option<&masthead_store::PublishedSpan>) -> Vec<String> {
    let mut paths = vec!["/sitemap/pages.xml".to_owned()];
    if let Some(span) = span {
        paths.extend(article_sitemaps(span).map(|n| format!("/sitemap/articles-{n}.xml")));
    }
    paths
}

async fn sitemap_xml(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let site = state.site().await?;
    let span = state.store().published_span().await?;
    let body = sitemap::index(&site, &sitemap_paths(span.as_ref()));
    Ok(listing_tags().apply(respond(&headers, XML_TYPE, body, span.map(|s| s.last_changed))))
}

/// `/sitemap/pages.xml`: the home page, authors and terms; `/sitemap/articles-{n}.xml`: our own
/// articles with ids in the n-th span (one republished from another outlet names that
/// outlet's page as canonical, which search engines should find instead).
async fn sitemap_page(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let site = state.site().await?;
    let store = state.store();
    let entries = if file == "pages.xml" {
        let mut entries = vec![sitemap::Entry { path: "/".into(), last_modified: None }];
        entries.extend(
            store
                .authors()
                .await?
                .into_iter()
                .map(|a| sitemap::Entry { path: a.path(), last_modified: None }),
        );
        for kind in TermKind::ALL {
            entries.extend(
                store
                    .terms(kind)
                    .await?
                    .iter()
                    .map(|t| sitemap::Entry { path: t.path(), last_modified: None }),
            );
        }
        entries
    } else {
        let n: i64 = file
            .strip_prefix("articles-")
            .and_then(|f| f.strip_suffix(".xml"))
            .and_then(|n| n.parse().ok())
            .ok_or(AppError::NotFound)?;
        // Only the sitemaps the index names (which also keeps `n`'s ids within range).
        let span = store.published_span().await?.ok_or(AppError::NotFound)?;
        if !article_sitemaps(&span).contains(&n) {
            return Err(AppError::NotFound);
        }
        store
            .own_published_between(n * SITEMAP_ARTICLE_IDS, (n + 1) * SITEMAP_ARTICLE_IDS)
            .await?
            .into_iter()
            .map(|e| sitemap::Entry {
                path: masthead_core::article::article_path(&e.slug),
                last_modified: Some(e.updated_at),
            })
            .collect()
    };
    let last = entries.iter().filter_map(|e| e.last_modified).max();
    Ok(listing_tags().apply(respond(&headers, XML_TYPE, sitemap::urlset(&site, &entries), last)))
}

async fn news_sitemap(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let site = state.site().await?;
    let now = jiff::Timestamp::now();
    let since = now - jiff::SignedDuration::from_hours(48);
    let news: Vec<sitemap::NewsEntry> = state
        .store()
        .own_published_since(since, sitemap::NEWS_LIMIT as u32)
        .await?
        .into_iter()
        .map(|e| sitemap::NewsEntry {
            path: masthead_core::article::article_path(&e.slug),
            title: e.title,
            published_at: e.published_at,
        })
        .collect();
    let last = news.iter().map(|n| n.published_at).max();
    Ok(listing_tags().apply(respond(&headers, XML_TYPE, sitemap::news(&site, &news, now), last)))
}

async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let site = state.site().await?;
    Ok(Tags::new(["site".to_owned()]).apply(respond(
        &headers,
        "text/plain; charset=utf-8",
        sitemap::robots_txt(&site),
        None,
    )))
}

/// Sitemaps list every article, author and term: any new one or any publication changes them.
fn listing_tags() -> Tags {
    Tags::new(["listing".to_owned()])
}
