//! The article editor in the admin: list with filters, new, edit, save, publish, unpublish.
//! Server-rendered forms that work without script. A save names the revision it started from;
//! when someone else saved in between, the conflict page shows both versions and nothing is
//! overwritten.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use masthead_core::article::NewOrigin;
use masthead_core::{Article, ArticleStatus, BodyFormat, Provenance, ReusePolicy, TermKind, render_body};
use masthead_newsroom::articles::{self, ArticleInput, StatusChange};
use masthead_newsroom::error::Failure;
use masthead_newsroom::work::Kind;
use serde::Serialize;

use crate::admin::form::{Pairs, field, read_media_upload, signed_form};
use crate::admin::page::{admin_page, private, require_staff, when};
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

/// What the editor form sent.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Draft {
    id: Option<i64>,
    revision: i64,
    title: String,
    slug: String,
    dek: String,
    body: String,
    /// `markdown`, or `html` for articles taken in from partners.
    body_format: String,
    excerpt: String,
    author_ids: Vec<i64>,
    term_ids: Vec<i64>,
    reuse_policy: String,
    featured_media_id: Option<i64>,
    /// The featured image's address, for its thumbnail.
    featured_url: Option<String>,
    featured_alt: String,
    featured_credit: String,
    /// Names of tags to find or create on save, comma-separated.
    new_tags: String,
    /// Where the article first appeared, oldest first; empty for our own work.
    origins: Vec<OriginDraft>,
    status: String,
    may_publish: bool,
    /// Editors delete any article; others their own drafts.
    may_delete: bool,
    public_url: Option<String>,
    /// Published once: readers and feeds know its address, and a new one leaves a redirect.
    address_known: bool,
    /// A BCP 47 tag; empty: the site's language.
    language: String,
    /// The number of the article this one translates.
    translation_of: Option<i64>,
}

/// One link of the provenance chain as the editor shows it.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct OriginDraft {
    outlet_id: Option<i64>,
    url: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone, or empty when unknown.
    published: String,
    byline: String,
}

impl OriginDraft {
    fn to_new(&self, zone: &str, n: usize) -> std::result::Result<NewOrigin, String> {
        let outlet_id = self.outlet_id.ok_or_else(|| format!("Provenance line {n}: choose the outlet."))?;
        let url = masthead_core::AbsoluteUrl::parse(&self.url)
            .map_err(|_| format!("Provenance line {n}: give the article's http or https address there."))?;
        let published_at = match self.published.trim() {
            "" => None,
            raw => Some(
                parse_local(raw, zone)
                    .ok_or_else(|| format!("Provenance line {n}: {raw:?} is not a date and time."))?,
            ),
        };
        Ok(NewOrigin { outlet_id, url, published_at, byline: self.byline.trim().to_owned() })
    }
}

/// A date (`2026-11-02`) or date and time (`2026-11-02T09:30`) in the site's time zone.
fn parse_local(raw: &str, zone: &str) -> Option<jiff::Timestamp> {
    let civil = raw.parse::<jiff::civil::DateTime>().ok().or_else(|| {
        raw.parse::<jiff::civil::Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    })?;
    civil.to_zoned(masthead_core::time::zone(zone)).ok().map(|z| z.timestamp())
}

