//! "Republish this article": copy-ready HTML that carries every attribution the terms ask for,
//! as a page for people and as JSON for scripts, and the first-party image that counts where
//! the copies are read. No cookies, no IP addresses: only the republishing site is recorded
//! (a client's address is held in memory, for its limit, and never written).

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use masthead_core::republication::{republishing_host, site_host};
use masthead_core::{Article, ArticleStatus, Site, Slug};
use masthead_formats::json_text::JsonText;
use serde::Serialize;

use crate::documents::JSON_TYPE;
use crate::http::auth::ClientIp;
use crate::http::conditional::respond;
use crate::http::error::{AppError, Result};
use crate::http::headers::counting_pixel;
use crate::state::AppState;
use crate::views::LinkView;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/article/{slug}/{file}", get(republish).post(register))
        .route("/r/{file}", get(beacon))
        .route("/r/{id}/status.svg", get(status_image))
        .route("/r/image/{file}", get(withheld_image))
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

#[derive(Debug, Clone, Serialize)]
struct StatusImage {
    src: String,
    alt: String,
    width: u32,
    height: u32,
}

#[derive(Debug, Clone, Serialize)]
struct CorrectionCopy {
    made_at: String,
    text: String,
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
    /// Escaped for JSON once: the snippet and the ninjs carry it too.
    body_html: JsonText,
    beacon: String,
    /// The credits of the article's images that may not travel with copies (left out of the
    /// snippet; the page says so).
    withheld: Vec<String>,
    /// The status image: "current as of …", "corrected on …" or "withdrawn", from us.
    status_image: StatusImage,
    /// The article's version (its revision), raised by every save, a correction included.
    version: i64,
    /// `current`, `corrected` or `withdrawn`.
    status: &'static str,
    corrections: Vec<CorrectionCopy>,
    permission_contact: String,
    permission_subject: String,
    page_path: String,
    json_path: String,
    /// The republishing site, when the republisher gave it.
    site: Option<String>,
}

fn republish_view(site: &Site, a: &Article, republisher: Option<String>) -> Republish {
    republish_view_with(site, a, republisher, JsonText::new(masthead_formats::portable_body(site, a)))
}

/// [`republish_view`] with the article's portable body as made already.
fn republish_view_with(
    site: &Site,
    a: &Article,
    republisher: Option<String>,
    body_html: JsonText,
) -> Republish {
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
        featured: a.featured_for_copies().map(|f| FeaturedCopy {
            src: site.url(&f.media.public_path()),
            alt: f.alt.clone(),
            credit: f.credit.clone(),
            width: f.media.width,
            height: f.media.height,
        }),
        body_html,
        beacon,
        withheld: a
            .withheld_images
            .iter()
            .map(
                |w| {
                    if w.credit.is_empty() {
                        "an image without a credit".to_owned()
                    } else {
                        w.credit.clone()
                    }
                },
            )
            .collect(),
        status_image: StatusImage {
            src: site.url(&format!("/r/{}/status.svg", a.id)),
            alt: format!("The status of this article at {}", site.title),
            width: masthead_formats::standing::WIDTH,
            height: masthead_formats::standing::HEIGHT,
        },
        version: a.revision,
        status: a.standing().key(),
        corrections: a
            .corrections
            .iter()
            .map(|c| CorrectionCopy {
                made_at: masthead_core::time::rfc3339_in(c.made_at, &a.time_zone),
                text: c.text.clone(),
            })
            .collect(),
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
    match (article.status, json) {
        (ArticleStatus::Published, _) => {}
        // Scripts that keep a copy in step learn that the original is gone.
        (ArticleStatus::Unpublished, true) => return gone_json(&state, &article).await,
        _ => return Err(AppError::NotFound),
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
    let snippet = snippet(&state, &view)?;
    if json {
        let body = republish_json(&view, snippet.as_deref())?;
        let mut tags = crate::http::page_cache::Tags::default();
        tags.add_article(&article);
        return Ok(tags.apply(respond(&headers, JSON_TYPE, body, Some(article.updated_at))));
    }
    let page = render_page(&state, &site, &article, view, snippet, &RegisterView::default())?;
    let mut tags = crate::http::page_cache::Tags::default();
    tags.add_article(&article);
    Ok(tags.apply(respond(&headers, "text/html; charset=utf-8", page, None)))
}

/// `/republish.json`: the view and the snippet. The snippet carries the view's body, whose
/// part of the snippet's JSON is taken from the body's made already ([`JsonText::json_within`]).
fn republish_json(view: &Republish, snippet: Option<&str>) -> Result<String> {
    /// What `html` is written as first, to be replaced by the snippet: `html` is the document's
    /// last field, so its value is the last place this is found.
    const SNIPPET: &str = "\u{0}snippet\u{0}";
    const SNIPPET_JSON: &str = "\"\\u0000snippet\\u0000\"";
    #[derive(Serialize)]
    struct RepublishJson<'a> {
        #[serde(flatten)]
        view: &'a Republish,
        html: Option<&'a str>,
    }
    let json = serde_json::to_string_pretty(&RepublishJson { view, html: snippet.map(|_| SNIPPET) })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(snippet) = snippet else { return Ok(json) };
    let at = json
        .rfind(SNIPPET_JSON)
        .ok_or_else(|| AppError::Internal("the republish document lost its snippet".into()))?;
    let html = view.body_html.json_within(snippet);
    let mut whole = String::with_capacity(json.len() + html.len());
    whole.push_str(&json[..at]);
    whole.push_str(&html);
    whole.push_str(&json[at + SNIPPET_JSON.len()..]);
    Ok(whole)
}

