//! Readers' search: `/search?q=` (the theme's `search.html`), the same results as JSON at
//! `/search.json`, and `/opensearch.xml`, so that browsers offer the site's search. Never
//! cached (every query is its own page), and limited per client address: a search costs more
//! than a cached page.
//!
//! Parameters: `q`; `region`, `theme`, `tag` and `author` (slugs); `from` and `to` (dates,
//! `YYYY-MM-DD`, both included); `page` (from 1).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use masthead_core::{SearchQuery, Site, Slug, TermKind};
use masthead_store::{HIGHLIGHT_END, HIGHLIGHT_START, MAX_RESULTS, SearchRequest, SearchResults};
use serde::Serialize;

use crate::http::auth::ClientIp;
use crate::http::error::{AppError, ErrorPage, Result};
use crate::state::AppState;
use crate::views::{LinkView, SiteView, SummaryView, site_view, summary_view, term_link};

/// Results on one page.
const PAGE_SIZE: u32 = 10;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(page))
        .route("/search.json", get(json))
        .route("/opensearch.xml", get(opensearch))
}

/// What the reader asked for, read from the query string.
#[derive(Debug, Default, Serialize)]
struct Asked {
    q: String,
    region: String,
    theme: String,
    tag: String,
    author: String,
    from: String,
    to: String,
    page: u32,
}

impl Asked {
    fn read(raw: Option<&str>) -> Asked {
        let mut asked = Asked { page: 1, ..Asked::default() };
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v: String = v.chars().take(masthead_core::search::MAX_QUERY_CHARS).collect();
            match k.as_ref() {
                "q" => asked.q = v,
                "region" => asked.region = v,
                "theme" => asked.theme = v,
                "tag" => asked.tag = v,
                "author" => asked.author = v,
                "from" => asked.from = v,
                "to" => asked.to = v,
                "page" => asked.page = v.parse().unwrap_or(1).clamp(1, MAX_RESULTS / PAGE_SIZE),
                _ => {}
            }
        }
        asked
    }

    /// This search's address on page `page`.
    fn url(&self, base: &str, page: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("region", &self.region),
            ("theme", &self.theme),
            ("tag", &self.tag),
            ("author", &self.author),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("{base}?{}", query.finish())
    }
}

