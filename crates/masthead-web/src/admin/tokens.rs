//! Admin API tokens in the admin: each staff member makes and revokes their own. A token is
//! shown once, when it is made; only its hash is kept. A token acts with its owner's role.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_store::StoreError;

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::{Staff, new_token, token_hash};
use crate::http::error::{AppError, Result};
use crate::state::AppState;

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    created: Option<(String, String)>,
    error: Option<&str>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let tokens: Vec<_> = state
        .store()
        .api_tokens(staff.user.id)
        .await?
        .into_iter()
        .map(|t| {
            minijinja::context! {
                id => t.id, name => t.name, created => when(t.created_at, &site),
                used => t.last_used_at.map(|u| when(u, &site)),
            }
        })
        .collect();
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-tokens.html",
        minijinja::context! { tokens => tokens,
        created => created.map(|(name, token)| minijinja::context! { name => name, token => token }),
        error => error },
    )
}

pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    render(&state, &staff, StatusCode::OK, None, None).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let name = field(&pairs, "name");
    if name.is_empty() {
        let error =
            "Name the token after what will use it (\"newsletter script\"), so you know what to revoke.";
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error)).await;
    }
    let token = new_token();
    state.store().create_api_token(staff.user.id, &name, &token_hash(&token)).await?;
    state.store().audit(Some(staff.user.id), "API token created", &name).await?;
    render(&state, &staff, StatusCode::CREATED, Some((name, token)), None).await
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    match state.store().revoke_api_token(staff.user.id, id).await {
        Ok(()) => {
            state.store().audit(Some(staff.user.id), "API token revoked", &format!("token {id}")).await?;
            Ok(Redirect::to("/admin/tokens").into_response())
        }
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
