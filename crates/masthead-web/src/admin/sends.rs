//! Newsletter sends and digests in the admin, for editors and up: the article editor's
//! "Newsletter" panel (ask for a send, withdraw it, a test message), the e-mail's preview, the
//! list of sends and each one's progress, and the digests. Rights, validation and the sending
//! itself are `masthead_newsroom::sends`' and `digests`'; these pages read forms and show
//! outcomes.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::TermKind;
use masthead_newsroom::digests::{self, DigestRequest};
use masthead_newsroom::error::Failure;
use masthead_newsroom::newsletters;
use masthead_newsroom::sends;
use masthead_newsroom::staff::Actor;
use masthead_store::{Digest, SendKind, StoreError};

use crate::admin::articles::show_editor;
use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, private};
use crate::admin::send_views::send_view;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

/// The Content-Security-Policy of an e-mail's preview: its inline styles and any image, never
/// a script, nothing else fetched.
pub(crate) const PREVIEW_POLICY: &str = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'";

/// Failed and uncertain recipients shown on a send's page, of each.
const PROBLEMS_SHOWN: u32 = 100;

fn query_pairs(q: Option<&str>) -> Pairs {
    q.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn ids(pairs: &Pairs, key: &str) -> Vec<i64> {
    pairs.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.parse().ok()).collect()
}

/// What a person can act on, shown beside the form; anything else is a page of its own.
fn refusal(failure: Failure) -> Result<String> {
    match failure {
        Failure::Invalid { message, .. } | Failure::Taken { message, .. } => Ok(message),
        Failure::Refused(message) => Ok(message),
        other => Err(other.into()),
    }
}

// ---- the article editor's panel ----

/// The editor of `article_id` again, saying `error` (422) or `notice`.
async fn back_to_editor(
    state: &AppState,
    staff: &Staff,
    article_id: i64,
    outcome: std::result::Result<String, String>,
) -> Result<Response> {
    match outcome {
        Ok(notice) => show_editor(state, staff, article_id, StatusCode::OK, None, Some(&notice)).await,
        Err(error) => {
            show_editor(state, staff, article_id, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
        }
    }
}

/// `POST /admin/articles/{id}/send`: e-mail the article when it is published (or now).
pub(crate) async fn request(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let asked = sends::request_article(
        state.newsroom(),
        Actor::Staff(&staff.user),
        id,
        &ids(&pairs, "newsletter"),
        &ids(&pairs, "label"),
    )
    .await;
    let outcome = match asked {
        Ok(_) => Ok("The article will go out by e-mail.".to_owned()),
        Err(f) => Err(refusal(f)?),
    };
    back_to_editor(&state, &staff, id, outcome).await
}

/// `POST /admin/articles/{id}/send/cancel`: withdraws the article's send while it waits.
pub(crate) async fn withdraw_for_article(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    let actor = Actor::Staff(&staff.user);
    let outcome = match sends::for_article(state.newsroom(), actor, id).await? {
        None => Err("The article has no send to withdraw.".to_owned()),
        Some(s) => match sends::cancel(state.newsroom(), actor, s.send.id).await {
            Ok(()) => Ok("Withdrawn: the article will not go out by e-mail.".to_owned()),
            Err(f) => Err(refusal(f)?),
        },
    };
    back_to_editor(&state, &staff, id, outcome).await
}

/// `POST /admin/articles/{id}/send/test`: the e-mail to one address, now.
pub(crate) async fn test(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let to = field(&pairs, "to");
    let newsletter = field(&pairs, "newsletter").parse().unwrap_or(0);
    let sent = sends::test_send(state.newsroom(), Actor::Staff(&staff.user), id, newsletter, &to).await;
    let outcome = match sent {
        Ok(()) => Ok(format!("A test message was sent to {to}.")),
        // The mail server's refusal is for the person to act on, not a page of its own.
        Err(Failure::Unavailable(message)) => Err(message),
        Err(f) => Err(refusal(f)?),
    };
    back_to_editor(&state, &staff, id, outcome).await
}

// ---- the preview ----

/// `GET /admin/newsletters/preview?article=ID&newsletter=ID[&part=text]`: the e-mail as a
/// reader of the newsletter gets it, its HTML (under a policy that allows its inline styles and
/// no script) or its text.
pub(crate) async fn preview(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let query = query_pairs(q.as_deref());
    let number = |key: &str| {
        field(&query, key)
            .parse::<i64>()
            .map_err(|_| AppError::BadRequest(format!("Give the {key}'s number (`{key}=`) in the address.")))
    };
    let (article, newsletter) = (number("article")?, number("newsletter")?);
    let (_, copy) = sends::preview(state.newsroom(), Actor::Staff(&staff.user), article, newsletter).await?;
    let (body, content_type) = match field(&query, "part").as_str() {
        "text" => (copy.text, "text/plain; charset=utf-8"),
        _ => (copy.html, "text/html; charset=utf-8"),
    };
    let mut response = private(StatusCode::OK, body);
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PREVIEW_POLICY));
    Ok(response)
}