/// A published article's `/republish` page and `/republish.json` document, as they are answered
/// when no republisher is named: the view and the snippet made once for both, from the
/// article's portable body as made (and escaped for JSON) already.
pub(crate) fn republish_documents(
    state: &AppState,
    site: &Site,
    article: &Article,
    body: JsonText,
) -> Result<(String, String)> {
    let view = republish_view_with(site, article, None, body);
    let snippet = snippet(state, &view)?;
    let json = republish_json(&view, snippet.as_deref())?;
    let page = render_page(state, site, article, view, snippet, &RegisterView::default())?;
    Ok((page, json))
}

/// The copy-ready HTML, when the terms allow republication.
fn snippet(state: &AppState, view: &Republish) -> Result<Option<String>> {
    if !view.allowed {
        return Ok(None);
    }
    Ok(Some(state.theme().render("republish-snippet.html", minijinja::context! { r => view })?))
}

/// What the "hear of corrections" form shows: what was typed, and what came of it.
#[derive(Debug, Default, Serialize)]
struct RegisterView {
    form: RegisterForm,
    register_notice: Option<&'static str>,
    register_error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct RegisterForm {
    outlet: String,
    contact_email: String,
    copy_url: String,
    webhook_url: String,
}

fn render_page(
    state: &AppState,
    site: &Site,
    article: &Article,
    view: Republish,
    snippet: Option<String>,
    register: &RegisterView,
) -> Result<String> {
    // The preview on our own page must not count for the republisher's site: its image names
    // none. When no republisher is named, that is the snippet itself, made already.
    let plain_beacon = site.url(&format!("/r/{}.gif", article.id));
    let preview = match &snippet {
        _ if !view.allowed => String::new(),
        Some(snippet) if view.beacon == plain_beacon => snippet.clone(),
        _ => {
            let plain = Republish { beacon: plain_beacon, ..view.clone() };
            state.theme().render("republish-snippet.html", minijinja::context! { r => &plain })?
        }
    };
    // The page has no sections bar: its header and footer as rendered once for the site alone.
    let (site, _, parts) = crate::views::fixed_parts(state.theme(), site, &[]);
    Ok(state.theme().render(
        "republish.html",
        minijinja::context! {
            site => site,
            parts => parts,
            r => &view,
            html => snippet.unwrap_or_default(),
            preview_html => preview,
            form => &register.form,
            register_notice => register.register_notice,
            register_error => &register.register_error,
        },
    )?)
}

/// `POST /article/{slug}/republish`: a republisher leaves an address to be told of corrections
/// and withdrawals. A public form: from the site's own pages only, within the readers' limit,
/// robots' filling of the hidden field dropped.
async fn register(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: std::result::Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Result<Response> {
    let Path((raw, file)) = path.map_err(|_| AppError::NotFound)?;
    if file != "republish" {
        return Err(AppError::NotFound);
    }
    let slug = Slug::parse(&raw).map_err(|_| AppError::NotFound)?;
    let article = state.store().article_by_slug(&slug).await?;
    if article.status != ArticleStatus::Published {
        return Err(AppError::NotFound);
    }
    let site = state.site().await?;
    if !crate::http::origin::same_origin(&headers, &site.base_url) {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    let axum::Form(pairs) = form.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let field =
        |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let typed = RegisterForm {
        outlet: field("outlet"),
        contact_email: field("contact_email"),
        copy_url: field("copy_url"),
        webhook_url: field("webhook_url"),
    };
    let view = republish_view(&site, &article, None);
    let snippet = snippet(&state, &view)?;
    let (status, register) = if !state.reader_limits().admit(&ip) {
        let error = "Too many forms were sent from your address. Please try again in a minute.".to_owned();
        (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            RegisterView { form: typed, register_error: Some(error), ..Default::default() },
        )
    } else if !field("website").is_empty() {
        // A robot filled in the hidden field: thanked, and nothing kept.
        (axum::http::StatusCode::OK, RegisterView { register_notice: Some(THANKS), ..Default::default() })
    } else {
        let registration = masthead_newsroom::republishers::Registration {
            outlet: typed.outlet.clone(),
            contact_email: typed.contact_email.clone(),
            copy_url: typed.copy_url.clone(),
            webhook_url: typed.webhook_url.clone(),
        };
        match masthead_newsroom::republishers::register(state.newsroom(), &article, &registration).await {
            Ok(()) => (
                axum::http::StatusCode::OK,
                RegisterView { register_notice: Some(THANKS), ..Default::default() },
            ),
            Err(masthead_newsroom::error::Failure::Invalid { message, .. }) => (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                RegisterView { form: typed, register_error: Some(message), ..Default::default() },
            ),
            Err(other) => return Err(other.into()),
        }
    };
    let page = render_page(&state, &site, &article, view, snippet, &register)?;
    let mut response = (status, page).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

const THANKS: &str = "Thank you. We will tell you if this article is corrected or withdrawn.";

/// The republish JSON of an article no longer published, with 410 Gone: its status
/// (`withdrawn` with the date and notice, or `unpublished`), and nothing of its text.
async fn gone_json(state: &AppState, article: &Article) -> Result<Response> {
    let site = state.site().await?;
    let body = serde_json::json!({
        "title": article.title,
        "canonical": site.url(&article.path()),
        "version": article.revision,
        "status": match &article.withdrawal { Some(_) => "withdrawn", None => "unpublished" },
        "withdrawn_at": article.withdrawal.as_ref().map(|w| masthead_core::time::rfc3339_in(w.at, &article.time_zone)),
        "notice": article.withdrawal.as_ref().map(|w| w.notice.as_str()),
    });
    let body = serde_json::to_string_pretty(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((axum::http::StatusCode::GONE, [(header::CONTENT_TYPE, JSON_TYPE)], body).into_response())
}

/// `/r/{article id}/status.svg`: the status image of the republish snippet. Every copy that
/// kept the snippet loads it when it is read, so it says what stands now: "current as of
/// today", "corrected on …", "withdrawn on …". Articles never published are not found. The
/// answer is cached by browsers and CDNs for an hour, and by the page cache until the article
/// changes.
async fn status_image(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(id) = path.map_err(|_| AppError::NotFound)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let article = state.store().article(id).await?;
    if article.first_slug.is_none() {
        return Err(AppError::NotFound);
    }
    let site = state.site().await?;
    let badge = masthead_formats::standing::badge(&site, &article, jiff::Timestamp::now());
    let svg = masthead_formats::standing::svg(&badge);
    let mut tags = crate::http::page_cache::Tags::default();
    tags.add_article(&article);
    let mut response = tags.apply(respond(&headers, "image/svg+xml", svg, None));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}

/// `/r/image/{media id}.svg`: what copies show in place of an image that may not travel with
/// them (its credit, and where to see it). Only for such images.
async fn withheld_image(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Path(file) = path.map_err(|_| AppError::NotFound)?;
    let id: i64 = file.strip_suffix(".svg").and_then(|id| id.parse().ok()).ok_or(AppError::NotFound)?;
    let media = match state.store().media(id).await {
        Ok(m) if !m.travels => m,
        Ok(_) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let site = state.site().await?;
    let svg = masthead_formats::standing::withheld_svg(media.width, media.height, &media.credit, &site.title);
    let mut response = respond(&headers, "image/svg+xml", svg, None);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
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
