//! Members and newsletters in the admin, for editors and up: the list of members with search,
//! filters and pages, a member's page, adding one by hand, labels, CSV import and export; the
//! newsletters. The rules (who may, what is valid, consent, all-or-nothing imports) are
//! `masthead_newsroom::members`' and `newsletters`'; these pages read forms and show outcomes.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::{Member, MemberStatus, Newsletter, Site};
use masthead_newsroom::error::Failure;
use masthead_newsroom::members::{self, MemberRequest};
use masthead_newsroom::newsletters::{self, NewsletterRequest};
use masthead_newsroom::staff::Actor;
use masthead_store::{MemberCursor, MemberFilter};

use crate::admin::form::{Pairs, field, read_upload, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

/// Members per page of the list.
const PAGE: u32 = 50;
/// The largest CSV file the admin takes (the command line takes any).
pub(crate) const IMPORT_LIMIT: usize = 20 * 1024 * 1024;

fn query_pairs(q: Option<&str>) -> Pairs {
    q.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

/// A day in the site's time zone, from `YYYY-MM-DD`.
fn day(site: &Site, raw: &str) -> Option<jiff::Timestamp> {
    let date = raw.parse::<jiff::civil::Date>().ok()?;
    let zone = jiff::tz::TimeZone::get(&site.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    date.to_zoned(zone).ok().map(|z| z.timestamp())
}

/// The list's filters, as the filter form sent them.
fn filter_from(site: &Site, pairs: &Pairs) -> MemberFilter {
    MemberFilter {
        search: Some(field(pairs, "q")).filter(|s| !s.is_empty()),
        newsletter: field(pairs, "newsletter").parse().ok(),
        status: field(pairs, "status").parse::<MemberStatus>().ok(),
        joined_after: day(site, &field(pairs, "joined_after")),
        joined_before: day(site, &field(pairs, "joined_before"))
            .map(|t| t + jiff::SignedDuration::from_hours(24)),
        label: field(pairs, "label").parse().ok(),
    }
}

fn newsletter_names(all: &[Newsletter], member: &Member) -> Vec<String> {
    all.iter().filter(|n| member.newsletters.contains(&n.id)).map(|n| n.name.clone()).collect()
}

struct Shown {
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
}

impl Shown {
    fn ok() -> Shown {
        Shown { status: StatusCode::OK, error: None, notice: None }
    }
}

async fn render_list(state: &AppState, staff: &Staff, query: &Pairs, shown: Shown) -> Result<Response> {
    let site = state.site().await?;
    let actor = Actor::Staff(&staff.user);
    let filter = filter_from(&site, query);
    let after = field(query, "after").parse::<MemberCursor>().ok();
    let (page, total) = members::list(actor, state.newsroom(), &filter, after, PAGE).await?;
    let all = newsletters::list(actor, state.newsroom()).await?;
    let labels = members::labels(actor, state.newsroom()).await?;
    let rows: Vec<_> = page
        .members
        .iter()
        .map(|m| {
            minijinja::context! {
                id => m.id, email => m.email, name => m.name, status => m.status.key(),
                joined => when(m.created_at, &site), newsletters => newsletter_names(&all, m),
                labels => m.labels.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
            }
        })
        .collect();
    // The filters, to keep in the next page's address and the export's.
    let kept: Vec<(String, String)> =
        query.iter().filter(|(k, v)| k != "after" && !v.is_empty()).cloned().collect();
    let with = |extra: Option<(&str, String)>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(kept.iter());
        if let Some((k, v)) = extra {
            s.append_pair(k, &v);
        }
        s.finish()
    };
    let next = page.next.map(|c| format!("/admin/members?{}", with(Some(("after", c.to_string())))));
    let export = format!("/admin/members/export?{}", with(None));
    let newsletters: Vec<_> =
        all.iter().map(|n| minijinja::context! { id => n.id, name => n.name, default => n.subscribe_by_default && n.active }).collect();
    let labels: Vec<_> =
        labels.iter().map(|(l, n)| minijinja::context! { id => l.id, name => l.name, count => n }).collect();
    admin_page(
        state,
        &site,
        staff,
        shown.status,
        "admin-members.html",
        minijinja::context! {
            members => rows, total, next, export, newsletters, labels,
            statuses => MemberStatus::ALL.iter().map(|s| s.key()).collect::<Vec<_>>(),
            q => field(query, "q"), f_newsletter => field(query, "newsletter"), f_status => field(query, "status"),
            f_label => field(query, "label"), f_after => field(query, "joined_after"), f_before => field(query, "joined_before"),
            error => shown.error, notice => shown.notice, import_limit_mb => IMPORT_LIMIT / (1024 * 1024),
        },
    )
}

/// A refusal to show on the list, or an error page for what is not the form's fault.
fn refusal(failure: Failure) -> Result<String> {
    match failure {
        Failure::Invalid { message, .. } | Failure::Taken { message, .. } => Ok(message),
        other => Err(other.into()),
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    render_list(&state, &staff, &query_pairs(q.as_deref()), Shown::ok()).await
}

fn ids(pairs: &Pairs, key: &str) -> Vec<i64> {
    pairs.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.parse().ok()).collect()
}

fn request_from(pairs: &Pairs) -> MemberRequest {
    MemberRequest {
        email: field(pairs, "email"),
        name: field(pairs, "name"),
        note: field(pairs, "note"),
        newsletters: ids(pairs, "newsletter"),
        labels: ids(pairs, "label"),
        consented: field(pairs, "consented") == "on",
    }
}

pub(crate) async fn add(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    match members::add(Actor::Staff(&staff.user), state.newsroom(), request_from(&pairs)).await {
        Ok(member) => Ok(Redirect::to(&format!("/admin/members/{}", member.id)).into_response()),
        Err(f) => {
            let error = refusal(f)?;
            render_list(
                &state,
                &staff,
                &Vec::new(),
                Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None },
            )
            .await
        }
    }
}

async fn render_member(state: &AppState, staff: &Staff, member: &Member, shown: Shown) -> Result<Response> {
    let site = state.site().await?;
    let actor = Actor::Staff(&staff.user);
    let all = newsletters::list(actor, state.newsroom()).await?;
    let labels = members::labels(actor, state.newsroom()).await?;
    let newsletters: Vec<_> = all
        .iter()
        .map(|n| minijinja::context! { id => n.id, name => n.name, chosen => member.newsletters.contains(&n.id) })
        .collect();
    let labels: Vec<_> = labels
        .iter()
        .map(|(l, _)| minijinja::context! { id => l.id, name => l.name, chosen => member.labels.iter().any(|x| x.id == l.id) })
        .collect();
    admin_page(
        state,
        &site,
        staff,
        shown.status,
        "admin-member.html",
        minijinja::context! {
            member => minijinja::context! {
                id => member.id, email => member.email, name => member.name, note => member.note,
                status => member.status.key(), source => member.source.key(),
                joined => when(member.created_at, &site),
                consent => member.consent_at.map(|t| when(t, &site)),
            },
            newsletters, labels, error => shown.error, notice => shown.notice,
        },
    )
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let member = members::find(Actor::Staff(&staff.user), state.newsroom(), id).await?;
    render_member(&state, &staff, &member, Shown::ok()).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let actor = Actor::Staff(&staff.user);
    match members::change(actor, state.newsroom(), id, request_from(&pairs)).await {
        Ok(member) => {
            render_member(&state, &staff, &member, Shown { notice: Some("Saved.".into()), ..Shown::ok() })
                .await
        }
        Err(f) => {
            let error = refusal(f)?;
            let member = members::find(actor, state.newsroom(), id).await?;
            render_member(
                &state,
                &staff,
                &member,
                Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None },
            )
            .await
        }
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    members::delete(Actor::Staff(&staff.user), state.newsroom(), id).await?;
    Ok(Redirect::to("/admin/members").into_response())
}

pub(crate) async fn import(
    State(state): State<AppState>,
    staff: Staff,
    mut form: Multipart,
) -> Result<Response> {
    let (file, _) = read_upload(&staff, &mut form).await?;
    let failed =
        |error: String| Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None };
    let Some(file) = file else {
        return render_list(&state, &staff, &Vec::new(), failed("Choose a CSV file to import.".into())).await;
    };
    match members::import_csv(Actor::Staff(&staff.user), state.newsroom(), &file, &|_, _| {}).await {
        Ok(summary) => {
            let notice = format!(
                "Imported a {} export: {} members added ({} subscribed, {} pending), {} already members. Nobody was e-mailed.",
                summary.shape,
                summary.created,
                summary.active,
                summary.created - summary.active,
                summary.skipped
            );
            render_list(&state, &staff, &Vec::new(), Shown { notice: Some(notice), ..Shown::ok() }).await
        }
        Err(f) => {
            let error = format!("Nothing was imported: {}", refusal(f)?);
            render_list(&state, &staff, &Vec::new(), failed(error)).await
        }
    }
}