impl Draft {
    fn from_form(pairs: &[(String, String)]) -> Draft {
        let one =
            |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let many =
            |k: &str| pairs.iter().filter(|(key, _)| key == k).filter_map(|(_, v)| v.parse().ok()).collect();
        let all =
            |k: &str| pairs.iter().filter(|(key, _)| key == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        // Authors in the order the editor numbered them; unnumbered ones keep the list's order.
        let mut author_ids: Vec<i64> = many("author_ids");
        let position = |id: &i64| one(&format!("author_pos_{id}")).trim().parse::<i64>().unwrap_or(i64::MAX);
        author_ids.sort_by_key(position);
        let (outlets, urls, dates, bylines) =
            (all("origin_outlet_id"), all("origin_url"), all("origin_published"), all("origin_byline"));
        let origins = (0..outlets.len())
            .map(|i| {
                let at = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
                OriginDraft {
                    outlet_id: at(&outlets).trim().parse().ok(),
                    url: at(&urls).trim().to_owned(),
                    published: at(&dates).trim().to_owned(),
                    byline: at(&bylines).trim().to_owned(),
                }
            })
            .filter(|o| o.outlet_id.is_some() || !o.url.is_empty())
            .collect();
        Draft {
            author_ids,
            new_tags: one("new_tags"),
            origins,
            revision: one("revision").parse().unwrap_or(0),
            title: one("title").trim().to_owned(),
            slug: one("slug").trim().to_owned(),
            dek: one("dek"),
            body: one("body"),
            body_format: one("body_format"),
            excerpt: one("excerpt"),
            term_ids: many("term_ids"),
            reuse_policy: one("reuse_policy"),
            featured_media_id: one("featured_media_id").trim().parse().ok(),
            featured_alt: one("featured_alt"),
            featured_credit: one("featured_credit"),
            // Shown again after a refused save: only the note beside the address depends on it.
            address_known: one("address_known") == "1",
            language: one("language").trim().to_owned(),
            translation_of: one("translation_of").trim().parse().ok(),
            ..Draft::default()
        }
    }

    fn from_article(a: &Article, staff: &Staff) -> Draft {
        let origins = match &a.provenance {
            Provenance::Own => vec![],
            Provenance::Republished { chain } => chain
                .iter()
                .map(|o| OriginDraft {
                    outlet_id: Some(o.outlet.id),
                    url: o.url.to_string(),
                    published: o
                        .published_at
                        .map(|t| {
                            masthead_core::time::in_zone(t, &a.time_zone)
                                .strftime("%Y-%m-%dT%H:%M")
                                .to_string()
                        })
                        .unwrap_or_default(),
                    byline: o.byline.clone(),
                })
                .collect(),
        };
        Draft {
            origins,
            new_tags: String::new(),
            id: Some(a.id),
            revision: a.revision,
            title: a.title.clone(),
            slug: a.slug.to_string(),
            dek: a.dek.clone(),
            body: a.body.source.clone(),
            body_format: a.body.format.key().to_owned(),
            excerpt: masthead_core::body::own_excerpt(&a.excerpt, &a.body.html),
            author_ids: a.authors.iter().map(|p| p.id).collect(),
            term_ids: a.terms.iter().map(|t| t.id).collect(),
            reuse_policy: a.reuse_policy.map(|p| p.key().to_owned()).unwrap_or_default(),
            featured_media_id: a.featured.as_ref().map(|f| f.media.id),
            featured_url: a.featured.as_ref().map(|f| f.media.public_path()),
            featured_alt: a.featured.as_ref().map(|f| f.alt.clone()).unwrap_or_default(),
            featured_credit: a.featured.as_ref().map(|f| f.credit.clone()).unwrap_or_default(),
            status: a.status.key().to_owned(),
            may_publish: staff.user.may_publish(a),
            may_delete: staff.user.role.may(masthead_core::Action::EditAnyArticle)
                || (a.status == ArticleStatus::Draft && staff.user.may_edit(a)),
            public_url: (a.status == ArticleStatus::Published).then(|| a.path()),
            address_known: a.first_slug.is_some(),
            language: a.language.clone(),
            translation_of: a.translation_of,
        }
    }

    /// The article to save, or what is wrong with the form.
    fn to_input(&self, zone: &str) -> std::result::Result<ArticleInput, String> {
        let reuse_policy = match self.reuse_policy.as_str() {
            "" => None,
            key => Some(key.parse::<ReusePolicy>().map_err(|e| e.to_string())?),
        };
        let origins = self
            .origins
            .iter()
            .enumerate()
            .map(|(i, o)| o.to_new(zone, i + 1))
            .collect::<std::result::Result<_, _>>()?;
        Ok(ArticleInput {
            title: self.title.clone(),
            slug: Some(self.slug.clone()).filter(|s| !s.is_empty()),
            dek: self.dek.clone(),
            body: self.body.clone(),
            body_format: BodyFormat::from_key(&self.body_format).unwrap_or(BodyFormat::Markdown),
            excerpt: self.excerpt.clone(),
            author_ids: self.author_ids.clone(),
            term_ids: self.term_ids.clone(),
            new_tags: self
                .new_tags
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
            featured_media_id: self.featured_media_id,
            featured_alt: self.featured_alt.clone(),
            featured_credit: self.featured_credit.clone(),
            reuse_policy,
            time_zone: None,
            origins,
            language: self.language.clone(),
            translation_of: self.translation_of,
        })
    }
}

async fn render_editor(
    state: &AppState,
    staff: &Staff,
    draft: &Draft,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let site = state.store().site().await?;
    #[derive(Serialize)]
    struct Choice {
        id: i64,
        name: String,
        checked: bool,
        position: Option<usize>,
    }
    #[derive(Serialize)]
    struct Group {
        label: &'static str,
        terms: Vec<Choice>,
    }
    let position = |id: i64| draft.author_ids.iter().position(|a| *a == id).map(|p| p + 1);
    let mut authors: Vec<Choice> = state
        .store()
        .authors()
        .await?
        .into_iter()
        .map(|a| Choice {
            checked: position(a.id).is_some(),
            position: position(a.id),
            id: a.id,
            name: a.name,
        })
        .collect();
    // The article's authors first, in their order; then everyone else, as listed.
    authors.sort_by_key(|c| c.position.unwrap_or(usize::MAX));
    let mut term_groups = Vec::new();
    for (kind, label) in [(TermKind::Region, "Regions"), (TermKind::Theme, "Themes"), (TermKind::Tag, "Tags")]
    {
        let terms = state
            .store()
            .terms(kind)
            .await?
            .into_iter()
            .map(|t| Choice {
                checked: draft.term_ids.contains(&t.id),
                position: None,
                id: t.id,
                name: t.name,
            })
            .collect();
        term_groups.push(Group { label, terms });
    }
    let policies: Vec<_> =
        ReusePolicy::ALL.iter().map(|p| minijinja::context! { key => p.key(), name => p.name() }).collect();
    let outlets: Vec<_> = state
        .store()
        .outlets()
        .await?
        .into_iter()
        .map(|o| minijinja::context! { id => o.id, name => o.name })
        .collect();
    // Taken in from a partner: on what terms, and whether it changed there since.
    let syndicated = match draft.id {
        Some(id) => state.store().syndication(id).await?.map(|y| {
            minijinja::context! {
                terms => y.terms.name(), original_url => y.original_url, locked => y.terms.locks_text(),
                refusal => y.terms.refusal(site.commercial),
                changed => y.changed_upstream_at.map(|t| when(t, &site)),
            }
        }),
        None => None,
    };
    // The chain as it is, and one empty line to add a link to it.
    let mut origins = draft.origins.clone();
    origins.push(OriginDraft::default());
    let newsletter = match draft.id {
        Some(id) => crate::admin::send_views::panel(state, staff, id, draft.status == "published").await?,
        None => None,
    };
    // Closing comments is for those who moderate them.
    let comments = match draft.id {
        Some(id) if staff.user.may(masthead_core::Action::ModerateComments) => Some(minijinja::context! {
            closed => masthead_newsroom::comments::closed_by_newsroom(state.newsroom(), id).await?,
            on => site.comments,
        }),
        _ => None,
    };
    // The saved article, read once: its standing, and the writer's kept draft.
    let saved = match draft.id {
        Some(id) => Some(state.store().article(id).await?),
        None => None,
    };
    // A published article's corrections, and its withdrawal, for those who may publish it.
    let standing = match &saved {
        Some(article) => {
            let id = article.id;
            let copies: Vec<_> = state
                .store()
                .copies_of(id)
                .await?
                .into_iter()
                .map(|c| {
                    let label = masthead_formats::copies::Verdict::from_key(&c.verdict)
                        .map(|v| v.label())
                        .unwrap_or(if c.verdict.is_empty() { "Not checked yet" } else { "Not checked" });
                    minijinja::context! {
                        url => c.url, host => c.host, verdict => c.verdict, label => label, detail => c.detail,
                        checked => c.checked().map(|t| when(t, &site)),
                    }
                })
                .collect();
            let may = staff.user.may_publish(article);
            let published = article.status == ArticleStatus::Published;
            (article.first_slug.is_some() && may).then(|| {
                minijinja::context! {
                    corrections => article.corrections.iter().map(|c| minijinja::context! {
                        date => when(c.made_at, &site), text => c.text.clone() }).collect::<Vec<_>>(),
                    withdrawn => article.withdrawal.as_ref().map(|w| minijinja::context! {
                        date => when(w.at, &site), notice => w.notice.clone() }),
                    may_correct => published,
                    copies => copies,
                    may_withdraw => published && staff.user.role.may(masthead_core::Action::PublishAny),
                }
            })
        }
        None => None,
    };
    // An autosaved draft that differs from the saved article is offered back.
    let editor_html = editor_html(state, &draft.body_format, &draft.body).await;
    let kept_draft = match &saved {
        Some(article) if status == StatusCode::OK => {
            articles::kept_draft(state.newsroom(), &staff.user, article).await?.map(|d| {
                serde_json::json!({
                    "saved_at": d.saved_at.to_string(), "saved": when(d.saved_at, &site), "revision": d.revision,
                    "title": d.fields.title, "dek": d.fields.dek, "excerpt": d.fields.excerpt, "body": d.fields.body,
                })
                .to_string()
            })
        }
        _ => None,
    };
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-article.html",
        minijinja::context! { a => draft, editor_html => editor_html, kept_draft => kept_draft,
        authors => authors, term_groups => term_groups, policies => policies, error => error, notice => notice,
        outlets => outlets, origins => origins, syndicated => syndicated, newsletter => newsletter,
        comments => comments, standing => standing },
    )
}

