//! The public site: home, article pages, author and term archives, theme assets.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use masthead_core::{Article, ArticleStatus, Author, Cursor, ReusePolicy, Site, Slug, Term, TermKind};
use masthead_formats::feeds::FeedScope;
use masthead_store::{Listing, Page};
use serde::Serialize;

use crate::documents::article_ninjs;
use crate::http::conditional::respond;
use crate::http::error::Result;
use crate::http::error::{AppError, ErrorPage};
use crate::http::page_cache::Tags;
use crate::paths::{older_page, slug_from};
use crate::state::AppState;
use crate::views::{
    LinkView, PageMeta, PagerView, PolicyView, SummaryView, article_view, summary_view, term_link,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/page/{cursor}", get(home_page))
        .route("/article/{slug}", get(article))
        .route("/preview/{token}", get(preview))
        .route("/site.css", get(site_colors))
        .route("/{slug}", get(static_page))
        .route("/author/{slug}", get(author))
        .route("/author/{slug}/page/{cursor}", get(author_page))
        .route("/region/{slug}", get(|s, p, q, h| term(TermKind::Region, s, p, q, h)))
        .route("/region/{slug}/page/{cursor}", get(|s, p, h| term_page(TermKind::Region, s, p, h)))
        .route("/theme/{slug}", get(|s, p, q, h| term(TermKind::Theme, s, p, q, h)))
        .route("/theme/{slug}/page/{cursor}", get(|s, p, h| term_page(TermKind::Theme, s, p, h)))
        .route("/tag/{slug}", get(|s, p, q, h| term(TermKind::Tag, s, p, q, h)))
        .route("/tag/{slug}/page/{cursor}", get(|s, p, h| term_page(TermKind::Tag, s, p, h)))
        .route("/reuse/{key}", get(reuse_terms))
        .route("/assets/{file}", get(asset))
}

/// What every page has: the site's settings, the section navigation and feed discovery.
#[derive(Debug, Serialize)]
struct Chrome {
    /// `SiteView`, as a template value.
    site: minijinja::Value,
    /// The sections, `LinkView`s, as a template value.
    nav: minijinja::Value,
    feeds: Vec<FeedLink>,
    /// The header and footer as rendered once for `site` and `nav` (`views::fixed_parts`); none
    /// when they cannot be (logged), and the page then renders them itself.
    parts: Option<crate::views::Parts>,
}

/// A `<link rel="alternate">` to a feed.
#[derive(Debug, Serialize)]
struct FeedLink {
    title: String,
    href: String,
    mime: &'static str,
}

/// The three feeds of a scope, for discovery links.
fn feed_links(scope: &FeedScope) -> Vec<FeedLink> {
    vec![
        FeedLink {
            title: format!("{} (RSS)", scope.title),
            href: scope.rss_path(),
            mime: "application/rss+xml",
        },
        FeedLink {
            title: format!("{} (Atom)", scope.title),
            href: scope.atom_path(),
            mime: "application/atom+xml",
        },
        FeedLink {
            title: format!("{} (JSON Feed)", scope.title),
            href: scope.json_path(),
            mime: "application/feed+json",
        },
    ]
}

/// The page's chrome; `scope` adds the feeds of the archive being shown to the site's own.
async fn chrome(state: &AppState, site: &Site, scope: Option<FeedScope>) -> Result<Chrome> {
    Ok(chrome_of(state.theme(), site, &state.nav_terms().await?, scope))
}

/// [`chrome`] from the navigation's terms as read.
fn chrome_of(theme: &crate::theme::Theme, site: &Site, nav: &[Term], scope: Option<FeedScope>) -> Chrome {
    let mut feeds = feed_links(&FeedScope::site(site));
    if let Some(scope) = scope {
        feeds.extend(feed_links(&scope));
    }
    // Top-level regions and themes make the section bar.
    let (site, nav, parts) = crate::views::fixed_parts(theme, site, nav);
    Chrome { site, nav, feeds, parts }
}

/// A slug from the path; anything that cannot be a slug cannot be a page.
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
    pager_of(base, page.after, listing.next)
}

/// The links of a page of the list at `base` that starts `after` and continues at `next`.
pub(crate) fn pager_of(base: &str, after: Option<Cursor>, next: Option<Cursor>) -> PagerView {
    PagerView { newest: after.map(|_| base.to_owned()), older: next.map(|c| older_page(base, &c)) }
}