// ---- sends ----

/// `GET /admin/sends[?before=ID]`: the newest sends, fifty at a time.
pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let query = query_pairs(q.as_deref());
    let before = field(&query, "before").parse::<i64>().ok();
    let actor = Actor::Staff(&staff.user);
    let found = sends::list(state.newsroom(), actor, before).await?;
    let site = state.site().await?;
    let article_ids: Vec<i64> = found.iter().filter_map(|s| s.send.article_id).collect();
    let articles = state.store().articles(&article_ids).await?;
    let digests = digests::list(state.newsroom(), actor).await?;
    let rows: Vec<_> = found
        .iter()
        .map(|s| {
            let title = match s.send.kind {
                SendKind::Article => {
                    articles.iter().find(|a| Some(a.id) == s.send.article_id).map(|a| a.title.as_str())
                }
                SendKind::Digest => {
                    digests.iter().find(|d| Some(d.id) == s.send.digest_id).map(|d| d.name.as_str())
                }
            };
            send_view(s, &site, title)
        })
        .collect();
    // A full page may have older ones behind it.
    let older = (found.len() >= 50)
        .then(|| found.last().map(|s| format!("/admin/sends?before={}", s.send.id)))
        .flatten();
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-sends.html",
        minijinja::context! {
            sends => rows, older, counts => site.newsletter_counts, first_page => before.is_none(),
            mail => state.newsroom().mailer().is_configured(),
        },
    )
}

async fn render_send(state: &AppState, staff: &Staff, id: i64, shown: Shown) -> Result<Response> {
    let actor = Actor::Staff(&staff.user);
    let status = sends::status(state.newsroom(), actor, id).await?;
    let site = state.site().await?;
    let title = match (status.send.kind, status.send.article_id, status.send.digest_id) {
        // An article deleted since is no reason to hide its send.
        (SendKind::Article, Some(article), _) => match state.store().article(article).await {
            Ok(a) => Some(a.title),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        (SendKind::Digest, _, Some(digest)) => {
            digests::list(state.newsroom(), actor).await?.into_iter().find(|d| d.id == digest).map(|d| d.name)
        }
        _ => None,
    };
    let mut problems = Vec::new();
    for kind in ["failed", "uncertain"] {
        for (member, email, error) in state.store().send_recipients_in(id, kind, 0, PROBLEMS_SHOWN).await? {
            problems.push(minijinja::context! { member, email, error, kind });
        }
    }
    admin_page(
        state,
        &site,
        staff,
        shown.status,
        "admin-send.html",
        minijinja::context! {
            send => send_view(&status, &site, title.as_deref()), problems,
            refresh => status.send.status == "sending", counts => site.newsletter_counts,
            shown_at_most => PROBLEMS_SHOWN, error => shown.error, notice => shown.notice,
        },
    )
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

    fn refused(error: String) -> Shown {
        Shown { status: StatusCode::UNPROCESSABLE_ENTITY, error: Some(error), notice: None }
    }
}

/// `GET /admin/sends/{id}`: where a send stands, refreshed every few seconds while it sends.
pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    render_send(&state, &staff, id, Shown::ok()).await
}

/// `POST /admin/sends/{id}/cancel`: withdraws a send that waits.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    match sends::cancel(state.newsroom(), Actor::Staff(&staff.user), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/sends/{id}")).into_response()),
        Err(f) => render_send(&state, &staff, id, Shown::refused(refusal(f)?)).await,
    }
}

// ---- digests ----

fn digest_view(d: &Digest) -> minijinja::Value {
    minijinja::context! {
        id => d.id, name => d.name, newsletter_id => d.newsletter_id, term_id => d.term_id,
        every => d.every, weekday => d.weekday, hour => d.hour, active => d.active,
    }
}

const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