/// What the rich-text editor is handed when the text is Markdown (`format` not `html`): the text
/// rendered, on the body workers (the editor saves it as HTML from then on); none for HTML.
pub(crate) async fn editor_html(state: &AppState, format: &str, body: &str) -> Option<String> {
    if format == BodyFormat::Html.key() {
        return None;
    }
    let body = body.to_owned();
    state
        .newsroom()
        .work()
        .run(Kind::Body, move || render_body(BodyFormat::Markdown, &body))
        .await
        .ok()
        .map(|b| b.html)
}

/// The editor of the saved article `id`, saying `error` or `notice` (after one of its other
/// forms: the newsletter panel's).
pub(crate) async fn show_editor(
    state: &AppState,
    staff: &Staff,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let article = editable(state, staff, id).await?;
    render_editor(state, staff, &Draft::from_article(&article, staff), status, error, notice).await
}

/// The editor again, with what is wrong with the form.
async fn refuse(state: &AppState, staff: &Staff, draft: &Draft, error: String) -> Result<Response> {
    render_editor(state, staff, draft, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
}

/// The list's search as the site's search reads it, with the last word taken as the start of a
/// word while it is being typed ("freig" finds "freight").
fn typed_query(search: &str) -> masthead_core::SearchQuery {
    let mut query = masthead_core::SearchQuery::parse(search);
    if !search.ends_with([' ', '"'])
        && let Some(masthead_core::SearchTerm::Word { word, prefix }) = query.terms.last_mut()
    {
        *prefix = word.chars().count() >= masthead_core::search::MIN_PREFIX_CHARS;
    }
    query
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let params: Vec<(String, String)> = q
        .as_deref()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (search, status_key) = (get("q"), get("status"));
    let status = match status_key.as_str() {
        "" => None,
        s => Some(s.parse::<ArticleStatus>().map_err(|e| AppError::BadRequest(e.to_string()))?),
    };
    let site = state.store().site().await?;
    let number = |k: &str| get(k).parse::<i64>().ok();
    let filter = masthead_store::ArticleFilter {
        status,
        author_id: number("author"),
        term_id: number("region").or(number("theme")),
        title: None,
        text: Some(typed_query(&search)),
    };
    let found = articles::find(state.newsroom(), &staff.user, filter.clone()).await?;
    let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
    let mut details: std::collections::HashMap<i64, masthead_store::ListDetails> =
        state.store().list_details(&ids).await?.into_iter().map(|d| (d.id, d)).collect();
    let articles: Vec<_> = found
        .into_iter()
        .map(|(id, _, title, status, at)| {
            let d = details.remove(&id);
            minijinja::context! {
                id => id, title => title, status => status.key(), when => when(at, &site),
                authors => d.as_ref().map(|d| d.authors.join(", ")).unwrap_or_default(),
                published => d.as_ref().and_then(|d| d.published_at).map(|t| when(t, &site)),
                thumbnail => d.and_then(|d| d.thumbnail),
            }
        })
        .collect();
    let notice = get("done");
    let mut all_terms = Vec::new();
    for (kind, label) in [(TermKind::Region, "Region"), (TermKind::Theme, "Theme"), (TermKind::Tag, "Tag")] {
        for t in state.store().terms(kind).await? {
            all_terms.push(minijinja::context! { id => t.id, name => format!("{label}: {}", t.name) });
        }
    }
    let option = |id: i64, name: String, chosen: Option<i64>| minijinja::context! { id => id, name => name, selected => chosen == Some(id) };
    let authors: Vec<_> =
        state.store().authors().await?.into_iter().map(|a| option(a.id, a.name, filter.author_id)).collect();
    let regions: Vec<_> = state
        .store()
        .terms(TermKind::Region)
        .await?
        .into_iter()
        .map(|t| option(t.id, t.name, number("region")))
        .collect();
    let themes: Vec<_> = state
        .store()
        .terms(TermKind::Theme)
        .await?
        .into_iter()
        .map(|t| option(t.id, t.name, number("theme")))
        .collect();
    let statuses: Vec<&str> = ArticleStatus::ALL.iter().map(|s| s.key()).collect();
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-articles.html",
        minijinja::context! { articles => articles, statuses => statuses, q => search, status => status_key,
        authors => authors, regions => regions, themes => themes, notice => notice, all_terms => all_terms },
    )
}