/// The members the list's filters find, as CSV, streamed a page at a time: memory stays
/// bounded whatever their number. Rights are checked before the first byte.
pub(crate) async fn export(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let site = state.site().await?;
    let filter = filter_from(&site, &query_pairs(q.as_deref()));
    let mut csv = members::CsvExport::start(Actor::Staff(&staff.user), state.newsroom(), &filter).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            let chunk = match csv.next_chunk().await {
                Ok(Some(chunk)) => Ok(axum::body::Bytes::from(chunk)),
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "a members' export stopped");
                    Err(std::io::Error::other(e.to_string()))
                }
            };
            let failed = chunk.is_err();
            // A client that went away ends the export.
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    let mut response = axum::body::Body::new(Chunks(rx)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"members.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A response body of the chunks a task sends; an error cuts the download short, so that a
/// partial file is never taken for a whole one.
struct Chunks(tokio::sync::mpsc::Receiver<std::result::Result<axum::body::Bytes, std::io::Error>>);

impl hyper::body::Body for Chunks {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        self.0.poll_recv(cx).map(|next| next.map(|chunk| chunk.map(hyper::body::Frame::data)))
    }
}

pub(crate) async fn create_label(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    match members::create_label(Actor::Staff(&staff.user), state.newsroom(), &field(&pairs, "name")).await {
        Ok(_) => Ok(Redirect::to("/admin/members").into_response()),
        Err(f) => {
            let error = refusal(f)?;
            render_list(
                &state,
                &staff,
                &Vec::new(),
                Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None },
            )
            .await
        }
    }
}