/// The store's request for `asked`: a filter that names nothing known finds nothing (`None`).
async fn request(state: &AppState, site: &Site, asked: &Asked) -> Result<Option<SearchRequest>> {
    let mut request = SearchRequest {
        query: SearchQuery::parse(&asked.q),
        offset: (asked.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        now: jiff::Timestamp::now(),
        ..SearchRequest::default()
    };
    for (kind, slug) in
        [(TermKind::Region, &asked.region), (TermKind::Theme, &asked.theme), (TermKind::Tag, &asked.tag)]
    {
        if slug.is_empty() {
            continue;
        }
        let Ok(slug) = Slug::parse(slug) else { return Ok(None) };
        match state.store().term_by_slug(kind, &slug).await {
            Ok(term) => request.term_ids.push(term.id),
            Err(masthead_store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    if !asked.author.is_empty() {
        let Ok(slug) = Slug::parse(&asked.author) else { return Ok(None) };
        match state.store().author_by_slug(&slug).await {
            Ok(author) => request.author_id = Some(author.id),
            Err(masthead_store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    let day = |text: &str, after: bool| -> Result<Option<jiff::Timestamp>> {
        if text.is_empty() {
            return Ok(None);
        }
        let date: jiff::civil::Date =
            text.parse().map_err(|_| AppError::BadRequest(format!("{text:?} is not a date (YYYY-MM-DD)")))?;
        let date =
            if after { date.tomorrow().map_err(|e| AppError::BadRequest(e.to_string()))? } else { date };
        let zoned = date
            .to_zoned(jiff::tz::TimeZone::get(&site.time_zone).unwrap_or(jiff::tz::TimeZone::UTC))
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(Some(zoned.timestamp()))
    };
    request.from = day(&asked.from, false)?;
    request.until = day(&asked.to, true)?;
    Ok(Some(request))
}

/// Runs the search when the client is within its limit.
async fn run(state: &AppState, ip: &str, site: &Site, asked: &Asked) -> Result<Option<SearchResults>> {
    if asked.q.trim().is_empty() {
        return Ok(Some(SearchResults::default()));
    }
    if !state.search_limits().admit(ip) {
        return Ok(None);
    }
    Ok(Some(match request(state, site, asked).await? {
        Some(request) => state.store().search(&request).await?,
        None => SearchResults::default(),
    }))
}

fn too_many() -> Response {
    let mut response = ErrorPage::for_status(
        StatusCode::TOO_MANY_REQUESTS,
        Some("Too many searches from your address. Please try again in a minute.".into()),
    )
    .into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    response
}

/// A passage as HTML: the text escaped, the matched words in `<mark>`.
fn snippet_html(snippet: &str) -> String {
    let escaped = minijinja::HtmlEscape(snippet).to_string();
    escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")
}

fn snippet_text(snippet: &str) -> String {
    snippet.replace([HIGHLIGHT_START, HIGHLIGHT_END], "")
}

#[derive(Debug, Serialize)]
struct Hit {
    #[serde(flatten)]
    summary: SummaryView,
    snippet_html: String,
}

#[derive(Debug, Serialize)]
struct SearchPage {
    site: SiteView,
    nav: Vec<LinkView>,
    asked: Asked,
    searched: bool,
    hits: Vec<Hit>,
    newer: Option<String>,
    older: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let site = state.site().await?;
    let asked = Asked::read(raw.as_deref());
    let Some(results) = run(&state, &ip, &site, &asked).await? else { return Ok(too_many()) };
    let view = SearchPage {
        site: site_view(&site),
        nav: state.nav_terms().await?.iter().map(term_link).collect(),
        searched: !asked.q.trim().is_empty(),
        hits: results
            .hits
            .iter()
            .map(|h| Hit { summary: summary_view(&h.summary), snippet_html: snippet_html(&h.snippet) })
            .collect(),
        newer: (asked.page > 1).then(|| asked.url("/search", asked.page - 1)),
        older: results.more.then(|| asked.url("/search", asked.page + 1)),
        asked,
    };
    let html = state.theme().render("search.html", view)?;
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    no_store(&mut response);
    Ok(response)
}

fn no_store(response: &mut Response) {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `/search.json`: the same search for machines.
#[derive(Debug, Serialize)]
struct JsonResults {
    query: String,
    page: u32,
    results: Vec<JsonHit>,
    /// The next page's address, when there is one.
    next: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonHit {
    title: String,
    url: String,
    published: String,
    authors: Vec<String>,
    /// The passage as text, and as HTML with the matched words in `<mark>`.
    snippet: String,
    snippet_html: String,
}

async fn json(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let site = state.site().await?;
    let asked = Asked::read(raw.as_deref());
    let Some(results) = run(&state, &ip, &site, &asked).await? else { return Ok(too_many()) };
    let body = JsonResults {
        query: asked.q.clone(),
        page: asked.page,
        results: results
            .hits
            .iter()
            .map(|h| JsonHit {
                title: h.summary.title.clone(),
                url: site.url(&masthead_core::article::article_path(&h.summary.slug)),
                published: h.summary.published_at.to_string(),
                authors: h.summary.authors.iter().map(|a| a.name.clone()).collect(),
                snippet: snippet_text(&h.snippet),
                snippet_html: snippet_html(&h.snippet),
            })
            .collect(),
        next: results.more.then(|| site.url(&asked.url("/search.json", asked.page + 1))),
    };
    let json = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], json).into_response();
    no_store(&mut response);
    Ok(response)
}

/// The OpenSearch description (opensearch.org's 1.1 draft): the site's search for browsers.
async fn opensearch(State(state): State<AppState>) -> Result<Response> {
    let site = state.site().await?;
    let esc =
        |s: &str| quick_xml::escape::escape(masthead_core::text::publishable(s).into_owned()).into_owned();
    let short: String = site.title.chars().take(16).collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n\
         <ShortName>{}</ShortName>\n<Description>{}</Description>\n<InputEncoding>UTF-8</InputEncoding>\n\
         <Url type=\"text/html\" method=\"get\" template=\"{}\"/>\n\
         <Url type=\"application/json\" method=\"get\" template=\"{}\"/>\n\
         </OpenSearchDescription>\n",
        esc(&short),
        esc(&format!("Search {}", site.title)),
        esc(&format!("{}?q={{searchTerms}}", site.url("/search"))),
        esc(&format!("{}?q={{searchTerms}}", site.url("/search.json"))),
    );
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/opensearchdescription+xml")], xml)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passage_is_escaped_and_only_the_marks_become_html() {
        let s = format!("a <b>&{HIGHLIGHT_START}river{HIGHLIGHT_END}\"");
        assert_eq!(snippet_html(&s), "a &lt;b&gt;&amp;<mark>river</mark>&quot;");
        assert_eq!(snippet_text(&s), "a <b>&river\"");
    }

    #[test]
    fn the_query_string_is_read_and_written_back() {
        let asked = Asked::read(Some("q=low+water&region=balkans&page=3&junk=1"));
        assert_eq!((asked.q.as_str(), asked.region.as_str(), asked.page), ("low water", "balkans", 3));
        assert_eq!(asked.url("/search", 4), "/search?q=low+water&region=balkans&page=4");
        assert_eq!(Asked::read(Some("page=999999")).page, MAX_RESULTS / PAGE_SIZE);
        assert_eq!(Asked::read(Some("page=x")).page, 1);
    }
}