pub(crate) async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    let draft =
        Draft { author_ids: staff.user.author_id.into_iter().collect(), revision: 0, ..Draft::default() };
    render_editor(&state, &staff, &draft, StatusCode::OK, None, None).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let draft = Draft::from_form(&pairs);
    let site = state.site().await?;
    let input = match draft.to_input(&site.time_zone) {
        Ok(input) => input,
        Err(error) => return refuse(&state, &staff, &draft, error).await,
    };
    match articles::create(state.newsroom(), &staff.user, input).await {
        Ok(article) => Ok(Redirect::to(&format!("/admin/articles/{}", article.id)).into_response()),
        Err(failure) => refuse(&state, &staff, &draft, refusal(failure)?).await,
    }
}

/// What to tell the writer about a save the newsroom refused; our own faults are errors.
fn refusal(failure: Failure) -> Result<String> {
    match failure {
        Failure::Forbidden(m) => Err(AppError::Forbidden(m)),
        Failure::NotFound(_) => Err(AppError::NotFound),
        Failure::Internal(m) => Err(AppError::Internal(m)),
        other => Ok(other.to_string()),
    }
}

pub(crate) async fn editable(state: &AppState, staff: &Staff, id: i64) -> Result<Article> {
    articles::editable(state.newsroom(), &staff.user, id).await.map_err(|f| match f {
        Failure::NotFound(_) => AppError::NotFound,
        Failure::Forbidden(_) => AppError::Forbidden("You may not change this article.".into()),
        other => other.into(),
    })
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let article = editable(&state, &staff, id).await?;
    render_editor(&state, &staff, &Draft::from_article(&article, &staff), StatusCode::OK, None, None).await
}