async fn render_digests(
    state: &AppState,
    staff: &Staff,
    editing: Option<minijinja::Value>,
    shown: Shown,
) -> Result<Response> {
    let site = state.site().await?;
    let actor = Actor::Staff(&staff.user);
    let all = digests::list(state.newsroom(), actor).await?;
    let letters = newsletters::list(actor, state.newsroom()).await?;
    let mut term_groups = Vec::new();
    let mut term_names = Vec::new();
    for (kind, label) in [(TermKind::Region, "Regions"), (TermKind::Theme, "Themes"), (TermKind::Tag, "Tags")]
    {
        let terms = state.store().terms(kind).await?;
        term_names.extend(terms.iter().map(|t| (t.id, t.name.clone())));
        let terms: Vec<_> =
            terms.iter().map(|t| minijinja::context! { id => t.id, name => t.name }).collect();
        term_groups.push(minijinja::context! { label, terms });
    }
    let rows: Vec<_> = all
        .iter()
        .map(|d| {
            let newsletter = letters.iter().find(|n| n.id == d.newsletter_id).map(|n| n.name.clone());
            let term =
                d.term_id.and_then(|t| term_names.iter().find(|(id, _)| *id == t).map(|(_, n)| n.clone()));
            let weekday = WEEKDAYS.get(usize::try_from(d.weekday).unwrap_or(0)).copied().unwrap_or_default();
            minijinja::context! { newsletter, term, weekday_name => weekday, ..digest_view(d) }
        })
        .collect();
    let newsletters: Vec<_> = letters
        .iter()
        .map(|n| minijinja::context! { id => n.id, name => n.name, active => n.active })
        .collect();
    let weekdays: Vec<_> =
        WEEKDAYS.iter().enumerate().map(|(i, name)| minijinja::context! { n => i, name }).collect();
    admin_page(
        state,
        &site,
        staff,
        shown.status,
        "admin-digests.html",
        minijinja::context! {
            digests => rows, editing, newsletters, term_groups, weekdays, time_zone => site.time_zone,
            error => shown.error, notice => shown.notice,
        },
    )
}

fn digest_request(pairs: &Pairs) -> DigestRequest {
    // A number that does not parse is one the use case refuses, with its own words.
    let number = |key: &str| field(pairs, key).parse::<i64>().unwrap_or(-1);
    DigestRequest {
        name: field(pairs, "name"),
        newsletter_id: number("newsletter"),
        term_id: field(pairs, "term").parse().ok(),
        every: field(pairs, "every"),
        weekday: number("weekday"),
        hour: number("hour"),
        active: field(pairs, "active") == "on",
    }
}

/// What the form sent, shown again beside its refusal.
fn sent_back(id: Option<i64>, pairs: &Pairs) -> minijinja::Value {
    minijinja::context! {
        id, name => field(pairs, "name"), newsletter_id => field(pairs, "newsletter").parse::<i64>().ok(),
        term_id => field(pairs, "term").parse::<i64>().ok(), every => field(pairs, "every"),
        weekday => field(pairs, "weekday").parse::<i64>().ok(), hour => field(pairs, "hour"),
        active => field(pairs, "active") == "on",
    }
}

/// `GET /admin/digests`.
pub(crate) async fn digests_page(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    render_digests(&state, &staff, None, Shown::ok()).await
}

async fn find_digest(state: &AppState, staff: &Staff, id: i64) -> Result<Digest> {
    digests::list(state.newsroom(), Actor::Staff(&staff.user))
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)
}

/// `GET /admin/digests/{id}`: the list, with the digest's form.
pub(crate) async fn digest_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let digest = find_digest(&state, &staff, id).await?;
    render_digests(&state, &staff, Some(digest_view(&digest)), Shown::ok()).await
}

async fn save(state: &AppState, staff: &Staff, id: Option<i64>, pairs: &Pairs) -> Result<Response> {
    match digests::save(state.newsroom(), Actor::Staff(&staff.user), id, &digest_request(pairs)).await {
        Ok(_) => Ok(Redirect::to("/admin/digests").into_response()),
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(f) => {
            let shown = Shown::refused(refusal(f)?);
            render_digests(state, staff, Some(sent_back(id, pairs)), shown).await
        }
    }
}

/// `POST /admin/digests`: a new digest.
pub(crate) async fn create_digest(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    save(&state, &staff, None, &pairs).await
}

/// `POST /admin/digests/{id}`: changes a digest.
pub(crate) async fn update_digest(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    save(&state, &staff, Some(id), &pairs).await
}

/// `GET /admin/digests/{id}/delete`: asks before deleting.
pub(crate) async fn confirm_delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let digest = find_digest(&state, &staff, id).await?;
    let site = state.site().await?;
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-digest-delete.html",
        minijinja::context! { digest => digest_view(&digest) },
    )
}

/// `POST /admin/digests/{id}/delete`.
pub(crate) async fn delete_digest(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    digests::delete(state.newsroom(), Actor::Staff(&staff.user), id).await?;
    Ok(Redirect::to("/admin/digests").into_response())
}
