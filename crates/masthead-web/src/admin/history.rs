//! An article's history in the admin: every saved revision (who, when, which fields), each one
//! as a diff against the one before, and a button that restores it. Restoring is itself a save:
//! it makes a new revision, so nothing is lost by it either.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_newsroom::articles;
use masthead_newsroom::error::Failure;

use crate::admin::articles::editable;
use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    editable(&state, &staff, id).await?;
    let (article, revisions) = articles::history(state.newsroom(), &staff.user, id).await?;
    let site = state.store().site().await?;
    let names: HashMap<i64, String> =
        state.store().staff_list().await?.into_iter().map(|(u, _)| (u.id, u.name)).collect();
    let mut rows = Vec::new();
    for r in &revisions {
        let who = match r.user_id {
            Some(uid) => names.get(&uid).cloned().unwrap_or_else(|| "a former colleague".into()),
            None => "Masthead".to_owned(),
        };
        rows.push(minijinja::context! {
            revision => r.revision, who => who, when => when(r.saved_at, &site), changed => articles::changed_labels(&r.changed).join(", "),
            current => r.revision == article.revision,
        });
    }
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-revisions.html",
        minijinja::context! { article => minijinja::context! { id => id, title => article.title, revision => article.revision },
        rows => rows },
    )
}

async fn render_revision(
    state: &AppState,
    staff: &Staff,
    id: i64,
    revision: i64,
    status: StatusCode,
    error: Option<&str>,
    confirm: bool,
) -> Result<Response> {
    editable(state, staff, id).await?;
    let view = articles::revision(state.newsroom(), &staff.user, id, revision).await?;
    let (article, snapshot) = (view.article, view.snapshot);
    // Only the fields this revision changed, word by word.
    let diffs: Vec<_> = view
        .word_diffs
        .into_iter()
        .map(|(name, html)| minijinja::context! { name => name, html => html })
        .collect();
    let site = state.store().site().await?;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-revision.html",
        minijinja::context! { article => minijinja::context! { id => id, title => article.title, revision => article.revision },
        revision => revision, diffs => diffs, body => snapshot.body.source, error => error,
        published => article.status == masthead_core::ArticleStatus::Published, confirm => confirm },
    )
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, revision)): Path<(i64, i64)>,
) -> Result<Response> {
    render_revision(&state, &staff, id, revision, StatusCode::OK, None, false).await
}

pub(crate) async fn restore(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, revision)): Path<(i64, i64)>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let current = editable(&state, &staff, id).await?;
    let seen: i64 = field(&pairs, "revision").parse().unwrap_or(0);
    // A published article's page changes at once: the editor is asked first.
    if current.status == masthead_core::ArticleStatus::Published && field(&pairs, "confirm") != "yes" {
        return render_revision(&state, &staff, id, revision, StatusCode::OK, None, true).await;
    }
    match articles::restore(state.newsroom(), &staff.user, id, revision, seen).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/articles/{id}")).into_response()),
        Err(Failure::Stale { .. }) => {
            let error = "Someone saved this article since you opened this page; look at the history again.";
            render_revision(&state, &staff, id, revision, StatusCode::CONFLICT, Some(error), false).await
        }
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(other) => Err(other.into()),
    }
}