/// Publishes a correction to a published article (the editor's "Corrections" panel).
pub(crate) async fn correct(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let seen: i64 = field(&pairs, "revision").parse().unwrap_or(0);
    let outcome =
        articles::correct(state.newsroom(), &staff.user, id, seen, &field(&pairs, "correction")).await;
    amended(&state, &staff, id, outcome, "The correction is published.").await
}

/// Withdraws a published article (the editor's "Corrections" panel).
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let seen: i64 = field(&pairs, "revision").parse().unwrap_or(0);
    let outcome = articles::withdraw(state.newsroom(), &staff.user, id, seen, &field(&pairs, "notice")).await;
    amended(&state, &staff, id, outcome, "The article is withdrawn.").await
}

async fn amended(
    state: &AppState,
    staff: &Staff,
    id: i64,
    outcome: masthead_newsroom::error::Outcome<Article>,
    done: &str,
) -> Result<Response> {
    match outcome {
        Ok(_) => show_editor(state, staff, id, StatusCode::OK, None, Some(done)).await,
        Err(Failure::Stale { .. }) => {
            let error =
                "Someone saved this article since you opened it; nothing was changed. Look again and retry.";
            show_editor(state, staff, id, StatusCode::CONFLICT, Some(error.to_owned()), None).await
        }
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(f @ Failure::Invalid { .. }) => {
            show_editor(state, staff, id, StatusCode::UNPROCESSABLE_ENTITY, Some(f.to_string()), None).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let current = editable(&state, &staff, id).await?;
    let mut draft = Draft::from_form(&pairs);
    draft.id = Some(id);
    draft.status = current.status.key().to_owned();
    draft.may_publish = staff.user.may_publish(&current);
    let site = state.site().await?;
    let change = match field(&pairs, "action").as_str() {
        "schedule" => {
            let at = field(&pairs, "publish_at")
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned(masthead_core::time::zone(&site.time_zone)).ok())
                .map(|z| z.timestamp());
            match at {
                Some(at) => StatusChange::Schedule(at),
                None => {
                    let error = "Give a publication time in the future to schedule.".to_owned();
                    return refuse(&state, &staff, &draft, error).await;
                }
            }
        }
        "publish" => StatusChange::Publish,
        "unpublish" => StatusChange::Unpublish,
        _ => StatusChange::Keep,
    };
    let input = match draft.to_input(&site.time_zone) {
        Ok(input) => input,
        Err(error) => return refuse(&state, &staff, &draft, error).await,
    };
    match articles::update(state.newsroom(), &staff.user, id, draft.revision, input, change).await {
        Ok(article) => {
            let notice = match change {
                StatusChange::Publish => "Published.",
                StatusChange::Unpublish => "Withdrawn from the site.",
                StatusChange::Schedule(_) => "Scheduled.",
                StatusChange::Keep => "Saved.",
            };
            let draft = Draft::from_article(&article, &staff);
            render_editor(&state, &staff, &draft, StatusCode::OK, None, Some(notice)).await
        }
        Err(Failure::Stale { .. }) => conflict(&state, &staff, &draft).await,
        Err(Failure::Invalid { field: "at", .. }) => {
            let error = "Give a publication time in the future to schedule.".to_owned();
            refuse(&state, &staff, &draft, error).await
        }
        Err(failure) => refuse(&state, &staff, &draft, refusal(failure)?).await,
    }
}

/// The page for a save that came too late: both versions, and what differs.
pub(crate) async fn conflict(state: &AppState, staff: &Staff, yours: &Draft) -> Result<Response> {
    let id = yours.id.unwrap_or_default();
    let current = state.store().article(id).await?;
    let site = state.store().site().await?;
    let diff = similar::TextDiff::from_lines(current.body.source.as_str(), yours.body.as_str())
        .unified_diff()
        .header("saved", "yours")
        .to_string();
    admin_page(
        state,
        &site,
        staff,
        StatusCode::CONFLICT,
        "admin-conflict.html",
        minijinja::context! { current => minijinja::context! { id => id, revision => current.revision, title => current.title, body => current.body.source },
        yours => yours, diff => diff },
    )
}

/// `/admin/preview`: the editor's text rendered and sanitised exactly as a save would.
pub(crate) async fn preview(
    State(state): State<AppState>,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let staff = match require_staff(&state, &jar).await {
        Ok(s) => s,
        Err(_) => return Err(AppError::Forbidden("Sign in to preview.".into())),
    };
    let pairs = signed_form(&staff, form)?;
    let body = pairs.iter().find(|(k, _)| k == "body").map(|(_, v)| v.as_str()).unwrap_or_default();
    let body = body.to_owned();
    let format = BodyFormat::from_key(&field(&pairs, "body_format")).unwrap_or(BodyFormat::Markdown);
    let rendered = state.newsroom().work().run(Kind::Body, move || render_body(format, &body)).await;
    let html = rendered.map_err(|e| AppError::BadRequest(format!("The text cannot be shown: {e}.")))?.html;
    Ok(private(StatusCode::OK, html))
}

/// `/admin/articles/{id}/image`: uploads an image and makes it the article's featured image,
/// as a save over the current revision.
pub(crate) async fn upload_image(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    mut form: axum::extract::Multipart,
) -> Result<Response> {
    let current = editable(&state, &staff, id).await?;
    let (upload, _) = read_media_upload(&staff, &mut form).await?;
    match articles::set_featured_image(state.newsroom(), &staff.user, id, upload).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/articles/{id}")).into_response()),
        Err(Failure::Stale { .. }) => conflict(&state, &staff, &Draft::from_article(&current, &staff)).await,
        Err(failure) => {
            let error = refusal(failure)?;
            refuse(&state, &staff, &Draft::from_article(&current, &staff), error).await
        }
    }
}

