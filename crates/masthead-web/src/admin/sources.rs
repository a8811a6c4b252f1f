//! Partners' feeds in the admin: the sources with their polling state and last error, a form to
//! add or change one, its log, "pull now", and the queue of articles taken in, each with whether
//! the partner's terms let it be published here. Editors and above.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::{Action, ArticleStatus, FeedFormat, ReusePolicy, Source, SourceTerms, TermKind};

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;
use masthead_newsroom::error::Failure;
use masthead_newsroom::sources::{self, DEFAULT_INTERVAL_MINUTES, SourceRequest};
use masthead_newsroom::staff::Actor;

fn editor(staff: &Staff) -> Result<()> {
    if staff.user.role.may(Action::ManageAuthorsAndTerms) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only editors and administrators manage partners' feeds.".into()))
    }
}

/// The form's values: from what was sent, else from the source, else the defaults.
#[derive(serde::Serialize, Default)]
struct FormValues {
    outlet_id: Option<i64>,
    feed_url: String,
    format: String,
    terms: String,
    term_ids: Vec<i64>,
    auto_publish: bool,
    interval_minutes: i64,
}

impl FormValues {
    fn of(source: Option<&Source>) -> FormValues {
        match source {
            Some(s) => FormValues {
                outlet_id: Some(s.outlet_id),
                feed_url: s.feed_url.to_string(),
                format: s.format.key().into(),
                terms: s.terms.key().into(),
                term_ids: s.term_ids.clone(),
                auto_publish: s.auto_publish,
                interval_minutes: s.interval_minutes,
            },
            None => FormValues {
                format: "auto".into(),
                terms: ReusePolicy::CcByNd.key().into(),
                interval_minutes: DEFAULT_INTERVAL_MINUTES,
                ..FormValues::default()
            },
        }
    }

    fn sent(pairs: &Pairs) -> FormValues {
        FormValues {
            outlet_id: field(pairs, "outlet_id").parse().ok(),
            feed_url: field(pairs, "feed_url"),
            format: field(pairs, "format"),
            terms: field(pairs, "terms"),
            term_ids: pairs
                .iter()
                .filter(|(k, _)| k == "term_ids")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
            auto_publish: field(pairs, "auto_publish") == "on",
            interval_minutes: field(pairs, "interval_minutes").parse().unwrap_or(0),
        }
    }

    fn request(&self) -> SourceRequest {
        SourceRequest {
            outlet_id: self.outlet_id.unwrap_or_default(),
            feed_url: self.feed_url.clone(),
            format: Some(self.format.clone()),
            terms: self.terms.clone(),
            term_ids: self.term_ids.clone(),
            auto_publish: self.auto_publish,
            interval_minutes: Some(self.interval_minutes),
        }
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    editing: Option<&Source>,
    values: &FormValues,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let sources: Vec<_> = state
        .store()
        .sources()
        .await?
        .into_iter()
        .map(|s| {
            minijinja::context! {
                id => s.id, outlet => s.outlet_name, feed_url => s.feed_url.to_string(), format => s.format.label(),
                terms => s.terms.name(), auto_publish => s.auto_publish,
                polled => s.last_polled_at.map(|t| when(t, &site)), next => when(s.next_poll_at, &site),
                failures => s.failures, error => s.last_error,
            }
        })
        .collect();
    let outlets: Vec<_> = state
        .store()
        .outlets()
        .await?
        .into_iter()
        .map(|o| minijinja::context! { id => o.id, name => o.name, selected => Some(o.id) == values.outlet_id })
        .collect();
    let formats: Vec<_> = FeedFormat::ALL
        .iter()
        .map(|f| minijinja::context! { key => f.key(), name => f.label(), selected => f.key() == values.format })
        .collect();
    let terms: Vec<_> = std::iter::once(SourceTerms::Agreement)
        .chain(ReusePolicy::ALL.map(SourceTerms::Policy))
        .map(
            |t| minijinja::context! { key => t.key(), name => t.name(), selected => t.key() == values.terms },
        )
        .collect();
    let mut taxonomy = Vec::new();
    for kind in TermKind::ALL {
        for t in state.store().terms(kind).await? {
            taxonomy.push(minijinja::context! {
                id => t.id, name => format!("{}: {}", kind.label(), t.name), checked => values.term_ids.contains(&t.id),
            });
        }
    }
    let log: Vec<_> = match editing {
        Some(s) => state
            .store()
            .source_events(s.id, 50)
            .await?
            .into_iter()
            .map(|e| minijinja::context! { when => when(e.at, &site), message => e.message })
            .collect(),
        None => vec![],
    };
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-sources.html",
        minijinja::context! { sources => sources,
        editing => editing.map(|s| minijinja::context! { id => s.id, outlet => s.outlet_name.clone(), error => s.last_error.clone() }),
        v => values, outlets => outlets, formats => formats, terms => terms, taxonomy => taxonomy, log => log,
        error => error, notice => notice },
    )
}

pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    editor(&staff)?;
    render(&state, &staff, None, &FormValues::of(None), StatusCode::OK, None, None).await
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    editor(&staff)?;
    let source = state.store().source(id).await?;
    let notice = (q.as_deref() == Some("saved")).then(|| "Saved.".to_owned());
    render(&state, &staff, Some(&source), &FormValues::of(Some(&source)), StatusCode::OK, None, notice).await
}

/// `POST /admin/sources/{id}/delete`: the feed stops and goes, once the box is ticked.
pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    editor(&staff)?;
    let pairs = signed_form(&staff, form)?;
    if crate::admin::form::field(&pairs, "confirm") != "yes" {
        return Err(AppError::BadRequest("Tick \u{201c}yes, delete this feed\u{201d} to delete it.".into()));
    }
    sources::delete(state.newsroom(), &staff.user, id).await?;
    Ok(axum::response::Redirect::to("/admin/sources").into_response())
}

async fn save(
    state: AppState,
    staff: Staff,
    id: Option<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    editor(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let editing = match id {
        Some(id) => Some(state.store().source(id).await?),
        None => None,
    };
    let values = FormValues::sent(&pairs);
    let problem = match sources::save(state.newsroom(), Actor::Staff(&staff.user), id, values.request()).await
    {
        Ok(source) => return Ok(Redirect::to(&format!("/admin/sources/{}?saved", source.id)).into_response()),
        Err(Failure::NotFound(_)) => return Err(AppError::NotFound),
        Err(Failure::Forbidden(m)) => return Err(AppError::Forbidden(m)),
        Err(Failure::Internal(m)) => return Err(AppError::Internal(m)),
        Err(other) => {
            let message = other.to_string();
            let sentence = format!("{}{}", message[..1].to_uppercase(), &message[1..]);
            Some(if sentence.ends_with('.') { sentence } else { format!("{sentence}.") })
        }
    };
    render(&state, &staff, editing.as_ref(), &values, StatusCode::UNPROCESSABLE_ENTITY, problem, None).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save(state, staff, None, form).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save(state, staff, Some(id), form).await
}

pub(crate) async fn pull(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    editor(&staff)?;
    signed_form(&staff, form)?;
    let (status, error, notice) =
        match masthead_newsroom::ingest::pull_source(state.newsroom(), id, &|_, _| {}).await {
            Ok(report) if report.error.is_some() => (StatusCode::OK, Some(report.to_string()), None),
            Ok(report) => (StatusCode::OK, None, Some(report.to_string())),
            Err(masthead_newsroom::ingest::PullError::Busy) => {
                (StatusCode::CONFLICT, Some(masthead_newsroom::ingest::PullError::Busy.to_string()), None)
            }
            Err(masthead_newsroom::ingest::PullError::Store(e)) => return Err(e.into()),
        };
    let source = state.store().source(id).await?;
    render(&state, &staff, Some(&source), &FormValues::of(Some(&source)), status, error, notice).await
}

// The queue -------------------------------------------------------------------------------

async fn render_queue(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let entries: Vec<_> = state
        .store()
        .ingest_queue(200)
        .await?
        .into_iter()
        .map(|e| {
            let y = &e.syndication;
            minijinja::context! {
                id => y.article_id, title => e.title, status => e.status.key(), outlet => e.outlet,
                terms => y.terms.name(), original_url => y.original_url, taken_in => when(y.taken_in_at, &site),
                changed => y.changed_upstream_at.map(|t| when(t, &site)), refusal => y.terms.refusal(site.commercial),
                locked => y.terms.locks_text(), duplicate_of => y.duplicate_of,
                may_publish => e.status != ArticleStatus::Published && staff.user.role.may(Action::PublishAny),
            }
        })
        .collect();
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-queue.html",
        minijinja::context! { entries => entries,
        error => error, notice => notice },
    )
}

pub(crate) async fn queue(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    editor(&staff)?;
    render_queue(&state, &staff, StatusCode::OK, None, None).await
}

/// Accepts an item from the queue: publishes it now, if the partner's terms allow.
pub(crate) async fn accept(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    match sources::accept(state.newsroom(), &staff.user, id).await {
        Ok(article) => {
            let notice = format!("Published: {}.", article.title);
            render_queue(&state, &staff, StatusCode::OK, None, Some(notice)).await
        }
        Err(Failure::Refused(reason)) => {
            render_queue(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(reason), None).await
        }
        Err(Failure::Stale { .. }) => {
            let error = "Someone saved this article a moment ago; look at it again.".to_owned();
            render_queue(&state, &staff, StatusCode::CONFLICT, Some(error), None).await
        }
        Err(other) => Err(other.into()),
    }
}
