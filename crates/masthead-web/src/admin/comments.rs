//! Readers' comments in the admin: the queue (held, approved, spam; newest first, a page at a
//! time) with approve, spam, delete and ban for the comments ticked, and closing an article's
//! comments. Editors and up; the rules are `masthead_newsroom::comments`'.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use masthead_core::CommentStatus;
use masthead_newsroom::comments;
use masthead_store::Moderation;

use crate::admin::form::{Pairs, signed_form};
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::paths::query_value;
use crate::state::AppState;
use crate::views::date_view;

const PAGE: u32 = 50;

pub(crate) async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let status = query_value(q.as_deref(), "status")
        .and_then(|s| CommentStatus::parse(&s))
        .unwrap_or(CommentStatus::Held);
    // `before=<seconds>-<id>`: the last comment of the page before.
    let before = query_value(q.as_deref(), "before").and_then(|b| {
        let (at, id) = b.split_once('-')?;
        Some((Timestamp::from_second(at.parse().ok()?).ok()?, id.parse().ok()?))
    });
    let notice = query_value(q.as_deref(), "done");
    let (page, counts) = comments::queue(state.newsroom(), &staff.user, status, before, PAGE).await?;
    let site = state.site().await?;
    let older = (page.len() == PAGE as usize).then(|| {
        let last = &page[page.len() - 1].comment;
        format!("/admin/comments?status={}&before={}-{}", status.key(), last.created_at.as_second(), last.id)
    });
    let rows: Vec<_> = page
        .iter()
        .map(|q| {
            let c = &q.comment;
            minijinja::context! {
                id => c.id, name => c.author_name, email => c.author_email, body_html => c.body_html,
                held_for => c.held_for, date => date_view(c.created_at, &site.time_zone),
                reply => c.parent_id.is_some(), member => c.member_id,
                article => minijinja::context! { title => q.article_title, url => format!("/article/{}", q.article_slug) },
            }
        })
        .collect();
    let tabs: Vec<_> = counts
        .iter()
        .filter(|(s, _)| *s != CommentStatus::Deleted)
        .map(|(s, n)| minijinja::context! { key => s.key(), count => n, current => *s == status })
        .collect();
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-comments.html",
        minijinja::context! { rows, tabs, status => status.key(), older, notice },
    )
}

pub(crate) async fn moderate(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or_default();
    let action = match get("action") {
        "approve" => Moderation::Approve,
        "spam" => Moderation::Spam,
        "delete" => Moderation::Delete,
        "ban" => Moderation::Ban,
        other => return Err(AppError::BadRequest(format!("no such action {other:?}"))),
    };
    let ids: Vec<i64> = pairs.iter().filter(|(k, _)| k == "id").filter_map(|(_, v)| v.parse().ok()).collect();
    let n = comments::moderate(state.newsroom(), &staff.user, &ids, action, Timestamp::now()).await?;
    let status = CommentStatus::parse(get("status")).unwrap_or(CommentStatus::Held);
    let done = match action {
        Moderation::Approve => format!("{n} approved"),
        Moderation::Spam => format!("{n} marked as spam"),
        Moderation::Delete => format!("{n} deleted"),
        Moderation::Ban => format!("{n} marked as spam, their writers banned"),
    };
    let done: String = url::form_urlencoded::byte_serialize(done.as_bytes()).collect();
    Ok(Redirect::to(&format!("/admin/comments?status={}&done={done}", status.key())).into_response())
}

/// Closes or opens an article's comments, from its editor.
pub(crate) async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let closed = pairs.iter().any(|(k, v)| k == "comments" && v == "closed");
    comments::set_closed(state.newsroom(), &staff.user, id, closed).await?;
    Ok(Redirect::to(&format!("/admin/articles/{id}")).into_response())
}