/// `POST /admin/articles/bulk`: publish, unpublish, delete or file under a term every article
/// ticked in the list; says what was done and what was refused, and why.
pub(crate) async fn bulk(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let ids: Vec<i64> =
        pairs.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).collect();
    let action = match field(&pairs, "bulk").as_str() {
        "publish" => articles::BulkAction::Publish,
        "unpublish" => articles::BulkAction::Unpublish,
        "delete" if field(&pairs, "confirm") == "yes" => articles::BulkAction::Delete,
        "delete" => {
            return Err(AppError::BadRequest(
                "Tick \u{201c}yes, delete them for good\u{201d} to delete articles.".into(),
            ));
        }
        "file" => match field(&pairs, "term").parse() {
            Ok(term) => articles::BulkAction::File(term),
            Err(_) => {
                return Err(AppError::BadRequest(
                    "Choose the region, theme or tag to file them under.".into(),
                ));
            }
        },
        _ => return Err(AppError::BadRequest("Choose what to do with the articles ticked.".into())),
    };
    if ids.is_empty() {
        return Err(AppError::BadRequest("Tick the articles to change first.".into()));
    }
    let outcome =
        articles::bulk(state.newsroom(), &staff.user, &ids, action).await.map_err(AppError::from)?;
    let mut said = format!("{} of {} articles done.", outcome.done, ids.len());
    for (id, why) in &outcome.refused {
        said.push_str(&format!(" Article {id}: {why}."));
    }
    let done: String = url::form_urlencoded::byte_serialize(said.as_bytes()).collect();
    Ok(Redirect::to(&format!("/admin/articles?done={done}")).into_response())
}

/// `POST /admin/articles/{id}/delete`: deletes the article for good, once the box saying so is
/// ticked. A published one's address answers 410 Gone from then on.
pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    if field(&pairs, "confirm") != "yes" {
        return show_editor(
            &state,
            &staff,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Tick \u{201c}yes, delete it for good\u{201d} to delete the article.".into()),
            None,
        )
        .await;
    }
    let title = editable(&state, &staff, id).await?.title;
    articles::delete(state.newsroom(), &staff.user, id).await?;
    let done: String =
        url::form_urlencoded::byte_serialize(format!("Deleted \u{201c}{title}\u{201d}.").as_bytes())
            .collect();
    Ok(Redirect::to(&format!("/admin/articles?done={done}")).into_response())
}