pub(crate) async fn delete_label(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    members::delete_label(Actor::Staff(&staff.user), state.newsroom(), id).await?;
    Ok(Redirect::to("/admin/members").into_response())
}

// ---- newsletters ----

fn newsletter_view(n: &Newsletter) -> minijinja::Value {
    minijinja::context! {
        id => n.id, slug => n.slug, name => n.name, description => n.description,
        sender_name => n.sender_name, sender_email => n.sender_email, reply_to => n.reply_to,
        default => n.subscribe_by_default, active => n.active, position => n.position,
    }
}

async fn render_newsletters(
    state: &AppState,
    staff: &Staff,
    editing: Option<minijinja::Value>,
    shown: Shown,
) -> Result<Response> {
    let site = state.site().await?;
    let actor = Actor::Staff(&staff.user);
    let all = newsletters::list(actor, state.newsroom()).await?;
    let mut rows = Vec::new();
    for n in &all {
        let filter =
            MemberFilter { newsletter: Some(n.id), status: Some(MemberStatus::Active), ..Default::default() };
        let count = state.store().count_members(&filter).await?;
        rows.push(minijinja::context! { count, ..newsletter_view(n) });
    }
    admin_page(
        state,
        &site,
        staff,
        shown.status,
        "admin-newsletters.html",
        minijinja::context! { newsletters => rows, editing, error => shown.error, notice => shown.notice },
    )
}

fn newsletter_request(pairs: &Pairs) -> NewsletterRequest {
    NewsletterRequest {
        slug: field(pairs, "slug"),
        name: field(pairs, "name"),
        description: field(pairs, "description"),
        sender_name: field(pairs, "sender_name"),
        sender_email: field(pairs, "sender_email"),
        reply_to: field(pairs, "reply_to"),
        subscribe_by_default: field(pairs, "default") == "on",
        active: field(pairs, "active") == "on",
        position: field(pairs, "position").parse().unwrap_or(0),
    }
}

/// What the form sent, shown again beside its refusal.
fn sent_back(id: Option<i64>, pairs: &Pairs) -> minijinja::Value {
    minijinja::context! {
        id, slug => field(pairs, "slug"), name => field(pairs, "name"), description => field(pairs, "description"),
        sender_name => field(pairs, "sender_name"), sender_email => field(pairs, "sender_email"),
        reply_to => field(pairs, "reply_to"), default => field(pairs, "default") == "on",
        active => field(pairs, "active") == "on", position => field(pairs, "position"),
    }
}

pub(crate) async fn newsletters_page(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    render_newsletters(&state, &staff, None, Shown::ok()).await
}

pub(crate) async fn newsletter_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let n = newsletters::find(Actor::Staff(&staff.user), state.newsroom(), id).await?;
    render_newsletters(&state, &staff, Some(newsletter_view(&n)), Shown::ok()).await
}

pub(crate) async fn create_newsletter(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    match newsletters::create(Actor::Staff(&staff.user), state.newsroom(), newsletter_request(&pairs)).await {
        Ok(_) => Ok(Redirect::to("/admin/newsletters").into_response()),
        Err(f) => {
            let error = refusal(f)?;
            let shown = Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None };
            render_newsletters(&state, &staff, Some(sent_back(None, &pairs)), shown).await
        }
    }
}

pub(crate) async fn update_newsletter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    match newsletters::update(Actor::Staff(&staff.user), state.newsroom(), id, newsletter_request(&pairs))
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/newsletters").into_response()),
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(f) => {
            let error = refusal(f)?;
            let shown = Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None };
            render_newsletters(&state, &staff, Some(sent_back(Some(id), &pairs)), shown).await
        }
    }
}
