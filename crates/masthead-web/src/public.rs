//! The public site: home, article pages, author and term archives, theme assets.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use masthead_core::{ArticleStatus, Cursor, Site, Slug, TermKind};
use masthead_store::{Listing, Page};
use serde::Serialize;

use crate::error::{AppError, ErrorPage};
use crate::views::{
    LinkView, PagerView, SiteView, SummaryView, article_view, site_view, summary_view, term_link, term_url,
};
use crate::{AppState, Result};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/article/{slug}", get(article))
        .route("/author/{slug}", get(author))
        .route("/region/{slug}", get(|s, p, q| term(TermKind::Region, s, p, q)))
        .route("/theme/{slug}", get(|s, p, q| term(TermKind::Theme, s, p, q)))
        .route("/tag/{slug}", get(|s, p, q| term(TermKind::Tag, s, p, q)))
        .route("/assets/{file}", get(asset))
}

/// What every page has: the site's settings and the section navigation.
#[derive(Debug, Serialize)]
struct Chrome {
    site: SiteView,
    nav: Vec<LinkView>,
}

async fn chrome(state: &AppState, site: &Site) -> Result<Chrome> {
    // Top-level regions and themes make the section bar.
    let mut nav = Vec::new();
    for kind in [TermKind::Region, TermKind::Theme] {
        nav.extend(state.store().terms(kind).await?.iter().filter(|t| t.parent_id.is_none()).map(term_link));
    }
    Ok(Chrome { site: site_view(site), nav })
}

/// A slug from the path; anything that cannot be a slug cannot be a page.
fn slug_from(path: Result<Path<String>, PathRejection>) -> Result<Slug> {
    let Path(raw) = path.map_err(|_| AppError::NotFound)?;
    Slug::parse(&raw).map_err(|_| AppError::NotFound)
}

/// The page position in `?after=…`; other parameters are ignored.
fn page_from(query: Option<String>, size: u32) -> Result<Page> {
    let after = query
        .as_deref()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "after").map(|(_, v)| v))
        .map(|v| v.parse::<Cursor>().map_err(|e| AppError::BadRequest(e.to_string())))
        .transpose()?;
    Ok(Page { after, limit: size })
}

fn pager(base: &str, page: &Page, listing: &Listing) -> PagerView {
    PagerView {
        newest: page.after.map(|_| base.to_owned()),
        older: listing.next.map(|c| format!("{base}?after={c}")),
    }
}

fn html_page(html: String) -> Response {
    let mut response = Html(html).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    response
}

async fn home(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let page = page_from(query, state.page_size())?;
    let site = state.store().site().await?;
    let listing = state.store().published(page).await?;
    #[derive(Serialize)]
    struct HomePage {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        items: Vec<SummaryView>,
        pager: PagerView,
    }
    let view = HomePage {
        chrome: chrome(&state, &site).await?,
        canonical: site.url("/"),
        items: listing.items.iter().map(summary_view).collect(),
        pager: pager("/", &page, &listing),
    };
    Ok(html_page(state.theme().render("home.html", view)?))
}

async fn article(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response> {
    let slug = slug_from(path)?;
    let article = state.store().article_by_slug(&slug).await?;
    match article.status {
        ArticleStatus::Published => {}
        ArticleStatus::Unpublished => {
            return Ok(ErrorPage::for_status(StatusCode::GONE, None).into_response());
        }
        ArticleStatus::Draft | ArticleStatus::Scheduled => return Err(AppError::NotFound),
    }
    let site = state.store().site().await?;
    #[derive(Serialize)]
    struct ArticlePage {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        article: crate::views::ArticleView,
    }
    let view = ArticlePage {
        chrome: chrome(&state, &site).await?,
        canonical: article.canonical_url(&site),
        article: article_view(&site, &article),
    };
    Ok(html_page(state.theme().render("article.html", view)?))
}

#[derive(Serialize)]
struct ArchivePage {
    #[serde(flatten)]
    chrome: Chrome,
    canonical: String,
    kind_label: &'static str,
    heading: String,
    description: String,
    breadcrumbs: Vec<LinkView>,
    children: Vec<LinkView>,
    links: Vec<AuthorLinkView>,
    items: Vec<SummaryView>,
    pager: PagerView,
}

#[derive(Serialize)]
struct AuthorLinkView {
    label: String,
    url: String,
}

async fn author(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let slug = slug_from(path)?;
    let page = page_from(query, state.page_size())?;
    let author = state.store().author_by_slug(&slug).await?;
    let site = state.store().site().await?;
    let listing = state.store().published_by_author(author.id, page).await?;
    let base = crate::views::author_url(&author);
    let view = ArchivePage {
        chrome: chrome(&state, &site).await?,
        canonical: site.url(&base),
        kind_label: "Author",
        heading: author.name.clone(),
        description: author.bio.clone(),
        breadcrumbs: vec![],
        children: vec![],
        links: author
            .links
            .iter()
            .map(|l| AuthorLinkView { label: l.label.clone(), url: l.url.to_string() })
            .collect(),
        items: listing.items.iter().map(summary_view).collect(),
        pager: pager(&base, &page, &listing),
    };
    Ok(html_page(state.theme().render("archive.html", view)?))
}

async fn term(
    kind: TermKind,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let slug = slug_from(path)?;
    let page = page_from(query, state.page_size())?;
    let term = state.store().term_by_slug(kind, &slug).await?;
    let site = state.store().site().await?;
    let listing = state.store().published_in_term(term.id, page).await?;
    let breadcrumbs = if kind.is_hierarchical() {
        state.store().term_path(term.id).await?.iter().map(term_link).collect()
    } else {
        vec![]
    };
    let children = state.store().term_children(term.id).await?.iter().map(term_link).collect();
    let base = term_url(&term);
    let view = ArchivePage {
        chrome: chrome(&state, &site).await?,
        canonical: site.url(&base),
        kind_label: kind.label(),
        heading: term.name.clone(),
        description: term.description.clone(),
        breadcrumbs,
        children,
        links: vec![],
        items: listing.items.iter().map(summary_view).collect(),
        pager: pager(&base, &page, &listing),
    };
    Ok(html_page(state.theme().render("archive.html", view)?))
}

async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let asset = state.theme().asset(&file).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            // The name changes whenever the content does.
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        asset.bytes.to_vec(),
    )
        .into_response())
}