/// The `?after=` query a `/page/{cursor}` address stands for.
fn cursor_query(cursor: &str) -> RawQuery {
    RawQuery(Some(format!(
        "after={}",
        url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>()
    )))
}

async fn home_page(
    state: State<AppState>,
    Path(cursor): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    home(state, cursor_query(&cursor), headers).await
}

async fn author_page(
    state: State<AppState>,
    Path((slug, cursor)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    author(state, Ok(Path(slug)), cursor_query(&cursor), headers).await
}

async fn term_page(
    kind: TermKind,
    state: State<AppState>,
    Path((slug, cursor)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    term(kind, state, Ok(Path(slug)), cursor_query(&cursor), headers).await
}

fn html_page(headers: &HeaderMap, html: String, tags: Tags) -> Response {
    tags.apply(respond(headers, "text/html; charset=utf-8", html, None))
}

async fn home(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let page = page_from(query, state.page_size())?;
    let site = state.site().await?;
    let mut listing = state.store().published(page).await?;
    let mut tags = Tags::new(["listing".to_owned(), "nav".to_owned()]);
    let front = &site.front_page;
    let (mut lead, mut pinned, mut sections) = (None, Vec::new(), Vec::new());
    if page.after.is_none() {
        let chosen: Vec<i64> = front.lead.iter().chain(&front.pinned).copied().collect();
        let mut curated = state.store().summaries(&chosen).await?;
        tags.add_summaries(&curated);
        if let Some(id) = front.lead
            && let Some(at) = curated.iter().position(|s| s.id == id)
        {
            lead = Some(summary_view(&curated.remove(at)));
        }
        for id in &front.pinned {
            if let Some(s) = curated.iter().find(|s| s.id == *id) {
                pinned.push(summary_view(s));
            }
        }
        // The newest list leaves out what the front already shows.
        listing.items.retain(|s| !chosen.contains(&s.id));
        for term_id in &front.sections {
            let term = match state.store().term(*term_id).await {
                Ok(term) => term,
                Err(masthead_store::StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let newest = state.store().published_in_term(term.id, Page { after: None, limit: 4 }).await?;
            tags.add(format!("term:{}", term.id));
            tags.add_summaries(&newest.items);
            let link = term_link(&term);
            sections.push(Section {
                name: link.name,
                url: link.url,
                items: newest.items.iter().map(summary_view).collect(),
            });
        }
    }
    tags.add_summaries(&listing.items);
    let front = Front { lead, pinned, sections };
    let views: Vec<SummaryView> = listing.items.iter().map(summary_view).collect();
    let items = crate::views::list_items(state.theme(), &views.iter().collect::<Vec<_>>())?;
    let html =
        home_html(&state, &site, &state.nav_terms().await?, front, &items, pager("/", &page, &listing))?;
    Ok(html_page(&headers, html, tags))
}

/// A section of the curated front: a term's newest articles.
#[derive(Serialize)]
struct Section {
    name: String,
    url: String,
    items: Vec<SummaryView>,
}

/// The curated front (first page only): the lead story, the pinned ones, sections.
#[derive(Default)]
pub(crate) struct Front {
    lead: Option<SummaryView>,
    pinned: Vec<SummaryView>,
    sections: Vec<Section>,
}

/// A page of the home list: `items` of the newest articles, below the curated `front`.
pub(crate) fn home_html(
    state: &AppState,
    site: &Site,
    nav: &[Term],
    front: Front,
    items: &[minijinja::Value],
    pager: PagerView,
) -> Result<String> {
    #[derive(Serialize)]
    struct HomePage<'a> {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        page_meta: PageMeta,
        lead: Option<SummaryView>,
        pinned: Vec<SummaryView>,
        sections: Vec<Section>,
        /// [`list_items`](crate::views::list_items).
        items: &'a [minijinja::Value],
        pager: PagerView,
    }
    let view = HomePage {
        page_meta: PageMeta::new(
            site,
            "website",
            site.title.clone(),
            site.tagline.clone(),
            "/",
            &masthead_formats::jsonld::website(site),
        ),
        chrome: chrome_of(state.theme(), site, nav, None),
        canonical: site.url("/"),
        lead: front.lead,
        pinned: front.pinned,
        sections: front.sections,
        items,
        pager,
    };
    Ok(state.theme().render("home.html", view)?)
}

/// `/reuse/{key}`: one set of reuse terms on a page of its own, for the licence links of
/// terms that are not a public licence (and a plain statement of those that are).
async fn reuse_terms(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(key) = path.map_err(|_| AppError::NotFound)?;
    let policy: ReusePolicy = key.parse().map_err(|_| AppError::NotFound)?;
    let site = state.site().await?;
    #[derive(Serialize)]
    struct ReusePage {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        policy: PolicyView,
        republish: bool,
        commercial: bool,
        edits: bool,
        license: Option<&'static str>,
    }
    let view = ReusePage {
        chrome: chrome(&state, &site, None).await?,
        canonical: site.url(&policy.terms_path()),
        policy: PolicyView::of(&site, policy),
        republish: policy.allows_republication(),
        commercial: policy.allows_commercial_use(),
        edits: policy.allows_derivatives(),
        license: policy.license_url(),
    };
    let tags = Tags::new(["site".to_owned(), "nav".to_owned()]);
    Ok(html_page(&headers, state.theme().render("reuse.html", view)?, tags))
}

async fn article(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(raw) = path.map_err(|_| AppError::NotFound)?;
    // `/article/{slug}.ninjs.json` is the same article for partners' systems.
    let (raw, ninjs) = match raw.strip_suffix(".ninjs.json") {
        Some(stem) => (stem.to_owned(), true),
        None => (raw, false),
    };
    let slug = Slug::parse(&raw).map_err(|_| AppError::NotFound)?;
    // The page reads the article and what surrounds it at once; the ninjs document needs only
    // the article.
    let found = if ninjs {
        state.store().article_by_slug(&slug).await.map(|a| (a, None))
    } else {
        state.store().article_page(&slug).await.map(|(a, around)| (a, Some(around)))
    };
    let (article, around) = match found {
        Ok(found) => found,
        Err(masthead_store::StoreError::NotFound)
            if state.store().gone_article(slug.as_str()).await?.is_some() =>
        {
            let site = state.site().await?;
            let notice = format!("{} removed this article.", site.title);
            return Ok(ErrorPage::for_status(StatusCode::GONE, Some(notice)).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    match article.status {
        ArticleStatus::Published => {}
        ArticleStatus::Unpublished if ninjs => {
            return crate::documents::withdrawn_ninjs(&state, &article).await;
        }
        ArticleStatus::Unpublished => {
            let site = state.site().await?;
            let notice = article.withdrawal.as_ref().map(|w| {
                let day = crate::views::date_view(w.at, &article.time_zone).human;
                format!("On {day} {} withdrew this article. {}", site.title, w.notice)
            });
            return Ok(ErrorPage::for_status(StatusCode::GONE, notice).into_response());
        }
        ArticleStatus::Draft | ArticleStatus::Scheduled => return Err(AppError::NotFound),
    }
    if ninjs {
        return article_ninjs(&state, &article, &headers).await;
    }
    article_page(&state, &headers, &article, around, false).await
}

/// `/{slug}`: a static page (About, Contact …). An address that is no page is left to the
/// redirects (an imported site's old addresses) and then answers 404.
async fn static_page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(raw) = path.map_err(|_| AppError::NotFound)?;
    let slug = Slug::parse(&raw).map_err(|_| AppError::NotFound)?;
    let page = match state.store().page_by_slug(slug.as_str()).await {
        Ok(page) => page,
        Err(masthead_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let site = state.site().await?;
    #[derive(Serialize)]
    struct StaticPageView {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        title: String,
        body_html: String,
        updated: crate::views::DateView,
        embeds: bool,
    }
    let frames = masthead_core::body::frame_origins(&page.body.html);
    let view = StaticPageView {
        chrome: chrome(&state, &site, None).await?,
        canonical: site.url(&page.path()),
        title: page.title.clone(),
        body_html: page.body.html.clone(),
        updated: crate::views::date_view(page.updated_at, &site.time_zone),
        embeds: !frames.is_empty(),
    };
    let tags = Tags::new([format!("page:{}", page.id), "nav".to_owned()]);
    let mut response = html_page(&headers, state.theme().render("page.html", view)?, tags);
    crate::http::headers::allow_frames(&mut response, &frames);
    Ok(response)
}

/// `/site.css?accent=rrggbb`: the site's own colours over the theme's, as a stylesheet (the
/// pages' policy allows no inline style). Only the colour the settings name is answered.
async fn site_colors(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let asked = crate::paths::query_value(query.as_deref(), "accent").unwrap_or_default();
    let accent = site.accent_color.trim_start_matches('#');
    if accent.is_empty()
        || !asked.eq_ignore_ascii_case(accent)
        || !masthead_core::site::is_accent_color(&site.accent_color)
    {
        return Err(AppError::NotFound);
    }
    let css = format!(":root {{ --accent: #{accent}; }}\n");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        css,
    )
        .into_response())
}

/// `/preview/{token}`: an article as readers will see it, before it is published or before
/// its writer's changes are saved, for whoever holds the signed link. Never cached, never
/// indexed.
async fn preview(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let article =
        match masthead_newsroom::previews::open(state.newsroom(), &token, jiff::Timestamp::now()).await {
            Ok(article) => article,
            Err(masthead_newsroom::error::Failure::Refused(why)) => {
                return Ok(ErrorPage::for_status(StatusCode::GONE, Some(why)).into_response());
            }
            Err(masthead_newsroom::error::Failure::NotFound(_)) => return Err(AppError::NotFound),
            Err(other) => return Err(other.into()),
        };
    let mut page = article_page(&state, &HeaderMap::new(), &article, None, true).await?;
    let headers = page.headers_mut();
    headers
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    headers.insert("x-robots-tag", axum::http::HeaderValue::from_static("noindex, nofollow"));
    headers.remove(axum::http::header::ETAG);
    headers.remove(axum::http::header::LAST_MODIFIED);
    headers.remove("surrogate-key");
    headers.remove("cache-tag");
    Ok(page)
}

/// An article's page; `around` is what surrounds it when it was read with it.
async fn article_page(
    state: &AppState,
    headers: &HeaderMap,
    article: &masthead_core::Article,
    around: Option<masthead_store::Surroundings>,
    preview: bool,
) -> Result<Response> {
    let site = state.site().await?;
    // Related articles, comments and mentions in one statement, unless they came with the article.
    let around = match around {
        Some(around) => around,
        None => state.store().article_surroundings(article.id).await?,
    };
    let frames = masthead_core::body::frame_origins(&article.body.html);
    let html = article_html(state, &site, &state.nav_terms().await?, article, around, &frames, preview)?;
    let mut tags = Tags::new(["nav".to_owned()]);
    tags.add_article(article);
    let mut page = html_page(headers, html, tags);
    crate::http::headers::allow_frames(&mut page, &frames);
    Ok(page)
}

/// An article's page, with what surrounds it (`around`), under the navigation's terms `nav`;
/// `frames` are the origins of what its text embeds (`body::frame_origins`).
pub(crate) fn article_html(
    state: &AppState,
    site: &Site,
    nav: &[Term],
    article: &Article,
    around: masthead_store::Surroundings,
    frames: &[String],
    preview: bool,
) -> Result<String> {
    #[derive(Serialize)]
    struct ArticlePage {
        #[serde(flatten)]
        chrome: Chrome,
        canonical: String,
        article: crate::views::ArticleView,
        meta: crate::views::ArticleMeta,
        related: Vec<RelatedView>,
        conversation: super::comments::Conversation,
        /// Whether the text has click-to-load embeds (the page then loads `embed.js`).
        embeds: bool,
        /// A preview: not published (or not saved) yet.
        preview: bool,
    }
    let embeds = !frames.is_empty();
    let mut meta = crate::views::article_meta(site, article);
    meta.noindex |= preview;
    let conversation = super::comments::conversation(
        site,
        article,
        &around.comments,
        around.comments_closed,
        &around.mentions,
        (around.likes, around.boosts),
    );
    let view = ArticlePage {
        chrome: chrome_of(state.theme(), site, nav, None),
        canonical: article.canonical_url(site),
        article: article_view(site, article),
        meta,
        related: around
            .related
            .into_iter()
            .map(|r| RelatedView {
                url: masthead_core::article::article_path(&r.slug),
                title: r.title,
                published: crate::views::date_view(r.published_at, &r.time_zone),
            })
            .collect(),
        conversation,
        embeds,
        preview,
    };
    Ok(state.theme().render("article.html", view)?)
}

/// An article to read next, at the foot of another.
#[derive(Debug, Serialize)]
struct RelatedView {
    url: String,
    title: String,
    published: crate::views::DateView,
}

/// What every page of an author's or a term's archive shows above its list.
#[derive(Serialize)]
pub(crate) struct ArchiveFrame {
    #[serde(flatten)]
    chrome: Chrome,
    canonical: String,
    page_meta: PageMeta,
    kind_label: &'static str,
    heading: String,
    description: String,
    breadcrumbs: Vec<LinkView>,
    children: Vec<LinkView>,
    links: Vec<AuthorLinkView>,
    /// The archive's address, that its pager links from.
    #[serde(skip)]
    base: String,
}

impl ArchiveFrame {
    /// The archive's address.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }
}

/// An author's archive, around its list.
pub(crate) fn author_frame(state: &AppState, site: &Site, nav: &[Term], author: &Author) -> ArchiveFrame {
    let base = author.path();
    ArchiveFrame {
        chrome: chrome_of(state.theme(), site, nav, Some(FeedScope::author(site, author))),
        canonical: site.url(&base),
        page_meta: PageMeta::new(
            site,
            "profile",
            author.name.clone(),
            author.bio.clone(),
            &base,
            &masthead_formats::jsonld::profile_page(site, author),
        ),
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
        base,
    }
}

/// A term's archive, around its list: its place among the terms is read.
pub(crate) async fn term_frame(
    state: &AppState,
    site: &Site,
    nav: &[Term],
    term: &Term,
) -> Result<ArchiveFrame> {
    let breadcrumbs = if term.kind.is_hierarchical() {
        state.store().term_path(term.id).await?.iter().map(term_link).collect()
    } else {
        vec![]
    };
    let children = state.store().term_children(term.id).await?.iter().map(term_link).collect();
    let base = term.path();
    Ok(ArchiveFrame {
        chrome: chrome_of(state.theme(), site, nav, Some(FeedScope::term(site, term))),
        canonical: site.url(&base),
        page_meta: PageMeta::new(
            site,
            "website",
            term.name.clone(),
            term.description.clone(),
            &base,
            &masthead_formats::jsonld::collection_page(site, &base, &term.name, &term.description),
        ),
        kind_label: term.kind.label(),
        heading: term.name.clone(),
        description: term.description.clone(),
        breadcrumbs,
        children,
        links: vec![],
        base,
    })
}

/// A page of an archive: `page` of its list, as read into `listing`.
fn archive_html(state: &AppState, frame: &ArchiveFrame, page: &Page, listing: &Listing) -> Result<String> {
    let views: Vec<SummaryView> = listing.items.iter().map(summary_view).collect();
    let items = crate::views::list_items(state.theme(), &views.iter().collect::<Vec<_>>())?;
    archive_page_html(state, frame, &items, pager(&frame.base, page, listing))
}

/// A page of an archive: `items`, and the links to the pages around it.
pub(crate) fn archive_page_html(
    state: &AppState,
    frame: &ArchiveFrame,
    items: &[minijinja::Value],
    pager: PagerView,
) -> Result<String> {
    #[derive(Serialize)]
    struct ArchivePage<'a> {
        #[serde(flatten)]
        frame: &'a ArchiveFrame,
        /// [`list_items`](crate::views::list_items).
        items: &'a [minijinja::Value],
        pager: PagerView,
    }
    let view = ArchivePage { frame, items, pager };
    Ok(state.theme().render("archive.html", view)?)
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
    headers: HeaderMap,
) -> Result<Response> {
    let slug = slug_from(path)?;
    let page = page_from(query, state.page_size())?;
    let author = state.store().author_by_slug(&slug).await?;
    let site = state.site().await?;
    let listing = state.store().published_by_author(author.id, page).await?;
    let frame = author_frame(&state, &site, &state.nav_terms().await?, &author);
    let mut tags = Tags::new(["nav".to_owned(), format!("author:{}", author.id)]);
    tags.add_summaries(&listing.items);
    Ok(html_page(&headers, archive_html(&state, &frame, &page, &listing)?, tags))
}

async fn term(
    kind: TermKind,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let slug = slug_from(path)?;
    let page = page_from(query, state.page_size())?;
    let term = state.store().term_by_slug(kind, &slug).await?;
    let site = state.site().await?;
    let listing = state.store().published_in_term(term.id, page).await?;
    let frame = term_frame(&state, &site, &state.nav_terms().await?, &term).await?;
    // The archive lists what is filed under any term below this one, too.
    let mut tags = Tags::new(["nav".to_owned()]);
    tags.0.extend(state.store().term_subtree(term.id).await?.into_iter().map(|t| format!("term:{t}")));
    tags.add_summaries(&listing.items);
    Ok(html_page(&headers, archive_html(&state, &frame, &page, &listing)?, tags))
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
