//! An article's history in the admin: every saved revision (who, when, which fields), each one
//! as a diff against the one before, and a button that restores it. Restoring is itself a save:
//! it makes a new revision, so nothing is lost by it either.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_store::StoreError;

use crate::admin::{admin_page, when};
use crate::admin_articles::{Pairs, editable, signed_form};
use crate::api_articles::unified_diff;
use crate::auth::Staff;
use crate::{AppState, Result};

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let article = editable(&state, &staff, id).await?;
    let site = state.store().site().await?;
    let revisions = state.store().revisions(id).await?;
    let names: HashMap<i64, String> =
        state.store().staff_list().await?.into_iter().map(|(u, _)| (u.id, u.name)).collect();
    let mut rows = Vec::new();
    for r in &revisions {
        let who = match r.user_id {
            Some(uid) => names.get(&uid).cloned().unwrap_or_else(|| "a former colleague".into()),
            None => "Masthead".to_owned(),
        };
        rows.push(minijinja::context! {
            revision => r.revision, who => who, when => when(r.saved_at, &site), changed => r.changed.join(", "),
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
) -> Result<Response> {
    let article = editable(state, staff, id).await?;
    let snapshot = state.store().revision_snapshot(id, revision).await?;
    let previous =
        if revision > 1 { state.store().revision_snapshot(id, revision - 1).await.ok() } else { None };
    let before = previous.as_ref();
    let diff = |name: &'static str, old: Option<&str>, new: &str| {
        (name, unified_diff(old.unwrap_or(""), new, (&format!("{name} before"), &format!("{name} after"))))
    };
    // Only the fields this revision changed.
    let diffs: Vec<_> = [
        diff("Headline", before.map(|p| p.title.as_str()), &snapshot.title),
        diff("Standfirst", before.map(|p| p.dek.as_str()), &snapshot.dek),
        diff("Text", before.map(|p| p.body.source.as_str()), &snapshot.body.source),
        diff("Excerpt", before.map(|p| p.excerpt.as_str()), &snapshot.excerpt),
    ]
    .into_iter()
    .filter(|(_, text)| !text.is_empty())
    .map(|(name, text)| minijinja::context! { name => name, text => text })
    .collect();
    let site = state.store().site().await?;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-revision.html",
        minijinja::context! { article => minijinja::context! { id => id, title => article.title, revision => article.revision },
        revision => revision, diffs => diffs, body => snapshot.body.source, error => error },
    )
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, revision)): Path<(i64, i64)>,
) -> Result<Response> {
    render_revision(&state, &staff, id, revision, StatusCode::OK, None).await
}

pub(crate) async fn restore(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, revision)): Path<(i64, i64)>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let current = editable(&state, &staff, id).await?;
    let seen: i64 =
        pairs.iter().find(|(k, _)| k == "revision").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut snapshot = state.store().revision_snapshot(id, revision).await?;
    // Restoring brings back the words, not a past status: publishing stays a separate act.
    snapshot.status = current.status;
    snapshot.published_at = current.published_at;
    match state.store().update_article(id, seen, &snapshot, Some(staff.user.id)).await {
        Ok(article) => {
            state
                .store()
                .audit(
                    Some(staff.user.id),
                    "revision restored",
                    &format!("{} (revision {revision})", article.slug),
                )
                .await?;
            Ok(Redirect::to(&format!("/admin/articles/{id}")).into_response())
        }
        Err(StoreError::Stale { .. }) => {
            let error = "Someone saved this article since you opened this page; look at the history again.";
            render_revision(&state, &staff, id, revision, StatusCode::CONFLICT, Some(error)).await
        }
        Err(e) => Err(e.into()),
    }
}
